package storetest

import (
	"fmt"
	"reflect"
	"time"
)

var timeType = reflect.TypeFor[time.Time]()

// filler sets every exported field of a record, however deep, to a value
// that is not the zero value, so that a store that forgets a field is
// caught. A field of a kind it does not know fails the test: teach it the
// kind rather than skipping the field.
type filler struct {
	seed int
	// empty makes maps and slices empty but not nil.
	empty bool
}

func (f *filler) next() int {
	f.seed++
	return f.seed
}

// fill fills v, which must be settable; path names it in errors.
func (f *filler) fill(v reflect.Value, path string) error {
	if v.Type() == timeType {
		n := f.next()
		// Sub-microsecond digits and a zone other than UTC: what the store
		// normalises away.
		v.Set(reflect.ValueOf(time.Date(2025, 6, 7, 8, 9, 10, 0, zone).
			Add(time.Duration(n)*time.Hour + time.Duration(n)*time.Microsecond + 789*time.Nanosecond)))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("%s-%d", path, f.next()))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(f.next()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(f.next()))
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if err := f.fill(p.Elem(), path); err != nil {
			return err
		}
		v.Set(p)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for i := 0; !f.empty && i < 2; i++ {
			k := reflect.New(v.Type().Key()).Elem()
			e := reflect.New(v.Type().Elem()).Elem()
			if err := f.fill(k, path+".key"); err != nil {
				return err
			}
			if err := f.fill(e, path+"[]"); err != nil {
				return err
			}
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Slice:
		n := 2
		if f.empty {
			n = 0
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := 0; i < n; i++ {
			if err := f.fill(s.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		v.Set(s)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			sf := v.Type().Field(i)
			if !sf.IsExported() {
				return fmt.Errorf("storetest: %s.%s is unexported; a store cannot persist it", path, sf.Name)
			}
			if err := f.fill(v.Field(i), path+"."+sf.Name); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("storetest: cannot fill %s of kind %s: teach storetest's filler", path, v.Kind())
	}
	return nil
}

// normaliseTimes rewrites every time inside v the way stores keep times.
func normaliseTimes(v reflect.Value) {
	if v.Type() == timeType {
		if v.CanSet() {
			v.Set(reflect.ValueOf(normalised(v.Interface().(time.Time))))
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			normaliseTimes(v.Elem())
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			normaliseTimes(v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			normaliseTimes(e)
			v.SetMapIndex(k, e)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				normaliseTimes(v.Field(i))
			}
		}
	}
}

// mutate changes, in place, everything a record shares through pointers,
// maps and slices, plus its plain fields. A store that hands out or keeps
// shared parts sees its contents change.
func mutate(v reflect.Value) {
	if v.Type() == timeType {
		if v.CanSet() {
			v.Set(reflect.ValueOf(v.Interface().(time.Time).Add(time.Hour)))
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() {
			v.SetString(v.String() + "-mutated")
		}
	case reflect.Bool:
		if v.CanSet() {
			v.SetBool(!v.Bool())
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.CanSet() {
			v.SetInt(v.Int() + 1000)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			mutate(v.Elem())
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			mutate(v.Index(i))
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			mutate(e)
			v.SetMapIndex(k, e)
		}
		if v.Type().Key().Kind() == reflect.String && v.Type().Elem().Kind() == reflect.String {
			v.SetMapIndex(reflect.ValueOf("mutated").Convert(v.Type().Key()), reflect.ValueOf("yes").Convert(v.Type().Elem()))
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				mutate(v.Field(i))
			}
		}
	}
}

// fieldDiff names the top-level fields in which two records of the same
// struct type differ.
func fieldDiff(want, got any) []string {
	w, g := reflect.Indirect(reflect.ValueOf(want)), reflect.Indirect(reflect.ValueOf(got))
	var out []string
	for i := 0; i < w.NumField(); i++ {
		if !w.Type().Field(i).IsExported() {
			continue
		}
		if !reflect.DeepEqual(w.Field(i).Interface(), g.Field(i).Interface()) {
			out = append(out, fmt.Sprintf("%s: want %#v, got %#v", w.Type().Field(i).Name, w.Field(i).Interface(), g.Field(i).Interface()))
		}
	}
	return out
}
