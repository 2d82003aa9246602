package errcode

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"

	"github.com/peerline/peerline/internal/tsmirror"
)

// The frontend mirrors the table once, in frontend/src/lib/backend/codes.ts
// (the ErrorCode object, one `Key: 'code',` per line). This keeps the two
// in step: the same names, codes and order as the constants here.
func TestTypeScriptMirror(t *testing.T) {
	var ts [][2]string
	for _, e := range tsmirror.Object(t, "../../frontend/src/lib/backend/codes.ts", "ErrorCode") {
		ts = append(ts, [2]string{e.Key, e.Value})
	}
	goCodes := constants(t)
	if len(ts) != len(goCodes) || len(goCodes) != len(All) {
		t.Fatalf("TypeScript lists %d codes, Go %d constants and %d in All:\nTS %q\nGo %q", len(ts), len(goCodes), len(All), ts, goCodes)
	}
	for i, c := range goCodes {
		if ts[i] != c {
			t.Errorf("code %d: TypeScript %s: '%s', Go %s = %q", i, ts[i][0], ts[i][1], c[0], c[1])
		}
		if string(All[i]) != c[1] {
			t.Errorf("All[%d] = %q, the constants say %q", i, All[i], c[1])
		}
	}
}

// constants returns the Code constants of errcode.go, names and values,
// in source order.
func constants(t *testing.T) [][2]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "errcode.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out [][2]string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Code" {
				continue
			}
			v, err := strconv.Unquote(vs.Values[0].(*ast.BasicLit).Value)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, [2]string{vs.Names[0].Name, v})
		}
	}
	return out
}
