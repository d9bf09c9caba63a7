package keras

import (
	"encoding/json"
	"fmt"

	"github.com/pkg/errors"
)

// ints2 reads a Keras size that is one integer or a list of two.
type ints2 []int

func (v *ints2) UnmarshalJSON(b []byte) error {
	var one int
	if err := json.Unmarshal(b, &one); err == nil {
		*v = ints2{one, one}
		return nil
	}
	var list []int
	if err := json.Unmarshal(b, &list); err != nil {
		return errors.New("want an integer or a list of two integers")
	}
	if len(list) != 2 {
		return errors.Errorf("want two sizes (height, width), got %v", list)
	}
	*v = list
	return nil
}

// get returns v, or def when v was not given, checking that both are >= min.
func (v ints2) get(what string, def []int, min int) ([]int, error) {
	if v == nil {
		v = def
	}
	for _, d := range v {
		if d < min {
			return nil, errors.Errorf("%s must be >= %d, got %v", what, min, []int(v))
		}
	}
	return []int(v), nil
}

// baseConfig holds the settings shared by all layers.
type baseConfig struct {
	Name       string  `json:"name"`
	DataFormat *string `json:"data_format"`
	Dtype      any     `json:"dtype"`
}

// checkFormat rejects channels_first: convnet's layers run channels first
// already, but the weights and axes of such a model would need another
// conversion, which is not written.
func (c baseConfig) checkFormat() error {
	if c.DataFormat != nil && *c.DataFormat != "channels_last" {
		return errors.Errorf("data_format %q is not supported (only channels_last)", *c.DataFormat)
	}
	return nil
}

type convConfig struct {
	baseConfig
	Filters         int     `json:"filters"`
	KernelSize      ints2   `json:"kernel_size"`
	Strides         ints2   `json:"strides"`
	Padding         string  `json:"padding"`
	DilationRate    ints2   `json:"dilation_rate"`
	Activation      *string `json:"activation"`
	UseBias         *bool   `json:"use_bias"`
	Groups          *int    `json:"groups"`
	DepthMultiplier *int    `json:"depth_multiplier"`
}

type bnConfig struct {
	baseConfig
	Axis     json.RawMessage `json:"axis"`
	Momentum *float64        `json:"momentum"`
	Epsilon  *float64        `json:"epsilon"`
	Center   *bool           `json:"center"`
	Scale    *bool           `json:"scale"`
}

type reluConfig struct {
	baseConfig
	MaxValue      *float64 `json:"max_value"`
	NegativeSlope *float64 `json:"negative_slope"`
	Threshold     *float64 `json:"threshold"`
}

type activationConfig struct {
	baseConfig
	Activation string `json:"activation"`
}

type poolConfig struct {
	baseConfig
	PoolSize ints2  `json:"pool_size"`
	Strides  ints2  `json:"strides"`
	Padding  string `json:"padding"`
}

type denseConfig struct {
	baseConfig
	Units      int     `json:"units"`
	Activation *string `json:"activation"`
	UseBias    *bool   `json:"use_bias"`
}

type dropoutConfig struct {
	baseConfig
	Rate       float64         `json:"rate"`
	NoiseShape json.RawMessage `json:"noise_shape"`
}

type reshapeConfig struct {
	baseConfig
	TargetShape []int `json:"target_shape"`
}

type concatConfig struct {
	baseConfig
	Axis *int `json:"axis"`
}

type inputConfig struct {
	baseConfig
	BatchInputShape []*int `json:"batch_input_shape"`
	BatchShape      []*int `json:"batch_shape"`
	Sparse          bool   `json:"sparse"`
}

// paddingConfig is ZeroPadding2D's padding: n, [h, w] or [[top, bottom],
// [left, right]].
type paddingConfig struct {
	baseConfig
	Padding json.RawMessage `json:"padding"`
}

func (c paddingConfig) pads() (top, bottom, left, right int, err error) {
	var one int
	if json.Unmarshal(c.Padding, &one) == nil {
		top, bottom, left, right = one, one, one, one
	} else {
		var two []int
		var pairs [][]int
		switch {
		case json.Unmarshal(c.Padding, &two) == nil && len(two) == 2:
			top, bottom, left, right = two[0], two[0], two[1], two[1]
		case json.Unmarshal(c.Padding, &pairs) == nil && len(pairs) == 2 && len(pairs[0]) == 2 && len(pairs[1]) == 2:
			top, bottom, left, right = pairs[0][0], pairs[0][1], pairs[1][0], pairs[1][1]
		default:
			return 0, 0, 0, 0, errors.Errorf("padding must be n, [h, w] or [[top, bottom], [left, right]], got %s", string(c.Padding))
		}
	}
	if top < 0 || bottom < 0 || left < 0 || right < 0 {
		return 0, 0, 0, 0, errors.Errorf("padding must not be negative, got %s", string(c.Padding))
	}
	return top, bottom, left, right, nil
}

// decodeConfig unmarshals a layer's config into v.
func decodeConfig(spec layerSpec, v any) error {
	if isNull(spec.Config) {
		return nil
	}
	if err := json.Unmarshal(spec.Config, v); err != nil {
		return fmt.Errorf("config: %v", err)
	}
	return nil
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}
