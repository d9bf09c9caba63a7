package graph

import "fmt"

// ConvOutSize is the output length of a convolution (or pooling) along one
// axis, as in PyTorch:
//
//	out = floor((in + 2·pad - dilation·(k-1) - 1) / stride) + 1
//
// With dilation 1 this is the course's W2 = floor((W1 - k + 2P)/S) + 1. It is an
// error if a size or the stride is not positive, pad is negative, or the
// dilated kernel is larger than the padded input.
func ConvOutSize(in, k, stride, pad, dilation int) (int, error) {
	if err := checkWindow(in, k, stride, pad, dilation); err != nil {
		return 0, err
	}
	eff, padded, err := spans(in, k, pad, dilation)
	if err != nil {
		return 0, err
	}
	if padded < eff {
		return 0, ShapeErrorf("kernel %d (dilated to %d) is larger than the padded input %d (input %d, pad %d)", k, eff, padded, in, pad)
	}
	return (padded-eff)/stride + 1, nil
}

// PoolOutSize is ConvOutSize with dilation 1, plus PyTorch's ceil_mode: with
// ceil true the division rounds up, but the last window must start inside
// the input or the left padding.
func PoolOutSize(in, k, stride, pad int, ceil bool) (int, error) {
	if !ceil {
		return ConvOutSize(in, k, stride, pad, 1)
	}
	if err := checkWindow(in, k, stride, pad, 1); err != nil {
		return 0, err
	}
	if _, padded, err := spans(in, k, pad, 1); err != nil {
		return 0, err
	} else if padded < k {
		return 0, ShapeErrorf("kernel %d is larger than the padded input %d (input %d, pad %d)", k, padded, in, pad)
	}
	out := (in+2*pad-k+stride-1)/stride + 1
	if (out-1)*stride >= in+pad {
		out--
	}
	return out, nil
}

// ConvTransposeOutSize is the output length of a transposed convolution
// along one axis, as in PyTorch:
//
//	out = (in-1)·stride - 2·pad + dilation·(k-1) + outPad + 1
//
// outPad must be smaller than stride or dilation.
func ConvTransposeOutSize(in, k, stride, pad, outPad, dilation int) (int, error) {
	if err := checkWindow(in, k, stride, pad, dilation); err != nil {
		return 0, err
	}
	if outPad < 0 {
		return 0, ArgErrorf("output padding must be >= 0, got %d", outPad)
	}
	if outPad >= stride && outPad >= dilation {
		return 0, ArgErrorf("output padding must be smaller than stride or dilation, got output padding %d, stride %d, dilation %d", outPad, stride, dilation)
	}
	eff, _, err := spans(in, k, pad, dilation)
	if err != nil {
		return 0, err
	}
	grown, ok := MulInt(in-1, stride)
	if ok {
		grown, ok = AddInt(grown, eff)
	}
	if ok {
		grown, ok = AddInt(grown, outPad)
	}
	if !ok {
		return 0, sizeErrorf("output size overflows int for input %d, kernel %d, stride %d, dilation %d", in, k, stride, dilation)
	}
	out := grown - 2*pad
	if out <= 0 {
		return 0, ShapeErrorf("output size would be %d for input %d, kernel %d, stride %d, pad %d", out, in, k, stride, pad)
	}
	return out, nil
}

// SamePadding returns the padding before and after one axis that makes a
// stride-s convolution produce ceil(in/stride) outputs, as Keras's
// padding="same" (the extra element, if any, goes after).
// A non-positive stride is treated as 1 (constructors reject it first).
func SamePadding(in, k, stride, dilation int) (before, after int) {
	if stride < 1 {
		stride = 1
	}
	out := (in + stride - 1) / stride
	total := (out-1)*stride + dilation*(k-1) + 1 - in
	if total < 0 {
		total = 0
	}
	return total / 2, total - total/2
}

// SameTransposePadding returns the pad and output padding that make a
// transposed convolution produce in·stride outputs (Keras's padding="same"),
// or an error when the kernel and stride cannot reach it with symmetric
// padding.
func SameTransposePadding(k, stride, dilation int) (pad, outPad int, err error) {
	total := dilation*(k-1) + 1 - stride
	if total < 0 {
		// the output is too short: output padding adds at the end
		if -total >= stride && -total >= dilation {
			return 0, 0, ArgErrorf("padding same needs output padding %d, which must be smaller than stride %d or dilation %d", -total, stride, dilation)
		}
		return 0, -total, nil
	}
	pad = (total + 1) / 2
	outPad = 2*pad - total
	if outPad > 0 && outPad >= stride && outPad >= dilation {
		return 0, 0, ArgErrorf("padding same is not reachable for kernel %d, stride %d, dilation %d with symmetric padding", k, stride, dilation)
	}
	return pad, outPad, nil
}

// spans returns the dilated kernel d·(k-1)+1 and the padded input
// in+2·pad, or an ErrSize error when either overflows int.
func spans(in, k, pad, dilation int) (eff, padded int, err error) {
	eff, ok := MulInt(dilation, k-1)
	if ok {
		eff, ok = AddInt(eff, 1)
	}
	if !ok {
		return 0, 0, sizeErrorf("kernel %d dilated by %d overflows int", k, dilation)
	}
	padded, ok = MulInt(pad, 2)
	if ok {
		padded, ok = AddInt(padded, in)
	}
	if !ok {
		return 0, 0, sizeErrorf("input %d padded by %d on each side overflows int", in, pad)
	}
	return eff, padded, nil
}

func checkWindow(in, k, stride, pad, dilation int) error {
	switch {
	case in <= 0:
		return ShapeErrorf("input size must be positive, got %d", in)
	case k <= 0:
		return ArgErrorf("kernel size must be positive, got %d", k)
	case stride <= 0:
		return ArgErrorf("stride must be positive, got %d", stride)
	case pad < 0:
		return ArgErrorf("padding must be >= 0, got %d", pad)
	case dilation <= 0:
		return ArgErrorf("dilation must be positive, got %d", dilation)
	}
	return nil
}

// ConvFormula writes the course's output-size formula with the numbers filled
// in, for summaries: "W2 = floor((W1 - k + 2P)/S) + 1 = floor((28 - 3 + 0)/1) + 1 = 26".
// A dilation other than 1 is shown as the dilated kernel size.
func ConvFormula(axis string, in, k, stride, pad, dilation, out int) string {
	eff := dilation*(k-1) + 1
	kname := "k"
	if dilation != 1 {
		kname = "(d(k-1)+1)"
	}
	return fmt.Sprintf("%s2 = floor((%s1 - %s + 2P)/S) + 1 = floor((%d - %d + %d)/%d) + 1 = %d", axis, axis, kname, in, eff, 2*pad, stride, out)
}

// ConvTransposeFormula writes the transposed-convolution output-size
// formula with the numbers filled in.
func ConvTransposeFormula(axis string, in, k, stride, pad, outPad, dilation, out int) string {
	return fmt.Sprintf("%s2 = (%s1 - 1)S - 2P + d(k-1) + OP + 1 = (%d - 1)·%d - %d + %d·%d + %d + 1 = %d",
		axis, axis, in, stride, 2*pad, dilation, k-1, outPad, out)
}
