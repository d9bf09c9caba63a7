#!/usr/bin/python3
"""Writes small_models.json: PyTorch reference outputs of small zoo models.

For each model: the state_dict (float64, random weights and randomised
BatchNorm statistics), an input and the eval-mode output, all flat
row-major with their shapes. The PyTorch modules mirror the zoo's layer
names, so the weights load by name:

- conv_autoencoder: the W4 benchmark's ConvAE (shared/bench/torch_bench.py).
- unet_d2_w4: the W3 benchmark's UNet generalised to depth 2, base width 4,
  2 input channels, 3 classes, logits (no sigmoid).
- segnet_tiny: SegNet with widths (4, 6), convolutions per stage (1, 2),
  2 input channels, 3 classes; max unpooling with the encoder's indices.

Run with Debian's python3-torch: /usr/bin/python3 gen_small_models.py
"""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(3)
torch.set_default_dtype(torch.float64)


class ConvAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.e1 = nn.Conv2d(1, 32, 3, padding=1)
        self.e2 = nn.Conv2d(32, 16, 3, padding=1)
        self.d1 = nn.ConvTranspose2d(16, 16, 2, stride=2)
        self.d2 = nn.ConvTranspose2d(16, 32, 2, stride=2)
        self.d3 = nn.Conv2d(32, 1, 3, padding=1)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.e1(x)), 2)
        x = F.max_pool2d(F.relu(self.e2(x)), 2)
        x = F.relu(self.d1(x))
        x = F.relu(self.d2(x))
        return torch.sigmoid(self.d3(x))


def double_conv(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class UNet(nn.Module):
    def __init__(self, cin, classes, width, depth):
        super().__init__()
        ch = [width << i for i in range(depth)]
        self.enc = nn.ModuleList()
        c = cin
        for w in ch:
            self.enc.append(double_conv(c, w))
            c = w
        self.bott = double_conv(c, width << depth)
        self.ups = nn.ModuleList()
        self.dec = nn.ModuleList()
        c = width << depth
        for w in reversed(ch):
            self.ups.append(nn.ConvTranspose2d(c, w, 2, stride=2))
            self.dec.append(double_conv(2 * w, w))
            c = w
        self.head = nn.Conv2d(width, classes, 1)

    def forward(self, x):
        skips = []
        for e in self.enc:
            x = e(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bott(x)
        for up, dec, s in zip(self.ups, self.dec, reversed(skips)):
            x = dec(torch.cat([up(x), s], dim=1))
        return self.head(x)


def blocks(pairs):
    layers = []
    for a, b in pairs:
        layers += [nn.Conv2d(a, b, 3, padding=1), nn.BatchNorm2d(b), nn.ReLU()]
    return nn.Sequential(*layers)


class SegNet(nn.Module):
    def __init__(self, cin, classes, widths, convs):
        super().__init__()
        c = cin
        for i, (w, n) in enumerate(zip(widths, convs)):
            pairs = []
            for _ in range(n):
                pairs.append((c, w))
                c = w
            setattr(self, "enc%d" % (i + 1), blocks(pairs))
        for i in reversed(range(len(widths))):
            w, n = widths[i], convs[i]
            out = widths[max(i - 1, 0)]
            pairs = [(w, w)] * (n - 1) + [(w, out)]
            setattr(self, "dec%d" % (i + 1), blocks(pairs))
        self.classifier = nn.Conv2d(widths[0], classes, 3, padding=1)
        self.stages = len(widths)

    def forward(self, x):
        idx, sizes = [], []
        for i in range(self.stages):
            x = getattr(self, "enc%d" % (i + 1))(x)
            sizes.append(x.shape[2:])
            x, ind = F.max_pool2d(x, 2, return_indices=True)
            idx.append(ind)
        for i in reversed(range(self.stages)):
            x = F.max_unpool2d(x, idx[i], 2, output_size=sizes[i])
            x = getattr(self, "dec%d" % (i + 1))(x)
        return self.classifier(x)


def flat(t):
    return {"shape": list(t.shape), "data": t.detach().reshape(-1).tolist()}


def randomise_bn(m):
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            with torch.no_grad():
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.normal_(0, 0.2)
                mod.running_mean.normal_(0, 0.3)
                mod.running_var.uniform_(0.5, 2.0)


out = {"generator": "PyTorch " + torch.__version__ + " (float64, eval mode)", "models": {}}
for name, model, shape in [
    ("conv_autoencoder", ConvAE(), (2, 1, 8, 12)),
    ("unet_d2_w4", UNet(2, 3, 4, 2), (2, 2, 12, 8)),
    ("segnet_tiny", SegNet(2, 3, [4, 6], [1, 2]), (2, 2, 8, 12)),
]:
    randomise_bn(model)
    model.eval()
    x = torch.randn(*shape)
    with torch.no_grad():
        y = model(x)
    out["models"][name] = {
        "state_dict": {k: flat(v) for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")},
        "input": flat(x),
        "output": flat(y),
    }

with open("small_models.json", "w") as f:
    json.dump(out, f)
