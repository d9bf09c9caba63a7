// Package mnist8 gives access to the ONNX model zoo's MNIST CNN (mnist-8,
// CNTK 2.5.1, opset 7: Conv 5x5(8)-ReLU-MaxPool 2-Conv 5x5(16)-ReLU-MaxPool
// 3-Dense 10, 5,998 parameters) and its reference test data, as shipped by
// the Go module github.com/owulveryck/onnx-go v0.5.0 (MIT). The model is a
// Go string literal in an internal package of that module, so it cannot be
// imported: Model parses the source file with go/parser and unquotes the
// literal. The model takes raw 0-255 pixels, (1, 1, 28, 28) float32, and
// returns 10 scores.
package mnist8

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// Module is the Go module that ships the model; go.mod requires it.
const Module = "github.com/owulveryck/onnx-go"

// Dir returns the folder of the model and its test data in the module
// cache (internal/examples/mnist of onnx-go), downloading the module with
// the go command if needed.
func Dir() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", Module).Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		if dl, derr := exec.Command("go", "mod", "download", Module).CombinedOutput(); derr != nil {
			return "", errors.Errorf("mnist8: module %s not found (go list: %v) and go mod download failed: %v: %s", Module, err, derr, bytes.TrimSpace(dl))
		}
		if out, err = exec.Command("go", "list", "-m", "-f", "{{.Dir}}", Module).Output(); err != nil {
			return "", errors.Wrapf(err, "mnist8: go list -m %s", Module)
		}
		dir = strings.TrimSpace(string(out))
	}
	d := filepath.Join(dir, "internal", "examples", "mnist")
	if _, err := os.Stat(filepath.Join(d, "mnist_binary.go")); err != nil {
		return "", errors.Wrapf(err, "mnist8: %s has no mnist_binary.go", d)
	}
	return d, nil
}

// Model returns the mnist-8 ONNX model (26,454 bytes).
func Model() ([]byte, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	return Extract(filepath.Join(dir, "mnist_binary.go"), "GetMnist")
}

// TestDataSets returns the folders test_data_set_0, 1 and 2, each with
// input_0.pb (a (1, 1, 28, 28) image) and output_0.pb (its 10 reference
// scores), TensorProtos as in ONNX's test data.
func TestDataSets() ([]string, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	var sets []string
	for i := 0; i < 3; i++ {
		sets = append(sets, filepath.Join(dir, "test_data_set_"+strconv.Itoa(i)))
	}
	return sets, nil
}

// Extract returns the bytes of the string literal that function fn of the
// Go source file path returns as []byte("...").
func Extract(path, fn string) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		return nil, errors.Wrap(err, "mnist8")
	}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Name.Name != fn || fd.Body == nil {
			continue
		}
		for _, st := range fd.Body.List {
			ret, ok := st.(*ast.ReturnStmt)
			if !ok || len(ret.Results) != 1 {
				continue
			}
			call, ok := ret.Results[0].(*ast.CallExpr)
			if !ok || len(call.Args) != 1 {
				continue
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				continue
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return nil, errors.Wrapf(err, "mnist8: %s: %s", path, fn)
			}
			return []byte(s), nil
		}
	}
	return nil, errors.Errorf("mnist8: %s: no function %s returning []byte(\"...\")", path, fn)
}
