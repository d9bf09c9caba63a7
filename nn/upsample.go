package nn

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// upsampleBase is the one implementation behind Upsample1D/2D/3D and
// UpsampleBilinear2D.
type upsampleBase struct {
	kind     string
	rank     int
	factor   int
	bilinear bool
}

func newUpsampleBase(kind string, rank, factor int, bilinear bool, opts []Option) (*upsampleBase, error) {
	ctor := "New" + kind
	if _, err := newConfig(ctor, opts); err != nil {
		return nil, err
	}
	if factor < 1 {
		return nil, argError(ctor, "factor must be >= 1, got %d", factor)
	}
	return &upsampleBase{kind: kind, rank: rank, factor: factor, bilinear: bilinear}, nil
}

// Forward upsamples x.
func (l *upsampleBase) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if err := checkInput(b, l.kind, x, l.rank+2, spatialLayout(l.rank), tensor.Dtype{}); err != nil {
		return nil, err
	}
	if err := checkFloat(b, l.kind, x); err != nil {
		return nil, err
	}
	for _, d := range x.Shape() {
		if d <= 0 {
			return nil, shapeError(b, l.kind, "dimensions must be positive, got shape %s", graph.FormatShape(x.Shape()))
		}
	}
	out := []int(x.Shape().Clone())
	for i := 2; i < len(out); i++ {
		v, ok := graph.MulInt(out[i], l.factor)
		if !ok {
			return nil, layerError(b, l.kind, graph.ErrArg, "output size %d·%d on axis %s overflows int (input shape %s)", out[i], l.factor, spatialAxes(l.rank)[i-2], graph.FormatShape(x.Shape()))
		}
		out[i] = v
	}
	if err := graph.CheckTensorSize("output", x.Dtype(), out); err != nil {
		return nil, wrapLayer(b, l.kind, err)
	}
	var y *G.Node
	var err error
	if l.bilinear {
		y, err = ops.UpsampleBilinear2D(x, [2]int{l.factor, l.factor})
	} else {
		f := make([]int, l.rank)
		for i := range f {
			f[i] = l.factor
		}
		y, err = ops.UpsampleNearest(x, f)
	}
	if err != nil {
		return nil, wrapLayer(b, l.kind, err)
	}
	return y, nil
}

// Params is empty.
func (l *upsampleBase) Params() []graph.NamedParam { return nil }

// Factor returns the upsampling factor (the same on every spatial axis).
func (l *upsampleBase) Factor() int { return l.factor }

// String prints the layer with its factor.
func (l *upsampleBase) String() string { return fmt.Sprintf("%s(scale_factor=%d)", l.kind, l.factor) }

// Describe gives the output size of every spatial axis, and "params = 0".
func (l *upsampleBase) Describe(in, out tensor.Shape) []string {
	var lines []string
	if len(in) == l.rank+2 && len(out) == l.rank+2 {
		for i, axis := range spatialAxes(l.rank) {
			lines = append(lines, fmt.Sprintf("%s2 = %s1*f = %d*%d = %d", axis, axis, in[2+i], l.factor, out[2+i]))
		}
	}
	return append(lines, "params = 0")
}

// Upsample1D repeats every element factor times along the last axis
// (nearest neighbour; PyTorch's Upsample(scale_factor, mode="nearest"),
// Keras's UpSampling1D):
//
//	x (N, C, L) -> y (N, C, L·f)
//
// No parameters.
type Upsample1D struct{ upsampleBase }

// NewUpsample1D returns an Upsample1D layer with the given integer
// factor (>= 1).
func NewUpsample1D(factor int, opts ...Option) (*Upsample1D, error) {
	l, err := newUpsampleBase("Upsample1D", 1, factor, false, opts)
	if err != nil {
		return nil, err
	}
	return &Upsample1D{*l}, nil
}

// Upsample2D repeats every pixel in an f×f block (nearest neighbour;
// PyTorch's Upsample(scale_factor, mode="nearest"), Keras's UpSampling2D):
//
//	x (N, C, H, W) -> y (N, C, H·f, W·f)
//
// No parameters.
type Upsample2D struct{ upsampleBase }

// NewUpsample2D returns an Upsample2D layer with the given integer
// factor (>= 1) on both axes.
func NewUpsample2D(factor int, opts ...Option) (*Upsample2D, error) {
	l, err := newUpsampleBase("Upsample2D", 2, factor, false, opts)
	if err != nil {
		return nil, err
	}
	return &Upsample2D{*l}, nil
}

// Upsample3D repeats every voxel in an f×f×f block (nearest neighbour;
// Keras's UpSampling3D):
//
//	x (N, C, D, H, W) -> y (N, C, D·f, H·f, W·f)
//
// No parameters.
type Upsample3D struct{ upsampleBase }

// NewUpsample3D returns an Upsample3D layer with the given integer
// factor (>= 1) on every axis.
func NewUpsample3D(factor int, opts ...Option) (*Upsample3D, error) {
	l, err := newUpsampleBase("Upsample3D", 3, factor, false, opts)
	if err != nil {
		return nil, err
	}
	return &Upsample3D{*l}, nil
}

// UpsampleBilinear2D is bilinear upsampling by an integer factor with
// PyTorch's Upsample(scale_factor, mode="bilinear", align_corners=False)
// (Keras's UpSampling2D(interpolation="bilinear")):
//
//	x (N, C, H, W) -> y (N, C, H·f, W·f)
//
// Output pixel o samples the input at (o + 0.5)/f - 0.5 on each axis,
// clamped to the edge pixels. No parameters.
type UpsampleBilinear2D struct{ upsampleBase }

// NewUpsampleBilinear2D returns an UpsampleBilinear2D layer with the
// given integer factor (>= 1) on both axes.
func NewUpsampleBilinear2D(factor int, opts ...Option) (*UpsampleBilinear2D, error) {
	l, err := newUpsampleBase("UpsampleBilinear2D", 2, factor, true, opts)
	if err != nil {
		return nil, err
	}
	return &UpsampleBilinear2D{*l}, nil
}
