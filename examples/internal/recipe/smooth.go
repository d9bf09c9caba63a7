package recipe

// MovingMean returns the mean of the last (up to) w values at each point
// of v.
func MovingMean(v []float64, w int) []float64 {
	out := make([]float64, len(v))
	sum := 0.0
	for i, x := range v {
		sum += x
		if i >= w {
			sum -= v[i-w]
		}
		out[i] = sum / float64(min(i+1, w))
	}
	return out
}
