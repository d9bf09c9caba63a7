package train_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// memSet is an in-memory dataset for tests.
type memSet struct {
	x, y   [][]float32
	xs, ys []int
	gets   int
}

func (m *memSet) Len() int      { return len(m.x) }
func (m *memSet) XShape() []int { return m.xs }
func (m *memSet) YShape() []int { return m.ys }
func (m *memSet) Get(i int, x, y []float32) error {
	if i < 0 || i >= len(m.x) {
		return fmt.Errorf("memSet: index %d out of range", i)
	}
	m.gets++
	copy(x, m.x[i])
	copy(y, m.y[i])
	return nil
}

func oneHot(k, n int) []float32 {
	v := make([]float32, n)
	v[k] = 1
	return v
}

// blobs makes a separable 2-class set: points around (-1,-1) and (1,1).
func blobs(n int, seed uint64) *memSet {
	r := rand.New(rand.NewPCG(seed, 7))
	m := &memSet{xs: []int{2}, ys: []int{2}}
	for i := 0; i < n; i++ {
		c := i % 2
		s := float64(2*c - 1)
		m.x = append(m.x, []float32{float32(s + 0.4*r.NormFloat64()), float32(s + 0.4*r.NormFloat64())})
		m.y = append(m.y, oneHot(c, 2))
	}
	return m
}

// xorSet is the four XOR points, repeated.
func xorSet(reps int) *memSet {
	m := &memSet{xs: []int{2}, ys: []int{2}}
	pts := [][2]float32{{0, 0}, {0, 1}, {1, 0}, {1, 1}}
	for r := 0; r < reps; r++ {
		for _, p := range pts {
			c := 0
			if (p[0] > 0) != (p[1] > 0) {
				c = 1
			}
			m.x = append(m.x, []float32{p[0], p[1]})
			m.y = append(m.y, oneHot(c, 2))
		}
	}
	return m
}

// ceLoss is softmax cross-entropy composed of Gorgonia ops (tests do not
// depend on the ops package's losses).
func ceLoss() train.Loss {
	return train.NewLoss("ce", func(b *graph.Builder, logits, y *G.Node) (*G.Node, error) {
		ls, err := G.LogSoftMax(logits)
		if err != nil {
			return nil, err
		}
		p, err := G.HadamardProd(ls, y)
		if err != nil {
			return nil, err
		}
		s, err := G.Sum(p, 1)
		if err != nil {
			return nil, err
		}
		m, err := G.Mean(s)
		if err != nil {
			return nil, err
		}
		return G.Neg(m)
	})
}

// mseLoss is the mean squared error composed of Gorgonia ops.
func mseLoss() train.Loss {
	return train.NewLoss("mse", func(b *graph.Builder, pred, y *G.Node) (*G.Node, error) {
		d, err := G.Sub(pred, y)
		if err != nil {
			return nil, err
		}
		sq, err := G.Square(d)
		if err != nil {
			return nil, err
		}
		return G.Mean(sq)
	})
}

// mlp builds Dense(in,h)-act-Dense(h,out).
func mlp(in, h, out int, seed int64, dt tensor.Dtype, act nn.Layer) *nn.Sequential {
	d1, err := nn.NewDense(in, h, nn.WithDtype(dt), nn.WithSeed(1))
	if err != nil {
		panic(err)
	}
	d2, err := nn.NewDense(h, out, nn.WithDtype(dt), nn.WithSeed(2))
	if err != nil {
		panic(err)
	}
	s, err := nn.NewSequential(d1, act, d2)
	if err != nil {
		panic(err)
	}
	if err := nn.Initialize(s, seed); err != nil {
		panic(err)
	}
	return s
}

// paramBytes returns all Param values as float64 bit patterns.
func paramBits(l nn.Layer) []uint64 {
	var out []uint64
	for _, np := range nn.NamedParams(l) {
		vals, _ := graph.Float64s(np.Param.Value())
		for _, v := range vals {
			out = append(out, math.Float64bits(v))
		}
	}
	return out
}
