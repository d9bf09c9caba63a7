//go:build !unix

package atomicfile

import "os"

// processAlive reports whether a process with that id exists: on these
// platforms, whether it can be opened.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
