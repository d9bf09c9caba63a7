//go:build (!amd64 && !arm64) || purego

package vec

// asm is empty: every kernel runs the portable code.
var asm = kernelSet{}
