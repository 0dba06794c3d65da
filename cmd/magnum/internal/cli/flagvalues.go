package cli

import (
	"strconv"
	"strings"

	"github.com/gomagnum/magnum/labels"
)

// multiFlag collects every value of a repeatable flag (--labels).
type multiFlag struct {
	vals []string
	set  bool
}

func (m *multiFlag) String() string { return strings.Join(m.vals, " ") }
func (m *multiFlag) Set(s string) error {
	m.vals, m.set = append(m.vals, s), true
	return nil
}

// labels parses the collected --labels values with package labels.
func (m *multiFlag) labels() (labels.Labels, error) {
	if !m.set {
		return nil, nil
	}
	return labels.ParseArgs(m.vals)
}

// optInt is an int flag that knows whether it was given.
type optInt struct {
	v   int
	set bool
}

func (o *optInt) String() string {
	if !o.set {
		return ""
	}
	return strconv.Itoa(o.v)
}
func (o *optInt) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return err
	}
	o.v, o.set = n, true
	return nil
}
func (o *optInt) ptr() *int {
	if !o.set {
		return nil
	}
	v := o.v
	return &v
}

// optBool is a boolean switch (--floating-ip-enabled) that knows whether
// it was given; a pair of such switches sets one tri-state value.
type optBool struct {
	target **bool
	value  bool
}

func (o optBool) String() string   { return "" }
func (o optBool) IsBoolFlag() bool { return true }
func (o optBool) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	v := o.value == b
	*o.target = &v
	return nil
}
