package train_test

import (
	"fmt"
	"go/types"
	"slices"
	"strings"
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
	var src strings.Builder
	src.WriteString("package snippet\n\nimport (\n\t\"github.com/convnet-go/convnet/nn\"\n\t\"github.com/convnet-go/convnet/train\"\n)\n\nfunc f() {\n")
	const firstLine = 9 // the line of the first call
	type call struct {
		text, family string
		ok           bool
	}
	var calls []call
	for _, o := range opts {
		for _, c := range ctors {
			text := fmt.Sprintf(c.call, o.expr)
			calls = append(calls, call{text, c.family, slices.Contains(o.families, c.family)})
			fmt.Fprintf(&src, "\t_, _ = %s\n", text)
		}
	}
	src.WriteString("\t_ = nn.SaveSafetensors\n}\n")

	checker, err := compilecheck.New("github.com/convnet-go/convnet/train", "github.com/convnet-go/convnet/nn")
	if err != nil {
		t.Fatal(err)
	}
	errsByLine := map[int][]string{}
	for _, err := range checker.Check(src.String()) {
		te, ok := err.(types.Error)
		if !ok {
			t.Fatalf("not a type error: %v", err)
		}
		line := te.Fset.Position(te.Pos).Line
		if line < firstLine || line >= firstLine+len(calls) {
			t.Fatalf("error outside the calls (line %d): %v", line, te.Msg)
		}
		errsByLine[line] = append(errsByLine[line], te.Msg)
	}
	for i, c := range calls {
		msgs := errsByLine[firstLine+i]
		switch {
		case c.ok && len(msgs) > 0:
			t.Errorf("%s does not compile: %s", c.text, strings.Join(msgs, "; "))
		case !c.ok && len(msgs) == 0:
			t.Errorf("%s compiles; want a type error", c.text)
		case !c.ok && !strings.Contains(msgs[0], "does not implement train."+c.family):
			t.Errorf("%s: error %q does not name train.%s", c.text, msgs[0], c.family)
		}
	}
}
