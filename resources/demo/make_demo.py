"""Make PTL Studio's embedded demo model, resources/demo/demo.pt: one small scripted image
classifier that shows every kind of finding the product reports.

Run:    /usr/bin/python3 resources/demo/make_demo.py   (Debian's python3-torch 1.13)

The model's debug info keeps this file's source, which is what the app shows next to each
finding; the classes below are written the way real models go wrong.
"""

import os
import sys

import torch
import torch.ao.quantization as tq
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


class PatchEmbed(nn.Module):
    """Traced on its own (with batch 2) and then used inside the scripted model."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Conv2d(16, 16, 1)

    def forward(self, x):
        n = int(x.shape[0])  # read in Python: the tracer records the number 2
        return self.proj(x).reshape(n, 16, -1)


class QuantizedHead(nn.Module):
    """Quantized on a laptop with x86 settings (per-channel weights, reduce_range), with a ReLU6
    after a quantized convolution (which qnnpack's clamp scrambles in LibTorch 1.13)."""

    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.conv = nn.Conv2d(1, 8, 3, padding=1)
        self.act = nn.ReLU6()
        self.fc = nn.Linear(8 * 4 * 4, 10)
        self.dequant = tq.DeQuantStub()

    def forward(self, x):
        features = self.act(self.conv(self.quant(x).reshape(-1, 1, 4, 4)))
        return self.dequant(self.fc(features.flatten(1)))


class DemoNet(nn.Module):
    def __init__(self, patch_embed, head):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU())
        self.patch_embed = patch_embed
        self.head = head
        self.use_residual = True
        self.debug_gradients = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4:
            raise ValueError("expected an NCHW image batch")
        y = self.stem(x)
        if self.use_residual:
            y = y + 0.1 * y
        if x.shape[0] > 1:
            y = y - y.mean(dim=0, keepdim=True)
        if bool(y.mean() > 0.5):
            y = y * 0.5
        with torch.no_grad():
            y = torch.relu(y)
        if self.debug_gradients:
            grads = torch.autograd.grad([y.sum()], [x])
            y = y + torch.jit._unwrap_optional(grads[0]).mean()
        tokens = self.patch_embed(y)
        return self.head(tokens.mean(dim=2))


def main():
    torch.manual_seed(0)
    torch.backends.quantized.engine = "onednn"
    head = QuantizedHead().eval()
    head.qconfig = tq.QConfig(
        activation=tq.MinMaxObserver.with_args(reduce_range=True),
        weight=tq.PerChannelMinMaxObserver.with_args(dtype=torch.qint8, qscheme=torch.per_channel_symmetric))
    tq.prepare(head, inplace=True)
    for _ in range(8):
        head(torch.randn(4, 16))  # calibration
    tq.convert(head, inplace=True)

    patch_embed = torch.jit.trace(PatchEmbed().eval(), torch.randn(2, 16, 32, 32))
    model = torch.jit.script(DemoNet(patch_embed, head).eval())
    torch.backends.quantized.engine = "qnnpack"
    model(torch.randn(2, 3, 32, 32))  # runs under the phone's engine too
    path = os.path.join(HERE, "demo.pt")
    model.save(path)
    print("wrote %s (%d bytes)" % (path, os.path.getsize(path)))


if __name__ == "__main__":
    if os.environ.get("PYTHONHASHSEED") != "0":  # byte-identical output across runs
        os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, PYTHONHASHSEED="0"))
    main()
