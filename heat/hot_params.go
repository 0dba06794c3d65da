package heat

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Convert turns a parameter value into the parameter's Heat type the way
// Heat parses values passed by the API:
//
//   - string: a string, or a number or bool formatted as text;
//   - number: a number or numeric string → int when integral, else float64;
//   - boolean: a bool, 0/1, or t/true/on/y/yes/1 and f/false/off/n/no/0 in any case;
//   - comma_delimited_list: a list of scalars, or a string split at commas
//     with the blanks around each item trimmed ("" is the empty list) → []string;
//   - json: a map or list (of any Go shape that encodes to JSON), or a
//     string holding one → map[string]any or []any.
//
// Errors describe the value's kind, never the value, since parameters may
// carry secrets.
func (p *Parameter) Convert(v any) (any, error) {
	switch p.Type {
	case "string":
		switch x := v.(type) {
		case string:
			return x, nil
		case bool:
			return strconv.FormatBool(x), nil
		}
		if f, ok := asNumber(v); ok {
			return formatNumber(f), nil
		}
		return nil, fmt.Errorf("parameter %s is a string, got %s", p.Name, kindOf(v))
	case "number":
		f, ok := asNumber(v)
		if !ok {
			if s, isStr := v.(string); isStr {
				var err error
				f, err = strconv.ParseFloat(strings.TrimSpace(s), 64)
				ok = err == nil
			}
		}
		if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("parameter %s is a number, got %s", p.Name, kindOf(v))
		}
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int(f), nil
		}
		return f, nil
	case "boolean":
		if b, ok := asBool(v); ok {
			return b, nil
		}
		return nil, fmt.Errorf("parameter %s is a boolean, got %s", p.Name, kindOf(v))
	case "comma_delimited_list":
		switch x := v.(type) {
		case string:
			if strings.TrimSpace(x) == "" {
				return []string{}, nil
			}
			parts := strings.Split(x, ",")
			for i := range parts {
				parts[i] = strings.TrimSpace(parts[i])
			}
			return parts, nil
		case []string:
			return append([]string{}, x...), nil
		case []any:
			out := make([]string, len(x))
			for i, item := range x {
				switch it := item.(type) {
				case string:
					out[i] = it
				case bool:
					out[i] = strconv.FormatBool(it)
				default:
					f, ok := asNumber(item)
					if !ok {
						return nil, fmt.Errorf("parameter %s is a comma_delimited_list, item %d is %s", p.Name, i, kindOf(item))
					}
					out[i] = formatNumber(f)
				}
			}
			return out, nil
		}
		return nil, fmt.Errorf("parameter %s is a comma_delimited_list, got %s", p.Name, kindOf(v))
	case "json":
		var doc any
		if s, ok := v.(string); ok {
			if err := json.Unmarshal([]byte(s), &doc); err != nil {
				return nil, fmt.Errorf("parameter %s is json, got a string that is not JSON", p.Name)
			}
		} else {
			switch x := v.(type) {
			case map[string]any, []any:
				doc = x
			default:
				raw, err := json.Marshal(v)
				if err != nil {
					return nil, fmt.Errorf("parameter %s is json, got %s", p.Name, kindOf(v))
				}
				if err := json.Unmarshal(raw, &doc); err != nil {
					return nil, fmt.Errorf("parameter %s is json, got %s", p.Name, kindOf(v))
				}
			}
		}
		switch doc.(type) {
		case map[string]any, []any:
			return doc, nil
		}
		return nil, fmt.Errorf("parameter %s is json (a map or a list), got %s", p.Name, kindOf(doc))
	default:
		return nil, fmt.Errorf("parameter %s has unknown type %q", p.Name, p.Type)
	}
}

// Validate converts v (see Convert) and checks it against the parameter's
// constraints, as Heat does for values passed at create or update.
// Custom constraints ("nova.flavor", …) need the cloud and are not checked.
func (p *Parameter) Validate(v any) (any, error) {
	conv, err := p.Convert(v)
	if err != nil {
		return nil, err
	}
	if err := p.checkConstraints(conv); err != nil {
		return nil, err
	}
	return conv, nil
}

// checkConstraints checks a converted value.
func (p *Parameter) checkConstraints(v any) error {
	for _, c := range p.Constraints {
		if err := c.check(p, v); err != nil {
			if c.Description != "" {
				return fmt.Errorf("parameter %s: %s", p.Name, c.Description)
			}
			return err
		}
	}
	return nil
}

func (c Constraint) check(p *Parameter, v any) error {
	switch {
	case c.Range != nil:
		f, ok := asNumber(v)
		if ok && !c.Range.contains(f) {
			return fmt.Errorf("parameter %s must be in %s", p.Name, c.Range)
		}
	case c.Length != nil:
		n := -1
		switch x := v.(type) {
		case string:
			n = utf8.RuneCountInString(x)
		case []string:
			n = len(x)
		case []any:
			n = len(x)
		case map[string]any:
			n = len(x)
		}
		if n >= 0 && !c.Length.contains(float64(n)) {
			return fmt.Errorf("parameter %s must have a length in %s", p.Name, c.Length)
		}
	case c.Modulo != nil:
		f, ok := asNumber(v)
		if ok {
			r := math.Mod(f, c.Modulo.Step)
			if r != 0 && (r < 0) != (c.Modulo.Step < 0) {
				r += c.Modulo.Step // Python's modulo takes the divisor's sign
			}
			if r != c.Modulo.Offset {
				return fmt.Errorf("parameter %s must be %v modulo %v", p.Name, c.Modulo.Offset, c.Modulo.Step)
			}
		}
	case c.AllowedValues != nil:
		items := []any{v}
		if l, ok := v.([]string); ok {
			items = items[:0]
			for _, s := range l {
				items = append(items, s)
			}
		}
		for _, it := range items {
			if !allowed(it, c.AllowedValues) {
				return fmt.Errorf("parameter %s must be one of the allowed values", p.Name)
			}
		}
	case c.AllowedPattern != "":
		s, ok := v.(string)
		if !ok {
			return nil
		}
		re := c.re
		if re == nil {
			var err error
			if re, err = compilePattern(c.AllowedPattern); err != nil {
				return fmt.Errorf("parameter %s: %w", p.Name, err)
			}
		}
		if !re.MatchString(s) {
			return fmt.Errorf("parameter %s must match the pattern %q", p.Name, c.AllowedPattern)
		}
	}
	return nil
}

func allowed(v any, values []any) bool {
	for _, a := range values {
		switch x := v.(type) {
		case string:
			if as, ok := a.(string); ok && as == x {
				return true
			}
			if af, ok := asNumber(a); ok && formatNumber(af) == x {
				return true
			}
		case bool:
			if ab, ok := asBool(a); ok && ab == x {
				return true
			}
		default:
			if f, ok := asNumber(v); ok {
				if af, ok := asNumber(a); ok && af == f {
					return true
				}
				if as, ok := a.(string); ok {
					if af, err := strconv.ParseFloat(as, 64); err == nil && af == f {
						return true
					}
				}
				continue
			}
			if reflect.DeepEqual(a, v) {
				return true
			}
		}
	}
	return false
}

func (b *Bounds) contains(f float64) bool {
	return (b.Min == nil || f >= *b.Min) && (b.Max == nil || f <= *b.Max)
}

func (b *Bounds) String() string {
	lo, hi := "-inf", "+inf"
	if b.Min != nil {
		lo = formatNumber(*b.Min)
	}
	if b.Max != nil {
		hi = formatNumber(*b.Max)
	}
	return "[" + lo + ", " + hi + "]"
}

// compilePattern compiles a HOT allowed_pattern so that it must match the
// whole value, as Heat requires.
func compilePattern(p string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(`^(?:` + p + `)$`)
	if err != nil {
		return nil, fmt.Errorf("allowed_pattern is not a regular expression Go can check: %w", err)
	}
	return re, nil
}

func asNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float32:
		return float64(x), true
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// asBool parses a boolean the way Heat does (oslo strutils, strict).
func asBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "t", "true", "on", "y", "yes", "1":
			return true, true
		case "f", "false", "off", "n", "no", "0":
			return false, true
		}
		return false, false
	}
	if f, ok := asNumber(v); ok && (f == 0 || f == 1) {
		return f == 1, true
	}
	return false, false
}

func formatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// kindOf names the Go kind of a value without showing it.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case map[string]any:
		return "a map"
	case []any, []string:
		return "a list"
	}
	if _, ok := asNumber(v); ok {
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}
