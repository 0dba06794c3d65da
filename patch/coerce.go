package patch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// coerce converts a decoded JSON value (map[string]any, []any, string,
// json.Number, bool, nil) so it fits type t, the way Magnum's wsme layer
// does: "true"/"False" for booleans, "3" for integers, a number's text for a
// string. null becomes t's zero value. Types with their own UnmarshalJSON
// (Labels, time.Time) get the value untouched and judge it themselves. A nil
// t (below an interface) accepts anything. The result is again a decoded
// JSON value.
func coerce(v any, t reflect.Type) (any, error) {
	if t == nil {
		return v, nil
	}
	if t.Kind() == reflect.Pointer {
		if v == nil {
			return nil, nil
		}
		return coerce(v, t.Elem())
	}
	if decodesItself(t) {
		return v, nil
	}
	switch t.Kind() {
	case reflect.Bool:
		return toBool(v)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return toInt(v, t)
	case reflect.Float32, reflect.Float64:
		return toFloat(v, t)
	case reflect.String:
		return toString(v)
	case reflect.Map:
		return toMap(v, t)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return v, nil // base64 text, checked by the trial decode
		}
		return toList(v, t)
	case reflect.Struct:
		return toStruct(v, t)
	case reflect.Interface, reflect.Array:
		return v, nil
	default:
		return nil, fmt.Errorf("a %s cannot be patched", t)
	}
}

func toBool(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	case json.Number:
		switch x {
		case "0":
			return false, nil
		case "1":
			return true, nil
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "t", "yes", "y", "on", "1":
			return true, nil
		case "false", "f", "no", "n", "off", "0":
			return false, nil
		}
	}
	return nil, fmt.Errorf("must be a boolean, not %s", describe(v))
}

func toInt(v any, t reflect.Type) (any, error) {
	var text string
	switch x := v.(type) {
	case nil:
		return json.Number("0"), nil
	case json.Number:
		text = string(x)
	case string:
		text = strings.TrimSpace(x)
	default:
		return nil, fmt.Errorf("must be an integer, not %s", describe(v))
	}
	probe := reflect.New(t).Elem()
	if probe.CanUint() {
		u, err := strconv.ParseUint(text, 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(text, 64)
			if ferr != nil || f != math.Trunc(f) || f < 0 || f >= math.MaxUint64 {
				return nil, fmt.Errorf("must be a non-negative integer, not %s", describe(v))
			}
			u = uint64(f)
		}
		if probe.OverflowUint(u) {
			return nil, fmt.Errorf("%s is out of range", text)
		}
		return json.Number(strconv.FormatUint(u, 10)), nil
	}
	i, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(text, 64)
		if ferr != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
			return nil, fmt.Errorf("must be an integer, not %s", describe(v))
		}
		i = int64(f)
	}
	if probe.OverflowInt(i) {
		return nil, fmt.Errorf("%s is out of range", text)
	}
	return json.Number(strconv.FormatInt(i, 10)), nil
}

func toFloat(v any, t reflect.Type) (any, error) {
	var text string
	switch x := v.(type) {
	case nil:
		return json.Number("0"), nil
	case json.Number:
		text = string(x)
	case string:
		text = strings.TrimSpace(x)
	default:
		return nil, fmt.Errorf("must be a number, not %s", describe(v))
	}
	f, err := strconv.ParseFloat(text, t.Bits())
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("must be a finite number, not %s", describe(v))
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, t.Bits())), nil
}

func toString(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case json.Number:
		return string(x), nil
	case bool:
		return strconv.FormatBool(x), nil
	default:
		return nil, fmt.Errorf("must be a string, not %s", describe(v))
	}
}

func toMap(v any, t reflect.Type) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		if t.Key().Kind() != reflect.String {
			return v, nil
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := coerce(e, t.Elem())
			if err != nil {
				return nil, fmt.Errorf("member %q: %w", k, err)
			}
			out[k] = c
		}
		return out, nil
	default:
		return nil, fmt.Errorf("must be an object, not %s", describe(v))
	}
}

func toList(v any, t reflect.Type) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := coerce(e, t.Elem())
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", i, err)
			}
			out[i] = c
		}
		return out, nil
	default:
		return nil, fmt.Errorf("must be a list, not %s", describe(v))
	}
}

func toStruct(v any, t reflect.Type) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		s := schemaOf(t)
		out := make(map[string]any, len(x))
		for k, e := range x {
			f, ok := s.lookup(k)
			if !ok {
				return nil, fmt.Errorf("unknown member %q", k)
			}
			c, err := coerce(e, f.typ)
			if err != nil {
				return nil, fmt.Errorf("member %q: %w", k, err)
			}
			out[k] = c
		}
		return out, nil
	default:
		return nil, fmt.Errorf("must be an object, not %s", describe(v))
	}
}

// fits checks that v decodes into a value of type t, and returns the value
// as t's own encoding writes it back (so Labels get their canonical text).
func fits(v any, t reflect.Type) (any, error) {
	if t == nil {
		return v, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dst := reflect.New(t)
	if err := json.Unmarshal(b, dst.Interface()); err != nil {
		return nil, err
	}
	if b, err = json.Marshal(dst.Interface()); err != nil {
		return nil, err
	}
	return decodeGeneric(b)
}

// decodeGeneric decodes JSON into map[string]any, []any, string,
// json.Number, bool and nil.
func decodeGeneric(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// describe names a decoded value for error messages, quoting short text.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return string(x)
	case string:
		if len(x) > 40 {
			return "a string"
		}
		return strconv.Quote(x)
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	default:
		return fmt.Sprintf("%T", v)
	}
}
