//go:build !linux

package graph

// physicalMemory is unknown outside Linux: 0 turns the memory check off
// (the int-overflow check stays); set CONVNET_MEMORY_LIMIT for one.
func physicalMemory() int64 { return 0 }
