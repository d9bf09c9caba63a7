#!/usr/bin/python3
"""Writes clamp.json: torch.clamp(x, min, max) in float64, output and gradient,
in the format of the other reference files (see internal/golden). The cases
put inputs on the bounds exactly (where torch.clamp's gradient is 1), use
one-sided and infinite bounds, and min > max (every element becomes max,
no gradient).

Run with Debian's python3-torch: /usr/bin/python3 gen_clamp.py
"""
import json
import math

import torch

torch.manual_seed(0)


def flat(t):
    return {"shape": list(t.shape), "data": t.detach().reshape(-1).tolist()}


def case(name, x, lo, hi):
    x = x.clone().detach().requires_grad_(True)
    y = torch.clamp(x, min=None if lo == -math.inf else lo, max=None if hi == math.inf else hi)
    r = torch.randn(*y.shape, dtype=torch.float64)
    (y * r).sum().backward()
    return {"name": name, "attrs": {"lo": lo if math.isfinite(lo) else str(lo), "hi": hi if math.isfinite(hi) else str(hi)},
            "inputs": {"x": flat(x)}, "upstream": flat(r), "output": flat(y), "grads": {"x": flat(x.grad)}}


edges = torch.tensor([-7.0, -1.0, -0.5, -1e-9, 0.0, 0.25, 1.0, 1.5, 2.0, 100.0], dtype=torch.float64)
cases = [
    case("clamp_edges_-0.5_1.5", edges, -0.5, 1.5),
    case("clamp_2x3x4x5_-1_2", 2 * torch.randn(2, 3, 4, 5, dtype=torch.float64), -1.0, 2.0),
    case("clamp_min_only_7", 3 * torch.randn(7, dtype=torch.float64), 0.25, math.inf),
    case("clamp_max_only_3x5", 3 * torch.randn(3, 5, dtype=torch.float64), -math.inf, 1.0),
    case("clamp_min_above_max_6", edges[:6].clone(), 2.0, 1.0),
]

with open("clamp.json", "w") as f:
    json.dump({"op": "clamp", "dtype": "float64",
               "generator": "PyTorch " + torch.__version__, "cases": cases}, f)
