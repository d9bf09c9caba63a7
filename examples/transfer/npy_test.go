package main

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

// npyBytes writes a version-1.0 .npy file of the header dict and data.
func npyBytes(dict string, data []byte) []byte {
	h := dict
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), 0, 0)
	binary.LittleEndian.PutUint16(b[8:], uint16(len(h)))
	return append(append(b, h...), data...)
}

func f8(vs ...float64) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

func TestParseNPY(t *testing.T) {
	good := "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"
	vals, shape, err := parseNPY(npyBytes(good, f8(1, 2, 3, 4, 5, 6.5)))
	if err != nil || len(shape) != 2 || shape[0] != 2 || shape[1] != 3 || vals[5] != 6.5 {
		t.Fatalf("got %v %v %v", vals, shape, err)
	}
	u8, shape, err := parseNPY(npyBytes("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", []byte{0, 7, 255}))
	if err != nil || len(shape) != 1 || u8[2] != 255 {
		t.Fatalf("uint8: got %v %v %v", u8, shape, err)
	}
	bad := []struct {
		name string
		b    []byte
		want string
	}{
		{"magic", []byte("PK\x03\x04 not numpy at all"), "magic"},
		{"fortran", npyBytes("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", f8(1, 2, 3, 4, 5, 6)), "Fortran-ordered"},
		{"dtype", npyBytes("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", make([]byte, 16)), `"<c16"`},
		{"short data", npyBytes(good, f8(1, 2, 3)), "needs 48 bytes"},
		{"no shape", npyBytes("{'descr': '<f8', 'fortran_order': False}", nil), "lacks"},
		{"header too long", append([]byte("\x93NUMPY\x01\x00"), 0xff, 0x7f), "header says"},
		{"version", append([]byte("\x93NUMPY\x09\x00"), 0, 0), "version 9"},
	}
	for _, c := range bad {
		if _, _, err := parseNPY(c.b); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}
