#!/usr/bin/python3
"""Writes group_conv2d.json and relu6.json: PyTorch's conv2d with groups
(bias included) and relu6, in float64, in the format of the other
reference files (see internal/golden).

Run with Debian's python3-torch: /usr/bin/python3 gen_grouped_conv_relu6.py
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(14)


def flat(t):
    return {"shape": list(t.shape), "data": t.detach().reshape(-1).tolist()}


def case(name, attrs, inputs, y):
    r = torch.randn(*y.shape, dtype=torch.float64)
    (y * r).sum().backward()
    return {"name": name, "attrs": attrs, "inputs": {k: flat(v) for k, v in inputs.items()},
            "upstream": flat(r), "output": flat(y),
            "grads": {k: flat(v.grad) for k, v in inputs.items()}}


def write(path, op, cases):
    with open(path, "w") as f:
        json.dump({"op": op, "dtype": "float64", "generator": "PyTorch " + torch.__version__,
                   "cases": cases}, f)


def rand(*shape):
    return torch.randn(*shape, dtype=torch.float64, requires_grad=True)


# (N, C, H, W), K, (kh, kw), stride, pad, dilation, groups, bias
GROUPED = [
    ((2, 4, 7, 7), 4, (3, 3), (1, 1), (1, 1), (1, 1), 4, False),    # depthwise 3x3
    ((2, 3, 8, 9), 3, (3, 3), (2, 2), (1, 1), (1, 1), 3, True),     # depthwise stride 2
    ((1, 3, 9, 8), 6, (3, 3), (2, 1), (0, 1), (1, 1), 3, False),    # depth multiplier 2
    ((1, 2, 10, 10), 4, (3, 3), (1, 1), (2, 2), (2, 2), 2, True),   # depthwise, dilation 2
    ((2, 6, 6, 7), 4, (3, 2), (1, 2), (1, 0), (1, 1), 2, True),     # 2 groups of 3 -> 2
    ((1, 8, 5, 5), 12, (1, 1), (1, 1), (0, 0), (1, 1), 4, False),   # grouped 1x1
    ((1, 4, 6, 6), 8, (3, 3), (3, 3), (2, 2), (1, 1), 4, False),    # stride 3, pad 2
    ((1, 3, 5, 5), 3, (5, 5), (1, 1), (2, 2), (1, 1), 3, True),     # 5x5 depthwise
]
cases = []
for (shape, k, ker, stride, pad, dil, groups, bias) in GROUPED:
    x = rand(*shape)
    w = rand(k, shape[1] // groups, *ker)
    inputs = {"x": x, "w": w}
    b = None
    if bias:
        b = rand(k)
        inputs["b"] = b
    y = F.conv2d(x, w, b, stride=stride, padding=pad, dilation=dil, groups=groups)
    name = "group_conv2d_%s_k%d_%dx%d_s%s_p%s_d%s_g%d%s" % (
        "x".join(map(str, shape)), k, ker[0], ker[1], "x".join(map(str, stride)),
        "x".join(map(str, pad)), "x".join(map(str, dil)), groups, "_bias" if bias else "")
    cases.append(case(name, {"stride": list(stride), "pad": list(pad), "dilation": list(dil),
                             "groups": groups}, inputs, y))
write("group_conv2d.json", "conv2d(groups)", cases)

cases = []
for shape, scale in [((2, 3, 4, 5), 4.0), ((7,), 5.0), ((3, 11), 8.0)]:
    x = (torch.randn(*shape, dtype=torch.float64) * scale).detach().requires_grad_(True)
    cases.append(case("relu6_%s" % "x".join(map(str, shape)), {}, {"x": x}, F.relu6(x)))
write("relu6.json", "relu6", cases)

