package graph

// WithInference marks an evaluation graph as one that is only run forward
// for its outputs (nn.Predict): its layers may then be folded into one
// another, such as a BatchNorm into the convolution before it, which gives
// the same outputs with fewer passes over memory. Builders whose layer
// calls are read one by one (a summary, an exporter) or that differentiate
// the graph leave it off. It has no effect on a Train builder.
func WithInference() BuilderOption {
	return func(b *Builder) { b.inference = true }
}

// Inference reports whether layers may fold into one another: the builder
// is in Eval mode and was made WithInference.
func (b *Builder) Inference() bool { return b.inference && b.mode == Eval }
