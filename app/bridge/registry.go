package bridge

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
)

var (
	contextType = reflect.TypeFor[context.Context]()
	errorType   = reflect.TypeFor[error]()
	serviceName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// method is one callable service method.
type method struct {
	name    string        // "Service.Method"
	fn      reflect.Value // bound to its receiver
	ctx     bool          // first parameter is a context.Context
	params  []reflect.Type
	returns bool // (T, error) rather than error alone
}

// registry holds the callable methods by "Service.Method".
type registry struct {
	mu       sync.RWMutex
	services map[string]bool
	methods  map[string]*method
}

func newRegistry() *registry {
	return &registry{services: map[string]bool{}, methods: map[string]*method{}}
}

// register adds svc's callable methods under name and returns the names of
// the exported methods it skipped, for the log.
func (r *registry) register(name string, svc any) (skipped []string, err error) {
	if svc == nil {
		return nil, fmt.Errorf("%w: %q is nil", ErrBadService, name)
	}
	if name == "" {
		name = typeName(reflect.TypeOf(svc))
	}
	if !serviceName.MatchString(name) {
		return nil, fmt.Errorf("%w: name %q is not a Go identifier", ErrBadService, name)
	}
	methods, skipped := methodsOf(name, svc)
	if len(methods) == 0 {
		return skipped, fmt.Errorf("%w: %s (%T) has no callable methods; pass a pointer if its methods have pointer receivers", ErrBadService, name, svc)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.services[name] {
		return skipped, fmt.Errorf("%w: %q is already registered", ErrBadService, name)
	}
	r.services[name] = true
	for _, m := range methods {
		r.methods[m.name] = m
	}
	return skipped, nil
}

// lookup finds a method by its wire name.
func (r *registry) lookup(name string) (*method, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	m, ok := r.methods[name]
	return m, ok
}

// names lists the registered methods, sorted.
func (r *registry) names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.methods))
	for n := range r.methods {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// typeName is the struct name of a (pointer to a) named type, as Wails
// names bound services.
func typeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// methodsOf finds the callable methods in svc's method set; see the package
// comment for which signatures are callable.
func methodsOf(service string, svc any) (callable []*method, skipped []string) {
	v := reflect.ValueOf(svc)
	t := v.Type()
	for i := range t.NumMethod() {
		mt := t.Method(i)
		if !mt.IsExported() {
			continue
		}
		m, ok := newMethod(service+"."+mt.Name, v.Method(i))
		if !ok {
			skipped = append(skipped, mt.Name)
			continue
		}
		callable = append(callable, m)
	}
	return callable, skipped
}

// newMethod checks a bound method's signature.
func newMethod(name string, fn reflect.Value) (*method, bool) {
	ft := fn.Type()
	if ft.IsVariadic() {
		return nil, false
	}
	switch {
	case ft.NumOut() == 1 && ft.Out(0) == errorType:
	case ft.NumOut() == 2 && ft.Out(1) == errorType:
	default:
		return nil, false
	}
	m := &method{name: name, fn: fn, returns: ft.NumOut() == 2}
	for i := range ft.NumIn() {
		p := ft.In(i)
		if i == 0 && p == contextType {
			m.ctx = true
			continue
		}
		if !decodable(p) {
			return nil, false
		}
		m.params = append(m.params, p)
	}
	return m, true
}

// decodable reports whether encoding/json can decode into a value of type t
// at the top level. Interfaces other than any can't be decoded into.
func decodable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Chan, reflect.Func, reflect.UnsafePointer, reflect.Complex64, reflect.Complex128:
		return false
	case reflect.Interface:
		return t.NumMethod() == 0
	}
	return true
}

// decodeArgs decodes each JSON argument into its parameter type.
func (m *method) decodeArgs(args []json.RawMessage) ([]reflect.Value, *callError) {
	if len(args) != len(m.params) {
		return nil, errorf(CodeBadRequest, "%s takes %d argument(s) (%s), got %d", m.name, len(m.params), m.paramList(), len(args))
	}
	in := make([]reflect.Value, len(args))
	for i, raw := range args {
		p := reflect.New(m.params[i])
		if err := json.Unmarshal(raw, p.Interface()); err != nil {
			return nil, errorf(CodeBadRequest, "argument %d of %s (%s): %s", i+1, m.name, m.params[i], err.Error())
		}
		in[i] = p.Elem()
	}
	return in, nil
}

// paramList names the JSON-facing parameter types, for error messages.
func (m *method) paramList() string {
	s := make([]string, len(m.params))
	for i, p := range m.params {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

// call runs the method with decoded arguments and returns the encoded
// result. It doesn't recover panics; the caller does.
func (m *method) call(ctx context.Context, args []reflect.Value) (json.RawMessage, *callError) {
	in := args
	if m.ctx {
		in = append([]reflect.Value{reflect.ValueOf(ctx)}, args...)
	}
	out := m.fn.Call(in)
	if errv := out[len(out)-1]; !errv.IsNil() {
		err := errv.Interface().(error)
		return nil, &callError{code: codeOf(err), message: err.Error()}
	}
	if !m.returns {
		return json.RawMessage("null"), nil
	}
	b, err := json.Marshal(out[0].Interface())
	if err != nil {
		return nil, errorf(CodeInternal, "%s: cannot encode the result: %s", m.name, err.Error())
	}
	return b, nil
}
