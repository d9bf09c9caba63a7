package keras

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/pkg/errors"
)

// modelFile is the content of a TF.js layers model.json, parsed and checked:
// the Keras topology as a list of layers and the weights manifest.
type modelFile struct {
	// KerasVersion and Backend are copied from the topology when present.
	KerasVersion, Backend string
	// Topology is the model's layers, inputs and outputs.
	Topology topology
	// Manifest lists the weight groups: each group's shard files, read one
	// after the other as one byte stream, hold its weights in order.
	Manifest []weightGroup
}

// topology is a Keras model configuration: a functional Model or a
// Sequential, reduced to layers connected by name.
type topology struct {
	ClassName string // "Model", "Functional" or "Sequential"
	Name      string
	Layers    []layerSpec
	Inputs    []string // names of the input layers
	Outputs   []string // names of the output layers
}

// layerSpec is one Keras layer: its class, unique name, raw JSON config and
// the names of the layers whose outputs it takes (empty for an InputLayer).
type layerSpec struct {
	ClassName string
	Name      string
	Config    json.RawMessage
	Inbound   []string
}

// weightGroup is one entry of the weights manifest.
type weightGroup struct {
	Paths   []string     `json:"paths"`
	Weights []weightSpec `json:"weights"`
}

// weightSpec describes one weight of a manifest group.
type weightSpec struct {
	Name         string        `json:"name"`
	Shape        []int         `json:"shape"`
	Dtype        string        `json:"dtype"`
	Quantization *quantization `json:"quantization,omitempty"`
}

// quantization describes how a weight is stored when it is quantised: as
// uint8 or uint16 codes q with w = Min + q·Scale, or as float16.
type quantization struct {
	Dtype string   `json:"dtype"`
	Min   *float64 `json:"min,omitempty"`
	Scale *float64 `json:"scale,omitempty"`
}

// maxWeightElems bounds the number of elements of one weight (2^31), so that
// sizes computed from a manifest cannot overflow.
const maxWeightElems = 1 << 31

// rawModelJSON is model.json as written by tfjs and tensorflowjs_converter.
type rawModelJSON struct {
	Format          string          `json:"format"`
	ModelTopology   json.RawMessage `json:"modelTopology"`
	WeightsManifest []weightGroup   `json:"weightsManifest"`
}

// rawTopology is the Keras JSON: either {keras_version, backend,
// model_config: {class_name, config}} or {class_name, config} directly.
type rawTopology struct {
	KerasVersion string          `json:"keras_version"`
	Backend      string          `json:"backend"`
	ModelConfig  *rawClassConfig `json:"model_config"`
	rawClassConfig
}

type rawClassConfig struct {
	ClassName string          `json:"class_name"`
	Config    json.RawMessage `json:"config"`
}

type rawModelConfig struct {
	Name         string            `json:"name"`
	Layers       []rawLayer        `json:"layers"`
	InputLayers  []json.RawMessage `json:"input_layers"`
	OutputLayers []json.RawMessage `json:"output_layers"`
}

type rawLayer struct {
	ClassName    string          `json:"class_name"`
	Name         string          `json:"name"`
	Config       json.RawMessage `json:"config"`
	InboundNodes json.RawMessage `json:"inbound_nodes"`
}

// parseModelJSON parses and checks the content of a TF.js layers
// model.json. It does not read weight shards; see Load and Read.
func parseModelJSON(data []byte) (*modelFile, error) {
	var raw rawModelJSON
	if err := strictUnmarshal(data, &raw); err != nil {
		return nil, errors.Wrap(err, "keras: model.json is not valid JSON of a TF.js model")
	}
	if raw.Format != "" && raw.Format != "layers-model" {
		return nil, errors.Errorf("keras: model.json has format %q; only \"layers-model\" (a Keras model) is supported, not graph models", raw.Format)
	}
	if isNull(raw.ModelTopology) {
		return nil, errors.New("keras: model.json has no modelTopology")
	}
	mf := &modelFile{Manifest: raw.WeightsManifest}
	if err := parseTopology(raw.ModelTopology, mf); err != nil {
		return nil, err
	}
	if err := checkManifest(mf.Manifest); err != nil {
		return nil, err
	}
	return mf, nil
}

// strictUnmarshal decodes one JSON value and rejects trailing data.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func isNull(m json.RawMessage) bool {
	s := strings.TrimSpace(string(m))
	return s == "" || s == "null"
}

func parseTopology(data json.RawMessage, mf *modelFile) error {
	var top rawTopology
	if err := json.Unmarshal(data, &top); err != nil {
		return errors.Wrap(err, "keras: modelTopology")
	}
	mf.KerasVersion, mf.Backend = top.KerasVersion, top.Backend
	cc := top.rawClassConfig
	if top.ModelConfig != nil {
		cc = *top.ModelConfig
	}
	t := &mf.Topology
	t.ClassName = cc.ClassName
	switch cc.ClassName {
	case "Model", "Functional":
		if err := parseFunctional(cc.Config, t); err != nil {
			return err
		}
	case "Sequential":
		if err := parseSequential(cc.Config, t); err != nil {
			return err
		}
	case "":
		return errors.New("keras: modelTopology has no class_name (want \"Model\", \"Functional\" or \"Sequential\")")
	default:
		return errors.Errorf("keras: model class %q is not supported (want \"Model\", \"Functional\" or \"Sequential\")", cc.ClassName)
	}
	return checkTopology(t)
}

func parseFunctional(cfg json.RawMessage, t *topology) error {
	var mc rawModelConfig
	if err := json.Unmarshal(cfg, &mc); err != nil {
		return errors.Wrap(err, "keras: model config")
	}
	t.Name = mc.Name
	for i, l := range mc.Layers {
		spec := layerSpec{ClassName: l.ClassName, Name: l.Name, Config: l.Config}
		in, err := parseInbound(l.InboundNodes)
		if err != nil {
			return errors.Wrapf(err, "keras: layer %d (%q): inbound_nodes", i, l.Name)
		}
		spec.Inbound = in
		t.Layers = append(t.Layers, spec)
	}
	var err error
	if t.Inputs, err = parseEndpoints(mc.InputLayers); err != nil {
		return errors.Wrap(err, "keras: model config input_layers")
	}
	if t.Outputs, err = parseEndpoints(mc.OutputLayers); err != nil {
		return errors.Wrap(err, "keras: model config output_layers")
	}
	return nil
}

// parseInbound reads Keras 2's inbound_nodes, [[[name, node, tensor, {}],
// ...]]: one call of the layer whose inputs are the named layers' outputs.
func parseInbound(data json.RawMessage) ([]string, error) {
	if isNull(data) {
		return nil, nil
	}
	var calls [][][]json.RawMessage
	if err := json.Unmarshal(data, &calls); err != nil {
		return nil, errors.New("want [[[\"layer\", node_index, tensor_index, {...}], ...]] (the Keras 2 format)")
	}
	switch len(calls) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, errors.Errorf("the layer is called %d times; shared layers are not supported", len(calls))
	}
	var names []string
	for _, ref := range calls[0] {
		name, err := parseRef(ref)
		if err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, nil
}

// parseRef reads [name, node_index, tensor_index, ...]; node and tensor
// index must be 0 (one call per layer, one output per layer).
func parseRef(ref []json.RawMessage) (string, error) {
	if len(ref) < 3 {
		return "", errors.Errorf("a reference needs [name, node_index, tensor_index], got %d entries", len(ref))
	}
	var name string
	var node, tensor float64
	if err := json.Unmarshal(ref[0], &name); err != nil {
		return "", errors.New("a reference's layer name is not a string")
	}
	if json.Unmarshal(ref[1], &node) != nil || json.Unmarshal(ref[2], &tensor) != nil {
		return "", errors.Errorf("reference to %q: node and tensor index must be numbers", name)
	}
	if node != 0 || tensor != 0 {
		return "", errors.Errorf("reference to %q: node index %v, tensor index %v; only 0, 0 is supported (no shared layers, one output per layer)", name, node, tensor)
	}
	return name, nil
}

func parseEndpoints(list []json.RawMessage) ([]string, error) {
	var names []string
	for _, e := range list {
		var ref []json.RawMessage
		if err := json.Unmarshal(e, &ref); err != nil {
			return nil, errors.New("want [[\"layer\", node_index, tensor_index], ...]")
		}
		name, err := parseRef(ref)
		if err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, nil
}

// parseSequential reads a Sequential's config: a list of layers (Keras
// 2.1) or {name, layers}. Each layer takes the previous one's output; an
// InputLayer is added in front when the first layer only carries
// batch_input_shape.
func parseSequential(cfg json.RawMessage, t *topology) error {
	var layers []rawLayer
	if err := json.Unmarshal(cfg, &layers); err != nil {
		var mc rawModelConfig
		if err := json.Unmarshal(cfg, &mc); err != nil {
			return errors.Wrap(err, "keras: Sequential config")
		}
		t.Name, layers = mc.Name, mc.Layers
	}
	if len(layers) == 0 {
		return errors.New("keras: Sequential model has no layers")
	}
	prev := ""
	if layers[0].ClassName != "InputLayer" {
		var c struct {
			BatchInputShape []*int `json:"batch_input_shape"`
			Dtype           string `json:"dtype"`
		}
		_ = json.Unmarshal(layers[0].Config, &c)
		if c.BatchInputShape == nil {
			return errors.Errorf("keras: Sequential model: the first layer (%q) has no batch_input_shape", layers[0].Name)
		}
		cfg, _ := json.Marshal(map[string]any{"batch_input_shape": c.BatchInputShape, "dtype": c.Dtype})
		prev = "input"
		for _, l := range layers {
			if l.Name == prev {
				prev = "input_" + l.Name
			}
		}
		t.Layers = append(t.Layers, layerSpec{ClassName: "InputLayer", Name: prev, Config: cfg})
	}
	for _, l := range layers {
		spec := layerSpec{ClassName: l.ClassName, Name: l.Name, Config: l.Config}
		if l.ClassName == "InputLayer" {
			if prev != "" {
				return errors.Errorf("keras: Sequential model: InputLayer %q is not the first layer", l.Name)
			}
		} else {
			spec.Inbound = []string{prev}
		}
		if spec.Name == "" {
			var c struct {
				Name string `json:"name"`
			}
			_ = json.Unmarshal(l.Config, &c)
			spec.Name = c.Name
		}
		t.Layers = append(t.Layers, spec)
		prev = spec.Name
	}
	t.Inputs = []string{t.Layers[0].Name}
	t.Outputs = []string{prev}
	return nil
}

// checkTopology verifies names and references: unique non-empty names
// without dots, inbound layers defined earlier, inputs that are
// InputLayers, outputs that exist.
func checkTopology(t *topology) error {
	if len(t.Layers) == 0 {
		return errors.New("keras: the model has no layers")
	}
	seen := map[string]string{}
	for i, l := range t.Layers {
		switch {
		case l.Name == "":
			return errors.Errorf("keras: layer %d (%s) has no name", i, l.ClassName)
		case strings.ContainsAny(l.Name, "./"):
			return errors.Errorf("keras: layer %d: name %q contains '.' or '/', which convnet's parameter names reserve", i, l.Name)
		case seen[l.Name] != "":
			return errors.Errorf("keras: layer name %q is used twice", l.Name)
		case l.ClassName == "":
			return errors.Errorf("keras: layer %q has no class_name", l.Name)
		}
		if l.ClassName == "InputLayer" && len(l.Inbound) > 0 {
			return errors.Errorf("keras: InputLayer %q has inbound layers", l.Name)
		}
		if l.ClassName != "InputLayer" && len(l.Inbound) == 0 {
			return errors.Errorf("keras: %s %q has no inbound layer", l.ClassName, l.Name)
		}
		for _, in := range l.Inbound {
			if seen[in] == "" {
				return errors.Errorf("keras: %s %q takes the output of %q, which is not a layer defined before it", l.ClassName, l.Name, in)
			}
		}
		seen[l.Name] = l.ClassName
	}
	if len(t.Inputs) == 0 || len(t.Outputs) == 0 {
		return errors.Errorf("keras: the model needs input and output layers, got %d inputs and %d outputs", len(t.Inputs), len(t.Outputs))
	}
	for _, in := range t.Inputs {
		if seen[in] != "InputLayer" {
			return errors.Errorf("keras: model input %q is not an InputLayer of the model", in)
		}
	}
	for _, out := range t.Outputs {
		if seen[out] == "" {
			return errors.Errorf("keras: model output %q is not a layer of the model", out)
		}
	}
	return nil
}

// checkManifest verifies each weight's name, shape, dtype and quantisation.
func checkManifest(groups []weightGroup) error {
	names := map[string]bool{}
	for gi, g := range groups {
		if len(g.Paths) == 0 && len(g.Weights) > 0 {
			return errors.Errorf("keras: weights manifest group %d has weights but no shard paths", gi)
		}
		for _, p := range g.Paths {
			if p == "" {
				return errors.Errorf("keras: weights manifest group %d has an empty shard path", gi)
			}
		}
		for _, w := range g.Weights {
			if w.Name == "" {
				return errors.Errorf("keras: weights manifest group %d has a weight without a name", gi)
			}
			if names[w.Name] {
				return errors.Errorf("keras: weights manifest lists %q twice", w.Name)
			}
			names[w.Name] = true
			if _, err := w.numElems(); err != nil {
				return err
			}
			if _, err := w.bytesPerElem(); err != nil {
				return err
			}
		}
	}
	return nil
}

// numElems is the product of the weight's shape.
func (w weightSpec) numElems() (int, error) {
	n := 1
	for _, d := range w.Shape {
		if d < 0 {
			return 0, errors.Errorf("keras: weight %q has a negative dimension in shape %v", w.Name, w.Shape)
		}
		if d > 0 && n > maxWeightElems/d {
			return 0, errors.Errorf("keras: weight %q: shape %v has more than 2^31 elements", w.Name, w.Shape)
		}
		n *= d
	}
	return n, nil
}

// bytesPerElem is the stored size of one element, checking that the dtype
// and quantisation are supported.
func (w weightSpec) bytesPerElem() (int, error) {
	if q := w.Quantization; q != nil {
		if w.Dtype != "float32" {
			return 0, errors.Errorf("keras: weight %q: quantised weights must have dtype float32, got %q", w.Name, w.Dtype)
		}
		switch q.Dtype {
		case "uint8", "uint16":
			if q.Min == nil || q.Scale == nil {
				return 0, errors.Errorf("keras: weight %q: %s quantisation needs min and scale", w.Name, q.Dtype)
			}
			if math.IsNaN(*q.Min) || math.IsInf(*q.Min, 0) || math.IsNaN(*q.Scale) || math.IsInf(*q.Scale, 0) {
				return 0, errors.Errorf("keras: weight %q: quantisation min and scale must be finite, got %v and %v", w.Name, *q.Min, *q.Scale)
			}
			if q.Dtype == "uint8" {
				return 1, nil
			}
			return 2, nil
		case "float16":
			return 2, nil
		}
		return 0, errors.Errorf("keras: weight %q: quantisation dtype %q is not supported (want uint8, uint16 or float16)", w.Name, q.Dtype)
	}
	switch w.Dtype {
	case "float32", "int32":
		return 4, nil
	}
	return 0, errors.Errorf("keras: weight %q: dtype %q is not supported (want float32 or int32)", w.Name, w.Dtype)
}

// String prints the weight as "name float32[3 3 3 32] (uint8)".
func (w weightSpec) String() string {
	s := fmt.Sprintf("%s %s%v", w.Name, w.Dtype, w.Shape)
	if w.Quantization != nil {
		s += " (" + w.Quantization.Dtype + ")"
	}
	return s
}
