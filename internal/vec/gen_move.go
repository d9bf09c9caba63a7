//go:build ignore

// gen_move writes the amd64 AVX2 data-movement kernels of package vec:
//
//	go run gen_move.go
//
// It produces move_amd64.s and the Go declarations in
// move_decl_amd64.go: a float64 fill, nearest upsampling's "repeat every
// element twice" and its gradient's "add neighbouring pairs", and zero
// padding's rows (zeros, a copied row, zeros) and their crop, and global average
// pooling's row means, in float32 and float64. Every kernel walks one block (8 float32 or 4 float64 of
// its narrow side) a step, then the rest in a half block (float32) and
// single elements, so any n is done in one call: nearest upsampling calls
// them once per row, and rows are short (14 elements in a 14x14 plane). Kept apart from
// gen_kernels.go (the arithmetic kernels) so the two can change
// independently.
//
// Go's assembler writes AVX operands in reverse Intel order: VHADDPS b,
// a, d is d = hadd(a, b) (d[0] = a[0]+a[1], d[1] = a[2]+a[3], d[2] =
// b[0]+b[1], ... within each 128-bit lane); VPERM2F128 $i, b, a, d takes
// d's low lane from i&3 (0, 1: a's low, high; 2, 3: b's) and its high
// lane from (i>>4)&3.
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
)

// kernel is one generated function: its Go signature, frame size, doc
// and body (the loop; the caller adds the frame's loads and the return).
type kernel struct {
	name, args, doc string
	frame           int    // bytes of arguments
	block           int    // elements of n per loop step
	load            string // loads of the arguments into registers
	step            string // one loop step
	shift           int    // log2(block): the loop count is n>>shift
	half            string // a step of block/2 elements (none if empty)
	one             string // a step of one element
}

var kernels = []kernel{
	{
		name: "fill64AVX2", args: "dst *float64, n int, c float64", frame: 24, block: 4, shift: 2,
		doc: "sets dst[i] = c",
		load: `	MOVQ dst+0(FP), DI
	MOVQ n+8(FP), CX
	VBROADCASTSD c+16(FP), Y0
`,
		step: `	VMOVUPD Y0, (DI)
	ADDQ $32, DI
`,
		one: `	VMOVSD X0, (DI)
	ADDQ $8, DI
`,
	},
	{
		name: "repeat2AVX2", args: "dst, x *float32, n int", frame: 24, block: 8, shift: 3,
		doc: "sets dst[2i] = dst[2i+1] = x[i] for i < n",
		load: `	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
`,
		// x0..x7 -> (x0 x0 x1 x1 | x4 x4 x5 x5), (x2 x2 x3 x3 | x6 x6 x7 x7)
		// -> (x0 x0 x1 x1 x2 x2 x3 x3), (x4 x4 x5 x5 x6 x6 x7 x7)
		step: `	VMOVUPS (SI), Y0
	VUNPCKLPS Y0, Y0, Y1
	VUNPCKHPS Y0, Y0, Y2
	VPERM2F128 $0x20, Y2, Y1, Y3
	VPERM2F128 $0x31, Y2, Y1, Y4
	VMOVUPS Y3, (DI)
	VMOVUPS Y4, 32(DI)
	ADDQ $32, SI
	ADDQ $64, DI
`,
		half: `	VMOVUPS (SI), X0
	VUNPCKLPS X0, X0, X1
	VUNPCKHPS X0, X0, X2
	VMOVUPS X1, (DI)
	VMOVUPS X2, 16(DI)
	ADDQ $16, SI
	ADDQ $32, DI
`,
		one: `	VMOVSS (SI), X0
	VMOVSS X0, (DI)
	VMOVSS X0, 4(DI)
	ADDQ $4, SI
	ADDQ $8, DI
`,
	},
	{
		name: "repeat2x64AVX2", args: "dst, x *float64, n int", frame: 24, block: 4, shift: 2,
		doc: "sets dst[2i] = dst[2i+1] = x[i] for i < n",
		load: `	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
`,
		// VPERMPD $0x50: (x0 x0 x1 x1); $0xFA: (x2 x2 x3 x3)
		step: `	VMOVUPD (SI), Y0
	VPERMPD $0x50, Y0, Y1
	VPERMPD $0xFA, Y0, Y2
	VMOVUPD Y1, (DI)
	VMOVUPD Y2, 32(DI)
	ADDQ $32, SI
	ADDQ $64, DI
`,
		one: `	VMOVSD (SI), X0
	VMOVSD X0, (DI)
	VMOVSD X0, 8(DI)
	ADDQ $8, SI
	ADDQ $16, DI
`,
	},
}

// pairSum adds the kernels dst[i] (+)= x[2i] + x[2i+1]: hadd gives the
// pair sums lane-interleaved (a01 a23 b01 b23 | a45 a67 b45 b67 for
// float32, a01 b01 | a23 b23 for float64); VPERMPD $0xD8 (64-bit chunks
// 0 2 1 3) puts them in order.
func pairSum(name, typ string, f64, acc bool) kernel {
	hadd, mov, add, block, shift := "VHADDPS", "VMOVUPS", "VADDPS", 8, 3
	if f64 {
		hadd, mov, add, block, shift = "VHADDPD", "VMOVUPD", "VADDPD", 4, 2
	}
	doc := "sets dst[i] = x[2i] + x[2i+1] for i < n"
	store := fmt.Sprintf("\t%s Y2, (DI)\n", mov)
	if acc {
		doc = "adds x[2i] + x[2i+1] to dst[i] for i < n"
		store = fmt.Sprintf("\t%s (DI), Y2, Y2\n\t%s Y2, (DI)\n", add, mov)
	}
	// half: the block/2 pair sums of one YMM of x (hadd of its two
	// 128-bit halves is in order); one: a scalar pair
	sfx, w := "S", 4
	if f64 {
		sfx, w = "D", 8
	}
	half := fmt.Sprintf("\t%s (SI), X0\n\t%s 16(SI), X1\n\t%s X1, X0, X2\n", mov, mov, hadd)
	one := fmt.Sprintf("\tVMOVS%s (SI), X2\n\tVADDS%s %d(SI), X2, X2\n", sfx, sfx, w)
	if acc {
		half += fmt.Sprintf("\t%s (DI), X2, X2\n", add)
		one += fmt.Sprintf("\tVADDS%s (DI), X2, X2\n", sfx)
	}
	half += fmt.Sprintf("\t%s X2, (DI)\n\tADDQ $32, SI\n\tADDQ $16, DI\n", mov)
	one += fmt.Sprintf("\tVMOVS%s X2, (DI)\n\tADDQ $%d, SI\n\tADDQ $%d, DI\n", sfx, 2*w, w)
	return kernel{
		half: half, one: one,
		name: name, args: "dst, x *" + typ + ", n int", frame: 24, block: block, shift: shift, doc: doc,
		load: `	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
`,
		step: fmt.Sprintf("\t%s (SI), Y0\n\t%s 32(SI), Y1\n\t%s Y1, Y0, Y2\n\tVPERMPD $0xD8, Y2, Y2\n", mov, mov, hadd) +
			store + "\tADDQ $64, SI\n\tADDQ $32, DI\n",
	}
}

// padRows writes rows padded rows: for each, bw zeros, the next iw
// elements of src, aw zeros; dst and src advance row by row (dst by
// bw+iw+aw). The copy moves whole YMM vectors, then half a vector, then
// single elements; the borders are single stores (a pad is a few
// elements wide). Every element of the rows is written once.
func padRows(name, typ string, f64 bool) string {
	mov, movs, w, lanes := "VMOVUPS", "VMOVSS", 4, 8
	if f64 {
		mov, movs, w, lanes = "VMOVUPD", "VMOVSD", 8, 4
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "\n// func %s(dst, src *%s, rows, iw, bw, aw int)\nTEXT ·%s(SB), NOSPLIT, $0-48\n", name, typ, name)
	b.WriteString("\tMOVQ dst+0(FP), DI\n\tMOVQ src+8(FP), SI\n\tMOVQ rows+16(FP), CX\n\tMOVQ iw+24(FP), DX\n\tMOVQ bw+32(FP), R9\n\tMOVQ aw+40(FP), R10\n")
	b.WriteString("\tVXORPS Y0, Y0, Y0\n\tTESTQ CX, CX\n\tJZ done\nrow:\n")
	zeros := func(label, reg string) {
		fmt.Fprintf(&b, "\tMOVQ %s, R11\n\tTESTQ R11, R11\n\tJZ %s_end\n%s:\n\t%s X0, (DI)\n\tADDQ $%d, DI\n\tDECQ R11\n\tJNZ %s\n%s_end:\n", reg, label, label, movs, w, label, label)
	}
	zeros("before", "R9")
	fmt.Fprintf(&b, "\tMOVQ DX, R11\n\tSHRQ $%d, R11\n\tJZ half\nblock:\n", map[bool]int{false: 3, true: 2}[f64])
	fmt.Fprintf(&b, "\t%s (SI), Y1\n\t%s Y1, (DI)\n\tADDQ $32, SI\n\tADDQ $32, DI\n\tDECQ R11\n\tJNZ block\nhalf:\n", mov, mov)
	fmt.Fprintf(&b, "\tMOVQ DX, R11\n\tANDQ $%d, R11\n\tCMPQ R11, $%d\n\tJLT single\n", lanes-1, lanes/2)
	fmt.Fprintf(&b, "\t%s (SI), X1\n\t%s X1, (DI)\n\tADDQ $16, SI\n\tADDQ $16, DI\n\tSUBQ $%d, R11\nsingle:\n", mov, mov, lanes/2)
	fmt.Fprintf(&b, "\tTESTQ R11, R11\n\tJZ after\none:\n\t%s (SI), X1\n\t%s X1, (DI)\n\tADDQ $%d, SI\n\tADDQ $%d, DI\n\tDECQ R11\n\tJNZ one\nafter:\n", movs, movs, w, w)
	zeros("behind", "R10")
	b.WriteString("\tDECQ CX\n\tJNZ row\ndone:\n\tVZEROUPPER\n\tRET\n")
	return b.String()
}

// cropRows is padRows's transpose: for rows rows, it skips bw elements
// of src, copies the next iw to dst and skips aw; dst advances by iw.
func cropRows(name, typ string, f64 bool) string {
	mov, movs, w, lanes := "VMOVUPS", "VMOVSS", 4, 8
	if f64 {
		mov, movs, w, lanes = "VMOVUPD", "VMOVSD", 8, 4
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "\n// func %s(dst, src *%s, rows, iw, bw, aw int)\nTEXT ·%s(SB), NOSPLIT, $0-48\n", name, typ, name)
	b.WriteString("\tMOVQ dst+0(FP), DI\n\tMOVQ src+8(FP), SI\n\tMOVQ rows+16(FP), CX\n\tMOVQ iw+24(FP), DX\n\tMOVQ bw+32(FP), R9\n\tMOVQ aw+40(FP), R10\n")
	fmt.Fprintf(&b, "\tSHLQ $%d, R9\n\tSHLQ $%d, R10\n", map[bool]int{false: 2, true: 3}[f64], map[bool]int{false: 2, true: 3}[f64])
	b.WriteString("\tTESTQ CX, CX\n\tJZ done\nrow:\n\tADDQ R9, SI\n")
	fmt.Fprintf(&b, "\tMOVQ DX, R11\n\tSHRQ $%d, R11\n\tJZ half\nblock:\n", map[bool]int{false: 3, true: 2}[f64])
	fmt.Fprintf(&b, "\t%s (SI), Y1\n\t%s Y1, (DI)\n\tADDQ $32, SI\n\tADDQ $32, DI\n\tDECQ R11\n\tJNZ block\nhalf:\n", mov, mov)
	fmt.Fprintf(&b, "\tMOVQ DX, R11\n\tANDQ $%d, R11\n\tCMPQ R11, $%d\n\tJLT single\n", lanes-1, lanes/2)
	fmt.Fprintf(&b, "\t%s (SI), X1\n\t%s X1, (DI)\n\tADDQ $16, SI\n\tADDQ $16, DI\n\tSUBQ $%d, R11\nsingle:\n", mov, mov, lanes/2)
	fmt.Fprintf(&b, "\tTESTQ R11, R11\n\tJZ after\none:\n\t%s (SI), X1\n\t%s X1, (DI)\n\tADDQ $%d, SI\n\tADDQ $%d, DI\n\tDECQ R11\n\tJNZ one\nafter:\n", movs, movs, w, w)
	b.WriteString("\tADDQ R10, SI\n\tDECQ CX\n\tJNZ row\ndone:\n\tVZEROUPPER\n\tRET\n")
	return b.String()
}

// rowMeans writes dst[r] = (Σ of row r of x) / div for rows rows of n
// elements each, added in float64 (float32 rows are widened 4 at a time):
// two 4-lane accumulators over blocks of 8, one more block of 4, the
// horizontal sum, then single elements. The means of global average
// pooling, whose planes are short (4x4, 7x7).
func rowMeans(name, typ string, f64 bool) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "\n// func %s(dst, x *%s, rows, n int, div float64)\nTEXT ·%s(SB), NOSPLIT, $0-40\n", name, typ, name)
	b.WriteString("\tMOVQ dst+0(FP), DI\n\tMOVQ x+8(FP), SI\n\tMOVQ rows+16(FP), CX\n\tMOVQ n+24(FP), DX\n\tVMOVSD div+32(FP), X15\n")
	b.WriteString("\tTESTQ CX, CX\n\tJZ done\nrow:\n\tVXORPD Y0, Y0, Y0\n\tVXORPD Y1, Y1, Y1\n\tMOVQ DX, R11\n\tSHRQ $3, R11\n\tJZ half\nblock:\n")
	ld := func(off int, reg string) string { // 4 elements at off(SI) as float64 into reg
		if f64 {
			return fmt.Sprintf("\tVMOVUPD %d(SI), %s\n", off, reg)
		}
		return fmt.Sprintf("\tVCVTPS2PD %d(SI), %s\n", off, reg)
	}
	w := 4
	if f64 {
		w = 8
	}
	b.WriteString(ld(0, "Y2") + ld(4*w, "Y3") + "\tVADDPD Y2, Y0, Y0\n\tVADDPD Y3, Y1, Y1\n")
	fmt.Fprintf(&b, "\tADDQ $%d, SI\n\tDECQ R11\n\tJNZ block\nhalf:\n", 8*w)
	b.WriteString("\tMOVQ DX, R11\n\tANDQ $7, R11\n\tCMPQ R11, $4\n\tJLT reduce\n" + ld(0, "Y2") + "\tVADDPD Y2, Y0, Y0\n")
	fmt.Fprintf(&b, "\tADDQ $%d, SI\n\tSUBQ $4, R11\nreduce:\n", 4*w)
	b.WriteString("\tVADDPD Y1, Y0, Y0\n\tVEXTRACTF128 $1, Y0, X1\n\tVADDPD X1, X0, X0\n\tVPERMILPD $1, X0, X1\n\tVADDSD X1, X0, X0\n")
	b.WriteString("\tTESTQ R11, R11\n\tJZ store\none:\n")
	if f64 {
		b.WriteString("\tVADDSD (SI), X0, X0\n")
	} else {
		b.WriteString("\tVCVTSS2SD (SI), X2, X2\n\tVADDSD X2, X0, X0\n")
	}
	fmt.Fprintf(&b, "\tADDQ $%d, SI\n\tDECQ R11\n\tJNZ one\nstore:\n\tVDIVSD X15, X0, X0\n", w)
	if f64 {
		b.WriteString("\tVMOVSD X0, (DI)\n\tADDQ $8, DI\n")
	} else {
		b.WriteString("\tVCVTSD2SS X0, X0, X0\n\tVMOVSS X0, (DI)\n\tADDQ $4, DI\n")
	}
	b.WriteString("\tDECQ CX\n\tJNZ row\ndone:\n\tVZEROUPPER\n\tRET\n")
	return b.String()
}

func main() {
	ks := append(kernels,
		pairSum("pairSumAVX2", "float32", false, false),
		pairSum("pairSumAddAVX2", "float32", false, true),
		pairSum("pairSum64AVX2", "float64", true, false),
		pairSum("pairSumAdd64AVX2", "float64", true, true),
	)
	var s, decl bytes.Buffer
	s.WriteString("// Code generated by gen_move.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\n#include \"textflag.h\"\n")
	decl.WriteString("// Code generated by gen_move.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\npackage vec\n")
	for _, k := range ks {
		fmt.Fprintf(&s, "\n// func %s(%s)\nTEXT ·%s(SB), NOSPLIT, $0-%d\n", k.name, k.args, k.name, k.frame)
		s.WriteString(k.load)
		// CX: whole blocks; R8: the rest, done by a half step (when the
		// kernel has one and R8 >= block/2) and single steps
		fmt.Fprintf(&s, "\tMOVQ CX, R8\n\tANDQ $%d, R8\n\tSHRQ $%d, CX\n\tJZ tail\nloop:\n", k.block-1, k.shift)
		s.WriteString(k.step)
		s.WriteString("\tDECQ CX\n\tJNZ loop\ntail:\n")
		if k.half != "" {
			fmt.Fprintf(&s, "\tCMPQ R8, $%d\n\tJLT single\n", k.block/2)
			s.WriteString(k.half)
			fmt.Fprintf(&s, "\tSUBQ $%d, R8\nsingle:\n", k.block/2)
		}
		s.WriteString("\tTESTQ R8, R8\n\tJZ done\none:\n")
		s.WriteString(k.one)
		s.WriteString("\tDECQ R8\n\tJNZ one\ndone:\n\tVZEROUPPER\n\tRET\n")
		fmt.Fprintf(&decl, "\n// %s %s, for any n >= 0 (AVX2).\n//\n//go:noescape\nfunc %s(%s)\n", k.name, k.doc, k.name, k.args)
	}
	for _, p := range []struct {
		name, typ string
		f64       bool
	}{{"padRowsAVX2", "float32", false}, {"padRows64AVX2", "float64", true}} {
		s.WriteString(padRows(p.name, p.typ, p.f64))
		fmt.Fprintf(&decl, "\n// %s writes rows rows of bw zeros, iw elements of src and aw zeros to\n// dst, one after the other (AVX2).\n//\n//go:noescape\nfunc %s(dst, src *%s, rows, iw, bw, aw int)\n", p.name, p.name, p.typ)
	}
	for _, p := range []struct {
		name, typ string
		f64       bool
	}{{"cropRowsAVX2", "float32", false}, {"cropRows64AVX2", "float64", true}} {
		s.WriteString(cropRows(p.name, p.typ, p.f64))
		fmt.Fprintf(&decl, "\n// %s copies the middle iw elements of rows rows of bw+iw+aw\n// elements of src to dst, one after the other (AVX2).\n//\n//go:noescape\nfunc %s(dst, src *%s, rows, iw, bw, aw int)\n", p.name, p.name, p.typ)
	}
	for _, p := range []struct {
		name, typ string
		f64       bool
	}{{"rowMeansAVX2", "float32", false}, {"rowMeans64AVX2", "float64", true}} {
		s.WriteString(rowMeans(p.name, p.typ, p.f64))
		fmt.Fprintf(&decl, "\n// %s sets dst[r] = (Σ x[r·n : (r+1)·n]) / div for r < rows, added in\n// float64 (AVX2).\n//\n//go:noescape\nfunc %s(dst, x *%s, rows, n int, div float64)\n", p.name, p.name, p.typ)
	}
	if err := os.WriteFile("move_amd64.s", s.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("move_decl_amd64.go", decl.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
