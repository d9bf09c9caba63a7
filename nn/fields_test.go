package nn_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// No layer of the package has an exported field: a setting that a user
// could change after construction but that compiled graphs (or the layer
// itself) would ignore is a trap. Settings are fixed at construction and
// read through methods. (Embedded EvalCache has no exported fields.) The
// test reads the package's source, so a new layer is covered too.
func TestLayersHaveNoExportedFields(t *testing.T) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	forward := map[string]bool{} // types with a Forward method
	structs := map[string]*ast.StructType{}
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil && d.Name.Name == "Forward" && len(d.Recv.List) == 1 {
					typ := d.Recv.List[0].Type
					if st, ok := typ.(*ast.StarExpr); ok {
						typ = st.X
					}
					if id, ok := typ.(*ast.Ident); ok {
						forward[id.Name] = true
					}
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
						if st, ok := ts.Type.(*ast.StructType); ok && ts.Name.IsExported() {
							structs[ts.Name.Name] = st
						}
					}
				}
			}
		}
	}
	checked := 0
	for name, st := range structs {
		embedsLayer := false
		for _, f := range st.Fields.List {
			if len(f.Names) == 0 { // embedded: a Forward may come from it
				if id, ok := f.Type.(*ast.Ident); ok && forward[id.Name] {
					embedsLayer = true
				}
			}
		}
		if !forward[name] && !embedsLayer {
			continue
		}
		checked++
		for _, f := range st.Fields.List {
			for _, n := range f.Names {
				if n.IsExported() {
					t.Errorf("layer %s has exported field %s: make it a constructor argument with an accessor", name, n.Name)
				}
			}
		}
	}
	if checked < 30 {
		t.Fatalf("checked only %d layer types; the source scan is broken", checked)
	}
}

// The alpha given to the constructor is the one the layer computes with,
// prints and reports.
func TestActivationAlpha(t *testing.T) {
	x := tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float32{-2, 3}))
	for _, c := range []struct {
		layer interface {
			nn.Layer
			Alpha() float64
		}
		alpha float64
		neg   float64
		str   string
	}{
		{nn.NewLeakyReLU(0.25), 0.25, -0.5, "LeakyReLU(0.25)"},
		{nn.NewELU(0.5), 0.5, 0.5 * (math.Exp(-2) - 1), "ELU(0.5)"},
	} {
		y, err := nn.Predict(c.layer, x)
		if err != nil {
			t.Fatal(err)
		}
		got := y.Data().([]float32)
		if math.Abs(float64(got[0])-c.neg) > 1e-6 || got[1] != 3 {
			t.Errorf("%s: output %v, want [%v 3]", c.str, got, c.neg)
		}
		if c.layer.Alpha() != c.alpha || c.layer.(interface{ String() string }).String() != c.str {
			t.Errorf("%s: Alpha %v, String %q", c.str, c.layer.Alpha(), c.layer.(interface{ String() string }).String())
		}
	}
	if _, err := nn.Predict(nn.NewLeakyReLU(math.NaN()), x); err == nil || !strings.Contains(err.Error(), "alpha must be finite") {
		t.Errorf("NaN alpha: %v", err)
	}
}
