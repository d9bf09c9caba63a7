package keras

import (
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// nsfwjsDir is where scripts/fetch_nsfwjs.sh puts nsfwjs 4.4.0's
// MobileNetV2 (NSFWJS_DIR overrides it).
func nsfwjsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("NSFWJS_DIR")
	if dir == "" {
		dir = filepath.Join("testdata", "nsfwjs", "mobilenet_v2")
	}
	if _, err := os.Stat(filepath.Join(dir, "model.json")); err != nil {
		msg := "nsfwjs's MobileNetV2 is not in " + dir + "; run keras/scripts/fetch_nsfwjs.sh (./test.sh does)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dir
}

type nsfwjsReference struct {
	TFJS         string   `json:"tfjs"`
	Classes      []string `json:"classes"`
	FeatureLayer string   `json:"feature_layer"`
	Photos       []struct {
		Name          string    `json:"name"`
		Probabilities []float32 `json:"probabilities"`
		Features      []float32 `json:"features"`
	} `json:"photos"`
}

// readPhotos decodes 224x224 RGB PNGs into a (N, 3, 224, 224) batch scaled
// to [0, 1], as nsfwjs does (pixel / 255).
func readPhotos(t *testing.T, names []string) *tensor.Dense {
	t.Helper()
	const s = 224
	x := make([]float32, len(names)*3*s*s)
	for i, name := range names {
		f, err := os.Open(filepath.Join("testdata", "photos", name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds() != image.Rect(0, 0, s, s) {
			t.Fatalf("%s: bounds %v, want 224x224", name, img.Bounds())
		}
		for y := 0; y < s; y++ {
			for xx := 0; xx < s; xx++ {
				r, g, b, _ := img.At(xx, y).RGBA()
				for c, v := range []uint32{r >> 8, g >> 8, b >> 8} {
					x[((i*3+c)*s+y)*s+xx] = float32(v) / 255
				}
			}
		}
	}
	return tensor.New(tensor.WithShape(len(names), 3, s, s), tensor.WithBacking(x))
}

// TestNSFWJSMobileNetV2MatchesTFJS: nsfwjs 4.4.0's MobileNetV2 (Keras
// 2.2.4, uint8-quantised TF.js layers model), imported, gives tfjs's class
// probabilities and pooled features on six real photos.
func TestNSFWJSMobileNetV2MatchesTFJS(t *testing.T) {
	dir := nsfwjsDir(t)
	data, err := os.ReadFile(filepath.Join("testdata", "nsfwjs_reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref nsfwjsReference
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Keras reports 2,619,461 parameters: 2,257,984 (MobileNetV2 backbone,
	// 34,112 of them BatchNorm moving statistics, buffers here) + the head
	if got, want := nn.NumParams(m), 2_619_461-34_112; got != want {
		t.Errorf("NumParams = %d, want %d", got, want)
	}
	var names []string
	for _, p := range ref.Photos {
		names = append(names, p.Name)
	}
	x := readPhotos(t, names)

	both, err := m.Outputs(m.OutputName(), ref.FeatureLayer)
	if err != nil {
		t.Fatal(err)
	}
	ys, err := both.Run(x)
	if err != nil {
		t.Fatal(err)
	}
	probs, feats := ys[0], ys[1]
	if !equalInts(probs.Shape(), []int{len(names), 5}) || !equalInts(feats.Shape(), []int{len(names), 1280, 1, 1}) {
		t.Fatalf("shapes %v and %v, want (%d, 5) and (%d, 1280, 1, 1)", probs.Shape(), feats.Shape(), len(names), len(names))
	}
	pd, fd := probs.Data().([]float32), feats.Data().([]float32)
	maxP, maxF := 0.0, 0.0
	for i, p := range ref.Photos {
		dp := maxAbsDiff(pd[i*5:(i+1)*5], p.Probabilities)
		df := maxAbsDiff(fd[i*1280:(i+1)*1280], p.Features)
		t.Logf("%-16s convnet %.4f  tfjs %.4f  max|Δp| %.2g  max|Δfeature| %.2g", p.Name, pd[i*5:(i+1)*5], p.Probabilities, dp, df)
		maxP, maxF = max(maxP, dp), max(maxF, df)
	}
	t.Logf("max |Δ probability| = %.3g, max |Δ feature| = %.3g (tfjs %s)", maxP, maxF, ref.TFJS)
	if maxP > 1e-3 {
		t.Errorf("class probabilities differ from tfjs by up to %g, want <= 1e-3", maxP)
	}
	if maxF > 1e-3 {
		t.Errorf("pooled features differ from tfjs by up to %g, want <= 1e-3", maxF)
	}
}
