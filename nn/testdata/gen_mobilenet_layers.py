#!/usr/bin/python3
"""Writes zero_pad2d.json and batch_norm_eps1e-3.json for the layers
MobileNetV2 needs: F.pad with asymmetric zeros (Keras's ZeroPadding2D
((top, bottom), (left, right))) and BatchNorm with Keras's epsilon 1e-3, in
float64, in the format of batch_norm.json (see internal/golden).

Run with Debian's python3-torch: /usr/bin/python3 gen_mobilenet_layers.py
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(1403)


def flat(t):
    return {"shape": list(t.shape), "data": t.detach().reshape(-1).tolist()}


def write(path, op, cases):
    with open(path, "w") as f:
        json.dump({"op": op, "dtype": "float64", "generator": "PyTorch " + torch.__version__,
                   "cases": cases}, f)


cases = []
# (N, C, H, W), (top, bottom, left, right)
for shape, p in [((2, 3, 4, 5), (0, 1, 0, 1)), ((1, 2, 3, 3), (1, 1, 1, 1)),
                 ((1, 1, 2, 4), (2, 0, 3, 1)), ((2, 1, 3, 2), (0, 0, 0, 0))]:
    x = torch.randn(*shape, dtype=torch.float64, requires_grad=True)
    y = F.pad(x, (p[2], p[3], p[0], p[1]))
    r = torch.randn(*y.shape, dtype=torch.float64)
    (y * r).sum().backward()
    cases.append({"name": "zero_pad2d_%s_tblr%s" % ("x".join(map(str, shape)), "_".join(map(str, p))),
                  "attrs": {"padding": list(p)}, "inputs": {"x": flat(x)}, "upstream": flat(r),
                  "output": flat(y), "grads": {"x": flat(x.grad)}})
write("zero_pad2d.json", "zero_pad2d", cases)

cases = []
# small variances, so that eps = 1e-3 changes the result visibly
for shape, training in [((4, 3, 5, 5), True), ((4, 3, 5, 5), False), ((6, 2, 4), True), ((6, 2, 4), False)]:
    c = shape[1]
    x = (0.03 * torch.randn(*shape, dtype=torch.float64)).requires_grad_(True)
    gamma = torch.randn(c, dtype=torch.float64, requires_grad=True)
    beta = torch.randn(c, dtype=torch.float64, requires_grad=True)
    rm = 0.01 * torch.randn(c, dtype=torch.float64)
    rv = 0.002 * torch.rand(c, dtype=torch.float64) + 0.0005
    rm0, rv0 = rm.clone(), rv.clone()
    y = F.batch_norm(x, rm, rv, gamma, beta, training=training, momentum=0.01, eps=1e-3)
    r = torch.randn(*y.shape, dtype=torch.float64)
    (y * r).sum().backward()
    cases.append({"name": "batchnorm_eps1e-3_%s_%s" % ("x".join(map(str, shape)), "train" if training else "eval"),
                  "attrs": {"training": training, "momentum": 0.01, "eps": 1e-3},
                  "inputs": {"x": flat(x), "gamma": flat(gamma), "beta": flat(beta)},
                  "upstream": flat(r), "output": flat(y),
                  "grads": {"x": flat(x.grad), "gamma": flat(gamma.grad), "beta": flat(beta.grad)},
                  "running_mean_before": flat(rm0), "running_var_before": flat(rv0),
                  "running_mean_after": flat(rm), "running_var_after": flat(rv)})
write("batch_norm_eps1e-3.json", "batch_norm", cases)
