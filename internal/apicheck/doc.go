// Package apicheck holds a compile-time test of the public API that outside
// checks call (the pinned signatures of DESIGN.md). It has no code of its own.
package apicheck
