package train_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/convnet-go/convnet/internal/compilecheck"
)

// TestOptionFamiliesCompile proves that the compiler checks which options
// an optimizer or callback takes: every option passed to every
// constructor, one call per line of a generated file, type-checked against
// the compiled train package. The calls the table allows must compile;
// every other one must be a type error on its own line that names the
// constructor's option family.
func TestOptionFamiliesCompile(t *testing.T) {
	ctors := []struct{ family, call string }{
		{"SGDOption", "train.NewSGD(0.1, %s)"},
		{"AdamOption", "train.NewAdam(1e-3, %s)"},
		{"AdamOption", "train.NewAdamW(1e-3, %s)"},
		{"RMSPropOption", "train.NewRMSProp(0.01, %s)"},
		{"EarlyStoppingOption", "train.NewEarlyStopping(%s)"},
		{"ModelCheckpointOption", `train.NewModelCheckpoint("best.safetensors", %s)`},
		{"ReduceLROnPlateauOption", "train.NewReduceLROnPlateau(%s)"},
	}
	optimizers := []string{"SGDOption", "AdamOption", "RMSPropOption"}
	callbacks := []string{"EarlyStoppingOption", "ModelCheckpointOption", "ReduceLROnPlateauOption"}
	opts := []struct {
		expr     string
		families []string
	}{
		{"train.WithWeightDecay(1e-4)", optimizers},
		{"train.WithMomentum(0.9)", []string{"SGDOption", "RMSPropOption"}},
		{"train.WithEps(1e-7)", []string{"AdamOption", "RMSPropOption"}},
		{"train.WithDampening(0.1)", []string{"SGDOption"}},
		{"train.WithNesterov(true)", []string{"SGDOption"}},
		{"train.WithBetas(0.9, 0.99)", []string{"AdamOption"}},
		{"train.WithAlpha(0.9)", []string{"RMSPropOption"}},
		{"train.WithCentered(true)", []string{"RMSPropOption"}},
		{`train.WithMonitor("val_accuracy")`, callbacks},
		{"train.WithMode(train.Max)", callbacks},
		{"train.WithMinDelta(1e-3)", callbacks},
		{"train.WithPatience(3)", []string{"EarlyStoppingOption", "ReduceLROnPlateauOption"}},
		{"train.WithRestoreBest(false)", []string{"EarlyStoppingOption"}},
		{"train.WithBestOnly(false)", []string{"ModelCheckpointOption"}},
		{"train.WithSaveFunc(nn.SaveSafetensors)", []string{"ModelCheckpointOption"}},
		{"train.WithFactor(0.5)", []string{"ReduceLROnPlateauOption"}},
		{"train.WithMinLR(1e-5)", []string{"ReduceLROnPlateauOption"}},
		{"train.WithCooldown(2)", []string{"ReduceLROnPlateauOption"}},
	}
	var calls []compilecheck.Call
	for _, o := range opts {
		for _, c := range ctors {
			calls = append(calls, compilecheck.Call{Text: fmt.Sprintf(c.call, o.expr), Family: c.family, OK: slices.Contains(o.families, c.family)})
		}
	}
	checker, err := compilecheck.New("github.com/convnet-go/convnet/nn", "github.com/convnet-go/convnet/train")
	if err != nil {
		t.Fatal(err)
	}
	problems, err := checker.CheckCalls([]string{"github.com/convnet-go/convnet/nn", "github.com/convnet-go/convnet/train"}, "train", calls)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}
