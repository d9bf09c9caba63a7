package onnx

import "github.com/convnet-go/convnet/ops"

// opTable lists the supported ops with their attributes and the inputs
// read when the graph is built. An attribute not listed makes Read fail.
func opTable() map[string]*opDef {
	conv := []string{"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}
	pool := []string{"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"}
	legacyBroadcast := []string{"broadcast", "axis", "consumed_inputs"}
	none := []string{"consumed_inputs"}
	return map[string]*opDef{
		"Conv":               {fn: opConv, attrs: conv},
		"ConvTranspose":      {fn: opConvTranspose, attrs: append([]string{"output_padding", "output_shape"}, conv...)},
		"MaxPool":            {fn: opMaxPool, attrs: pool},
		"AveragePool":        {fn: opAveragePool, attrs: append([]string{"count_include_pad"}, pool...)},
		"MaxUnpool":          {fn: opMaxUnpool, attrs: []string{"kernel_shape", "pads", "strides"}, static: []int{2}},
		"GlobalAveragePool":  {fn: opGlobalAveragePool},
		"GlobalMaxPool":      {fn: opGlobalMaxPool},
		"BatchNormalization": {fn: opBatchNorm, attrs: []string{"epsilon", "momentum", "spatial", "is_test", "training_mode", "consumed_inputs"}},
		"Relu":               {fn: plain(ops.ReLU), attrs: none},
		"Sigmoid":            {fn: plain(ops.Sigmoid), attrs: none},
		"Tanh":               {fn: plain(ops.Tanh), attrs: none},
		"Softplus":           {fn: plain(ops.Softplus)},
		"Softsign":           {fn: plain(ops.Softsign)},
		"LeakyRelu":          {fn: unary(opLeakyRelu), attrs: append([]string{"alpha"}, none...)},
		"Elu":                {fn: unary(opElu), attrs: append([]string{"alpha"}, none...)},
		"Selu":               {fn: unary(opSelu), attrs: append([]string{"alpha", "gamma"}, none...)},
		"HardSigmoid":        {fn: unary(opHardSigmoid), attrs: append([]string{"alpha", "beta"}, none...)},
		"PRelu":              {fn: opPRelu, attrs: none},
		"Clip":               {fn: opClip, attrs: append([]string{"min", "max"}, none...), static: []int{1, 2}},
		"Softmax":            {fn: unary(softmax(false)), attrs: []string{"axis"}},
		"LogSoftmax":         {fn: unary(softmax(true)), attrs: []string{"axis"}},
		"Dropout":            {fn: opDropout, attrs: []string{"ratio", "is_test", "seed", "consumed_inputs"}, static: []int{1, 2}},
		"Gemm":               {fn: opGemm, attrs: []string{"alpha", "beta", "transA", "transB", "broadcast"}},
		"MatMul":             {fn: opMatMul},
		"Add":                {fn: arith("Add"), attrs: legacyBroadcast},
		"Sub":                {fn: arith("Sub"), attrs: legacyBroadcast},
		"Mul":                {fn: arith("Mul"), attrs: legacyBroadcast},
		"Div":                {fn: arith("Div"), attrs: legacyBroadcast},
		"Sum":                {fn: opSum, attrs: none},
		"Concat":             {fn: opConcat, attrs: []string{"axis"}},
		"Flatten":            {fn: opFlatten, attrs: []string{"axis"}},
		"Reshape":            {fn: opReshape, attrs: []string{"shape", "allowzero", "consumed_inputs"}, static: []int{1}},
		"Transpose":          {fn: opTranspose, attrs: []string{"perm"}},
		"Squeeze":            {fn: opSqueeze, attrs: []string{"axes"}, static: []int{1}},
		"Unsqueeze":          {fn: opUnsqueeze, attrs: []string{"axes"}, static: []int{1}},
		"Pad":                {fn: opPad, attrs: []string{"mode", "pads", "paddings", "value"}, static: []int{1, 2, 3}},
		"Upsample":           {fn: opUpsample, attrs: []string{"mode", "scales"}, static: []int{1}},
		"Resize":             {fn: opResize, attrs: []string{"coordinate_transformation_mode", "cubic_coeff_a", "exclude_outside", "extrapolation_value", "mode", "nearest_mode"}, static: []int{1, 2, 3}},
		"Constant":           {fn: opConstant, attrs: []string{"value", "value_float", "value_floats", "value_int", "value_ints", "sparse_value", "value_string", "value_strings"}},
		"Identity":           {fn: opIdentity},
		"Shape":              {fn: opShape, attrs: []string{"start", "end"}},
		"Gather":             {fn: opGather, attrs: []string{"axis"}, static: []int{1}},
		"Cast":               {fn: opCast, attrs: []string{"to", "saturate"}},
	}
}
