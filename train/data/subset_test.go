package data_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/train/data"
)

func TestPermutation(t *testing.T) {
	for _, n := range []int{0, 1, 2, 10, 1000} {
		t.Run(fmt.Sprint("n", n), func(t *testing.T) {
			p := data.Permutation(n, 42)
			if len(p) != n {
				t.Fatalf("len %d", len(p))
			}
			s := slices.Clone(p)
			slices.Sort(s)
			for i, v := range s {
				if v != i {
					t.Fatalf("not a permutation: %v", p)
				}
			}
			if !slices.Equal(p, data.Permutation(n, 42)) {
				t.Errorf("same seed, different permutation")
			}
			if n >= 10 && slices.Equal(p, data.Permutation(n, 43)) {
				t.Errorf("seeds 42 and 43 give the same permutation")
			}
		})
	}
	again := data.DeriveSeed(1, 2)
	if data.DeriveSeed(1, 0) == data.DeriveSeed(1, 1) || data.DeriveSeed(1, 2) != again {
		t.Errorf("DeriveSeed not a deterministic mix")
	}
}

func TestSplit(t *testing.T) {
	ds := tiny(t, 103, 2, 2, 5)
	for _, tc := range []struct {
		name        string
		split       func() (*data.Subset, *data.Subset, error)
		nTrain, nVa int
	}{
		{"fraction-0.1", func() (*data.Subset, *data.Subset, error) { return data.Split(ds, 0.1, 1) }, 93, 10},
		{"fraction-0", func() (*data.Subset, *data.Subset, error) { return data.Split(ds, 0, 1) }, 103, 0},
		{"fraction-1", func() (*data.Subset, *data.Subset, error) { return data.Split(ds, 1, 1) }, 0, 103},
		{"count-20", func() (*data.Subset, *data.Subset, error) { return data.SplitCount(ds, 20, 1) }, 83, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, va, err := tc.split()
			if err != nil {
				t.Fatal(err)
			}
			if tr.Len() != tc.nTrain || va.Len() != tc.nVa {
				t.Fatalf("sizes %d/%d, want %d/%d", tr.Len(), va.Len(), tc.nTrain, tc.nVa)
			}
			all := append(tr.Indices(), va.Indices()...)
			slices.Sort(all)
			for i, v := range all {
				if v != i {
					t.Fatalf("train and validation do not partition the set")
				}
			}
			if !slices.IsSorted(tr.Indices()) || !slices.IsSorted(va.Indices()) {
				t.Errorf("indices not sorted")
			}
			if va.Len() > 0 {
				k := va.Indices()[0]
				x, _ := get(t, va, 0)
				if want, _ := get(t, ds, k); !equal(x, want) || va.Label(0) != ds.Label(k) {
					t.Errorf("subset example 0 is not example %d", k)
				}
			}
		})
	}
	a, _, _ := data.Split(ds, 0.2, 7)
	b, _, _ := data.Split(ds, 0.2, 7)
	c, _, _ := data.Split(ds, 0.2, 8)
	if !slices.Equal(a.Indices(), b.Indices()) || slices.Equal(a.Indices(), c.Indices()) {
		t.Errorf("split not determined by its seed")
	}
}

func TestPerClass(t *testing.T) {
	ds := tiny(t, 100, 2, 2, 4) // labels i % 4: 25 per class
	for _, n := range []int{0, 1, 5, 25} {
		t.Run(fmt.Sprint("n", n), func(t *testing.T) {
			s, err := data.PerClass(ds, n, 3)
			if err != nil {
				t.Fatal(err)
			}
			if s.Len() != 4*n {
				t.Fatalf("Len %d, want %d", s.Len(), 4*n)
			}
			counts := data.ClassCounts(s)
			for c, m := range counts {
				if m != n {
					t.Errorf("class %d: %d examples, want %d", c, m, n)
				}
			}
			seen := map[int]bool{}
			for _, i := range s.Indices() {
				if seen[i] {
					t.Fatalf("index %d twice", i)
				}
				seen[i] = true
			}
		})
	}
	a, _ := data.PerClass(ds, 3, 1)
	b, _ := data.PerClass(ds, 3, 2)
	if slices.Equal(a.Indices(), b.Indices()) {
		t.Errorf("seeds 1 and 2 choose the same examples")
	}
}

func TestPerClassMNIST(t *testing.T) {
	train, _ := loadMNIST(t)
	s, err := data.PerClass(train, 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 100 || !slices.Equal(data.ClassCounts(s), []int{10, 10, 10, 10, 10, 10, 10, 10, 10, 10}) {
		t.Errorf("Len %d counts %v", s.Len(), data.ClassCounts(s))
	}
}

func TestSubsetErrors(t *testing.T) {
	ds := tiny(t, 10, 2, 2, 5)
	unl, _ := data.NewTensor(make([]float32, 4), []int{1}, make([]float32, 4), []int{1})
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"subset-range", second(data.NewSubset(ds, []int{1, 10})), "data: NewSubset: index 10 (position 1) out of range [0, 10)"},
		{"subset-negative", second(data.NewSubset(ds, []int{-1})), "index -1 (position 0)"},
		{"split-fraction", second3(data.Split(ds, 1.5, 1)), "data: Split: validation fraction must be in [0, 1], got 1.5"},
		{"split-count", second3(data.SplitCount(ds, 11, 1)), "data: SplitCount: validation size 11 out of range [0, 10]"},
		{"perclass-too-many", second(data.PerClass(ds, 3, 1)), "data: PerClass: class 0 has 2 examples, want 3"},
		{"perclass-unlabelled", second(data.PerClass(unl, 1, 1)), "data: PerClass: dataset has no class labels"},
		{"perclass-negative", second(data.PerClass(ds, -1, 1)), "n must be >= 0, got -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.err, tc.want)
			if !errors.Is(tc.err, graph.ErrArg) {
				t.Errorf("not ErrArg: %v", tc.err)
			}
		})
	}
}

func second3[A, B any](_ A, _ B, err error) error { return err }

func TestSubsetRepeatsAndLabels(t *testing.T) {
	ds := tiny(t, 5, 2, 2, 5)
	s, err := data.NewSubset(ds, []int{4, 4, 0})
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 3 || s.Label(0) != 4 || s.Label(1) != 4 || s.Label(2) != 0 || s.Label(3) != -1 || s.NumClasses() != 5 {
		t.Errorf("labels %d %d %d", s.Label(0), s.Label(1), s.Label(2))
	}
	idx := s.Indices()
	idx[0] = 1
	if s.Indices()[0] != 4 {
		t.Errorf("Indices exposes internal state")
	}
}

func TestFirst(t *testing.T) {
	ds := tiny(t, 5, 2, 2, 5)
	for _, tc := range []struct {
		n, want int
		same    bool // ds itself
	}{{-1, 5, true}, {0, 5, true}, {2, 2, false}, {4, 4, false}, {5, 5, true}, {9, 5, true}} {
		t.Run(fmt.Sprint("n", tc.n), func(t *testing.T) {
			got := data.First(ds, tc.n)
			if got.Len() != tc.want {
				t.Fatalf("Len %d, want %d", got.Len(), tc.want)
			}
			if (got == data.Dataset(ds)) != tc.same {
				t.Fatalf("returned %T, want ds itself: %v", got, tc.same)
			}
			l, ok := data.AsLabeled(got)
			if !ok {
				t.Fatal("the labels are lost")
			}
			for k := range tc.want {
				if l.Label(k) != k {
					t.Errorf("example %d has label %d, want %d (the first examples in order)", k, l.Label(k), k)
				}
				gx, gy := get(t, got, k)
				wx, wy := get(t, ds, k)
				if !equal(gx, wx) || !equal(gy, wy) {
					t.Errorf("example %d differs from ds's", k)
				}
			}
		})
	}
}
