package drivertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/heat"
)

// canary is a user-supplied value (the keypair) planted in rendered
// requests: it must travel as a Heat parameter, never inside template text.
const canary = "dtcanary-7f3e1b"

// checkRender renders a case's stack and its scale update and checks them
// structurally. ctx bounds the certificate work.
func checkRender(ctx context.Context, sd heat.StackDriver, b *builder, c Case, requiredOutputs []string) error {
	t := b.template(c)
	if t == nil {
		return errors.New("the case has no template")
	}
	t.KeyPairID = canary
	req := b.request(c, t)
	if err := b.withCAs(ctx, req); err != nil {
		return err
	}
	if err := safely(func() error { return sd.Validate(req) }); err != nil {
		return fmt.Errorf("the driver's Validate: %w", err)
	}
	var sr heat.StackRequest
	var f heat.Features
	if err := safely(func() (err error) { sr, f, err = sd.RenderStack(req); return err }); err != nil {
		return fmt.Errorf("RenderStack: %w", err)
	}
	var errs []error
	if err := heat.Check(sr, requiredOutputs); err != nil {
		errs = append(errs, fmt.Errorf("the rendered stack fails the structural check: %w", err))
	}
	if bytes.Contains(sr.Template, []byte(canary)) {
		errs = append(errs, errors.New("a user-supplied value (the keypair) is written into the top-level template text; it must travel as a parameter"))
	}
	for name, body := range sr.Files {
		if strings.Contains(body, canary) {
			errs = append(errs, fmt.Errorf("a user-supplied value (the keypair) is written into file %s; it must travel as a parameter", name))
		}
	}
	var again heat.StackRequest
	if err := safely(func() (err error) { again, _, err = sd.RenderStack(req); return err }); err != nil {
		errs = append(errs, fmt.Errorf("RenderStack a second time: %w", err))
	} else if !bytes.Equal(again.Template, sr.Template) || !slices.Equal(slices.Sorted(maps.Keys(again.Files)), slices.Sorted(maps.Keys(sr.Files))) {
		errs = append(errs, errors.New("rendering the same request twice gives different templates or file sets"))
	}
	var sf heat.Features
	if err := safely(func() (err error) { sf, err = sd.StackFeatures(req); return err }); err != nil {
		errs = append(errs, fmt.Errorf("StackFeatures: %w", err))
	} else if !reflect.DeepEqual(sf, f) {
		errs = append(errs, fmt.Errorf("StackFeatures %v differ from the features RenderStack used %v", sf, f))
	}
	if err := checkScale(sd, req, sr); err != nil {
		errs = append(errs, err)
	}
	if err := checkOutputsRobust(sd, req, sr, f); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// checkScale renders the update adding a worker and checks it against the
// stack it changes.
func checkScale(sd heat.StackDriver, req *driver.Request, sr heat.StackRequest) error {
	up := cloneRequest(req)
	worker(up).NodeCount++
	up.Cluster.NodeCount++
	var upd heat.UpdateRequest
	if err := safely(func() (err error) { upd, err = sd.ScaleStack(up); return err }); err != nil {
		return fmt.Errorf("ScaleStack: %w", err)
	}
	if !upd.Existing {
		if err := heat.Check(heat.StackRequest{Template: upd.Template, Files: upd.Files, Environment: upd.Environment, Parameters: upd.Parameters}, nil); err != nil {
			return fmt.Errorf("the scale update's stack fails the structural check: %w", err)
		}
		return nil
	}
	if len(upd.Template) > 0 {
		return errors.New("the scale update reuses the stack (Existing) but sends a template")
	}
	top, err := heat.ParseTemplate("template", sr.Template)
	if err != nil {
		return fmt.Errorf("parse the rendered template: %w", err)
	}
	var errs []error
	if len(upd.Parameters) == 0 {
		errs = append(errs, errors.New("the scale update changes no parameter"))
	}
	for _, p := range append(slices.Sorted(maps.Keys(upd.Parameters)), upd.ClearParameters...) {
		if _, ok := top.Parameters[p]; !ok {
			errs = append(errs, fmt.Errorf("the scale update sets or clears %q, which the stack's template does not declare", p))
		}
	}
	merged := sr
	merged.Parameters = maps.Clone(sr.Parameters)
	if merged.Parameters == nil {
		merged.Parameters = map[string]any{}
	}
	maps.Copy(merged.Parameters, upd.Parameters)
	for _, p := range upd.ClearParameters {
		delete(merged.Parameters, p)
	}
	if err := heat.Check(merged, nil); err != nil {
		errs = append(errs, fmt.Errorf("the stack with the scale update's parameters fails the structural check: %w", err))
	}
	return errors.Join(errs...)
}

// checkOutputsRobust feeds ApplyOutputs stacks without outputs and with
// outputs of the wrong shape: errors are fine, panics are not.
func checkOutputsRobust(sd heat.StackDriver, req *driver.Request, sr heat.StackRequest, f heat.Features) error {
	top, err := heat.ParseTemplate("template", sr.Template)
	if err != nil {
		return fmt.Errorf("parse the rendered template: %w", err)
	}
	garbage := map[string]any{}
	for name := range top.Outputs {
		garbage[name] = map[string]any{"not": []any{"what", 42}}
	}
	var errs []error
	for _, s := range []*heat.Stack{
		{ID: "x", Status: string(cluster.CreateComplete)},
		{ID: "x", Status: string(cluster.CreateComplete), Outputs: garbage, Parameters: map[string]string{"number_of_minions": "many"}},
	} {
		r := cloneRequest(req)
		if err := safely(func() error { _ = sd.ApplyOutputs(s, f, r.Cluster, r.NodeGroups); return nil }); err != nil {
			errs = append(errs, fmt.Errorf("ApplyOutputs on a stack with missing or malformed outputs: %w", err))
		}
	}
	if err := safely(func() error { _ = sd.ApplyOutputs(nil, f, req.Cluster, req.NodeGroups); return nil }); err != nil {
		errs = append(errs, fmt.Errorf("ApplyOutputs on a nil stack: %w", err))
	}
	return errors.Join(errs...)
}

// safely runs f, turning a panic into an error: drivers must not panic
// across the API.
func safely(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return f()
}
