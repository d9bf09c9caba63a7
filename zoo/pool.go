package zoo

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/ops"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TEMPORARY: the pooling layers of package nn are not merged yet; these
// stand-ins are replaced by nn.NewMaxPool2D / nn.NewAvgPool2D when they
// land. They have no Params, so the state_dict names do not depend on them.

type poolLayer struct {
	max        bool
	k, s, p    int
	ceil       bool
	excludePad bool
}

func (mk *maker) maxPool(k, s, p int, ceil bool) nn.Layer {
	return &poolLayer{max: true, k: k, s: s, p: p, ceil: ceil}
}

func (mk *maker) avgPool(k, s, p int, excludePad bool) nn.Layer {
	return &poolLayer{k: k, s: s, p: p, excludePad: excludePad}
}

func (l *poolLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if x.Shape().Dims() != 4 {
		return nil, graph.ShapeErrorf("zoo: pool %q: input must be rank 4, got %v", b.Path(), x.Shape())
	}
	if l.max && !l.ceil {
		return G.MaxPool2D(x, tensor.Shape{l.k, l.k}, []int{l.p, l.p}, []int{l.s, l.s})
	}
	h, w := x.Shape()[2], x.Shape()[3]
	if !l.max && l.p == 0 && l.k == l.s && h%l.k == 0 && w%l.k == 0 {
		return ops.AdaptiveAvgPool2D(x, h/l.k, w/l.k)
	}
	return nil, errors.Errorf("zoo: pool %q: %v not available until nn pooling lands", b.Path(), l)
}

func (l *poolLayer) Params() []graph.NamedParam { return nil }

func (l *poolLayer) String() string {
	kind := "AvgPool2D"
	if l.max {
		kind = "MaxPool2D"
	}
	return fmt.Sprintf("%s(k=%d, s=%d, p=%d)", kind, l.k, l.s, l.p)
}
