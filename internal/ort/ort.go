// Package ort runs ONNX models in ONNX Runtime, the inference engine most
// ONNX models are deployed on, to check convnet's ONNX export against it.
// It drives the npm package onnxruntime-node (CPU, linux-x64) through the
// node script node/run.js; ./test.sh installs the package into
// node/node_modules (npm install --ignore-scripts: the install script
// only fetches GPU add-ons).
//
// The folder holding run.js is CONVNET_ORT_DIR when set, else the node
// folder next to this file in the source tree.
package ort

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// Dir returns the folder with run.js and node_modules.
func Dir() string {
	if d := os.Getenv("CONVNET_ORT_DIR"); d != "" {
		return d
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "node"
	}
	return filepath.Join(filepath.Dir(file), "node")
}

// Available returns nil when node and onnxruntime-node are installed, and
// otherwise an error saying what is missing and how to install it.
func Available() error {
	if _, err := exec.LookPath("node"); err != nil {
		return errors.New("ort: node is not on PATH (install Node.js 18 or newer)")
	}
	dir := Dir()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "onnxruntime-node", "package.json")); err != nil {
		return errors.Errorf("ort: onnxruntime-node is not installed in %s (run: cd %s && npm install --ignore-scripts --no-audit --no-fund)", dir, dir)
	}
	return nil
}

type request struct {
	Model  string           `json:"model"`
	Inputs []requestInput   `json:"inputs,omitempty"`
	Runs   [][]requestInput `json:"runs,omitempty"`
	Outdir string           `json:"outdir"`
}

type requestInput struct {
	Shape []int  `json:"shape"`
	Dtype string `json:"dtype"`
	File  string `json:"file"`
}

type outputs struct {
	Outputs []struct {
		Name  string `json:"name"`
		Shape []int  `json:"shape"`
		Dtype string `json:"dtype"`
		File  string `json:"file"`
	} `json:"outputs"`
}

type response struct {
	outputs
	Runs []outputs `json:"runs"`
}

// Run runs the ONNX model file on inputs (float32 or float64, one per graph
// input in declaration order) with one thread and returns its outputs in
// declaration order.
func Run(model string, inputs ...*tensor.Dense) ([]*tensor.Dense, error) {
	outs, err := RunMany(model, [][]*tensor.Dense{inputs})
	if err != nil {
		return nil, err
	}
	return outs[0], nil
}

// RunMany runs the model once per element of runs (each the inputs of one
// run, as for Run) in one ONNX Runtime session, and returns the outputs of
// every run.
func RunMany(model string, runs [][]*tensor.Dense) ([][]*tensor.Dense, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "convnet-ort-")
	if err != nil {
		return nil, errors.Wrap(err, "ort")
	}
	defer os.RemoveAll(tmp)
	abs, err := filepath.Abs(model)
	if err != nil {
		return nil, errors.Wrap(err, "ort")
	}
	req := request{Model: abs, Outdir: filepath.Join(tmp, "out")}
	for r, inputs := range runs {
		var ins []requestInput
		for i, x := range inputs {
			file := filepath.Join(tmp, fmt.Sprintf("in%d_%d.bin", r, i))
			dtype, raw, err := encode(x)
			if err != nil {
				return nil, errors.Wrapf(err, "ort: run %d, input %d", r, i)
			}
			if err := os.WriteFile(file, raw, 0o644); err != nil {
				return nil, errors.Wrap(err, "ort")
			}
			ins = append(ins, requestInput{Shape: []int(x.Shape()), Dtype: dtype, File: file})
		}
		req.Runs = append(req.Runs, ins)
	}
	reqFile := filepath.Join(tmp, "request.json")
	data, _ := json.Marshal(req)
	if err := os.WriteFile(reqFile, data, 0o644); err != nil {
		return nil, errors.Wrap(err, "ort")
	}
	cmd := exec.Command("node", filepath.Join(Dir(), "run.js"), reqFile)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, errors.Errorf("ort: running %s: %v: %s", model, err, strings.TrimSpace(stderr.String()))
	}
	var resp response
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &resp); err != nil {
		return nil, errors.Wrapf(err, "ort: reading run.js's answer %q", out)
	}
	if len(resp.Runs) != len(runs) {
		return nil, errors.Errorf("ort: run.js answered %d runs, want %d", len(resp.Runs), len(runs))
	}
	res := make([][]*tensor.Dense, len(runs))
	for r, run := range resp.Runs {
		for _, o := range run.Outputs {
			raw, err := os.ReadFile(o.File)
			if err != nil {
				return nil, errors.Wrap(err, "ort")
			}
			t, err := decode(o.Dtype, o.Shape, raw)
			if err != nil {
				return nil, errors.Wrapf(err, "ort: output %q", o.Name)
			}
			res[r] = append(res[r], t)
		}
	}
	return res, nil
}

// encode returns the dtype name and the little-endian bytes of x.
func encode(x *tensor.Dense) (string, []byte, error) {
	switch d := x.Data().(type) {
	case []float32:
		raw := make([]byte, 4*len(d))
		for i, v := range d {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
		}
		return "float32", raw, nil
	case []float64:
		raw := make([]byte, 8*len(d))
		for i, v := range d {
			binary.LittleEndian.PutUint64(raw[8*i:], math.Float64bits(v))
		}
		return "float64", raw, nil
	}
	return "", nil, errors.Errorf("dtype %v is not float32 or float64", x.Dtype())
}

// decode builds a tensor of the given dtype and shape from raw bytes.
func decode(dtype string, shape []int, raw []byte) (*tensor.Dense, error) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	switch dtype {
	case "float32":
		if len(raw) != 4*n {
			return nil, errors.Errorf("%d bytes for shape %v", len(raw), shape)
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v)), nil
	case "float64":
		if len(raw) != 8*n {
			return nil, errors.Errorf("%d bytes for shape %v", len(raw), shape)
		}
		v := make([]float64, n)
		for i := range v {
			v[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v)), nil
	}
	return nil, errors.Errorf("dtype %q is not supported (float32, float64)", dtype)
}
