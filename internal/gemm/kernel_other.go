//go:build (!amd64 && !arm64) || purego

package gemm

// availableKernelSets lists the kernel sets this build can run.
func availableKernelSets() []kernelSet { return []kernelSet{genericKernels} }

// defaultKernels is the set Sgemm uses.
var defaultKernels = genericKernels

// availableDotKernels lists the dot-product kernels this build can run.
func availableDotKernels() []*dotKernel { return nil }

// defaultDot is the dot-product kernel Sgemm uses, if any.
var defaultDot = firstOrNil(availableDotKernels())
