#!/usr/bin/python3
"""Writes adaptive_avg_pool2d.json: PyTorch's adaptive_avg_pool2d in float64,
in the format of the other reference files (see internal/golden).

Run with Debian's python3-torch: /usr/bin/python3 gen_adaptive_avg_pool2d.py
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(0)
CASES = [
    # (N, C, H, W), (outH, outW)
    ((2, 3, 7, 7), (7, 7)),    # identity
    ((2, 3, 8, 6), (4, 3)),    # divisible
    ((1, 2, 7, 5), (3, 2)),    # non-divisible, overlapping bins
    ((2, 2, 5, 9), (1, 1)),    # global
    ((1, 3, 3, 2), (5, 7)),    # in < out
    ((1, 2, 13, 13), (6, 6)),  # AlexNet's 13x13 -> 6x6
    ((1, 1, 1, 1), (7, 7)),    # VGG's classifier input from a 1x1 map
    ((2, 1, 10, 3), (4, 4)),   # mixed
]


def flat(t):
    return {"shape": list(t.shape), "data": t.detach().reshape(-1).tolist()}


cases = []
for (shape, out) in CASES:
    x = torch.randn(*shape, dtype=torch.float64, requires_grad=True)
    y = F.adaptive_avg_pool2d(x, out)
    r = torch.randn(*y.shape, dtype=torch.float64)
    (y * r).sum().backward()
    cases.append({
        "name": "adaptive_avg_pool2d_%s_to_%dx%d" % ("x".join(map(str, shape)), out[0], out[1]),
        "attrs": {"output_size": list(out)},
        "inputs": {"x": flat(x)},
        "upstream": flat(r),
        "output": flat(y),
        "grads": {"x": flat(x.grad)},
    })

with open("adaptive_avg_pool2d.json", "w") as f:
    json.dump({"op": "adaptive_avg_pool2d", "dtype": "float64",
               "generator": "PyTorch " + torch.__version__, "cases": cases}, f)
