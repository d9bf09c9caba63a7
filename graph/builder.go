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
	// the memory limit CheckSizes checks against, read on its first call
	// (MemoryLimit reads the environment, sysinfo and the cgroup files)
	memLimit  int64
	memSource string
	memRead   bool

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
// layers finished. In a graph built WithInference, folded layers record
// the folded node (see WithInference).
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
	if !b.memRead {
		limit, source, err := MemoryLimit()
		if err != nil {
			return err
		}
		b.memLimit, b.memSource, b.memRead = limit, source, true
	}
	for _, n := range all[b.sized:] {
		if err := checkNodeSize(n, b.memLimit, b.memSource); err != nil {
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
