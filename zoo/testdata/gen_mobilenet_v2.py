#!/usr/bin/python3
"""Writes the MobileNetV2 references of the zoo tests, with Debian's
python3-torchvision:

- mobilenet_v2_shapes.json: the state_dict keys and shapes and the learnable
  parameter counts of torchvision's mobilenet_v2 at width 1.0 (1000 and 10
  classes), 0.35, 0.5, 0.75 and 1.4 (10 classes), in the format of
  torchvision_shapes.json.
- mobilenet_v2_w035_c10.safetensors: the state_dict of
  mobilenet_v2(num_classes=10, width_mult=0.35) with torchvision's random
  initialisation (seed 14) and random BatchNorm weights and biases, BatchNorm statistics
  measured on random inputs, classifier weights N(0, 0.05) and biases N(0, 0.1),
  written in the safetensors format (by the small writer below: safetensors
  is not packaged in Debian 12), float32 tensors and int64
  num_batches_tracked, in state_dict order.
- mobilenet_v2_w035_c10_io.json: an input batch (2, 3, 64, 64) and the
  eval-mode logits of that model for it (float32).

Run: /usr/bin/python3 gen_mobilenet_v2.py
"""
import json
import struct

import torch
import torchvision
from torchvision import models

out = {"generator": "torchvision " + torchvision.__version__, "models": {}}
for width, classes in [(1.0, 1000), (1.0, 10), (0.35, 10), (0.5, 10), (0.75, 10), (1.4, 10)]:
    m = models.mobilenet_v2(weights=None, num_classes=classes, width_mult=width)
    out["models"]["mobilenet_v2_w%g_c%d" % (width, classes)] = {
        "num_params": sum(p.numel() for p in m.parameters()),
        "state_dict": {k: list(v.shape) for k, v in m.state_dict().items()},
    }
with open("mobilenet_v2_shapes.json", "w") as f:
    json.dump(out, f, indent=1)

torch.manual_seed(14)
m = models.mobilenet_v2(weights=None, num_classes=10, width_mult=0.35)
with torch.no_grad():
    # random BatchNorm weights, then statistics measured on random inputs
    # (cumulative averages), so that the activations neither die nor all
    # saturate at 6 and the logits depend on the input
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.weight.uniform_(0.5, 1.5)
            mod.bias.normal_(0, 0.2)
            mod.momentum = None
            mod.reset_running_stats()
        elif isinstance(mod, torch.nn.Linear):
            mod.weight.normal_(0, 0.05)
            mod.bias.normal_(0, 0.1)
    m.train()
    for _ in range(4):
        m(torch.randn(8, 3, 64, 64))
m.eval()
x = torch.round(torch.randn(2, 3, 64, 64) * 1e3) / 1e3  # short decimals keep the file small
with torch.no_grad():
    y = m(x)

sd = m.state_dict()
header, blobs, off = {"__metadata__": {"format": "pt", "origin": "torchvision mobilenet_v2(num_classes=10, width_mult=0.35), random init, seed 14"}}, [], 0
for k, v in sd.items():
    v = v.contiguous()
    dt = {torch.float32: "F32", torch.int64: "I64"}[v.dtype]
    b = v.numpy().tobytes()
    header[k] = {"dtype": dt, "shape": list(v.shape), "data_offsets": [off, off + len(b)]}
    blobs.append(b)
    off += len(b)
h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * ((8 - len(h) % 8) % 8)
with open("mobilenet_v2_w035_c10.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h)))
    f.write(h)
    for b in blobs:
        f.write(b)


def flat(t, digits=None):
    data = t.reshape(-1).tolist()
    if digits is not None:
        data = [round(v, digits) for v in data]  # the same float32 values
    return {"shape": list(t.shape), "data": data}


with open("mobilenet_v2_w035_c10_io.json", "w") as f:
    json.dump({"generator": "torchvision " + torchvision.__version__, "input": flat(x, 3), "logits": flat(y)}, f)
print("logits", y)
