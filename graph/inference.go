package graph

// WithInference marks an evaluation graph as one that is only run forward
// for its outputs (nn.Predict): its layers may then be folded into one
// another, such as a BatchNorm into the convolution before it, which gives
// the same outputs with fewer passes over memory. Builders whose layer
// calls are read one by one (a summary, an exporter) or that differentiate
// the graph leave it off. It has no effect on a Train builder.
//
// In such a graph the recorded layer calls (Calls) of folded layers do not
// hold the tensors an unfolded graph would: the convolution's Out and the
// BatchNorm's In are both the folded node, which already includes the
// BatchNorm (and a fused ReLU). Read Calls from a graph built without it.
func WithInference() BuilderOption {
	return func(b *Builder) { b.inference = true }
}

// Inference reports whether layers may fold into one another: the builder
// is in Eval mode and was made WithInference.
func (b *Builder) Inference() bool { return b.inference && b.mode == Eval }
