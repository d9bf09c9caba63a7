#!/usr/bin/python3
"""Writes formula_logits.json: torchvision's eval-mode outputs for weights
given by a formula, so that no weight file is needed.

Every state_dict tensor named n with shape S gets, at flat index i, with
the integer hash (all arithmetic on non-negative integers, mod 2^32)

  h = (i*2654435761 + 12345*len(n)) mod 2^32;  h ^= h >> 13;  h = (h*1274126177) mod 2^32
  s = 2*h/2^32 - 1                                  (in [-1, 1), float64)

the value, stored as float32:

  weight of rank >= 2:  s * sqrt(3 / prod(S[1:]))
  weight of rank 1:     1 + 0.2*s        (BatchNorm scale)
  bias:                 0.1*s
  running_mean:         0.1*s
  running_var:          1 + 0.5*s*s

(num_batches_tracked is left alone). The input of shape (N, C, H, W) is
x[i] = s(i) for the name "input". The zoo's test sets the same values by
name and compares the logits.

Run with Debian's python3-torchvision: /usr/bin/python3 gen_formula_logits.py
"""
import json
import math

import torch
import torchvision
from torchvision import models


def hashed(name, n):
    i = torch.arange(n, dtype=torch.int64)
    h = (i * 2654435761 + 12345 * len(name)) % (1 << 32)
    h = h ^ (h >> 13)
    h = (h * 1274126177) % (1 << 32)
    return 2 * h.to(torch.float64) / float(1 << 32) - 1


def formula(name, shape):
    n = 1
    for d in shape:
        n *= d
    s = hashed(name, n)
    if name.endswith("running_var"):
        v = 1 + 0.5 * s * s
    elif name.endswith("running_mean") or name.endswith("bias"):
        v = 0.1 * s
    elif len(shape) >= 2:
        fan_in = n // shape[0]
        v = s * math.sqrt(3.0 / fan_in)
    else:
        v = 1 + 0.2 * s
    return v.to(torch.float32).reshape(shape)


out = {"generator": "torchvision " + torchvision.__version__ + " (float32, eval mode)", "models": {}}
for name, kw, shape in [
    ("googlenet", {"aux_logits": False, "init_weights": False}, (2, 3, 64, 64)),
    ("resnet50", {}, (2, 3, 64, 64)),
    ("alexnet", {}, (2, 3, 64, 64)),
    ("vgg11_bn", {}, (2, 3, 32, 32)),
]:
    m = getattr(models, name)(weights=None, num_classes=10, **kw)
    sd = m.state_dict()
    with torch.no_grad():
        for k, v in sd.items():
            if not k.endswith("num_batches_tracked"):
                v.copy_(formula(k, tuple(v.shape)))
    m.eval()
    n = 1
    for d in shape:
        n *= d
    x = hashed("input", n).to(torch.float32).reshape(shape)
    with torch.no_grad():
        y = m(x)
    out["models"][name] = {"input_shape": list(shape), "logits": {"shape": list(y.shape), "data": y.reshape(-1).tolist()}}
    print(name, y[0, :4].tolist())

with open("formula_logits.json", "w") as f:
    json.dump(out, f, indent=1)
