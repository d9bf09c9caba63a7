package keras

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seqCase returns model.json of testdata/layers/sequential as a generic
// JSON value, and its weights.
func seqCase(t *testing.T) (map[string]any, []byte) {
	t.Helper()
	dir := filepath.Join("testdata", "layers", "sequential")
	data, err := os.ReadFile(filepath.Join(dir, "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(filepath.Join(dir, "weights.bin"))
	if err != nil {
		t.Fatal(err)
	}
	return m, bin
}

// at walks a JSON value by object keys and array indices.
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v
}

func layerCfg(m map[string]any, i int) map[string]any {
	return at(m, "modelTopology", "config", "layers", i, "config").(map[string]any)
}

func weightsOf(m map[string]any) []any {
	return at(m, "weightsManifest", 0, "weights").([]any)
}

// TestReadErrors: every broken file gives an error that says what is wrong
// and where.
func TestReadErrors(t *testing.T) {
	cases := []struct {
		name string
		edit func(m map[string]any, bin []byte) (json []byte, shards map[string][]byte)
		want []string
	}{
		{"malformed JSON", func(m map[string]any, bin []byte) ([]byte, map[string][]byte) {
			return []byte(`{"modelTopology": {`), nil
		}, []string{"not valid JSON"}},
		{"trailing data", func(m map[string]any, bin []byte) ([]byte, map[string][]byte) {
			j, _ := json.Marshal(m)
			return append(j, []byte(" {}")...), nil
		}, []string{"trailing data"}},
		{"graph model", func(m map[string]any, bin []byte) ([]byte, map[string][]byte) {
			m["format"] = "graph-model"
			return nil, nil
		}, []string{`format "graph-model"`}},
		{"no topology", func(m map[string]any, bin []byte) ([]byte, map[string][]byte) {
			delete(m, "modelTopology")
			return nil, nil
		}, []string{"no modelTopology"}},
		{"unsupported layer", func(m map[string]any, bin []byte) ([]byte, map[string][]byte) {
			at(m, "modelTopology", "config", "layers", 3).(map[string]any)["class_name"] = "LSTM"
			return nil, nil
		}, []string{`LSTM "fc1"`, "not supported"}},
		{"unsupported padding", func(m map[string]any, bin []byte) ([]byte, map[string][]byte) {
			layerCfg(m, 0)["padding"] = "causal"
			return nil, nil
		}, []string{`Conv2D "conv"`, `padding "causal"`}},
		{"channels_first", func(m map[string]any, bin []byte) ([]byte, map[string][]byte) {
			layerCfg(m, 1)["data_format"] = "channels_first"
			return nil, nil
		}, []string{`MaxPooling2D "pool"`, "channels_first"}},
		{"unsupported activation", func(m map[string]any, bin []byte) ([]byte, map[string][]byte) {
			layerCfg(m, 3)["activation"] = "gelu"
			return nil, nil
		}, []string{`Dense "fc1"`, `activation "gelu"`}},
		{"shards too short", func(m map[string]any, bin []byte) ([]byte, map[string][]byte) {
			return nil, map[string][]byte{"weights.bin": bin[:len(bin)-4]}
		}, []string{"need 496 bytes", "hold 492"}},
		{"shards too long", func(m map[string]any, bin []byte) ([]byte, map[string][]byte) {
			return nil, map[string][]byte{"weights.bin": append(append([]byte(nil), bin...), 0, 0, 0, 0)}
		}, []string{"need 496 bytes", "hold 500"}},
		{"missing shard", func(m map[string]any, bin []byte) ([]byte, map[string][]byte) {
			return nil, map[string][]byte{}
		}, []string{`shard "weights.bin"`, "no such shard"}},
		{"missing weight", func(m map[string]any, bin []byte) ([]byte, map[string][]byte) {
			ws := weightsOf(m)
			at(m, "weightsManifest", 0).(map[string]any)["weights"] = ws[:len(ws)-1] // fc2/bias, 3 floats
			return nil, map[string][]byte{"weights.bin": bin[:len(bin)-12]}
		}, []string{`Dense "fc2"`, `no "fc2/bias"`}},
		{"extra weight", func(m map[string]any, bin []byte) ([]byte, map[string][]byte) {
			ws := weightsOf(m)
			ws = append(ws, map[string]any{"name": "ghost/kernel", "shape": []any{1}, "dtype": "float32"})
			at(m, "weightsManifest", 0).(map[string]any)["weights"] = ws
			return nil, map[string][]byte{"weights.bin": append(append([]byte(nil), bin...), 0, 0, 0, 0)}
		}, []string{"no layer uses", "ghost/kernel"}},
		{"wrong kernel shape", func(m map[string]any, bin []byte) ([]byte, map[string][]byte) {
			at(m, "weightsManifest", 0, "weights", 0).(map[string]any)["shape"] = []any{3, 3, 3, 2}
			return nil, nil
		}, []string{`Conv2D "conv"`, "want (3, 3, in/groups, 3)"}},
		{"dense input mismatch", func(m map[string]any, bin []byte) ([]byte, map[string][]byte) {
			layerCfg(m, 3)["units"] = 5
			return nil, nil
		}, []string{`Dense "fc1"`, "want (in, 5)"}},
		{"unknown dtype", func(m map[string]any, bin []byte) ([]byte, map[string][]byte) {
			at(m, "weightsManifest", 0, "weights", 0).(map[string]any)["dtype"] = "complex64"
			return nil, nil
		}, []string{`"conv/kernel"`, `dtype "complex64"`}},
		{"unknown quantisation", func(m map[string]any, bin []byte) ([]byte, map[string][]byte) {
			at(m, "weightsManifest", 0, "weights", 0).(map[string]any)["quantization"] = map[string]any{"dtype": "int4", "min": 0, "scale": 1}
			return nil, nil
		}, []string{`"conv/kernel"`, `quantisation dtype "int4"`}},
		{"quantisation without scale", func(m map[string]any, bin []byte) ([]byte, map[string][]byte) {
			at(m, "weightsManifest", 0, "weights", 0).(map[string]any)["quantization"] = map[string]any{"dtype": "uint8", "min": 0}
			return nil, nil
		}, []string{`"conv/kernel"`, "needs min and scale"}},
		{"negative dimension", func(m map[string]any, bin []byte) ([]byte, map[string][]byte) {
			at(m, "weightsManifest", 0, "weights", 0).(map[string]any)["shape"] = []any{3, -3, 2, 3}
			return nil, nil
		}, []string{`"conv/kernel"`, "negative dimension"}},
		{"duplicate layer name", func(m map[string]any, bin []byte) ([]byte, map[string][]byte) {
			layerCfg(m, 4)["name"] = "fc1"
			return nil, nil
		}, []string{`"fc1" is used twice`}},
		{"unsupported model class", func(m map[string]any, bin []byte) ([]byte, map[string][]byte) {
			at(m, "modelTopology").(map[string]any)["class_name"] = "Subclassed"
			return nil, nil
		}, []string{`model class "Subclassed"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, bin := seqCase(t)
			j, shards := c.edit(m, bin)
			if j == nil {
				var err error
				if j, err = json.Marshal(m); err != nil {
					t.Fatal(err)
				}
			}
			if shards == nil {
				shards = map[string][]byte{"weights.bin": bin}
			}
			_, err := Read(j, func(p string) ([]byte, error) {
				b, ok := shards[p]
				if !ok {
					return nil, os.ErrNotExist
				}
				return b, nil
			})
			if err == nil {
				t.Fatalf("no error, want one containing %q", c.want)
			}
			t.Log(err)
			msg := strings.ReplaceAll(err.Error(), "file does not exist", "no such shard")
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestLoadShardPaths: Load reads shards beside model.json, names a missing
// one and refuses paths that leave the folder.
func TestLoadShardPaths(t *testing.T) {
	m, bin := seqCase(t)
	dir := t.TempDir()
	write := func(paths ...any) string {
		at(m, "weightsManifest", 0).(map[string]any)["paths"] = paths
		j, _ := json.Marshal(m)
		p := filepath.Join(dir, "model.json")
		if err := os.WriteFile(p, j, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if err := os.WriteFile(filepath.Join(dir, "a.bin"), bin[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.bin"), bin[100:], 0o644); err != nil {
		t.Fatal(err)
	}
	// two shards are one stream
	if _, err := Load(write("a.bin", "b.bin")); err != nil {
		t.Errorf("two shards: %v", err)
	}
	if _, err := Load(dir); err != nil {
		t.Errorf("Load(folder): %v", err)
	}
	_, err := Load(write("a.bin", "missing.bin"))
	if err == nil || !strings.Contains(err.Error(), `"missing.bin"`) || !strings.Contains(err.Error(), "model.json") {
		t.Errorf("missing shard: got %v", err)
	}
	_, err = Load(write("../b.bin"))
	if err == nil || !strings.Contains(err.Error(), "leaves the model's folder") {
		t.Errorf("escaping path: got %v", err)
	}
	_, err = Load(filepath.Join(dir, "nope.json"))
	if err == nil || !strings.Contains(err.Error(), "nope.json") {
		t.Errorf("missing model.json: got %v", err)
	}
}
