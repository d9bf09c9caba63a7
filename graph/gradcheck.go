package graph

import (
	"fmt"
	"math"
	"strings"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BuildFunc adds a computation to b's graph. xs are nodes holding the
// inputs being checked; the function returns the output node. It may bind
// Params (a layer's weights); their gradients are checked too.
type BuildFunc func(b *Builder, xs []*G.Node) (*G.Node, error)

// GradCheckOptions tune CheckGradients. The zero value means the defaults.
type GradCheckOptions struct {
	// Mode of the graphs (default Train).
	Mode Mode
	// Eps is the central-difference step (default 1e-6).
	Eps float64
	// Tol is the largest accepted error, relative to the largest numeric
	// gradient of the same tensor (default 1e-6).
	Tol float64
	// Seed seeds the random weights R of the cost Σ output·R (default 1) and
	// the builders (so stochastic ops draw the same values in every run).
	Seed int64
	// SkipParams leaves the Params bound by build out of the check.
	SkipParams bool
}

// GradResult is the comparison for one tensor.
type GradResult struct {
	Name     string
	MaxAbs   float64 // largest |analytic - numeric|
	MaxRel   float64 // MaxAbs divided by max(|numeric|, 1e-8)
	MaxIndex int     // flat index of the largest difference
}

// GradReport lists the results of a check, one per input and Param.
type GradReport struct {
	Results []GradResult
	Tol     float64
}

// OK reports whether every result is within the tolerance.
func (r *GradReport) OK() bool {
	for _, res := range r.Results {
		if !(res.MaxRel <= r.Tol) {
			return false
		}
	}
	return true
}

// Worst returns the largest relative error in the report.
func (r *GradReport) Worst() float64 {
	w := 0.0
	for _, res := range r.Results {
		if math.IsNaN(res.MaxRel) {
			return math.NaN()
		}
		w = math.Max(w, res.MaxRel)
	}
	return w
}

// String prints one line per tensor.
func (r *GradReport) String() string {
	var sb strings.Builder
	for _, res := range r.Results {
		status := "ok"
		if !(res.MaxRel <= r.Tol) {
			status = "FAIL"
		}
		fmt.Fprintf(&sb, "%-24s max|a-n| %.3g  rel %.3g  (at %d)  %s\n", res.Name, res.MaxAbs, res.MaxRel, res.MaxIndex, status)
	}
	return sb.String()
}

// CheckGradients compares the gradients that Gorgonia's reverse-mode
// autodiff gives for the cost Σ output·R (R fixed and random) with central
// finite differences, for every input tensor and, unless SkipParams, every
// trainable Param that build binds. Inputs and Params must be float64.
//
// Each numeric evaluation builds a fresh graph with the same seed, so ops
// that draw random numbers (Dropout) draw the same ones every time. Buffers
// (running statistics) are restored afterwards.
func CheckGradients(inputs []*tensor.Dense, build BuildFunc, opt GradCheckOptions) (*GradReport, error) {
	if opt.Eps == 0 {
		opt.Eps = 1e-6
	}
	if opt.Tol == 0 {
		opt.Tol = 1e-6
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	for i, in := range inputs {
		if in.Dtype() != tensor.Float64 {
			return nil, ArgErrorf("graph: CheckGradients: input %d must be float64, got %v", i, in.Dtype())
		}
	}

	// Analytic pass.
	b, xs, out, err := gradBuild(inputs, build, opt)
	if err != nil {
		return nil, err
	}
	var params []Binding
	if !opt.SkipParams {
		params = b.Trainable()
	}
	buffers := snapshotBuffers(b)
	defer restoreBuffers(buffers)
	for _, p := range params {
		if p.Param.Dtype() != tensor.Float64 {
			return nil, ArgErrorf("graph: CheckGradients: Param %q must be float64, got %v", p.Name, p.Param.Dtype())
		}
	}
	rvals := NewRand(opt.Seed + 7)
	outSize := out.Shape().TotalSize()
	r := make([]float64, outSize)
	for i := range r {
		r[i] = rvals.NormFloat64()
	}
	cost, err := weightedSum(b, out, r)
	if err != nil {
		return nil, err
	}
	wrt := append(G.Nodes{}, xs...)
	wrt = append(wrt, Nodes(params)...)
	grads, err := Grad(cost, wrt...)
	if err != nil {
		return nil, errors.Wrap(err, "graph: CheckGradients: building the backward pass")
	}
	gradVals := make([]G.Value, len(grads))
	for i, gn := range grads {
		G.Read(gn, &gradVals[i])
	}
	m, err := NewMachine(b.Graph())
	if err != nil {
		return nil, err
	}
	err = Run(m)
	m.Close()
	if err != nil {
		return nil, errors.Wrap(err, "graph: CheckGradients: running the graph")
	}

	targets := make([]*tensor.Dense, 0, len(wrt))
	names := make([]string, 0, len(wrt))
	for i, in := range inputs {
		targets = append(targets, in)
		names = append(names, fmt.Sprintf("input %d", i))
	}
	for _, p := range params {
		targets = append(targets, p.Param.Value())
		names = append(names, p.Name)
	}

	evalCost := func() (float64, error) {
		fb, _, fout, err := gradBuild(inputs, build, opt)
		if err != nil {
			return 0, err
		}
		var v G.Value
		G.Read(fout, &v)
		fm, err := NewMachine(fb.Graph())
		if err != nil {
			return 0, err
		}
		defer fm.Close()
		if err := Run(fm); err != nil {
			return 0, err
		}
		vals, err := ValueFloat64s(v)
		if err != nil {
			return 0, err
		}
		s := 0.0
		for i, x := range vals {
			s += x * r[i]
		}
		return s, nil
	}

	rep := &GradReport{Tol: opt.Tol}
	for ti, t := range targets {
		analytic, err := ValueFloat64s(gradVals[ti])
		if err != nil {
			return nil, err
		}
		data := t.Float64s()
		res := GradResult{Name: names[ti]}
		maxNum := 0.0
		numeric := make([]float64, len(data))
		for i := range data {
			orig := data[i]
			data[i] = orig + opt.Eps
			cp, err := evalCost()
			if err != nil {
				data[i] = orig
				return nil, err
			}
			data[i] = orig - opt.Eps
			cm, err := evalCost()
			data[i] = orig
			if err != nil {
				return nil, err
			}
			numeric[i] = (cp - cm) / (2 * opt.Eps)
			maxNum = math.Max(maxNum, math.Abs(numeric[i]))
		}
		for i := range numeric {
			d := math.Abs(analytic[i] - numeric[i])
			if d > res.MaxAbs || math.IsNaN(d) {
				res.MaxAbs = d
				res.MaxIndex = i
			}
		}
		res.MaxRel = res.MaxAbs / math.Max(maxNum, 1e-8)
		rep.Results = append(rep.Results, res)
	}
	return rep, nil
}

func gradBuild(inputs []*tensor.Dense, build BuildFunc, opt GradCheckOptions) (*Builder, []*G.Node, *G.Node, error) {
	b := NewBuilder(opt.Mode, WithSeed(opt.Seed))
	xs := make([]*G.Node, len(inputs))
	for i, in := range inputs {
		xs[i] = b.InputValue(fmt.Sprintf("gradcheck_x%d", i), in)
	}
	out, err := build(b, xs)
	if err != nil {
		return nil, nil, nil, err
	}
	if out == nil {
		return nil, nil, nil, ArgErrorf("graph: CheckGradients: build returned a nil node")
	}
	return b, xs, out, nil
}

func weightedSum(b *Builder, out *G.Node, r []float64) (*G.Node, error) {
	if out.Shape().TotalSize() == 1 && out.IsScalar() {
		return G.Mul(out, G.NewConstant(r[0]))
	}
	shape := out.Shape().Clone()
	rt := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(r))
	rn := b.InputValue("gradcheck_r", rt)
	prod, err := G.HadamardProd(out, rn)
	if err != nil {
		return nil, errors.Wrap(err, "graph: CheckGradients")
	}
	return G.Sum(prod)
}

type bufferSnapshot struct {
	p    *Param
	vals []float64
}

func snapshotBuffers(b *Builder) []bufferSnapshot {
	var out []bufferSnapshot
	for _, bd := range b.Bindings() {
		if bd.Param.Kind() == Buffer {
			v, _ := Float64s(bd.Param.Value())
			out = append(out, bufferSnapshot{bd.Param, v})
		}
	}
	return out
}

func restoreBuffers(s []bufferSnapshot) {
	for _, b := range s {
		_ = CopyFloat64s(b.p.Value(), b.vals)
	}
}
