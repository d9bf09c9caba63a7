//go:build !amd64

package workers

// pause is a spin-wait hint where the architecture has one wired here;
// elsewhere it does nothing and the poll loop relies on its yields.
func pause(int) {}
