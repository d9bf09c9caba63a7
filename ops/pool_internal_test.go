package ops

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Every pooling-family op and its gradient op returns errors from Do, never
// panics, when it gets a tensor of the wrong shape or dtype, and refuses
// second derivatives. The max-pool gradient and the indices refuse to run
// before the pooling.
func TestPoolOpsDoErrors(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 4, G.WithShape(1, 2, 4, 4), G.WithName("x"))
	mk := map[string]func() (*G.Node, error){
		"MaxPool2D":          func() (*G.Node, error) { return MaxPool2D(x, [2]int{2, 2}, [2]int{2, 2}, [2]int{}) },
		"AvgPool2D":          func() (*G.Node, error) { return AvgPool2D(x, [2]int{2, 2}, [2]int{2, 2}, [2]int{}) },
		"GlobalAvgPool":      func() (*G.Node, error) { return GlobalAvgPool(x) },
		"Upsample2D":         func() (*G.Node, error) { return Upsample2D(x, [2]int{2, 2}) },
		"UpsampleBilinear2D": func() (*G.Node, error) { return UpsampleBilinear2D(x, [2]int{2, 2}) },
		"MaxUnpool2D":        func() (*G.Node, error) { return MaxUnpool2D(x, x, 8, 8) },
		"Indices": func() (*G.Node, error) {
			_, idx, err := MaxPool2DIndices(x, [2]int{2, 2}, [2]int{2, 2}, [2]int{})
			return idx, err
		},
	}
	wrong := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(1, 2, 3, 3))
	for name, f := range mk {
		t.Run(name, func(t *testing.T) {
			y, err := f()
			if err != nil {
				t.Fatal(err)
			}
			op := y.Op()
			nargs := op.Arity()
			args := make([]G.Value, nargs)
			for i := range args {
				args[i] = wrong
			}
			if _, err := op.Do(args...); err == nil || !strings.HasPrefix(err.Error(), "ops: ") {
				t.Errorf("Do on a wrong shape: %v", err)
			}
			if _, err := op.Do(); err == nil {
				t.Error("Do without arguments: no error")
			}
			if name == "Indices" {
				if _, err := op.Do(tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(1, 2, 2, 2))); err == nil || !strings.Contains(err.Error(), "has not run") {
					t.Errorf("indices before the pooling: %v", err)
				}
				if _, err := op.(G.SDOp).SymDiff(nil, nil, nil); err == nil {
					t.Error("indices are differentiable")
				}
				return
			}
			// the gradient op
			dy := G.NewTensor(g, tensor.Float64, y.Dims(), G.WithShape(y.Shape().Clone()...), G.WithName("dy_"+name))
			inputs := G.Nodes{x}
			if nargs == 2 {
				inputs = G.Nodes{x, x}
			}
			dxs, err := op.(G.SDOp).SymDiff(inputs, y, dy)
			if err != nil {
				t.Fatal(err)
			}
			gop := dxs[0].Op()
			gargs := make([]G.Value, gop.Arity())
			for i := range gargs {
				gargs[i] = wrong
			}
			if _, err := gop.Do(gargs...); err == nil || !strings.HasPrefix(err.Error(), "ops: ") {
				t.Errorf("gradient Do on a wrong shape: %v", err)
			}
			if _, err := gop.(G.SDOp).SymDiff(nil, nil, nil); err == nil || !strings.Contains(err.Error(), "second derivatives") {
				t.Errorf("second derivative: %v", err)
			}
			if d := gop.(G.SDOp).DiffWRT(gop.Arity()); len(d) != gop.Arity() {
				t.Errorf("DiffWRT %v", d)
			}
			if name == "MaxPool2D" {
				right := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(y.Shape().Clone()...))
				xr := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(x.Shape().Clone()...))
				if _, err := gop.Do(xr, right, right); err == nil || !strings.Contains(err.Error(), "has not run") {
					t.Errorf("gradient before the forward pass: %v", err)
				}
			}
			// an integer tensor of the right shape
			if name != "MaxUnpool2D" {
				xi := tensor.New(tensor.Of(tensor.Int), tensor.WithShape(1, 2, 4, 4))
				if _, err := op.Do(xi); err == nil || !strings.Contains(err.Error(), "not supported") {
					t.Errorf("Do on int: %v", err)
				}
			}
		})
	}
}

// TestMaxPoolValuesMatchArgmax checks the evaluation-graph max pool
// (maxPoolValues, no argmax) against the argmax kernel on 2x2 windows:
// even and odd sizes (floor drops the last row), stride 2 and stride 1
// (overlapping windows), stride 3 (2x2 windows with gaps), ceil mode and
// padding (clipped windows fall back), batch 1 and 3, on data with ties,
// zeros of both signs, infinities and NaNs.
func TestMaxPoolValuesMatchArgmax(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	specials := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), 1, 1}
	halves := 0
	for it := range 100 {
		h, w := 2+rng.IntN(9), 2+rng.IntN(9)
		if it%3 == 0 {
			w = 16 + rng.IntN(24) // long rows
		}
		n := 1 + 2*(it%2)
		spec := PoolSpec{Kernel: []int{2, 2}}
		switch it % 5 {
		case 1:
			spec.Stride = []int{1, 1}
		case 2:
			spec.Ceil = true
		case 3:
			spec.Pad = []int{1, 1}
		case 4:
			spec.Stride = []int{3, 3}
		}
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			xv := make([]float64, n*2*h*w)
			for i := range xv {
				if rng.IntN(4) == 0 {
					xv[i] = specials[rng.IntN(len(specials))]
				} else {
					xv[i] = float64(rng.IntN(5)) - 2 // many ties
				}
			}
			g := G.NewGraph()
			x := G.NewTensor(g, dt, 4, G.WithShape(n, 2, h, w), G.WithName("x"))
			y, err := MaxPool(x, spec)
			if err != nil {
				t.Fatal(err)
			}
			op := y.Op().(*kitOp)
			geom, err := newPoolGeom("Max", x, spec)
			if err != nil {
				t.Fatal(err)
			}
			if !maxPoolValuesOnly(geom) {
				continue // the argmax path serves both
			}
			if maxPoolHalves(geom) {
				halves++
			}
			var xt *tensor.Dense
			if dt == tensor.Float64 {
				xt = tensor.New(tensor.WithShape(n, 2, h, w), tensor.WithBacking(xv))
			} else {
				x32 := make([]float32, len(xv))
				for i, v := range xv {
					x32[i] = float32(v)
				}
				xt = tensor.New(tensor.WithShape(n, 2, h, w), tensor.WithBacking(x32))
			}
			fast, err := op.Do(xt)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := float64sOf(fast)
			op.needGrad = true
			ref, err := op.Do(xt)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := float64sOf(ref)
			for i := range want {
				if got[i] != want[i] && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
					t.Fatalf("%v %dx%d %+v: y[%d] = %v, argmax kernel %v", dt, h, w, spec, i, got[i], want[i])
				}
			}
		}
	}
	if halves < 30 {
		t.Fatalf("only %d cases took the one-pass 2x2 stride-2 path", halves)
	}
}

// float64sOf copies a float tensor value to float64s (test helper).
func float64sOf(v G.Value) ([]float64, error) {
	switch d := v.Data().(type) {
	case []float64:
		return append([]float64(nil), d...), nil
	case []float32:
		out := make([]float64, len(d))
		for i, x := range d {
			out[i] = float64(x)
		}
		return out, nil
	}
	return nil, nil
}

// TestMaxPoolNonNegMatches checks the integer path for non-negative
// float32 planes against maxPoolPlane (values and argmax), on ReLU-like
// data with ties of +0 and +Inf, and that it declines planes holding a
// negative value, -0 or a NaN.
func TestMaxPoolNonNegMatches(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for it := range 200 {
		h, w := 2+rng.IntN(9), 2+rng.IntN(9)
		if it%3 == 0 {
			w = 16 + rng.IntN(24) // rows long enough for the vectorised pass
		}
		spec := PoolSpec{Kernel: []int{2, 2}}
		if it%3 == 1 {
			spec.Stride = []int{1, 1}
		}
		g := G.NewGraph()
		xn := G.NewTensor(g, tensor.Float32, 4, G.WithShape(1, 1, h, w), G.WithName("x"))
		geom, err := newPoolGeom("Max", xn, spec)
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float32, h*w)
		for i := range x {
			switch rng.IntN(6) {
			case 0:
				x[i] = 0
			case 1:
				x[i] = float32(math.Inf(1))
			default:
				x[i] = float32(rng.IntN(4)) // ties
			}
		}
		spoil := it % 4 // 1: a negative value, 2: -0, 3: a NaN
		switch spoil {
		case 1:
			x[rng.IntN(len(x))] = -1
		case 2:
			x[rng.IntN(len(x))] = float32(math.Copysign(0, -1))
		case 3:
			x[rng.IntN(len(x))] = float32(math.NaN())
		}
		n := geom.outPlane()
		y1, a1 := make([]float32, n), make([]int32, n)
		y2, a2 := make([]float32, n), make([]int32, n)
		ok := maxPoolPlaneNonNeg(geom, x, y1, a1)
		maxPoolPlane(geom, x, y2, a2)
		if spoil == 0 && !ok {
			t.Fatalf("%dx%d %+v: declined a non-negative plane", h, w, spec)
		}
		if !ok {
			continue
		}
		for i := range y2 {
			if math.Float32bits(y1[i]) != math.Float32bits(y2[i]) || a1[i] != a2[i] {
				t.Fatalf("%dx%d %+v spoil %d: out %d: (%v, %d), maxPoolPlane (%v, %d)", h, w, spec, spoil, i, y1[i], a1[i], y2[i], a2[i])
			}
		}
	}
}
