//go:build amd64 || 386

package gemm

// genericKernels is the set of portable kernels: 2×4 first on x86, whose 16
// XMM registers do not hold a 4×4 block (see kernel_generic.go).
var genericKernels = kernelSet{&genericKernel2x4, &genericKernel4x4low}

// genericKernel4x4low is the 4×4 kernel with the lower speed weight it has
// on x86, so that pick takes it only where it pads much less than 2×4.
var genericKernel4x4low = func() kernel { k := genericKernel4x4; k.speed = 0.5; return k }()
