//go:build !amd64 || purego

package vec

// asm64 is empty: the float64 exponential family runs on the math package.
var asm64 = kernelSet64{}
