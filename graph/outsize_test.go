package graph_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/convnet-go/convnet/graph"
)

func TestConvOutSize(t *testing.T) {
	cases := []struct {
		name                    string
		in, k, stride, pad, dil int
		want                    int
		err                     error
	}{
		{"course-28-k3", 28, 3, 1, 0, 1, 26, nil},
		{"same-32-k3-p1", 32, 3, 1, 1, 1, 32, nil},
		{"resnet-stem-224-k7-s2-p3", 224, 7, 2, 3, 1, 112, nil},
		{"56-k3-s2-p1", 56, 3, 2, 1, 1, 28, nil},
		{"floor-5-k3-s2", 5, 3, 2, 0, 1, 2, nil},
		{"floor-10-k3-s3", 10, 3, 3, 0, 1, 3, nil},
		{"dilated-7-k3-d2", 7, 3, 1, 0, 2, 3, nil},
		{"dilated-pad-9-k3-d3-p3", 9, 3, 1, 3, 3, 9, nil},
		{"kernel-equals-input", 3, 3, 1, 0, 1, 1, nil},
		{"one-by-one", 1, 1, 1, 0, 1, 1, nil},
		{"kernel-fits-only-with-pad", 2, 3, 1, 1, 1, 2, nil},
		{"input-zero", 0, 3, 1, 0, 1, 0, graph.ErrShape},
		{"kernel-zero", 5, 0, 1, 0, 1, 0, graph.ErrArg},
		{"stride-zero", 5, 3, 0, 0, 1, 0, graph.ErrArg},
		{"stride-negative", 5, 3, -1, 0, 1, 0, graph.ErrArg},
		{"pad-negative", 5, 3, 1, -1, 1, 0, graph.ErrArg},
		{"dilation-zero", 5, 3, 1, 0, 0, 0, graph.ErrArg},
		{"kernel-larger-than-input", 2, 3, 1, 0, 1, 0, graph.ErrShape},
		{"dilated-kernel-larger", 4, 3, 1, 0, 2, 0, graph.ErrShape},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := graph.ConvOutSize(c.in, c.k, c.stride, c.pad, c.dil)
			checkSize(t, got, err, c.want, c.err)
		})
	}
}

func checkSize(t *testing.T, got int, err error, want int, wantErr error) {
	t.Helper()
	if wantErr != nil {
		if err == nil || !errors.Is(err, wantErr) {
			t.Fatalf("got %d, %v; want an error wrapping %v", got, err, wantErr)
		}
		return
	}
	if err != nil || got != want {
		t.Fatalf("got %d, %v; want %d", got, err, want)
	}
}

// PyTorch's rule (pooling_output_shape): with ceil_mode the division rounds
// up, then the last window is dropped if it would start in the right
// padding: if (out-1)·stride >= in + pad { out-- }.
func TestPoolOutSize(t *testing.T) {
	cases := []struct {
		name               string
		in, k, stride, pad int
		ceil               bool
		want               int
		err                error
	}{
		{"lenet-26-k2", 26, 2, 2, 0, false, 13, nil},
		{"lenet-11-k2-floor", 11, 2, 2, 0, false, 5, nil},
		{"11-k2-ceil", 11, 2, 2, 0, true, 6, nil},
		{"even-ceil-same-as-floor", 26, 2, 2, 0, true, 13, nil},
		{"googlenet-112-k3-s2-floor", 112, 3, 2, 0, false, 55, nil},
		{"googlenet-112-k3-s2-ceil", 112, 3, 2, 0, true, 56, nil},
		{"resnet-112-k3-s2-p1", 112, 3, 2, 1, false, 56, nil},
		{"112-k3-s2-p1-ceil", 112, 3, 2, 1, true, 57, nil},
		{"ceil-drops-window-in-padding-3-k2-s2-p1", 3, 2, 2, 1, true, 2, nil},
		{"ceil-drops-window-in-padding-5-k3-s3-p1", 5, 3, 3, 1, true, 2, nil},
		{"5-k3-s3-p1-floor", 5, 3, 3, 1, false, 2, nil},
		{"7-k3-s2-ceil", 7, 3, 2, 0, true, 3, nil},
		{"8-k3-s2-ceil", 8, 3, 2, 0, true, 4, nil},
		{"8-k3-s2-floor", 8, 3, 2, 0, false, 3, nil},
		{"ceil-kernel-larger", 2, 3, 1, 0, true, 0, graph.ErrShape},
		{"ceil-stride-zero", 4, 2, 0, 0, true, 0, graph.ErrArg},
		{"floor-input-zero", 0, 2, 2, 0, false, 0, graph.ErrShape},
		{"ceil-pad-negative", 4, 2, 2, -1, true, 0, graph.ErrArg},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := graph.PoolOutSize(c.in, c.k, c.stride, c.pad, c.ceil)
			checkSize(t, got, err, c.want, c.err)
		})
	}
}

// pytorchPool is PyTorch's pooling_output_shape written out, for
// comparison over many configurations.
func pytorchPool(in, k, s, p int, ceil bool) int {
	num := in + 2*p - (k - 1) - 1
	if ceil {
		num += s - 1
	}
	out := num/s + 1
	if ceil && (out-1)*s >= in+p {
		out--
	}
	return out
}

func TestPoolOutSizeMatchesPyTorchRule(t *testing.T) {
	n := 0
	for in := 1; in <= 20; in++ {
		for k := 1; k <= 5; k++ {
			for s := 1; s <= 4; s++ {
				for p := 0; p <= k/2; p++ { // PyTorch requires pad <= k/2
					if in+2*p < k {
						continue
					}
					for _, ceil := range []bool{false, true} {
						got, err := graph.PoolOutSize(in, k, s, p, ceil)
						if want := pytorchPool(in, k, s, p, ceil); err != nil || got != want {
							t.Fatalf("in %d k %d s %d p %d ceil %v: got %d, %v; want %d", in, k, s, p, ceil, got, err, want)
						}
						n++
					}
				}
			}
		}
	}
	if n < 500 {
		t.Fatalf("only %d configurations", n)
	}
}

func TestConvTransposeOutSize(t *testing.T) {
	cases := []struct {
		name                            string
		in, k, stride, pad, outPad, dil int
		want                            int
		err                             error
	}{
		{"lecture-blocks-2-k3-s3", 2, 3, 3, 0, 0, 1, 6, nil},
		{"double-7-k2-s2", 7, 2, 2, 0, 0, 1, 14, nil},
		{"dcgan-32-k4-s2-p1", 32, 4, 2, 1, 0, 1, 64, nil},
		{"outpad-16-k3-s2-p1-op1", 16, 3, 2, 1, 1, 1, 32, nil},
		{"dilated-5-k3-p1-d2", 5, 3, 1, 1, 0, 2, 7, nil},
		{"outpad-below-dilation", 5, 3, 1, 0, 1, 2, 10, nil},
		{"stride1-k1", 4, 1, 1, 0, 0, 1, 4, nil},
		{"outpad-negative", 4, 3, 2, 0, -1, 1, 0, graph.ErrArg},
		{"outpad-equal-stride", 4, 3, 2, 0, 2, 1, 0, graph.ErrArg},
		{"output-not-positive", 1, 1, 1, 1, 0, 1, 0, graph.ErrShape},
		{"stride-zero", 4, 3, 0, 0, 0, 1, 0, graph.ErrArg},
		{"kernel-zero", 4, 0, 1, 0, 0, 1, 0, graph.ErrArg},
		{"input-zero", 0, 3, 1, 0, 0, 1, 0, graph.ErrShape},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := graph.ConvTransposeOutSize(c.in, c.k, c.stride, c.pad, c.outPad, c.dil)
			checkSize(t, got, err, c.want, c.err)
		})
	}
}

// A transposed convolution maps the output size of the matching
// convolution back to its input size (up to the rows the convolution's
// floor dropped, which output padding restores).
func TestConvTransposeInvertsConv(t *testing.T) {
	for in := 1; in <= 16; in++ {
		for k := 1; k <= 4; k++ {
			for s := 1; s <= 3; s++ {
				for p := 0; p < k; p++ {
					for d := 1; d <= 2; d++ {
						out, err := graph.ConvOutSize(in, k, s, p, d)
						if err != nil {
							continue
						}
						dropped := (in + 2*p - d*(k-1) - 1) % s
						if dropped >= s && dropped >= d {
							continue
						}
						back, err := graph.ConvTransposeOutSize(out, k, s, p, dropped, d)
						if err != nil || back != in {
							t.Fatalf("in %d k %d s %d p %d d %d: conv %d, transpose back %d, %v", in, k, s, p, d, out, back, err)
						}
					}
				}
			}
		}
	}
}

func TestSamePadding(t *testing.T) {
	cases := []struct {
		in, k, stride, dil int
		before, after      int
	}{
		{28, 3, 1, 1, 1, 1},
		{28, 5, 1, 1, 2, 2},
		{28, 2, 1, 1, 0, 1}, // even kernel: the extra element goes after (Keras)
		{7, 3, 2, 1, 1, 1},
		{8, 3, 2, 1, 0, 1},
		{5, 1, 2, 1, 0, 0},
		{3, 3, 1, 2, 2, 2},
		{10, 1, 4, 1, 0, 0}, // negative total is clamped to 0
		{224, 7, 2, 1, 2, 3},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("in%d-k%d-s%d-d%d", c.in, c.k, c.stride, c.dil), func(t *testing.T) {
			b, a := graph.SamePadding(c.in, c.k, c.stride, c.dil)
			if b != c.before || a != c.after {
				t.Fatalf("got (%d, %d), want (%d, %d)", b, a, c.before, c.after)
			}
		})
	}
	// property: ceil(in/stride) outputs with the padding split before/after
	for in := 1; in <= 20; in++ {
		for k := 1; k <= 5; k++ {
			for s := 1; s <= 3; s++ {
				for d := 1; d <= 2; d++ {
					b, a := graph.SamePadding(in, k, s, d)
					eff := d*(k-1) + 1
					out := (in+b+a-eff)/s + 1
					if want := (in + s - 1) / s; out != want || a-b < 0 || a-b > 1 {
						t.Fatalf("in %d k %d s %d d %d: pad (%d, %d) gives %d outputs, want %d", in, k, s, d, b, a, out, want)
					}
				}
			}
		}
	}
}

func TestSameTransposePadding(t *testing.T) {
	cases := []struct {
		k, stride, dil int
		pad, outPad    int
		err            error
	}{
		{2, 2, 1, 0, 0, nil},
		{3, 2, 1, 1, 1, nil},
		{4, 2, 1, 1, 0, nil},
		{3, 1, 1, 1, 0, nil},
		{1, 2, 1, 0, 1, nil},
		{1, 3, 1, 0, 2, nil},
		{5, 2, 1, 2, 1, nil},
		{2, 3, 1, 0, 1, nil},
		{3, 1, 2, 2, 0, nil},
		{2, 1, 3, 2, 1, nil},          // output padding 1 < dilation 3
		{2, 1, 1, 0, 0, graph.ErrArg}, // stride 1, even kernel: not reachable symmetrically
		{4, 1, 1, 0, 0, graph.ErrArg},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("k%d-s%d-d%d", c.k, c.stride, c.dil), func(t *testing.T) {
			p, op, err := graph.SameTransposePadding(c.k, c.stride, c.dil)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("got (%d, %d, %v), want an error wrapping %v", p, op, err, c.err)
				}
				return
			}
			if err != nil || p != c.pad || op != c.outPad {
				t.Fatalf("got (%d, %d, %v), want (%d, %d)", p, op, err, c.pad, c.outPad)
			}
			for in := 1; in <= 9; in++ {
				out, err := graph.ConvTransposeOutSize(in, c.k, c.stride, p, op, c.dil)
				if err != nil || out != in*c.stride {
					t.Fatalf("in %d: output %d (%v), want %d", in, out, err, in*c.stride)
				}
			}
		})
	}
}

func TestFormulas(t *testing.T) {
	cases := []struct{ got, want string }{
		{graph.ConvFormula("W", 28, 3, 1, 0, 1, 26), "W2 = floor((W1 - k + 2P)/S) + 1 = floor((28 - 3 + 0)/1) + 1 = 26"},
		{graph.ConvFormula("H", 224, 7, 2, 3, 1, 112), "H2 = floor((H1 - k + 2P)/S) + 1 = floor((224 - 7 + 6)/2) + 1 = 112"},
		{graph.ConvFormula("L", 7, 3, 1, 0, 2, 3), "L2 = floor((L1 - (d(k-1)+1) + 2P)/S) + 1 = floor((7 - 5 + 0)/1) + 1 = 3"},
		{graph.ConvTransposeFormula("H", 2, 3, 3, 0, 0, 1, 6), "H2 = (H1 - 1)S - 2P + d(k-1) + OP + 1 = (2 - 1)·3 - 0 + 1·2 + 0 + 1 = 6"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got  %s\nwant %s", c.got, c.want)
		}
	}
}
