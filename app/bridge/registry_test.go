package bridge

import (
	"errors"
	"slices"
	"testing"
)

type valueService struct{}

func (*valueService) OnPointer() error { return nil }

type Named struct{}

func (*Named) Ping() (string, error) { return "pong", nil }

func TestRegisterFindsCallableMethods(t *testing.T) {
	r := newRegistry()
	skipped, err := r.register("Test", newTestService())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Test.BadResult", "Test.Echo", "Test.Fail", "Test.FailCoded", "Test.Fast", "Test.Greet",
		"Test.NilSlice", "Test.Nothing", "Test.Panic", "Test.Slow", "Test.Sum",
	}
	if got := r.names(); !slices.Equal(got, want) {
		t.Errorf("callable %v\nwant     %v", got, want)
	}
	wantSkipped := []string{"CtxSecond", "NoError", "Startup", "TakesChan", "TakesError", "Three", "Variadic"}
	if !slices.Equal(skipped, wantSkipped) {
		t.Errorf("skipped %v, want %v", skipped, wantSkipped)
	}
	m, _ := r.lookup("Test.Greet")
	if !m.ctx || len(m.params) != 2 || !m.returns {
		t.Errorf("Test.Greet = %+v", m)
	}
	m, _ = r.lookup("Test.Nothing")
	if m.ctx || len(m.params) != 0 || m.returns {
		t.Errorf("Test.Nothing = %+v", m)
	}
}

func TestRegisterErrors(t *testing.T) {
	b, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Register("Test", newTestService()); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		service string
		svc     any
	}{
		{"nil", "X", nil},
		{"duplicate", "Test", newTestService()},
		{"dotted name", "A.B", &Named{}},
		{"name with space", "A B", &Named{}},
		{"value, methods on pointer", "V", valueService{}},
		{"no methods at all", "I", 42},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := b.Register(c.service, c.svc); !errors.Is(err, ErrBadService) {
				t.Errorf("Register = %v, want ErrBadService", err)
			}
		})
	}
	if _, err := New(Config{Services: map[string]any{"X": nil}}); !errors.Is(err, ErrBadService) {
		t.Errorf("New with a nil service = %v, want ErrBadService", err)
	}
}

func TestRegisterDefaultName(t *testing.T) {
	b, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Register("", &Named{}); err != nil {
		t.Fatal(err)
	}
	if got := b.Methods(); !slices.Equal(got, []string{"Named.Ping"}) {
		t.Errorf("Methods() = %v, want [Named.Ping] (the type name, as Wails binds it)", got)
	}
}
