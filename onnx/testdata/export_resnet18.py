# Exports torchvision ResNet-18 (random weights, seed 0, eval mode) to ONNX opset 13 with a dynamic
# batch axis, plus an input x.pb and PyTorch's output y.pb, into the current folder:
#   cd OUT && /usr/bin/python3 export_resnet18.py   (needs python3-torch, python3-torchvision, python3-onnx)
# then CONVNET_ONNX_RESNET18=OUT go test ./onnx -run TorchvisionResNet18 -v
import torch, torchvision, numpy as np, onnx
from onnx import numpy_helper
torch.manual_seed(0)
m = torchvision.models.resnet18()
m.eval()
x = torch.randn(2, 3, 224, 224)
with torch.no_grad():
    y = m(x)
torch.onnx.export(m, x, "resnet18.onnx", opset_version=13, input_names=["x"], output_names=["y"],
                  dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
open("x.pb", "wb").write(numpy_helper.from_array(x.numpy(), "x").SerializeToString())
open("y.pb", "wb").write(numpy_helper.from_array(y.numpy(), "y").SerializeToString())
print(y[0, :5])
