#!/usr/bin/python3
"""Writes relu6_boundaries.json: PyTorch's relu6 in float64, in the format of the other
reference files (see internal/golden). The inputs include the boundaries 0
and 6 exactly, where PyTorch's gradient is 0 (hardtanh's convention).

Run with Debian's python3-torch: /usr/bin/python3 gen_relu6.py
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(0)


def flat(t):
    return {"shape": list(t.shape), "data": t.detach().reshape(-1).tolist()}


def case(name, x):
    x = x.clone().detach().requires_grad_(True)
    y = F.relu6(x)
    r = torch.randn(*y.shape, dtype=torch.float64)
    (y * r).sum().backward()
    return {"name": name, "attrs": {}, "inputs": {"x": flat(x)},
            "upstream": flat(r), "output": flat(y), "grads": {"x": flat(x.grad)}}


boundaries = torch.tensor([-7.0, -1.0, -1e-9, 0.0, 1e-9, 0.5, 3.0, 5.999, 6.0, 6.000001, 7.5, 100.0],
                          dtype=torch.float64)
cases = [
    case("relu6_boundaries_12", boundaries),
    case("relu6_2x3x4x5", 4 * torch.randn(2, 3, 4, 5, dtype=torch.float64) + 2),
    case("relu6_7", 5 * torch.randn(7, dtype=torch.float64)),
]

with open("relu6_boundaries.json", "w") as f:
    json.dump({"op": "relu6", "dtype": "float64",
               "generator": "PyTorch " + torch.__version__, "cases": cases}, f)
