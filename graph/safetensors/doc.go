// Package safetensors reads and writes the safetensors format
// (https://huggingface.co/docs/safetensors), which PyTorch and the Hugging
// Face tools use to store weights safely, with tensors as
// gorgonia.org/tensor values. nn.SaveSafetensors and nn.LoadSafetensors
// store a model's Params in it under their state_dict names; this package
// is the file format alone, for reading or writing tensors by name.
//
// A file is laid out as
//
//	8 bytes     little-endian uint64 N, the length of the header
//	N bytes     a JSON object {name: {"dtype", "shape", "data_offsets": [begin, end]},
//	            "__metadata__": {string: string}}
//	the rest    the tensors' bytes, little-endian, row-major; every tensor's
//	            [begin, end) is relative to the start of this part
//
// Parsing and validating the header is done by
// github.com/nlpodyssey/safetensors, which is strict: the tensors must tile
// the data part exactly (no gap, no overlap, nothing past the end, no
// trailing bytes), every shape's byte size is computed with overflow checks
// and must equal its offsets, and each tensor entry must have exactly the
// three keys. This package adds the checks that give clearer messages (a
// file shorter than its header, a name listed twice), converts the bytes to
// *tensor.Dense, and writes files atomically.
//
// Errors never come from panics: corrupt bytes give an error wrapping
// graph.ErrData, bad arguments to the writers one wrapping graph.ErrArg or
// graph.ErrShape. Messages start with "safetensors: " and name the file
// when there is one.
package safetensors
