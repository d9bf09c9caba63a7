package graph

import (
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Mode says whether a graph is built for training or for evaluation.
type Mode int

const (
	// Train: Dropout drops, BatchNorm normalises with batch statistics and
	// updates its running statistics.
	Train Mode = iota
	// Eval: Dropout is the identity, BatchNorm uses its running statistics.
	Eval
)

// String returns "train" or "eval".
func (m Mode) String() string {
	if m == Eval {
		return "eval"
	}
	return "train"
}

// Binding pairs a Param with the node it was bound to in one graph.
type Binding struct {
	Name  string
	Param *Param
	Node  *G.Node
	Value *tensor.Dense // the Param's tensor when it was bound (see Stale)
}

// LayerCall records one layer application while a graph is built: the
// layer's path (such as "features.0"), the layer itself and its input and
// output nodes. Summaries and visualisations read them from [Builder.Calls].
type LayerCall struct {
	Path  string
	Layer any
	In    *G.Node
	Out   *G.Node
	Depth int
}

// BuilderOption configures a Builder.
type BuilderOption func(*Builder)

// WithSeed seeds the generator from which random ops in the graph (Dropout
// masks) draw their own seeds. The default seed is 0.
func WithSeed(seed int64) BuilderOption {
	return func(b *Builder) { b.rng = NewRand(seed) }
}

// Builder makes one Gorgonia graph for one mode. Layers call Bind to put
// their Params into the graph, Scope to name what they build, and Mode to
// decide how to behave.
type Builder struct {
	g      *G.ExprGraph
	mode   Mode
	rng    *rand.Rand
	bound  map[*Param]*G.Node
	order  []Binding
	names  map[string]int
	scopes []string // the full path of every entered scope, innermost last
	calls  []LayerCall
	sized  int // nodes of g checked by CheckSizes

	// registered maps the model's Params to their state_dict names (see
	// Register); nil when nothing was registered. aliases holds every name
	// a Param was registered under (a shared layer has several).
	registered map[*Param]string
	aliases    map[*Param][]string
	// unregistered lists, in order, the Params bound or tracked while a
	// registration was in force that it does not contain.
	unregistered []Binding
	// logits maps the output of a sigmoid to its input (see SetLogits).
	logits map[*G.Node]*G.Node
	// inference is set by WithInference (see Inference).
	inference bool
}

// NewBuilder returns a Builder with an empty graph for mode.
func NewBuilder(mode Mode, opts ...BuilderOption) *Builder {
	b := &Builder{
		g:     G.NewGraph(),
		mode:  mode,
		bound: map[*Param]*G.Node{},
		names: map[string]int{},
	}
	WithSeed(0)(b)
	for _, o := range opts {
		o(b)
	}
	return b
}

// Graph returns the Gorgonia graph being built.
func (b *Builder) Graph() *G.ExprGraph { return b.g }

// Mode returns the builder's mode.
func (b *Builder) Mode() Mode { return b.mode }

// Training reports whether the builder's mode is Train.
func (b *Builder) Training() bool { return b.mode == Train }

// Seed draws a new seed from the builder's generator, for ops that keep a
// generator of their own (Dropout). Successive calls give different seeds;
// the same builder seed gives the same sequence.
func (b *Builder) Seed() int64 { return b.rng.Int64() }

// UniqueName returns base if no node of the graph was given that name by this
// builder yet, and base#2, base#3, ... otherwise. Gorgonia merges nodes that
// share a name and a shape, so every node a layer creates must be named
// through UniqueName.
func (b *Builder) UniqueName(base string) string {
	if base == "" {
		base = "node"
	}
	b.names[base]++
	if n := b.names[base]; n > 1 {
		return fmt.Sprintf("%s#%d", base, n)
	}
	return base
}

// Path returns the current scope path, such as "layer1.0.conv1" ("" at the top).
func (b *Builder) Path() string {
	if len(b.scopes) == 0 {
		return ""
	}
	return b.scopes[len(b.scopes)-1]
}

// Qualify returns the current path joined with name.
func (b *Builder) Qualify(name string) string {
	if p := b.Path(); p != "" {
		if name == "" {
			return p
		}
		return p + "." + name
	}
	return name
}

// Enter pushes name onto the scope path; Leave pops it. Containers call them
// around each child (see nn.Call) so that Params bound by the child get
// state_dict names and errors name the child.
func (b *Builder) Enter(name string) { b.scopes = append(b.scopes, b.Qualify(name)) }

// EnterPath pushes a scope whose full path is path (not relative to the
// current one), for a layer whose registered name is known (see Register
// and nn.Call). Leave pops it.
func (b *Builder) EnterPath(path string) { b.scopes = append(b.scopes, path) }

// Leave pops the innermost scope entered with Enter.
func (b *Builder) Leave() {
	if len(b.scopes) > 0 {
		b.scopes = b.scopes[:len(b.scopes)-1]
	}
}

// Depth is the number of scopes entered.
func (b *Builder) Depth() int { return len(b.scopes) }

// Record appends a layer call to the builder's trace (see Calls).
func (b *Builder) Record(c LayerCall) { b.calls = append(b.calls, c) }

// Calls returns the layer calls recorded while building, in the order the
// layers finished.
func (b *Builder) Calls() []LayerCall { return b.calls }

// CheckSizes checks the shapes of the nodes added to the graph since the
// last call with [CheckTensorSize], so that the layer that made a tensor
// too large for memory can be named (nn.Call calls it after every layer).
// NewMachine checks every node again.
func (b *Builder) CheckSizes() error {
	all := b.g.AllNodes()
	if b.sized > len(all) {
		b.sized = 0
	}
	limit, source, err := MemoryLimit()
	if err != nil {
		return err
	}
	for _, n := range all[b.sized:] {
		if err := checkNodeSize(n, limit, source); err != nil {
			return err
		}
	}
	b.sized = len(all)
	return nil
}

// Input adds an input placeholder of dtype dt and the given shape. Its value
// is set with gorgonia.Let before each run.
func (b *Builder) Input(name string, dt tensor.Dtype, shape ...int) *G.Node {
	return G.NewTensor(b.g, dt, len(shape), G.WithShape(shape...), G.WithName(b.UniqueName(name)))
}

// InputValue adds an input node holding t (a constant for gradient purposes
// unless passed to gorgonia.Grad).
func (b *Builder) InputValue(name string, t tensor.Tensor) *G.Node {
	shape := t.Shape().Clone()
	return G.NewTensor(b.g, t.Dtype(), len(shape), G.WithShape(shape...), G.WithName(b.UniqueName(name)), G.WithValue(t))
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

// RegisteredName returns the name p was registered under, if any (the
// first, when it was registered under several).
func (b *Builder) RegisteredName(p *Param) (string, bool) {
	name, ok := b.registered[p]
	return name, ok
}

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

// SetLogits records that probs = sigmoid(logits) in b's graph. nn.Sigmoid
// calls it, so that a loss or a metric given a model's output can work on
// the logits underneath when the model ends in a sigmoid (see Logits).
func (b *Builder) SetLogits(probs, logits *G.Node) {
	if b.logits == nil {
		b.logits = map[*G.Node]*G.Node{}
	}
	b.logits[probs] = logits
}

// Logits returns the node that probs is the sigmoid of, when probs was
// recorded with SetLogits.
func (b *Builder) Logits(probs *G.Node) (*G.Node, bool) {
	z, ok := b.logits[probs]
	return z, ok
}
