package keras

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead feeds arbitrary model.json content and shard bytes to Read
// (JSON parsing, topology and manifest checks, weight decoding, layer
// conversion): it must return a model or an error, never panic. Seeds are
// the testdata models.
func FuzzRead(f *testing.F) {
	dirs, _ := filepath.Glob(filepath.Join("testdata", "layers", "*"))
	for _, d := range dirs {
		j, err1 := os.ReadFile(filepath.Join(d, "model.json"))
		b, err2 := os.ReadFile(filepath.Join(d, "weights.bin"))
		if err1 == nil && err2 == nil {
			f.Add(j, b)
		}
	}
	f.Add([]byte(`{"modelTopology":{"class_name":"Sequential","config":[{"class_name":"Dense","config":{"name":"d","units":1,"batch_input_shape":[null,1]}}]},"weightsManifest":[{"paths":["w"],"weights":[{"name":"d/kernel","shape":[1,1],"dtype":"float32","quantization":{"dtype":"uint8","min":0,"scale":1}},{"name":"d/bias","shape":[1],"dtype":"float32"}]}]}`), []byte{1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, modelJSON, shard []byte) {
		m, err := Read(modelJSON, func(string) ([]byte, error) { return shard, nil })
		if err == nil && m == nil {
			t.Fatal("nil model without an error")
		}
	})
}
