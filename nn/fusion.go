package nn

// fusedAct is an activation that an op can apply inside its own output
// pass, with its gradient taken from the op's saved output: ops.ConvParams
// and ops.BatchNormParams have ReLU for it (the fused Conv+ReLU and
// BatchNorm+ReLU ops).
type fusedAct int

const (
	fuseNone fusedAct = iota // apply the activation layer after the op
	fuseReLU                 // the op applies max(0, ·) itself
)

// fuser is implemented by the activation layers that have a fused form.
type fuser interface{ fusion() fusedAct }

// fusionOf is the one place where a layer with an activation (Conv,
// ConvTranspose, BatchNorm) chooses between a fused op and the op followed
// by the activation: the activation layer says which fused form it has.
func fusionOf(act Layer) fusedAct {
	if f, ok := act.(fuser); ok {
		return f.fusion()
	}
	return fuseNone
}

// fusion reports that a ReLU fuses into Conv and BatchNorm as their ReLU
// form.
func (*ReLU) fusion() fusedAct { return fuseReLU }
