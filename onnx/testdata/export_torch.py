#!/usr/bin/python3
"""Exports PyTorch models with torch.onnx.export (opset 13, dynamic batch axis) for
onnx's TestTorchExports, each into OUT/<name>/ with model.onnx, an input x.pb and
PyTorch's eval-mode output y.pb:

    /usr/bin/python3 export_torch.py OUT [BENCH_DIR]

- resnet18: torchvision's ResNet-18 (random weights from seed 0; 45 MB), batch 2 at 224x224.
- W1..W4: the anchor workloads of BENCH_DIR/torch_bench.py (LeNet, ResNet-18-CIFAR,
  UNet-64, conv autoencoder), when BENCH_DIR is given, with their own seeds and inputs.

Needs Debian's python3-torch, python3-torchvision and python3-onnx. Then
    CONVNET_ONNX_TORCH=OUT go test ./onnx -run TorchExports -v
"""
import os, sys
import torch, torchvision
from onnx import numpy_helper

out = sys.argv[1]


def export(name, m, x):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    m.eval()
    with torch.no_grad():
        y = m(x)
    torch.onnx.export(m, x, os.path.join(d, "model.onnx"), opset_version=13,
                      input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    open(os.path.join(d, "x.pb"), "wb").write(numpy_helper.from_array(x.numpy(), "x").SerializeToString())
    open(os.path.join(d, "y.pb"), "wb").write(numpy_helper.from_array(y.numpy(), "y").SerializeToString())
    print(name, tuple(x.shape), "->", tuple(y.shape))


torch.manual_seed(0)
export("resnet18", torchvision.models.resnet18(), torch.randn(2, 3, 224, 224))
if len(sys.argv) > 2:
    sys.path.insert(0, sys.argv[2])
    import torch_bench as tb
    for w in ["W1", "W2", "W3", "W4"]:
        _, m, x, _, _, _ = tb.make(w)
        export(w, m, x)
