package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// readNPY reads a NumPy .npy file (format 1.0, 2.0 or 3.0) holding a
// C-ordered array of little-endian float64 ('<f8'), float32 ('<f4') or
// uint8 ('|u1') values, and returns the values as float64 with the shape.
func readNPY(path string) ([]float64, []int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	vals, shape, err := parseNPY(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return vals, shape, nil
}

var (
	npyDescr   = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	npyFortran = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	npyShape   = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

// parseNPY decodes the bytes of a .npy file (see readNPY).
func parseNPY(b []byte) ([]float64, []int, error) {
	if len(b) < 10 || !bytes.Equal(b[:6], []byte("\x93NUMPY")) {
		return nil, nil, fmt.Errorf("not a .npy file (no \\x93NUMPY magic)")
	}
	var hlen, start int
	switch b[6] {
	case 1:
		hlen, start = int(binary.LittleEndian.Uint16(b[8:10])), 10
	case 2, 3:
		if len(b) < 12 {
			return nil, nil, fmt.Errorf("truncated .npy header")
		}
		hlen, start = int(binary.LittleEndian.Uint32(b[8:12])), 12
	default:
		return nil, nil, fmt.Errorf(".npy format version %d.%d is not supported", b[6], b[7])
	}
	if hlen < 0 || start+hlen > len(b) {
		return nil, nil, fmt.Errorf("the .npy header says %d bytes, the file has %d after the preamble", hlen, len(b)-start)
	}
	header := string(b[start : start+hlen])
	data := b[start+hlen:]
	d := npyDescr.FindStringSubmatch(header)
	f := npyFortran.FindStringSubmatch(header)
	s := npyShape.FindStringSubmatch(header)
	if d == nil || f == nil || s == nil {
		return nil, nil, fmt.Errorf("the .npy header %q lacks descr, fortran_order or shape", strings.TrimSpace(header))
	}
	if f[1] == "True" {
		return nil, nil, fmt.Errorf("fortran_order True (a Fortran-ordered array) is not supported")
	}
	var shape []int
	n := 1
	for _, p := range strings.Split(s[1], ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || (v > 0 && n > math.MaxInt32/v) {
			return nil, nil, fmt.Errorf("bad .npy shape (%s)", s[1])
		}
		shape = append(shape, v)
		n *= v
	}
	var size int
	switch d[1] {
	case "<f8":
		size = 8
	case "<f4":
		size = 4
	case "|u1", "<u1":
		size = 1
	default:
		return nil, nil, fmt.Errorf(".npy dtype %q is not supported (want <f8, <f4 or |u1)", d[1])
	}
	if len(data) != n*size {
		return nil, nil, fmt.Errorf("the .npy shape %v needs %d bytes of data, the file has %d", shape, n*size, len(data))
	}
	out := make([]float64, n)
	for i := range out {
		switch size {
		case 8:
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
		case 4:
			out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:])))
		case 1:
			out[i] = float64(data[i])
		}
	}
	return out, shape, nil
}
