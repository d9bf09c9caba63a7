package main

import (
	"encoding/json"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// Parameter counts of the workloads, worked out from the layer lists of
// torch_bench.py's docstring (what PyTorch's sum(p.numel()) gives).
func convParams(in, out, k int, bias bool) int {
	n := in * out * k * k
	if bias {
		n += out
	}
	return n
}

func bnParams(c int) int { return 2 * c } // γ and β

// doubleConvParams is W3's DoubleConv: two 3x3 convolutions without bias,
// each followed by BatchNorm.
func doubleConvParams(in, out int) int {
	return convParams(in, out, 3, false) + bnParams(out) + convParams(out, out, 3, false) + bnParams(out)
}

// basicBlockParams is W2's BasicBlock, with the projection shortcut when
// the stride or the width changes.
func basicBlockParams(in, out, stride int) int {
	n := convParams(in, out, 3, false) + bnParams(out) + convParams(out, out, 3, false) + bnParams(out)
	if stride != 1 || in != out {
		n += convParams(in, out, 1, false) + bnParams(out)
	}
	return n
}

var wantParams = map[string]int{
	"W1": convParams(1, 32, 3, true) + convParams(32, 64, 3, true) + 1600*128 + 128 + 128*10 + 10,
	"W2": convParams(3, 64, 3, false) + bnParams(64) +
		2*basicBlockParams(64, 64, 1) +
		basicBlockParams(64, 128, 2) + basicBlockParams(128, 128, 1) +
		basicBlockParams(128, 256, 2) + basicBlockParams(256, 256, 1) +
		basicBlockParams(256, 512, 2) + basicBlockParams(512, 512, 1) +
		512*10 + 10,
	"W3": doubleConvParams(1, 16) + doubleConvParams(16, 32) + doubleConvParams(32, 64) + doubleConvParams(64, 128) + doubleConvParams(128, 256) +
		convParams(256, 128, 2, true) + doubleConvParams(256, 128) +
		convParams(128, 64, 2, true) + doubleConvParams(128, 64) +
		convParams(64, 32, 2, true) + doubleConvParams(64, 32) +
		convParams(32, 16, 2, true) + doubleConvParams(32, 16) +
		convParams(16, 1, 1, true),
	"W4": convParams(1, 32, 3, true) + convParams(32, 16, 3, true) + convParams(16, 16, 2, true) + convParams(16, 32, 2, true) + convParams(32, 1, 3, true),
}

// w1ForwardFlops is 2·MACs of W1's forward pass over a batch of 64: the
// two convolutions (26x26 and 11x11 outputs) and the two dense layers.
const w1ForwardFlops = 2 * 64 * (32*26*26*1*9 + 64*11*11*32*9 + 1600*128 + 128*10)

// TestWorkloads runs every workload for one warm-up and one timed step at
// its real shapes and checks the JSON line. The ResNet-18 workloads (W2,
// W2-infer: about 5 s and 1 GB here) are skipped with -short.
func TestWorkloads(t *testing.T) {
	workloads := allWorkloads
	if testing.Short() {
		workloads = []string{"W1", "W1-infer", "W3", "W3-infer", "W4", "W4-infer"}
	}
	flops := map[string]int64{}
	for _, w := range workloads {
		t.Run(w, func(t *testing.T) {
			r, err := run(w, 1, 1, "")
			if err != nil {
				t.Fatal(err)
			}
			line, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(line), "\n") {
				t.Fatalf("JSON output is not one line: %s", line)
			}
			var got map[string]any
			if err := json.Unmarshal(line, &got); err != nil {
				t.Fatal(err)
			}
			checkLine(t, w, got)
			flops[w] = r.FlopsPerStep
		})
	}
	// A training step counts three forward passes.
	for _, w := range []string{"W1", "W2", "W3", "W4"} {
		if train, infer := flops[w], flops[w+"-infer"]; train != 0 && infer != 0 && train != 3*infer {
			t.Errorf("%s: flops_per_step %d, want 3 × the inference step's %d", w, train, infer)
		}
	}
	if f, ok := flops["W1-infer"]; ok && f != w1ForwardFlops {
		t.Errorf("W1-infer: flops_per_step %d, want %d", f, w1ForwardFlops)
	}
}

// checkLine checks the fields of workload w's JSON line.
func checkLine(t *testing.T, w string, got map[string]any) {
	t.Helper()
	sp, err := specFor(w)
	if err != nil {
		t.Fatal(err)
	}
	mode := "train"
	if strings.HasSuffix(w, "-infer") {
		mode = "infer"
	}
	for k, want := range map[string]any{
		"workload": w, "name": sp.name, "mode": mode,
		"batch": float64(sp.batch), "steps": 1.0, "attempts": 1.0,
		"params":  float64(wantParams[strings.TrimSuffix(w, "-infer")]),
		"threads": float64(runtime.GOMAXPROCS(0)),
	} {
		if got[k] != want {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
	num := func(k string) float64 {
		v, ok := got[k].(float64)
		if !ok {
			t.Fatalf("%s = %v (%T), want a number", k, got[k], got[k])
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			t.Errorf("%s = %v, want a finite number >= 0", k, v)
		}
		return v
	}
	for _, k := range []string{"ms_per_step", "ms_min", "ms_max", "images_per_s", "flops_per_step", "gflops", "peak_rss_mb", "build_ms"} {
		if v := num(k); v <= 0 {
			t.Errorf("%s = %v, want > 0", k, v)
		}
	}
	for _, k := range []string{"cpu_ms_per_step", "alloc_mb_per_step", "gc_cycles"} {
		num(k)
	}
	if lo, med, hi := num("ms_min"), num("ms_per_step"), num("ms_max"); lo > med || med > hi {
		t.Errorf("ms_min %v, ms_per_step %v, ms_max %v are not in order", lo, med, hi)
	}
	if m, ok := got["attempt_medians_ms"].([]any); !ok || len(m) != 1 || m[0] != got["ms_per_step"] {
		t.Errorf("attempt_medians_ms = %v, want [ms_per_step]", got["attempt_medians_ms"])
	}
	// Inference reports no loss; a training step's loss after one Adam
	// step is finite and positive (cross-entropy, Dice and MSE all are).
	loss, has := got["loss"]
	switch {
	case mode == "infer" && has:
		t.Errorf("an inference line has loss %v", loss)
	case mode == "train" && !has:
		t.Error("a training line has no loss")
	case mode == "train":
		if v := num("loss"); v <= 0 {
			t.Errorf("loss = %v, want > 0", v)
		}
	}
}

func TestUnknownWorkload(t *testing.T) {
	_, err := run("W9", 1, 1, "")
	if err == nil || !strings.Contains(err.Error(), `unknown workload "W9"`) {
		t.Fatalf("err = %v, want the unknown workload named", err)
	}
}

// TestInferenceOutputs runs one evaluation step of each small workload and
// checks the model's output: its size (batch × per-example output), that
// every value is finite and equals, within 1e-5, what nn.Predict computes in
// float64 for the same weights and input (another graph, other kernels);
// W3 and W4 end in a sigmoid, so theirs lie strictly between 0 and 1 (a
// ReLU in its place would give exact zeros).
func TestInferenceOutputs(t *testing.T) {
	for _, tc := range []struct {
		w       string
		perItem int
		sigmoid bool
	}{
		{"W1-infer", 10, false},
		{"W3-infer", 64 * 64, true},
		{"W4-infer", 28 * 28, true},
	} {
		t.Run(tc.w, func(t *testing.T) {
			sp, err := specFor(tc.w)
			if err != nil {
				t.Fatal(err)
			}
			st, err := buildInfer(sp, sp.model())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.output(); err == nil {
				t.Error("output before the first step: no error")
			}
			if err := st.step(); err != nil {
				t.Fatal(err)
			}
			out, err := st.output()
			if err != nil {
				t.Fatal(err)
			}
			if want := sp.batch * tc.perItem; len(out) != want {
				t.Fatalf("%d output values, want %d", len(out), want)
			}
			lo, hi := math.Inf(1), math.Inf(-1)
			for i, v := range out {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("output %d = %v", i, v)
				}
				lo, hi = min(lo, v), max(hi, v)
			}
			if tc.sigmoid && (lo <= 0 || hi >= 1) {
				t.Errorf("sigmoid outputs span [%v, %v], want within (0, 1)", lo, hi)
			}
			if lo == hi {
				t.Errorf("every output is %v: the model ignores its input", lo)
			}
			// the reference: the same weights (the model is drawn from
			// seed 0) and input, in float64, through nn.Predict
			ref := sp.model()
			if err := nn.SetDtype(ref, tensor.Float64); err != nil {
				t.Fatal(err)
			}
			x, _ := inputs(sp)
			x64, err := graph.Float64s(x)
			if err != nil {
				t.Fatal(err)
			}
			y, err := nn.Predict(ref, tensor.New(tensor.WithShape(x.Shape()...), tensor.WithBacking(x64)))
			if err != nil {
				t.Fatal(err)
			}
			want, err := graph.Float64s(y)
			if err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for i := range want {
				worst = max(worst, math.Abs(out[i]-want[i]))
			}
			t.Logf("max abs diff from nn.Predict in float64: %.3g", worst)
			if worst > 1e-5 {
				t.Errorf("the inference step differs from nn.Predict in float64 by up to %.3g (> 1e-5)", worst)
			}
		})
	}
}

// TestThreads checks that -threads sets GOMAXPROCS and that the JSON line
// reports it, and that a negative count is refused.
func TestThreads(t *testing.T) {
	prev := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
	for _, n := range []int{1, 3} {
		if err := setThreads(n); err != nil {
			t.Fatal(err)
		}
		r, err := run("W1-infer", 1, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		if r.Threads != n {
			t.Errorf("-threads %d: threads = %d in the JSON line", n, r.Threads)
		}
	}
	if err := setThreads(0); err != nil || runtime.GOMAXPROCS(0) != 3 {
		t.Errorf("-threads 0: err %v, GOMAXPROCS %d, want nil and unchanged 3", err, runtime.GOMAXPROCS(0))
	}
	if err := setThreads(-2); err == nil || !strings.Contains(err.Error(), "got -2") {
		t.Errorf("-threads -2: err = %v, want an error naming -2", err)
	}
}
