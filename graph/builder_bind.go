package graph

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Binding pairs a Param with the node it was bound to in one graph.
type Binding struct {
	Name  string
	Param *Param
	Node  *G.Node
	Value *tensor.Dense // the Param's tensor when it was bound (see Stale)
}

// Register declares the Params of the model the graph is built for, with
// their state_dict names (nn.NamedParams of the model; nn.Apply calls it).
// From then on the name of a registered Param comes from the registration
// alone: Bind and Track name its node and Binding after it, whatever scope
// the layer was called in. Binding or tracking a Param that is not
// registered is recorded (see Unregistered): such a Param would be trained
// but neither counted nor saved. A Param listed twice keeps its first name.
func (b *Builder) Register(params []NamedParam) {
	if b.registered == nil {
		b.registered = make(map[*Param]string, len(params))
		b.aliases = make(map[*Param][]string, len(params))
	}
	for _, np := range params {
		if np.Param == nil {
			continue
		}
		if _, ok := b.registered[np.Param]; !ok {
			b.registered[np.Param] = np.Name
		}
		b.aliases[np.Param] = append(b.aliases[np.Param], np.Name)
	}
}

// HasRegistration reports whether Register was called.
func (b *Builder) HasRegistration() bool { return b.registered != nil }

// RegisteredNames returns every name p was registered under: more than one
// when a layer is shared by two places of the model.
func (b *Builder) RegisteredNames(p *Param) []string {
	return append([]string(nil), b.aliases[p]...)
}

// Unregistered lists the Params that were bound or tracked although a
// registration was in force and did not contain them, each with the name
// it was bound under (current path and local name), in binding order.
func (b *Builder) Unregistered() []Binding { return append([]Binding(nil), b.unregistered...) }

// nameOf returns the name a Param bound as name in the current scope gets:
// its registered name, or the qualified name (recording the Param as
// unregistered when a registration is in force).
func (b *Builder) nameOf(p *Param, name string) string {
	if b.registered == nil {
		return b.Qualify(name)
	}
	if full, ok := b.registered[p]; ok {
		return full
	}
	full := b.Qualify(name)
	b.unregistered = append(b.unregistered, Binding{Name: full, Param: p, Value: p.Value()})
	return full
}

// Bind returns the graph node that holds p's tensor, creating it the first
// time; binding the same Param twice gives the same node (shared weights).
// The node holds p's own tensor, so in-place updates of p are seen by the
// graph and the other way round; a machine's writes to it (setEngine) are
// serialised by LockParams around NewMachine.
// The node is named after p's registered name (see Register) or, without a
// registration, after the current path and name, so that the first binding
// of "weight" inside scope "features.0" is named "features.0.weight".
func (b *Builder) Bind(p *Param, name string) *G.Node {
	if n, ok := b.bound[p]; ok && n != nil {
		return n
	}
	_, tracked := b.bound[p]
	full := b.Qualify(name)
	if !tracked {
		full = b.nameOf(p, name)
	} else if reg, ok := b.registered[p]; ok {
		full = reg
	}
	v := p.Value()
	shape := v.Shape().Clone()
	var n *G.Node
	if len(shape) == 0 {
		n = G.NewScalar(b.g, v.Dtype(), G.WithName(b.UniqueName(full)), G.WithValue(v))
	} else {
		n = G.NewTensor(b.g, v.Dtype(), len(shape), G.WithShape(shape...), G.WithName(b.UniqueName(full)), G.WithValue(v))
	}
	if tracked {
		for i := range b.order {
			if b.order[i].Param == p {
				b.order[i].Node = n
			}
		}
	} else {
		b.order = append(b.order, Binding{Name: full, Param: p, Node: n, Value: v})
	}
	b.bound[p] = n
	return n
}

// Track records p under name (its registered name, or name qualified by the
// current path; see Bind) without making
// a node for it, for Params that an op reads or writes directly (such as
// running statistics). Tracked Params appear in Bindings with a nil Node.
func (b *Builder) Track(p *Param, name string) {
	if _, ok := b.bound[p]; ok {
		return
	}
	b.bound[p] = nil
	b.order = append(b.order, Binding{Name: b.nameOf(p, name), Param: p, Value: p.Value()})
}

// Bindings lists every Param bound so far, in binding order.
func (b *Builder) Bindings() []Binding { return append([]Binding(nil), b.order...) }

// Trainable lists the bindings whose Params an optimiser should update
// (weights that are not frozen), in binding order.
func (b *Builder) Trainable() []Binding {
	var out []Binding
	for _, bd := range b.order {
		if bd.Param.Trainable() && bd.Node != nil {
			out = append(out, bd)
		}
	}
	return out
}

// Stale reports whether a Param of bindings holds another tensor than when
// it was bound (Param.ConvertTo replaces it): a compiled graph built from
// those bindings still reads the old one and must be rebuilt.
func Stale(bindings []Binding) bool {
	for _, bd := range bindings {
		if bd.Param.Value() != bd.Value {
			return true
		}
	}
	return false
}

// Nodes returns the nodes of bindings, in order.
func Nodes(bindings []Binding) G.Nodes {
	out := make(G.Nodes, len(bindings))
	for i, bd := range bindings {
		out[i] = bd.Node
	}
	return out
}
