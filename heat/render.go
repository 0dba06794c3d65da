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
// A file named "X.tmpl.yaml" (or "X.tmpl.template") is a Go text/template
// (sprig's hermetic functions, missingkey=error) and is sent to Heat as
// "X.yaml"; it is executed with the definition's resolved Features as its
// only data, so text templating can make structural choices
// ({{ if .master_lb }}…{{ end }}) but never sees a user-supplied value:
// those reach Heat as parameters. Other files — plain HOT templates and
// get_file targets such as scripts — are sent as they are. Files are sent
// under their path in the file system (which is what templates reference),
// and only those that the rendered templates reach.
//
// Rendering and the structural check (Check) happen once per distinct
// combination of feature values; later renders of the same variant only
// compute and check the parameters.
type Renderer struct {
	fsys  fs.FS
	def   Definition
	tmpls map[string]*template.Template // Go templates by the name Heat sees

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
	plain := map[string]bool{}
	err := fs.WalkDir(fsys, ".", func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			return nil
		}
		name, isTmpl := heatName(path)
		if !isTmpl {
			plain[path] = true
			return nil
		}
		data, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		t, err := template.New(name).Option("missingkey=error").Funcs(funcs).Parse(string(data))
		if err != nil {
			list = append(list, &errdefs.Error{Kind: errdefs.ErrInvalid, ID: path, Reason: "not a valid Go template", Err: err})
			return nil
		}
		r.tmpls[name] = t
		return nil
	})
	if err != nil {
		return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "definition", ID: def.Name, Reason: "cannot read the templates", Err: err}
	}
	for _, name := range sortedKeys(r.tmpls) {
		if plain[name] {
			list = append(list, &errdefs.Error{Kind: errdefs.ErrInvalid, ID: name,
				Reason: "both a Go template and a plain file are sent under this name"})
		}
	}
	if r.tmpls[def.Template] == nil && !plain[def.Template] && len(list) == 0 {
		list = append(list, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "definition", ID: def.Name,
			Field: "Template", Reason: fmt.Sprintf("neither %q nor its .tmpl form is in the file system", def.Template)})
	}
	if err := joinProblems(list); err != nil {
		return nil, err
	}
	return r, nil
}

// heatName returns the name Heat sees for a file of the template file
// system, and whether the file is a Go template.
func heatName(path string) (string, bool) {
	for _, ext := range []string{".yaml", ".template"} {
		if base, ok := strings.CutSuffix(path, ".tmpl"+ext); ok && base != "" && !strings.HasSuffix(base, "/") {
			return base + ext, true
		}
	}
	return path, false
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
	b := &variantBuilder{r: r, data: map[string]any(maps.Clone(features)), files: map[string]string{}, parsed: map[string]parsedDoc{}}
	registry := r.def.registry(features)
	env := &Environment{ResourceRegistry: registry}
	top, err := b.execute(r.def.Template)
	if err != nil {
		return nil, err
	}
	if top == nil {
		return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "definition", ID: r.def.Name,
			Field: "Template", Reason: fmt.Sprintf("cannot read %q", r.def.Template)}
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
	cs, list := checkStructure(r.def.Template, top, b.files, envDoc, outputs, b.parsed)
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
	r      *Renderer
	data   map[string]any
	files  map[string]string
	parsed map[string]parsedDoc // rendered templates parsed while following references
}

// execute renders a Go template, or reads a plain file; nil if neither
// exists.
func (b *variantBuilder) execute(name string) ([]byte, error) {
	t := b.r.tmpls[name]
	if t == nil {
		if !fs.ValidPath(name) {
			return nil, nil
		}
		data, err := fs.ReadFile(b.r.fsys, name)
		if err != nil {
			return nil, nil // Check reports it as missing
		}
		return data, nil
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, b.data); err != nil {
		return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "definition", ID: b.r.def.Name,
			Field: name, Reason: "template execution failed", Err: err}
	}
	return buf.Bytes(), nil
}

// addTemplate renders a nested template into files (once) and follows its
// references.
func (b *variantBuilder) addTemplate(path string, env *Environment) error {
	if _, done := b.files[path]; done {
		return nil
	}
	data, err := b.execute(path)
	if err != nil || data == nil {
		return err // nil data: not in the file system, Check reports it as missing
	}
	b.files[path] = string(data)
	return b.follow(path, data, env)
}

// follow adds what a rendered template references: nested templates (by
// type, group member type or registry) and get_file targets.
func (b *variantBuilder) follow(name string, data []byte, env *Environment) error {
	if _, done := b.parsed[name]; done {
		return nil
	}
	t, p := parseTemplate(name, data) // the check reports the problems
	b.parsed[name] = parsedDoc{t: t, p: p}
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
		if _, done := b.files[f.name]; done {
			continue
		}
		// get_file content is sent as it is: a Go template is rendered,
		// anything else (scripts, cloud-config) is never templated.
		data, err := b.execute(f.name)
		if err != nil {
			return err
		}
		if data != nil {
			b.files[f.name] = string(data)
		}
	}
	return nil
}
