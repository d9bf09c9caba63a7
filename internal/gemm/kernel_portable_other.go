//go:build !amd64 && !386

package gemm

// genericKernels is the set of portable kernels: 4×4 first on architectures
// with 32 FP registers and fused multiply-adds (see kernel_generic.go).
var genericKernels = kernelSet{&genericKernel4x4, &genericKernel2x4low}

// genericKernel2x4low is the 2×4 kernel with a lower speed weight, so that
// pick takes it only for products with one or two rows.
var genericKernel2x4low = func() kernel { k := genericKernel2x4; k.speed = 0.6; return k }()
