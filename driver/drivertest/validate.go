package drivertest

import (
	"errors"
	"fmt"
	"slices"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/template"
)

// validator is the Validate both driver.ClusterDriver and heat.StackDriver
// have.
type validator interface {
	Validate(req *driver.Request) error
}

// checkGood: the case's template passes template validation, selects the
// driver, and a cluster of it passes the driver's Validate.
func checkGood(d driver.Driver, reg *driver.Registry, b *builder, c Case) error {
	t := b.template(c)
	if t == nil {
		return errors.New("the case has no template")
	}
	if err := template.Validate(t, reg); err != nil {
		return fmt.Errorf("template validation refuses a good template: %w", err)
	}
	tuple := driver.Tuple{ServerType: t.ServerType, OSDistro: t.ClusterDistro, COE: t.COE}
	got, err := reg.Lookup(tuple)
	if err != nil {
		return fmt.Errorf("the template's tuple %s: %w", tuple, err)
	}
	if !same(got, d) {
		return fmt.Errorf("the template's tuple %s selects %s, not the driver under test", tuple, got.Info().Name)
	}
	v, ok := d.(validator)
	if !ok {
		return nil
	}
	if err := v.Validate(b.request(c, t)); err != nil {
		return fmt.Errorf("the driver's Validate refuses a cluster of a good template: %w", err)
	}
	return nil
}

// checkBad: the case is refused with ErrInvalid errors naming each of its
// BadFields, by template validation or else by the driver's Validate.
func checkBad(d driver.Driver, reg *driver.Registry, b *builder, c Case) error {
	if len(c.BadFields) == 0 {
		return errors.New("a bad case must name the fields it expects refused (BadFields)")
	}
	t := b.template(c)
	if t == nil {
		return errors.New("the case has no template")
	}
	err := template.Validate(t, reg)
	if err == nil {
		v, ok := d.(validator)
		if !ok {
			return fmt.Errorf("template validation accepts it and the driver has no Validate (want fields %v refused)", c.BadFields)
		}
		err = v.Validate(b.request(c, t))
	}
	if err == nil {
		return fmt.Errorf("accepted; want fields %v refused", c.BadFields)
	}
	if !errors.Is(err, errdefs.ErrInvalid) {
		return fmt.Errorf("refused, but not with errdefs.ErrInvalid: %w", err)
	}
	var fields []string
	for _, p := range errdefs.Problems(err) {
		fields = append(fields, p.Field)
	}
	var errs []error
	for _, f := range c.BadFields {
		if !slices.Contains(fields, f) {
			errs = append(errs, fmt.Errorf("field %q is not named; the errors name %q: %w", f, fields, err))
		}
	}
	for _, p := range errdefs.Problems(err) {
		if p.Reason == "" {
			errs = append(errs, fmt.Errorf("problem on field %q has no reason", p.Field))
		}
	}
	return errors.Join(errs...)
}
