package vec

import "math"

// The scalar float32 functions: the portable kernels, and the tails of the
// assembly ones. They follow the algorithms of the assembly (see the
// package comment for the accuracy).

const (
	exp32Max = 88.72283    // e^x overflows float32 above this
	exp32Min = -87.33654   // e^x is below the smallest normal float32 below this
	log2e32  = 1.442695041 // 1/ln2
	ln2Hi32  = 0.693359375 // ln2 split in two so that n·ln2Hi is exact
	ln2Lo32  = -2.12194440e-4
)

// reduce32 splits x (in [exp32Min, exp32Max] or [-87, 0]) into n and r:
// x = n·ln2 + r, |r| <= ln2/2.
func reduce32(x float32) (n int32, r float32) {
	nf := float32(math.RoundToEven(float64(x * log2e32)))
	return int32(nf), x - nf*ln2Hi32 - nf*ln2Lo32
}

// expm1Poly is e^r - 1 for |r| <= ln2/2.
func expm1Poly(r float32) float32 {
	p := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
	return (p*r + 1) * r
}

// Exp32 is e^x in float32: +Inf above 88.72283, 0 below -87.33654 (where
// the true value is subnormal), NaN for NaN; relative error within 2e-7.
func Exp32(x float32) float32 {
	switch {
	case x != x:
		return x
	case x > exp32Max:
		return float32(math.Inf(1))
	case x < exp32Min:
		return 0
	}
	n, r := reduce32(x)
	p := 1 + expm1Poly(r)
	return math.Float32frombits(uint32(int32(math.Float32bits(p)) + n<<23))
}

// expm1Neg32 is e^x - 1 in float32 for x <= 0, without cancellation near 0.
func expm1Neg32(x float32) float32 {
	if x < -87 {
		x = -87
	}
	n, r := reduce32(x)
	s := math.Float32frombits(uint32(n+127) << 23) // 2^n
	return s*expm1Poly(r) + (s - 1)
}

// Sigmoid32 is 1/(1+e^-x) in float32.
func Sigmoid32(x float32) float32 { return 1 / (1 + Exp32(-x)) }

// Tanh32 is tanh(x) in float32.
func Tanh32(x float32) float32 {
	a := float32(math.Abs(float64(x)))
	var t float32
	if a < 0.625 {
		z := a * a
		p := (((-5.70498872745e-3*z+2.06390887954e-2)*z-5.37397155531e-2)*z+1.33314422036e-1)*z - 3.33332819422e-1
		t = a + a*z*p
	} else {
		t = 1 - 2/(Exp32(2*a)+1)
	}
	if x != x {
		return x
	}
	return float32(math.Copysign(float64(t), float64(x)))
}

// elu32 is x for x > 0 and alpha·(e^x - 1) elsewhere.
func elu32(x, alpha float32) float32 {
	if x > 0 || x != x {
		return x
	}
	return alpha * expm1Neg32(x)
}

// max32 is the larger of a and b, a NaN if either is.
func max32(a, b float32) float32 {
	if a != a || b > a {
		if a != a {
			return a
		}
		return b
	}
	if b != b {
		return b
	}
	return a
}

// Log1p32 is log(1+t) in float32 for t in [0, 1], accurate for small t:
// log(u)·t/(u-1) with u = 1+t cancels the rounding of u; log(u) is
// 2·atanh(s), s = (u-1)/(u+1) in [0, 1/3], by its series to s^13.
func Log1p32(t float32) float32 {
	u := 1 + t
	if u == 1 {
		return t
	}
	s := (u - 1) / (u + 1)
	s2 := s * s
	l := 2 * s * (1 + s2*(1.0/3+s2*(1.0/5+s2*(1.0/7+s2*(1.0/9+s2*(1.0/11+s2*(1.0/13)))))))
	return l * t / (u - 1)
}

// Softplus32 is log(1+e^x) = max(x, 0) + log1p(e^-|x|) in float32.
func Softplus32(x float32) float32 {
	if x != x {
		return x
	}
	return max(x, 0) + Log1p32(Exp32(-float32(math.Abs(float64(x)))))
}

// Log32 is log(x) in float32: x = 2^e·m with m in [sqrt(1/2), sqrt(2)),
// log m = 2·atanh(s), s = (m-1)/(m+1), by its series to s^9; relative
// error within 2e-7 away from x = 1 and an absolute one within 1e-7 near
// it. -Inf for ±0, NaN below 0 and for NaN, +Inf for +Inf.
func Log32(x float32) float32 {
	switch {
	case x != x || x < 0:
		return float32(math.NaN())
	case x == 0:
		return float32(math.Inf(-1))
	case x > math.MaxFloat32:
		return x
	}
	adj := float32(0)
	if x < 1.17549435e-38 {
		x *= 8388608
		adj = 23
	}
	b := math.Float32bits(x)
	e := int32(b>>23) - 127
	m := math.Float32frombits(b&0x007fffff | 0x3f800000)
	if m > 1.41421356 {
		m *= 0.5
		e++
	}
	ef := float32(e) - adj
	s := (m - 1) / (m + 1)
	s2 := s * s
	p := 2 * s * (((((1.0/9)*s2+1.0/7)*s2+1.0/5)*s2+1.0/3)*s2 + 1)
	return ef*ln2Hi32 + (ef*ln2Lo32 + p)
}
