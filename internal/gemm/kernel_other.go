//go:build !amd64 || purego

package gemm

// availableKernelSets lists the kernel sets this build can run.
func availableKernelSets() []kernelSet { return []kernelSet{genericKernels} }

// defaultKernels is the set Sgemm uses.
var defaultKernels = genericKernels
