"""Benchmark: `ptl-studio-cli inspect --json` against the equivalent Python (load the model,
inline every method graph, walk every node with its source range), in the same run on the same
models. Prints wall time and peak resident memory of each process; the targets are
<= 1.5 s and <= 2x file size + 300 MB for PTL Studio.

Usage: /usr/bin/python3 tests/bench/bench_inspect.py BUILD_DIR [REPEATS]
"""

import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

PYTHON_PEER = r"""
import sys, torch
torch.backends.quantized.engine = "qnnpack"
m = torch.jit.load(sys.argv[1])
count = 0
def walk(block):
    global count
    for node in block.nodes():
        count += 1
        node.kind(); node.sourceRange(); list(node.inputs()); list(node.outputs())
        for inner in node.blocks():
            walk(inner)
for method in m._c._method_names():
    graph = getattr(m, method).graph.copy()
    torch._C._jit_pass_inline(graph)
    walk(graph)
print(count)
"""


def measure(command):
    """Wall seconds and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execv(command[0], command)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("failed: %s" % " ".join(command))
    return wall, usage.ru_maxrss / 1024.0


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    models_dir = os.path.join(HERE, "models")
    subprocess.run([sys.executable, os.path.join(HERE, "models.py"), models_dir], check=True,
                   stdout=subprocess.DEVNULL)
    cli = os.path.join(build, "app", "cli", "ptl-studio-cli")
    print("inspect benchmark: median of %d runs, 1 process per run, this machine (%d cores)"
          % (repeats, os.cpu_count()))
    print("%-18s %8s %10s %10s %10s %10s %8s %12s" % ("model", "file MB", "ours s", "python s",
                                                       "ratio", "ours MB", "limit MB", "targets"))
    ok = True
    for name in ("mobilenet_v2.pt", "bert_lite.pt"):
        path = os.path.join(models_dir, name)
        size_mb = os.path.getsize(path) / 1e6
        ours = [measure([cli, "inspect", path, "--json"]) for _ in range(repeats)]
        peer = [measure([sys.executable, "-c", PYTHON_PEER, path]) for _ in range(repeats)]
        ours_s = statistics.median(w for w, _ in ours)
        peer_s = statistics.median(w for w, _ in peer)
        ours_mb = max(m for _, m in ours)
        limit_mb = 2 * size_mb + 300
        met = ours_s <= 1.5 and ours_mb <= limit_mb
        ok = ok and met
        print("%-18s %8.1f %10.2f %10.2f %9.2fx %10.0f %10.0f %12s" % (
            name, size_mb, ours_s, peer_s, ours_s / peer_s, ours_mb, limit_mb, "met" if met else "MISSED"))
    print("(ours: full inspection incl. sample run, Lite round trip and JSON; python: load + inline + walk)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
