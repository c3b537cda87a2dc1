"""Benchmark models, generated on demand (too large to commit): a scripted torchvision
MobileNetV2, a BERT-like text classifier (4 layers, hidden 256, vocab 8000, 128 tokens,
hand-written attention), a generated 20,000-node model for the graph view and MobileNetV2 as a
phone gets it (optimize_for_mobile, saved for the Lite Interpreter). Random weights: fine for
size, latency and inspection speed.

Usage: /usr/bin/python3 tests/bench/models.py OUTDIR
"""

import math
import os
import sys

import torch
import torch.nn as nn
import torchvision
from torch.utils.mobile_optimizer import optimize_for_mobile


class Attention(nn.Module):
    def __init__(self, hidden: int, heads: int):
        super().__init__()
        self.heads = heads
        self.head_dim = hidden // heads
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.out = nn.Linear(hidden, hidden)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        batch, tokens, hidden = x.shape
        qkv = self.qkv(x).reshape(batch, tokens, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.head_dim)
        scores = scores.masked_fill(mask[:, None, None, :] == 0, -1e4)
        context = torch.matmul(torch.softmax(scores, dim=-1), v)
        return self.out(context.transpose(1, 2).reshape(batch, tokens, hidden))


class EncoderLayer(nn.Module):
    def __init__(self, hidden: int, heads: int, ffn: int):
        super().__init__()
        self.attention = Attention(hidden, heads)
        self.norm1 = nn.LayerNorm(hidden)
        self.ffn = nn.Sequential(nn.Linear(hidden, ffn), nn.GELU(), nn.Linear(ffn, hidden))
        self.norm2 = nn.LayerNorm(hidden)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = self.norm1(x + self.attention(x, mask))
        return self.norm2(x + self.ffn(x))


class BertLite(nn.Module):
    def __init__(self, vocab=8000, hidden=256, layers=4, heads=4, ffn=1024, tokens=128, classes=2):
        super().__init__()
        self.embed = nn.Embedding(vocab, hidden)
        self.position = nn.Parameter(torch.zeros(1, tokens, hidden))
        self.layers = nn.ModuleList([EncoderLayer(hidden, heads, ffn) for _ in range(layers)])
        self.classifier = nn.Linear(hidden, classes)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        mask = (tokens != 0).to(torch.float32)
        x = self.embed(tokens) + self.position[:, : tokens.size(1)]
        for layer in self.layers:
            x = layer(x, mask)
        return self.classifier(x[:, 0])


class Block(nn.Module):
    """About ten graph nodes once inlined: a stand-in for one layer of a very deep network."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.fc(x))
        y = y * 0.5 + x
        return torch.sigmoid(y) - 0.5 + y.mean(dim=1, keepdim=True)


class DeepStack(nn.Module):
    """A generated model of about 20,000 nodes (2,000 blocks) for the graph view's limits."""

    def __init__(self, blocks=2000):
        super().__init__()
        self.blocks = nn.ModuleList([Block() for _ in range(blocks)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        return x


def settled(model):
    """Untrained weights with batch-norm statistics taken from random images: activations keep a
    realistic range through all layers (with the default statistics they fade to ~1e-9 by the
    classifier, which makes quantization error figures meaningless)."""
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None  # a plain average over the batches below
    model.train()
    with torch.no_grad():
        for _ in range(4):
            model(torch.randn(8, 3, 224, 224))
    return model.eval()


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    made = {
        "mobilenet_v2.pt": torch.jit.script(settled(torchvision.models.mobilenet_v2())),
        "bert_lite.pt": torch.jit.script(BertLite().eval()),
    }
    if not os.path.exists(os.path.join(out, "deep_20k.pt")):
        made["deep_20k.pt"] = torch.jit.script(DeepStack().eval())
    for name, model in made.items():
        path = os.path.join(out, name)
        if not os.path.exists(path):
            model.save(path)
        print("%s %.1f MB" % (path, os.path.getsize(path) / 1e6))
    path = os.path.join(out, "mobilenet_v2.ptl")
    if not os.path.exists(path):
        optimize_for_mobile(torch.jit.load(os.path.join(out, "mobilenet_v2.pt")))._save_for_lite_interpreter(path)
    print("%s %.1f MB" % (path, os.path.getsize(path) / 1e6))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "models"))
