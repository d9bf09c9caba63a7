//go:build tools

package mnist8

// This file is never compiled: it keeps github.com/owulveryck/onnx-go in
// go.mod (go mod tidy reads every build tag), because the mnist-8 model is
// read from that module's source files, not imported.
import _ "github.com/owulveryck/onnx-go"
