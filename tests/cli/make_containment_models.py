#!/usr/bin/env python3
"""Models whose own code misbehaves, for tst_containment: made at test time because the file
names the model writes to belong to the test's temporary folders.

usage: make_containment_models.py OUT_DIR NAMED_DIR
  file_access.pt  forward calls torch.save on NAMED_DIR/saved.pt and on saved_in_cwd.pt (relative),
                  and torch.from_file(NAMED_DIR/shared.bin, shared=True), which creates that file
  prints.pt       forward calls print()
  endless.pt      forward never returns
  greedy.pt       forward allocates 10 GB
"""
import os
import sys

import torch


class FileAccess(torch.nn.Module):
    __constants__ = ["saved", "shared"]  # file names as constants in the graph, as a literal would be

    def __init__(self, named: str):
        super().__init__()
        self.saved = os.path.join(named, "saved.pt")
        self.shared = os.path.join(named, "shared.bin")

    def forward(self, x):
        torch.save(x, self.saved)
        torch.save(x, "saved_in_cwd.pt")
        y = torch.from_file(self.shared, shared=True, size=16)
        return x + y.sum()


class Prints(torch.nn.Module):
    def forward(self, x):
        print("hello from forward", x.shape)
        return x + 1


class Endless(torch.nn.Module):
    def forward(self, x):
        while bool(x.sum() > -1.0e30):
            x = x * 1.0
        return x


class Greedy(torch.nn.Module):
    def forward(self, x):
        return x + torch.ones(2500 * 1000 * 1000).sum()  # 10 GB of float32


def main():
    out, named = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    torch.jit.script(FileAccess(named)).save(os.path.join(out, "file_access.pt"))
    torch.jit.script(Prints()).save(os.path.join(out, "prints.pt"))
    torch.jit.script(Endless()).save(os.path.join(out, "endless.pt"))
    torch.jit.script(Greedy()).save(os.path.join(out, "greedy.pt"))


if __name__ == "__main__":
    main()
