package heat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"
	"text/template"

	"github.com/Masterminds/sprig/v3"

	"github.com/gomagnum/magnum/errdefs"
)

// Renderer turns inputs into stack requests for one Definition and one file
// system of templates (a driver's embed.FS). It is safe for concurrent use.
//
// Every file named ".yaml" or ".template" in the file system is a Go
// text/template (sprig's hermetic functions, missingkey=error) executed
// with the definition's resolved Features as its only data, so text
// templating can make structural choices ({{ if .master_lb }}…{{ end }})
// but never sees a user-supplied value: those reach Heat as parameters.
// Files read with get_file are sent as they are, never templated.
//
// Rendering and the structural check (Check) happen once per distinct
// combination of feature values; later renders of the same variant only
// compute and check the parameters.
type Renderer struct {
	fsys  fs.FS
	def   Definition
	tmpls map[string]*template.Template // by path

	mu       sync.Mutex
	variants map[string]*variantEntry
}

type variantEntry struct {
	once sync.Once
	v    *variant
	err  error
}

// variant is one rendered and checked structural variant.
type variant struct {
	template    []byte
	files       map[string]string
	environment []byte
	checked     *checkedStack
	outputs     []string
}

// Rendered is the result of a render.
type Rendered struct {
	// Request has Template, Files, Environment and Parameters set; the
	// caller sets Name, Tags, Timeout and DisableRollback.
	Request StackRequest
	// Features are the structural choices made; ApplyOutputs needs them.
	Features Features
	// Outputs lists the stack outputs the definition's mappings read.
	Outputs []string
}

// NewRenderer checks the definition and parses the templates of fsys. Its
// errors are the driver's programming errors (ErrInvalid).
func NewRenderer(fsys fs.FS, def Definition) (*Renderer, error) {
	if err := def.validate(); err != nil {
		return nil, err
	}
	funcs := sprig.HermeticTxtFuncMap()
	r := &Renderer{fsys: fsys, def: def, tmpls: map[string]*template.Template{}, variants: map[string]*variantEntry{}}
	var list []*errdefs.Error
	err := fs.WalkDir(fsys, ".", func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() || !IsTemplateFile(path) {
			return nil
		}
		data, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		t, err := template.New(path).Option("missingkey=error").Funcs(funcs).Parse(string(data))
		if err != nil {
			list = append(list, &errdefs.Error{Kind: errdefs.ErrInvalid, ID: path, Reason: "not a valid Go template", Err: err})
			return nil
		}
		r.tmpls[path] = t
		return nil
	})
	if err != nil {
		return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "definition", ID: def.Name, Reason: "cannot read the templates", Err: err}
	}
	if r.tmpls[def.Template] == nil && len(list) == 0 {
		list = append(list, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "definition", ID: def.Name,
			Field: "Template", Reason: fmt.Sprintf("%q is not a .yaml or .template file of the file system", def.Template)})
	}
	if err := joinProblems(list); err != nil {
		return nil, err
	}
	return r, nil
}

// Definition returns the renderer's definition (for ApplyOutputs and
// Resolve). Treat it as read-only.
func (r *Renderer) Definition() *Definition { return &r.def }

// Render produces the stack request for the inputs. Errors are ErrInvalid:
// a bad input (a required value missing, a label of the wrong type, a value
// a parameter constraint rejects), each naming its field, or a template
// variant that fails the structural check.
func (r *Renderer) Render(in Inputs) (*Rendered, error) {
	features, err := r.def.features(&in)
	if err != nil {
		return nil, err
	}
	v, err := r.variant(features)
	if err != nil {
		return nil, err
	}
	params, err := r.def.params(&in, features, nil)
	if err != nil {
		return nil, err
	}
	if err := joinProblems(v.checked.checkParameters(params)); err != nil {
		return nil, err
	}
	return &Rendered{
		Request: StackRequest{
			Template:    bytes.Clone(v.template),
			Files:       maps.Clone(v.files),
			Environment: bytes.Clone(v.environment),
			Parameters:  params,
		},
		Features: features,
		Outputs:  slices.Clone(v.outputs),
	}, nil
}

// Params computes only the named mapped parameters, checked against the
// template — e.g. the scale parameters of an existing=true (PATCH) update.
// Unset values are left out. Naming a parameter the definition does not
// map is an ErrInvalid error.
func (r *Renderer) Params(in Inputs, names ...string) (map[string]any, error) {
	only := make(map[string]bool, len(names))
	for _, n := range names {
		only[n] = true
	}
	for _, m := range r.def.Params {
		delete(only, m.Param)
	}
	if len(only) > 0 {
		return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "definition", ID: r.def.Name,
			Reason: fmt.Sprintf("parameters %s are not mapped", strings.Join(sortedKeys(only), ", "))}
	}
	for _, n := range names {
		only[n] = true
	}
	features, err := r.def.features(&in)
	if err != nil {
		return nil, err
	}
	v, err := r.variant(features)
	if err != nil {
		return nil, err
	}
	params, err := r.def.params(&in, features, only)
	if err != nil {
		return nil, err
	}
	p := &problems{file: "parameters"}
	for _, k := range sortedKeys(params) {
		if _, err := v.checked.top.Parameters[k].Validate(params[k]); err != nil {
			p.add(k, "%v", err)
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return params, nil
}

// variant returns the rendered and checked variant for the features,
// building it once.
func (r *Renderer) variant(features Features) (*variant, error) {
	key := r.def.key(features)
	r.mu.Lock()
	e := r.variants[key]
	if e == nil {
		e = &variantEntry{}
		r.variants[key] = e
	}
	r.mu.Unlock()
	e.once.Do(func() { e.v, e.err = r.build(features) })
	return e.v, e.err
}

// build renders a variant: the top-level template, every nested template
// and get_file target it reaches, the environment; then checks it.
func (r *Renderer) build(features Features) (*variant, error) {
	b := &variantBuilder{r: r, data: map[string]any(maps.Clone(features)), files: map[string]string{}}
	registry := r.def.registry(features)
	env := &Environment{ResourceRegistry: registry}
	top, err := b.execute(r.def.Template)
	if err != nil {
		return nil, err
	}
	// Registry targets that are templates are sent, whether used or not.
	for _, k := range sortedKeys(registry) {
		if IsTemplateFile(registry[k]) {
			if err := b.addTemplate(registry[k], env); err != nil {
				return nil, err
			}
		}
	}
	if err := b.follow(r.def.Template, top, env); err != nil {
		return nil, err
	}
	var envDoc []byte
	if len(registry) > 0 {
		envDoc, err = json.Marshal(map[string]any{"resource_registry": registry})
		if err != nil {
			return nil, fmt.Errorf("heat: encode environment: %w", err)
		}
	}
	outputs := r.def.RequiredOutputs(features)
	cs, list := checkStructure(r.def.Template, top, b.files, envDoc, outputs)
	if cs != nil {
		list = append(list, r.checkMappings(cs.top)...)
	}
	if err := joinProblems(list); err != nil {
		return nil, fmt.Errorf("heat: definition %s, variant %s: %w", r.def.Name, r.def.key(features), err)
	}
	return &variant{template: top, files: b.files, environment: envDoc, checked: cs, outputs: outputs}, nil
}

// checkMappings checks that the definition's parameters are declared by
// the top-level template with a compatible type.
func (r *Renderer) checkMappings(top *Template) []*errdefs.Error {
	p := &problems{file: r.def.Template}
	for _, m := range r.def.Params {
		par := top.Parameters[m.Param]
		switch {
		case par == nil:
			p.add("parameters", "the definition maps %q, which the template does not declare", m.Param)
		case par.Type != string(m.Type):
			p.add("parameters."+m.Param, "declared %s, the definition converts to %s", par.Type, m.Type)
		}
	}
	for _, m := range r.def.Outputs {
		if !m.FromParam {
			continue
		}
		for _, k := range m.Outputs {
			if top.Parameters[k] == nil {
				p.add("parameters", "the definition reads stack parameter %q, which the template does not declare", k)
			}
		}
	}
	return p.list
}

type variantBuilder struct {
	r     *Renderer
	data  map[string]any
	files map[string]string
	seen  map[string]bool
}

func (b *variantBuilder) execute(path string) ([]byte, error) {
	t := b.r.tmpls[path]
	if t == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, b.data); err != nil {
		return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "definition", ID: b.r.def.Name,
			Field: path, Reason: "template execution failed", Err: err}
	}
	return buf.Bytes(), nil
}

// addTemplate renders a nested template into files (once) and follows its
// references.
func (b *variantBuilder) addTemplate(path string, env *Environment) error {
	if _, done := b.files[path]; done {
		return nil
	}
	if b.r.tmpls[path] == nil {
		return nil // not in the file system: Check reports it as missing
	}
	data, err := b.execute(path)
	if err != nil {
		return err
	}
	b.files[path] = string(data)
	return b.follow(path, data, env)
}

// follow adds what a rendered template references: nested templates (by
// type, group member type or registry) and get_file targets.
func (b *variantBuilder) follow(name string, data []byte, env *Environment) error {
	if b.seen == nil {
		b.seen = map[string]bool{}
	}
	if b.seen[name] {
		return nil
	}
	b.seen[name] = true
	t, _ := parseTemplate(name, data) // problems are reported by the check
	if t == nil {
		return nil
	}
	for _, rn := range sortedKeys(t.Resources) {
		res := t.Resources[rn]
		for _, def := range []*Resource{res, res.Member} {
			if def == nil {
				continue
			}
			typ := env.ResolveType(def.Name, def.Type)
			if IsTemplateFile(typ) {
				if err := b.addTemplate(typ, env); err != nil {
					return err
				}
			}
		}
	}
	for _, f := range t.fileRefs {
		if b.r.tmpls[f.name] != nil {
			// A .yaml or .template file is always rendered, however it is
			// referenced, so that it reads the same everywhere.
			if err := b.addTemplate(f.name, env); err != nil {
				return err
			}
			continue
		}
		if _, done := b.files[f.name]; done || !fs.ValidPath(f.name) {
			continue
		}
		data, err := fs.ReadFile(b.r.fsys, f.name)
		if err != nil {
			continue // Check reports it as missing
		}
		b.files[f.name] = string(data)
	}
	return nil
}
