package recipe

// Argmax returns the index of the largest value of v (the first one on a
// tie, 0 for an empty v).
func Argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
