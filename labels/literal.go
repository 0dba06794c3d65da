package labels

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"unicode/utf8"
)

// maxLiteralDepth bounds the nesting of lists and dicts ParseLiteral accepts,
// so hostile input cannot exhaust the stack.
const maxLiteralDepth = 64

// maxPrefixedIntLength bounds 0x/0o/0b integers, whose conversion to decimal
// costs more than linear time.
const maxPrefixedIntLength = 256

// ParseLiteral parses the string form of a dict or list that Magnum accepts
// in a PATCH value (for example for /labels or /node_taints): a JSON value,
// or a Python literal as Python's repr writes it.
//
// The Python form accepts dicts, lists, single- or double-quoted strings
// (optional u prefix, backslash escapes, adjacent strings concatenated),
// int and float numbers (sign, '_' between digits, 0x/0o/0b integers),
// True, False and None — and JSON's true, false and null. Trailing commas
// are allowed. It is a parser, not an evaluator: nothing is executed.
// Sets, tuples, bytes, complex numbers and names other than those above are
// rejected, as are dict keys that are not strings. Lists and dicts may nest
// 64 deep, in either form.
//
// The result is built from map[string]any, []any, string, json.Number
// (always valid JSON number text), bool and nil, so it can be marshalled
// back to JSON. Input must be valid UTF-8. Errors are errdefs.ErrInvalid.
func ParseLiteral(s string) (any, error) {
	if !utf8.ValidString(s) {
		return nil, invalidf("literal is not valid UTF-8")
	}
	if json.Valid([]byte(s)) {
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, invalidf("literal: %v", err)
		}
		if depthOf(v) > maxLiteralDepth {
			return nil, invalidf("literal is nested deeper than %d", maxLiteralDepth)
		}
		return v, nil
	}
	p := &literalParser{s: s}
	p.skipSpace()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.s) {
		return nil, p.errorf("unexpected %q after the value", p.rest())
	}
	return v, nil
}

// ParseDictString parses the string form of a labels dict: a JSON object or
// a Python-literal dict (see ParseLiteral), such as
// "{'kube_tag': 'v1.30.1', 'auto_healing_enabled': True}". Values must be
// strings, numbers or booleans and are converted to text as
// Labels.UnmarshalJSON does (True → "true"). The result is never nil.
func ParseDictString(s string) (Labels, error) {
	v, err := ParseLiteral(s)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalidf("labels must be a dict, not %s", kindOf(v))
	}
	return fromGeneric(m)
}

// depthOf is the nesting depth of lists and dicts in a decoded value.
func depthOf(v any) int {
	deepest := 0
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			deepest = max(deepest, depthOf(e))
		}
	case []any:
		for _, e := range x {
			deepest = max(deepest, depthOf(e))
		}
	default:
		return 0
	}
	return deepest + 1
}

// kindOf names the kind of a generic value for error messages.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "a dict"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// literalParser is a recursive-descent parser over a Python literal.
type literalParser struct {
	s   string
	pos int
}

func (p *literalParser) errorf(format string, args ...any) error {
	return invalidf("literal at offset %d: %s", p.pos, fmt.Sprintf(format, args...))
}

// rest is a short excerpt of the unparsed input, for error messages.
func (p *literalParser) rest() string {
	r := p.s[p.pos:]
	if len(r) > 16 {
		r = r[:16]
		for !utf8.ValidString(r) {
			r = r[:len(r)-1]
		}
		r += "…"
	}
	return r
}

func (p *literalParser) skipSpace() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			p.pos++
		default:
			return
		}
	}
}

func (p *literalParser) value(depth int) (any, error) {
	if p.pos >= len(p.s) {
		return nil, p.errorf("unexpected end of input")
	}
	switch c := p.s[p.pos]; {
	case c == '{':
		return p.dict(depth + 1)
	case c == '[':
		return p.list(depth + 1)
	case c == '\'' || c == '"':
		return p.strings()
	case c == '-' || c == '+' || c == '.' || isDigit(c):
		return p.number()
	case isNameStart(c):
		return p.name()
	default:
		return nil, p.errorf("unexpected %q", p.rest())
	}
}

func (p *literalParser) dict(depth int) (any, error) {
	if depth > maxLiteralDepth {
		return nil, p.errorf("nested deeper than %d", maxLiteralDepth)
	}
	p.pos++ // '{'
	out := map[string]any{}
	for {
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == '}' {
			p.pos++
			return out, nil
		}
		keyAt := p.pos
		k, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		key, ok := k.(string)
		if !ok {
			p.pos = keyAt
			return nil, p.errorf("dict keys must be strings, not %s", kindOf(k))
		}
		p.skipSpace()
		if p.pos >= len(p.s) || p.s[p.pos] != ':' {
			return nil, p.errorf("expected ':' after dict key %q", key)
		}
		p.pos++
		p.skipSpace()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		out[key] = v
		if done, err := p.separator('}'); err != nil || done {
			return out, err
		}
	}
}

func (p *literalParser) list(depth int) (any, error) {
	if depth > maxLiteralDepth {
		return nil, p.errorf("nested deeper than %d", maxLiteralDepth)
	}
	p.pos++ // '['
	out := []any{}
	for {
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == ']' {
			p.pos++
			return out, nil
		}
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		if done, err := p.separator(']'); err != nil || done {
			return out, err
		}
	}
}

// separator consumes the ',' between items, or the closing bracket (done).
// A ',' may be followed by the closing bracket (a trailing comma).
func (p *literalParser) separator(closing byte) (done bool, err error) {
	p.skipSpace()
	if p.pos >= len(p.s) {
		return false, p.errorf("expected ',' or %q, found the end of input", closing)
	}
	switch p.s[p.pos] {
	case ',':
		p.pos++
		return false, nil
	case closing:
		p.pos++
		return true, nil
	default:
		return false, p.errorf("expected ',' or %q, found %q", closing, p.rest())
	}
}

// strings reads one string literal and any adjacent ones ('a' 'b' == 'ab').
func (p *literalParser) strings() (any, error) {
	var b strings.Builder
	for {
		if err := p.str(&b); err != nil {
			return nil, err
		}
		save := p.pos
		p.skipSpace()
		if p.pos < len(p.s) && (p.s[p.pos] == '\'' || p.s[p.pos] == '"' || p.atPrefixedString()) {
			continue
		}
		p.pos = save
		return b.String(), nil
	}
}

// atPrefixedString reports whether a u-prefixed string starts here.
func (p *literalParser) atPrefixedString() bool {
	return p.pos+1 < len(p.s) && (p.s[p.pos] == 'u' || p.s[p.pos] == 'U') &&
		(p.s[p.pos+1] == '\'' || p.s[p.pos+1] == '"')
}

// str reads one quoted string (the u prefix already skipped or absent).
func (p *literalParser) str(b *strings.Builder) error {
	if p.s[p.pos] == 'u' || p.s[p.pos] == 'U' {
		p.pos++
	}
	quote := p.s[p.pos]
	p.pos++
	for {
		if p.pos >= len(p.s) {
			return p.errorf("unterminated string")
		}
		c := p.s[p.pos]
		switch {
		case c == quote:
			p.pos++
			return nil
		case c == '\n' || c == '\r':
			return p.errorf("line break inside a string")
		case c == '\\':
			if err := p.escape(b); err != nil {
				return err
			}
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
}

// escape decodes one backslash escape as Python does. Unknown escapes keep
// the backslash; lone surrogates become U+FFFD.
func (p *literalParser) escape(b *strings.Builder) error {
	p.pos++ // '\'
	if p.pos >= len(p.s) {
		return p.errorf("unterminated string")
	}
	c := p.s[p.pos]
	p.pos++
	switch c {
	case '\\', '\'', '"':
		b.WriteByte(c)
		return nil
	case 'a':
		b.WriteByte('\a')
		return nil
	case 'b':
		b.WriteByte('\b')
		return nil
	case 'f':
		b.WriteByte('\f')
		return nil
	case 'n':
		b.WriteByte('\n')
		return nil
	case 'r':
		b.WriteByte('\r')
		return nil
	case 't':
		b.WriteByte('\t')
		return nil
	case 'v':
		b.WriteByte('\v')
		return nil
	case '\n':
		return nil // line continuation
	case '\r':
		if p.pos < len(p.s) && p.s[p.pos] == '\n' {
			p.pos++
		}
		return nil
	case 'x':
		return p.hexEscape(b, 2)
	case 'u':
		return p.hexEscape(b, 4)
	case 'U':
		return p.hexEscape(b, 8)
	case 'N':
		return p.errorf(`\N{...} escapes are not supported`)
	}
	if '0' <= c && c <= '7' {
		r := rune(c - '0')
		for n := 1; n < 3 && p.pos < len(p.s) && '0' <= p.s[p.pos] && p.s[p.pos] <= '7'; n++ {
			r = r*8 + rune(p.s[p.pos]-'0')
			p.pos++
		}
		b.WriteRune(r)
		return nil
	}
	b.WriteByte('\\')
	p.pos-- // keep the character after the backslash as ordinary text
	return nil
}

func (p *literalParser) hexEscape(b *strings.Builder, digits int) error {
	if p.pos+digits > len(p.s) {
		return p.errorf("truncated \\%c escape", p.s[p.pos-1])
	}
	var r rune
	for _, c := range []byte(p.s[p.pos : p.pos+digits]) {
		d, ok := hexValue(c)
		if !ok {
			return p.errorf("bad hex digit %q in escape", c)
		}
		r = r*16 + rune(d)
	}
	if r > utf8.MaxRune {
		return p.errorf("escape \\U%s is beyond Unicode", p.s[p.pos:p.pos+digits])
	}
	p.pos += digits
	b.WriteRune(r) // surrogates are written as U+FFFD
	return nil
}

func hexValue(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// name reads True/False/None (or JSON's true/false/null), or a u-prefixed
// string.
func (p *literalParser) name() (any, error) {
	if p.atPrefixedString() {
		return p.strings()
	}
	start := p.pos
	for p.pos < len(p.s) && isNameChar(p.s[p.pos]) {
		p.pos++
	}
	switch word := p.s[start:p.pos]; word {
	case "True", "true":
		return true, nil
	case "False", "false":
		return false, nil
	case "None", "null":
		return nil, nil
	default:
		p.pos = start
		return nil, p.errorf("unknown name %q (only True, False and None)", word)
	}
}

// number reads a Python int or float literal and returns it as JSON number
// text: '+' and '_' dropped, missing zeros added ("5." → "5", ".5" → "0.5"),
// 0x/0o/0b integers in decimal.
func (p *literalParser) number() (any, error) {
	start := p.pos
	neg := false
	if c := p.s[p.pos]; c == '-' || c == '+' {
		neg = c == '-'
		p.pos++
	}
	if p.pos+1 < len(p.s) && p.s[p.pos] == '0' && strings.IndexByte("xXoObB", p.s[p.pos+1]) >= 0 {
		return p.prefixedInt(start, neg)
	}
	intPart, err := p.digits()
	if err != nil {
		return nil, err
	}
	var frac, exp string
	isFloat := false
	if p.pos < len(p.s) && p.s[p.pos] == '.' {
		isFloat = true
		p.pos++
		if frac, err = p.digits(); err != nil {
			return nil, err
		}
	}
	if intPart == "" && frac == "" {
		p.pos = start
		return nil, p.errorf("malformed number %q", p.rest())
	}
	if p.pos < len(p.s) && (p.s[p.pos] == 'e' || p.s[p.pos] == 'E') {
		isFloat = true
		p.pos++
		sign := ""
		if p.pos < len(p.s) && (p.s[p.pos] == '-' || p.s[p.pos] == '+') {
			sign = p.s[p.pos : p.pos+1]
			p.pos++
		}
		d, err := p.digits()
		if err != nil {
			return nil, err
		}
		if d == "" {
			p.pos = start
			return nil, p.errorf("malformed number %q", p.rest())
		}
		exp = "e" + sign + d
	}
	if p.pos < len(p.s) && (isNameChar(p.s[p.pos]) || p.s[p.pos] == '.') {
		p.pos = start
		return nil, p.errorf("malformed number %q", p.rest())
	}
	if !isFloat && len(intPart) > 1 && intPart[0] == '0' && strings.Trim(intPart, "0") != "" {
		p.pos = start
		return nil, p.errorf("integers with leading zeros are ambiguous: %q", p.rest())
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(intPart)
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	b.WriteString(exp)
	return json.Number(b.String()), nil
}

// digits reads decimal digits with single '_' between them and returns the
// digits without the underscores.
func (p *literalParser) digits() (string, error) {
	start := p.pos
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case isDigit(c):
			b.WriteByte(c)
		case c == '_' && p.pos > start && isDigit(p.s[p.pos-1]) && p.pos+1 < len(p.s) && isDigit(p.s[p.pos+1]):
		default:
			return b.String(), nil
		}
		p.pos++
	}
	return b.String(), nil
}

func (p *literalParser) prefixedInt(start int, neg bool) (any, error) {
	end := p.pos + 2
	for end < len(p.s) && (isNameChar(p.s[end])) {
		end++
	}
	text := p.s[p.pos:end]
	if len(text) > maxPrefixedIntLength {
		return nil, p.errorf("number is longer than %d characters", maxPrefixedIntLength)
	}
	n, ok := new(big.Int).SetString(text, 0) // base prefix and '_' as in Go and Python
	if !ok || strings.Contains(text, "__") || strings.HasSuffix(text, "_") {
		p.pos = start
		return nil, p.errorf("malformed number %q", p.rest())
	}
	if neg {
		n.Neg(n)
	}
	p.pos = end
	return json.Number(n.String()), nil
}

func isDigit(c byte) bool     { return '0' <= c && c <= '9' }
func isNameStart(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isNameChar(c byte) bool  { return isNameStart(c) || isDigit(c) }
