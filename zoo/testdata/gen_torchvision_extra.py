#!/usr/bin/python3
"""Writes torchvision_extra_shapes.json: the state_dict keys and shapes and the
learnable parameter counts of the torchvision models that the shared
torchvision_shapes.json lacks (vgg11_bn..vgg19_bn, googlenet without the
auxiliary classifiers), at 1000 and 10 classes, in the same format.

Run with Debian's python3-torchvision: /usr/bin/python3 gen_torchvision_extra.py
"""
import json

import torchvision
from torchvision import models

out = {"generator": "torchvision " + torchvision.__version__, "models": {}}
for name in ["vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn", "googlenet"]:
    for classes in (1000, 10):
        kw = {"num_classes": classes}
        if name == "googlenet":
            kw.update(aux_logits=False, init_weights=False)
        m = getattr(models, name)(weights=None, **kw)
        out["models"]["%s_c%d" % (name, classes)] = {
            "num_params": sum(p.numel() for p in m.parameters()),
            "state_dict": {k: list(v.shape) for k, v in m.state_dict().items()},
        }

with open("torchvision_extra_shapes.json", "w") as f:
    json.dump(out, f, indent=1)
