//go:build !amd64 || purego

package vec

// moveAsm is empty: the data-movement functions run the portable code.
var moveAsm = moveKernels{}
