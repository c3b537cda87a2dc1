"""Measures how deep LibTorch's loader (torch.jit.load) can nest before it overflows the stack,
on the main thread (8 MiB) and on a worker thread with the same stack: nested tuples and lists in
data.pkl, nested brackets, long operator chains and large sources in code/. The limits in
core/src/load/pickle_scan.h and source_scan.h are set well below what this prints.

Usage: /usr/bin/python3 tests/bench/load_limits.py FIXTURE.pt WORKDIR
"""

import os
import struct
import subprocess
import sys
import zipfile

LOADER = r"""
import sys, threading, torch
def load():
    try:
        torch.jit.load(sys.argv[1])
    except Exception:
        pass
if sys.argv[2] == "thread":
    threading.stack_size(8 << 20)
    t = threading.Thread(target=load); t.start(); t.join()
else:
    load()
print("survived")
"""


def rewrite(fixture, out, replace):
    """Copies the fixture's archive, passing each entry through replace(name, bytes)."""
    with zipfile.ZipFile(fixture) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace(info.filename, src.read(info.filename)))


def nested_tuples(depth):
    return b"\x80\x02)" + b"\x85" * depth + b"."


def nested_lists(depth):
    return b"\x80\x02" + b"(" * depth + b"]" + b"l" * depth + b"."


def deep_brackets(depth):
    return ("def forward(self, x: Tensor) -> Tensor:\n  return " + "(" * depth + "x" + ")" * depth + "\n").encode()


def operator_chain(length):
    return ("def forward(self, x: Tensor) -> Tensor:\n  return x" + " + x" * length + "\n").encode()


def unary_chain(length):
    return ("def forward(self, x: Tensor) -> Tensor:\n  return " + "-" * length + "x\n").encode()


def survives(fixture, work, kind, value, where):
    path = os.path.join(work, "limit-%s-%d.pt" % (kind, value))
    if kind in ("tuples", "lists"):
        payload = (nested_tuples if kind == "tuples" else nested_lists)(value)
        rewrite(fixture, path, lambda name, raw: payload if name.endswith("/data.pkl") else raw)
    else:
        source = {"brackets": deep_brackets, "operators": operator_chain, "unary": unary_chain}[kind](value)
        rewrite(fixture, path, lambda name, raw: source if name.endswith("code/__torch__.py") else raw)
    try:
        run = subprocess.run([sys.executable, "-c", LOADER, path, where], capture_output=True, timeout=120)
        ok = b"survived" in run.stdout
    except subprocess.TimeoutExpired:
        ok = False
    os.remove(path)
    return ok


def limit(fixture, work, kind, where, low, high):
    """The deepest value that survives, by bisection between low (survives) and high (does not)."""
    if survives(fixture, work, kind, high, where):
        return high
    while high - low > max(low // 20, 1):
        middle = (low + high) // 2
        if survives(fixture, work, kind, middle, where):
            low = middle
        else:
            high = middle
    return low


def main():
    fixture, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    for kind, high in (("tuples", 1 << 20), ("lists", 1 << 20), ("brackets", 1 << 17),
                       ("operators", 1 << 17), ("unary", 1 << 17)):
        for where in ("main", "thread"):
            print("%-9s %-6s survives up to ~%d" % (kind, where, limit(fixture, work, kind, where, 16, high)),
                  flush=True)


if __name__ == "__main__":
    main()
