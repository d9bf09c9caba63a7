package onnx_test

import "gorgonia.org/tensor"

// importRun reads an exported file back with onnx.ReadFile and runs it; nil
// outputs (no error) mean the importer is not there yet.
func importRun(file string, xs ...*tensor.Dense) ([]*tensor.Dense, error) { return nil, nil }
