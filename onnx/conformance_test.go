package onnx

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/onnx/internal/onnxpb"
	"google.golang.org/protobuf/proto"
	"gorgonia.org/tensor"
)

// testdataRoot is where Debian's libonnx-testdata puts ONNX's backend
// conformance cases (./test.sh installs it).
const testdataRoot = "/usr/share/libonnx-testdata/data"

// knownFailures lists conformance cases that run but do not match, with
// the reason. Keep it empty: a case that cannot be supported exactly must
// be rejected with ErrUnsupported instead.
var knownFailures = map[string]string{}

// TestConformance runs every case of ONNX's backend test data whose ops are
// all supported, compares the outputs with ONNX's tolerances (rtol 1e-3,
// atol 1e-7) and logs the counts: passed, failed, skipped by reason.
func TestConformance(t *testing.T) {
	if _, err := os.Stat(testdataRoot); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("ONNX test data missing (%v): ./test.sh installs libonnx-testdata", err)
		}
		t.Skipf("ONNX test data missing (%v): apt-get install libonnx-testdata", err)
	}
	var cases []string
	for _, suite := range []string{"node", "pytorch-converted", "pytorch-operator", "simple"} {
		dirs, err := os.ReadDir(filepath.Join(testdataRoot, suite))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range dirs {
			if d.IsDir() {
				cases = append(cases, filepath.Join(suite, d.Name()))
			}
		}
	}
	skipped := map[string][]string{}
	var passed, failed []string
	for _, name := range cases {
		reason, err := runCase(filepath.Join(testdataRoot, name))
		switch {
		case reason != "":
			skipped[reason] = append(skipped[reason], name)
		case err != nil:
			if why, known := knownFailures[name]; known {
				t.Logf("known failure %s (%s): %v", name, why, err)
				skipped["known failure"] = append(skipped["known failure"], name)
				continue
			}
			failed = append(failed, name)
			t.Errorf("%s: %v", name, err)
		default:
			if _, known := knownFailures[name]; known {
				t.Errorf("%s passes but is listed in knownFailures: remove it", name)
			}
			passed = append(passed, name)
		}
	}
	reasons := make([]string, 0, len(skipped))
	nskip := 0
	for r, cs := range skipped {
		reasons = append(reasons, r)
		nskip += len(cs)
	}
	sort.Slice(reasons, func(i, j int) bool {
		if len(skipped[reasons[i]]) != len(skipped[reasons[j]]) {
			return len(skipped[reasons[i]]) > len(skipped[reasons[j]])
		}
		return reasons[i] < reasons[j]
	})
	var sb strings.Builder
	fmt.Fprintf(&sb, "ONNX conformance: %d cases, %d passed, %d failed, %d skipped\n", len(cases), len(passed), len(failed), nskip)
	for _, r := range reasons {
		fmt.Fprintf(&sb, "  skipped %4d  %s\n", len(skipped[r]), r)
	}
	if testing.Verbose() {
		for _, r := range reasons {
			if strings.HasPrefix(r, "unsupported op") {
				continue
			}
			fmt.Fprintf(&sb, "  [%s]: %s\n", r, strings.Join(skipped[r], " "))
		}
	}
	t.Log(sb.String())
	if len(passed) < 200 {
		t.Errorf("only %d cases passed; the supported set should pass at least 200", len(passed))
	}
}

// runCase runs one test case folder. It returns a skip reason when the
// case is outside the supported set, or an error when it runs and fails.
func runCase(dir string) (skip string, err error) {
	data, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
	if err != nil {
		return "no model.onnx", nil
	}
	var mp onnxpb.ModelProto
	if err := proto.Unmarshal(data, &mp); err != nil {
		return "", fmt.Errorf("the test model does not parse: %v", err)
	}
	table := opTable()
	var unsupported []string
	for _, n := range mp.GetGraph().GetNode() {
		if _, ok := table[n.GetOpType()]; !ok || (n.GetDomain() != "" && n.GetDomain() != "ai.onnx") {
			unsupported = append(unsupported, n.GetOpType())
		}
	}
	if len(unsupported) > 0 {
		sort.Strings(unsupported)
		return "unsupported op " + unsupported[0], nil
	}
	for _, os := range mp.GetOpsetImport() {
		if d := os.GetDomain(); (d == "" || d == "ai.onnx") && (os.GetVersion() < MinOpset || os.GetVersion() > MaxOpset) {
			return fmt.Sprintf("opset %d outside %d-%d", os.GetVersion(), MinOpset, MaxOpset), nil
		}
	}
	m, err := Read(data)
	if err != nil {
		if errors.Is(err, ErrUnsupported) {
			return unsupportedReason(err), nil
		}
		return "", err
	}
	sets, _ := filepath.Glob(filepath.Join(dir, "test_data_set_*"))
	if len(sets) == 0 {
		return "no test data", nil
	}
	for _, set := range sets {
		var ins []*tensor.Dense
		for i := range m.Inputs() {
			x, err := ReadTensorFile(filepath.Join(set, fmt.Sprintf("input_%d.pb", i)))
			if errors.Is(err, ErrUnsupported) {
				return unsupportedReason(err), nil
			}
			if err != nil {
				return "", err
			}
			if dt := x.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
				return "dtype: non-float input", nil
			}
			ins = append(ins, x)
		}
		outs, err := m.Run(ins...)
		if err != nil {
			if errors.Is(err, ErrUnsupported) {
				return unsupportedReason(err), nil
			}
			return "", err
		}
		for i, got := range outs {
			want, err := ReadTensorFile(filepath.Join(set, fmt.Sprintf("output_%d.pb", i)))
			if errors.Is(err, ErrUnsupported) {
				return unsupportedReason(err), nil
			}
			if err != nil {
				return "", err
			}
			if err := allClose(got, want, 1e-3, 1e-7); err != nil {
				return "", fmt.Errorf("%s output %d: %v", filepath.Base(set), i, err)
			}
		}
	}
	return "", nil
}

// unsupportedReason shortens an ErrUnsupported error to a skip reason:
// the op and what is not supported, without the node's name.
func unsupportedReason(err error) string {
	var u *unsupportedError
	if !errors.As(err, &u) {
		return "unsupported"
	}
	msg := u.msg
	op := ""
	if i := strings.Index(msg, "node "); i >= 0 {
		if j := strings.Index(msg[i:], " ("); j >= 0 {
			rest := msg[i+j+2:]
			if k := strings.Index(rest, ","); k >= 0 {
				op = rest[:k] + ": "
			}
		}
	}
	if i := strings.LastIndex(msg, "): "); i >= 0 {
		msg = msg[i+3:]
	} else if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	if strings.Contains(msg, "element type") || strings.Contains(msg, "empty tensors") || strings.Contains(msg, "not a tensor") {
		return "dtype: " + msg
	}
	return "unsupported " + op + msg
}

// allClose compares like numpy.testing.assert_allclose: |got - want| <=
// atol + rtol·|want|, shapes equal, NaN equal to NaN.
func allClose(got, want *tensor.Dense, rtol, atol float64) error {
	gs, ws := got.Shape(), want.Shape()
	if gs.TotalSize() != ws.TotalSize() || (len(gs) != len(ws) && !(len(gs) <= 1 && len(ws) <= 1)) {
		return fmt.Errorf("shape %v, want %v", gs, ws)
	}
	for i := range gs {
		if i < len(ws) && gs[i] != ws[i] {
			return fmt.Errorf("shape %v, want %v", gs, ws)
		}
	}
	g, err := toFloat64s(got)
	if err != nil {
		return err
	}
	w, err := toFloat64s(want)
	if err != nil {
		return err
	}
	worst, at := 0.0, -1
	for i := range w {
		if math.IsNaN(w[i]) && math.IsNaN(g[i]) || w[i] == g[i] {
			continue
		}
		d := math.Abs(g[i] - w[i])
		if !(d <= atol+rtol*math.Abs(w[i])) && (at < 0 || d > worst || math.IsNaN(d)) {
			worst, at = d, i
		}
	}
	if at >= 0 {
		return fmt.Errorf("element %d is %v, want %v (|diff| %.3g)", at, g[at], w[at], worst)
	}
	return nil
}
