package keras

import (
	"encoding/binary"
	"math"

	"github.com/pkg/errors"
	"github.com/x448/float16"
)

// weight is one decoded weight: its manifest name, Keras shape and values
// as float32 in row-major order.
type weight struct {
	Name  string
	Shape []int
	Data  []float32
}

// ShardReader returns the bytes of a shard file named in the manifest
// (relative to model.json).
type ShardReader func(path string) ([]byte, error)

// readWeights reads every manifest group's shards with read and decodes its
// weights. A group's shards are one byte stream cut into files; their total
// size must equal the sum of the weights' stored sizes.
func readWeights(groups []weightGroup, read ShardReader) (map[string]*weight, error) {
	if err := checkManifest(groups); err != nil {
		return nil, err
	}
	out := map[string]*weight{}
	for gi, g := range groups {
		need := 0
		for _, w := range g.Weights {
			n, _ := w.numElems()
			bpe, _ := w.bytesPerElem()
			need += n * bpe
		}
		var buf []byte
		for _, p := range g.Paths {
			b, err := read(p)
			if err != nil {
				return nil, errors.Wrapf(err, "keras: weights manifest group %d: shard %q", gi, p)
			}
			buf = append(buf, b...)
		}
		if len(buf) != need {
			return nil, errors.Errorf("keras: weights manifest group %d: the weights need %d bytes but the shards %v hold %d", gi, need, g.Paths, len(buf))
		}
		off := 0
		for _, w := range g.Weights {
			n, _ := w.numElems()
			bpe, _ := w.bytesPerElem()
			data := decode(w, buf[off:off+n*bpe], n)
			off += n * bpe
			out[w.Name] = &weight{Name: w.Name, Shape: append([]int(nil), w.Shape...), Data: data}
		}
	}
	return out, nil
}

// decode converts the stored little-endian bytes of w (already checked to
// hold n elements) to float32.
func decode(w weightSpec, b []byte, n int) []float32 {
	out := make([]float32, n)
	if q := w.Quantization; q != nil {
		switch q.Dtype {
		case "uint8":
			lo, s := *q.Min, *q.Scale
			for i := range out {
				out[i] = float32(lo + float64(b[i])*s)
			}
		case "uint16":
			lo, s := *q.Min, *q.Scale
			for i := range out {
				out[i] = float32(lo + float64(binary.LittleEndian.Uint16(b[2*i:]))*s)
			}
		case "float16":
			for i := range out {
				out[i] = float16.Frombits(binary.LittleEndian.Uint16(b[2*i:])).Float32()
			}
		}
		return out
	}
	switch w.Dtype {
	case "float32":
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case "int32":
		for i := range out {
			out[i] = float32(int32(binary.LittleEndian.Uint32(b[4*i:])))
		}
	}
	return out
}
