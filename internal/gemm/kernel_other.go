//go:build !amd64 || purego

package gemm

// availableKernels lists the kernels this build can run.
func availableKernels() []*kernel { return []*kernel{&genericKernel} }

// defaultKernel is the kernel Sgemm uses.
var defaultKernel = &genericKernel
