"""Hostile and damaged model files for ptl-studio-cli, derived from real TorchScript and Lite models.

Run:    /usr/bin/python3 tests/hostile/make_hostile.py --out DIR --sentinel DIR [--classes a,b]

Writes DIR/<class>/<case files> and DIR/manifest.json. Nothing here is committed: tst_hostile runs
this script into a temporary folder. The bases are the fixtures (tests/fixtures, read in place) and
a few small models scripted here (code that writes files, prints, loops, allocates). Models whose
code writes files aim at paths under --sentinel, which the runner watches.

Each manifest case: id, class, path, commands (inspect --json for all; plain inspect, convert, bench
and an inspect request to `ptl-studio-cli worker` on subsets),
expect, inputs (--input specs to pass), targets (paths that must not exist after any run), needs
(a CLI option the case only makes sense with). expect is one of
  refuse  exit 2 or 3 with one line on stderr naming the file
  flag    refuse, or exit 0 reporting an error-severity finding (a valid file that is dangerous)
  accept  exit 0 (a valid model under a hostile name, or one whose forward prints)

The classes follow issue 12, section 1, then the "handled well, keep it" list. Never unpickle
anything this script writes: some pickles run shell commands.
"""

import argparse
import json
import os
import pickletools
import random
import socket
import struct
import sys
import time
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(os.path.dirname(HERE), "fixtures")
sys.path.insert(0, FIXTURES)
import make_fixtures as fx  # noqa: E402  (zip reader/writer; imports torch)
import torch  # noqa: E402

INPUTS = {
    "clean_conv": ["1x3x16x16:float"],
    "shape_branch": ["2x8:float"],
    "value_branch": ["1x8:float"],
    "text_classifier": ["1x8:int64"],
    "digits_cnn": ["1x1x8x8:float"],
    "small": ["1x4:float"],
}


# ---------------------------------------------------------------------------
# Manifest
# ---------------------------------------------------------------------------


class Cases(object):
    def __init__(self, out, sentinel, wanted):
        self.out, self.sentinel, self.wanted = out, sentinel, wanted
        self.cases = []
        self.cls = None

    def enabled(self, cls):
        return not self.wanted or cls in self.wanted

    def path(self, name):
        folder = os.path.join(self.out, self.cls)
        os.makedirs(folder, exist_ok=True)
        return os.path.join(folder, name)

    def target(self, name):
        """A path under the sentinel tree that a hostile file tries to create."""
        return os.path.join(self.sentinel, "%s_%s" % (self.cls, name))

    def add(self, path, commands=("inspect",), expect="refuse", inputs=(), targets=(), needs=None):
        if isinstance(path, bytes):
            shown = path.decode("utf-8", "backslashreplace")
        else:
            shown = path
        case = {"id": "%s/%s" % (self.cls, os.path.basename(shown)), "class": self.cls, "path": shown,
                "commands": list(commands), "expect": expect, "inputs": list(inputs), "targets": list(targets)}
        if isinstance(path, bytes):
            case["pathHex"] = path.hex()  # JSON cannot carry the raw bytes
        if needs:
            case["needs"] = needs
        self.cases.append(case)

    def write(self, name, data, **kw):
        path = self.path(name)
        with open(path, "wb") as f:
            f.write(data)
        self.add(path, **kw)
        return path


def fixture(name):
    return os.path.join(FIXTURES, name)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def stem(path):
    return os.path.splitext(os.path.basename(path))[0]


# ---------------------------------------------------------------------------
# Zip and pickle editing
# ---------------------------------------------------------------------------


def entries(path):
    """[(name, method, decompressed bytes, raw bytes, crc)] in archive order."""
    out = []
    with zipfile.ZipFile(path) as zf:
        for info, raw in fx.zip_entries(path):
            out.append((info.filename, info.compress_type, zf.read(info), raw, info.CRC))
    return out


def deflate(data):
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    return comp.compress(data) + comp.flush()


def rezip(src, dst, edit=lambda name, data: data, extra=()):
    """Copy src's entries to dst. edit(name, data) returns the new content, None to drop the entry,
    or the same object to keep its raw bytes. extra: (name, data) entries appended at the end."""
    z = fx.ZipOut(dst)
    for name, method, data, raw, crc in entries(src):
        new = edit(name, data)
        if new is None:
            continue
        if new is data:
            z.add(name, method, raw, crc, len(data))
        else:
            add_entry(z, name, new, method)
    for name, data in extra:
        add_entry(z, name, data, zipfile.ZIP_STORED)
    z.close()
    return dst


def add_entry(z, name, data, method=zipfile.ZIP_STORED):
    raw = deflate(data) if method == zipfile.ZIP_DEFLATED else data
    z.add(name, method, raw, zlib.crc32(data), len(data))


def archive_name(path, record):
    """'clean_conv/data.pkl' for record 'data.pkl'."""
    for name, _, _, _, _ in entries(path):
        if name.split("/", 1)[1] == record:
            return name
    raise fx.FixtureError("%s has no %s" % (path, record))


def record(path, name):
    return zipfile.ZipFile(path).read(archive_name(path, name))


def replace_record(src, dst, name, data):
    full = archive_name(src, name)
    return rezip(src, dst, lambda n, d: data if n == full else d)


def pickle_ops(data):
    """[(opcode name, arg, start, end)] of a well-formed pickle."""
    ops = list(pickletools.genops(data))
    out = []
    for i, (op, arg, pos) in enumerate(ops):
        end = ops[i + 1][2] if i + 1 < len(ops) else len(data)
        out.append((op.name, arg, pos, end))
    return out


def enc_int(v):
    if 0 <= v < 256:
        return b"K" + bytes([v])
    if -2 ** 31 <= v < 2 ** 31:
        return b"J" + struct.pack("<i", v)
    raw = v.to_bytes((v.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(raw)]) + raw


def enc_tuple(values):
    return b"(" + b"".join(enc_int(v) for v in values) + b"t"


def splice(data, edits):
    """Replace byte ranges [(start, end, new)], which must not overlap."""
    for start, end, new in sorted(edits, reverse=True):
        data = data[:start] + new + data[end:]
    return data


def memo_strings(ops):
    memo, last = {}, None
    for name, arg, _, _ in ops:
        if name in ("GLOBAL", "BINUNICODE", "SHORT_BINUNICODE"):
            last = arg
        elif name in ("BINPUT", "LONG_BINPUT"):
            memo[arg] = last
        else:
            last = None
    return memo


def resolve(op, memo):
    name, arg = op[0], op[1]
    if name in ("BINGET", "LONG_BINGET"):
        return memo.get(arg)
    return arg


def int_tuple(ops, i):
    """(values, first op index, last op index) of a MARK...TUPLE or EMPTY_TUPLE of ints at i."""
    if ops[i][0] == "EMPTY_TUPLE":
        return (), i, i
    assert ops[i][0] == "MARK", ops[i]
    j = i + 1
    values = []
    while ops[j][0] != "TUPLE":
        values.append(ops[j][1])
        j += 1
    return tuple(values), i, j


def tensor_records(data):
    """Tensor records of a TorchScript pickle: for each BINPERSID of a ('storage', type, key, device,
    numel) tuple, the op ranges of its storage type, numel, offset, sizes and strides."""
    ops = pickle_ops(data)
    memo = memo_strings(ops)
    records = []
    for p, op in enumerate(ops):
        if op[0] != "BINPERSID" or ops[p - 1][0] != "TUPLE":
            continue
        m = p - 2
        while ops[m][0] != "MARK":
            m -= 1
        items = [k for k in range(m + 1, p - 1) if ops[k][0] not in ("BINPUT", "LONG_BINPUT")]
        if len(items) != 5 or resolve(ops[items[0]], memo) != "storage":
            continue
        q = p + 1
        while ops[q][0] in ("BINPUT", "LONG_BINPUT"):
            q += 1
        if ops[q][0] not in ("BININT", "BININT1", "BININT2"):
            continue
        sizes, s0, s1 = int_tuple(ops, q + 1)
        strides, t0, t1 = int_tuple(ops, s1 + 1)
        records.append({
            "type": (ops[items[1]][2], ops[items[1]][3], resolve(ops[items[1]], memo)),
            "key": resolve(ops[items[2]], memo),
            "numel": (ops[items[4]][2], ops[items[4]][3], ops[items[4]][1]),
            "offset": (ops[q][2], ops[q][3], ops[q][1]),
            "sizes": (ops[s0][2], ops[s1][3], sizes),
            "strides": (ops[t0][2], ops[t1][3], strides),
        })
    return records


def crc32_combine(crc1, crc2, len2):
    """zlib's crc32_combine: the CRC of A+B from the CRCs of A and B and B's length."""
    def times(mat, vec):
        total, i = 0, 0
        while vec:
            if vec & 1:
                total ^= mat[i]
            vec >>= 1
            i += 1
        return total

    def square(mat):
        return [times(mat, mat[n]) for n in range(32)]

    if len2 == 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = square(odd)
    odd = square(even)
    while True:
        even = square(odd)
        if len2 & 1:
            crc1 = times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = square(even)
        if len2 & 1:
            crc1 = times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def bomb_stream(total, spacing=640):
    """A DEFLATE stream of `total` bytes that compresses about 175:1 (under a 200:1 per-entry limit):
    one 1 MiB block flushed with Z_FULL_FLUSH and repeated. Returns (raw, crc, size)."""
    rnd = random.Random(7)
    chunk = bytearray(1 << 20)
    for i in range(0, len(chunk), spacing):
        chunk[i] = rnd.randrange(1, 256)
    chunk = bytes(chunk)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    count = total // len(chunk)
    ccrc = zlib.crc32(chunk)
    crc, length, doubled, n = 0, 0, (ccrc, len(chunk)), count
    while n:  # CRC of `count` copies by doubling, without hashing gigabytes
        if n & 1:
            crc = crc32_combine(crc, doubled[0], doubled[1]) if length else doubled[0]
            length += doubled[1]
        doubled = (crc32_combine(doubled[0], doubled[0], doubled[1]), doubled[1] * 2)
        n >>= 1
    raw = block * count + b"\x03\x00"  # an empty final fixed-Huffman block ends the stream
    return raw, crc, count * len(chunk)


# ---------------------------------------------------------------------------
# Bases: fixtures and models scripted here
# ---------------------------------------------------------------------------


def shell_pickle(command):
    """protocol-2 pickle calling os.system(command). Never unpickle it."""
    cmd = command.encode()
    return b"\x80\x02cos\nsystem\nX" + struct.pack("<I", len(cmd)) + cmd + b"\x85R."


def script_models(base):
    """Small scripted models: Lite copies of fixtures, and the bases of the dangerous classes."""
    os.makedirs(base, exist_ok=True)
    paths = {}
    for name in ("shape_branch", "value_branch", "text_classifier"):
        module = torch.jit.load(fixture(name + ".pt"))
        paths[name + ".ptl"] = os.path.join(base, name + ".ptl")
        module._save_for_lite_interpreter(paths[name + ".ptl"])
        paths[name + "_fb.ptl"] = os.path.join(base, name + "_fb.ptl")
        module._save_for_lite_interpreter(paths[name + "_fb.ptl"], _use_flatbuffer=True)
    return paths


SMALL_MODEL = '''
import torch
from typing import Tuple
class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.k = 1
        self.scale = 2.0
    def forward(self, x: torch.Tensor) -> torch.Tensor:
%(forward)s
        return x * self.scale + self.k
%(extra)s
'''

SETSTATE = '''
    @torch.jit.export
    def __getstate__(self) -> Tuple[int, float, bool]:
        return (self.k, self.scale, self.training)
    @torch.jit.export
    def __setstate__(self, state: Tuple[int, float, bool]) -> None:
        self.k = state[0]
        self.scale = state[1]
        self.training = state[2]
%s
'''


def script_small(path, forward="        pass", extra="", bundle=False):
    """Script a small model (x * 2 + 1) whose forward (and optionally __setstate__) runs `forward` first.
    With bundle=True it carries a bundled 1x4 input, so a plain inspect runs it too."""
    scope = {}
    source = SMALL_MODEL % {"forward": forward, "extra": extra}
    source_path = path + ".src.py"
    with open(source_path, "w") as f:
        f.write(source)
    exec(compile(source, source_path, "exec"), scope)  # TorchScript needs real source lines
    import linecache
    linecache.cache[source_path] = (len(source), None, source.splitlines(True), source_path)
    module = torch.jit.script(scope["Model"]().eval())
    if bundle:
        import torch.utils.bundled_inputs as bundled_inputs
        bundled_inputs.augment_model_with_bundled_inputs(module, [(torch.zeros(1, 4),)])
    module.save(path)
    os.remove(source_path)
    return path


# ---------------------------------------------------------------------------
# Section 1 classes
# ---------------------------------------------------------------------------

UNDERFLOW = {
    "reduce-empty": b"\x80\x02R.", "stop-empty": b"\x80\x02.", "tuple-nomark": b"\x80\x02t.",
    "append-empty": b"\x80\x02a.", "setitem-empty": b"\x80\x02s.", "pop-empty": b"\x80\x020.",
    "popmark-nomark": b"\x80\x021.", "tuple1-empty": b"\x80\x02\x85.", "tuple3-short": b"\x80\x02N\x87.",
    "setitems-nomark": b"\x80\x02}u.", "build-empty": b"\x80\x02b.", "appends-nomark": b"\x80\x02]e.",
    "newobj-short": b"\x80\x02N\x81.", "binpersid-empty": b"\x80\x02Q.", "reduce-one": b"\x80\x02)R.",
    "stop-on-mark": b"\x80\x02(.", "no-stop": b"\x80\x02NNN", "proto-only": b"\x80\x02",
    "dict-odd": b"\x80\x02}(Nu.", "build-nonobj": b"\x80\x02NNb.",
}

BAD_LENGTH = {
    "binunicode-2g": b"\x80\x02X\xff\xff\xff\x7fabc.", "binunicode-4g": b"\x80\x02X\xff\xff\xff\xffabc.",
    "binbytes-2g": b"\x80\x02B\xff\xff\xff\x7fabc.", "short-binbytes": b"\x80\x02C\xffabc.",
    "short-binstring": b"\x80\x02U\xc8abc.", "binstring-neg": b"\x80\x02T\xff\xff\xff\xffabc.",
    "long1-short": b"\x80\x02\x8a\xffabc.", "long4-2g": b"\x80\x02\x8b\xff\xff\xff\x7fabc.",
    "binunicode8": b"\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\x7fabc.",
    "binbytes8": b"\x80\x04\x8e\xff\xff\xff\xff\xff\xff\xff\x7fabc.",
    "frame-huge": b"\x80\x04\x95\xff\xff\xff\xff\xff\xff\xff\x7fN.",
    "bytearray8": b"\x80\x05\x96\xff\xff\xff\xff\xff\xff\xff\x7fN.",
}

BAD_MEMO = {
    "binget-unset": b"\x80\x02h\x05.", "long-binget-max": b"\x80\x02j\xff\xff\xff\xff.",
    "binput-empty": b"\x80\x02q\x00.", "long-binput-huge": b"\x80\x02Nr\xff\xff\xff\x7fh\x00.",
    "memoize-empty": b"\x80\x04\x94.", "get-text": b"\x80\x02g999\n.", "put-text-bad": b"\x80\x02Np-1\n.",
}


def pickle_targets(cases, paths):
    """(label, file, record) of the pickles each pickle class damages."""
    return [("pt-data", fixture("clean_conv.pt"), "data.pkl"),
            ("pt-constants", fixture("clean_conv.pt"), "constants.pkl"),
            ("ptl-bytecode", fixture("clean_conv.ptl"), "bytecode.pkl"),
            ("ptl-constants", fixture("clean_conv.ptl"), "constants.pkl"),
            ("pt2-data", fixture("shape_branch.pt"), "data.pkl")]


def gen_pickle_underflow(cases, paths):
    for (label, src, rec), count in zip(pickle_targets(cases, paths), (14, 6, 10)):
        for name, data in list(UNDERFLOW.items())[:count]:
            ext = os.path.splitext(src)[1]
            replace_record(src, cases.path("%s-%s%s" % (label, name, ext)), rec, data)
            cases.add(cases.path("%s-%s%s" % (label, name, ext)))
    # A real data.pkl cut after an op, with STOP: the stack holds marks and half-built objects.
    rnd = random.Random(3)
    for src in (fixture("clean_conv.pt"), fixture("text_classifier.pt")):
        data = record(src, "data.pkl")
        ops = pickle_ops(data)
        for k in sorted(rnd.sample(range(2, len(ops) - 2), 6)):
            path = cases.path("cut-%s-op%d.pt" % (stem(src), k))
            replace_record(src, path, "data.pkl", data[:ops[k][3]] + b".")
            cases.add(path, commands=("inspect", "convert") if k % 2 else ("inspect",), inputs=INPUTS[stem(src)])


def gen_pickle_bad_length(cases, paths):
    for label, src, rec in pickle_targets(cases, paths)[0:3:2]:  # data.pkl and bytecode.pkl
        ext = os.path.splitext(src)[1]
        for name, data in BAD_LENGTH.items():
            replace_record(src, cases.path("%s-%s%s" % (label, name, ext)), rec, data)
            cases.add(cases.path("%s-%s%s" % (label, name, ext)))
    # Real pickles whose first string declares a wrong length.
    for src, rec in ((fixture("clean_conv.pt"), "data.pkl"), (fixture("clean_conv.ptl"), "bytecode.pkl"),
                     (fixture("shape_branch.pt"), "code/__torch__.py.debug_pkl")):
        data = record(src, rec)
        first = [op for op in pickle_ops(data) if op[0] == "BINUNICODE"][1]
        for label, value in (("2g", 0x7FFFFFFF), ("plus1000", len(first[1].encode()) + 1000)):
            bad = data[:first[2] + 1] + struct.pack("<I", value) + data[first[2] + 5:]
            path = cases.path("len-%s-%s-%s%s" % (stem(src), rec.replace("/", "_"), label, os.path.splitext(src)[1]))
            replace_record(src, path, rec, bad)
            cases.add(path)


def gen_pickle_bad_memo(cases, paths):
    for label, src, rec in pickle_targets(cases, paths)[:3]:
        ext = os.path.splitext(src)[1]
        for name, data in BAD_MEMO.items():
            replace_record(src, cases.path("%s-%s%s" % (label, name, ext)), rec, data)
            cases.add(cases.path("%s-%s%s" % (label, name, ext)))
    # Real pickles whose BINGETs point past the memo.
    for src, rec in ((fixture("clean_conv.pt"), "data.pkl"), (fixture("clean_conv.ptl"), "bytecode.pkl")):
        data = record(src, rec)
        gets = [op for op in pickle_ops(data) if op[0] == "BINGET"]
        for label, new in (("binget-200", b"h\xc8"), ("long-binget-2g", b"j\xff\xff\xff\x7f")):
            bad = splice(data, [(op[2], op[3], new) for op in gets])
            path = cases.path("all-%s-%s%s" % (stem(src), label, os.path.splitext(src)[1]))
            replace_record(src, path, rec, bad)
            cases.add(path)


def gen_pickle_deep(cases, paths):
    """1M-deep nesting in data.pkl / constants.pkl / bytecode.pkl."""
    def nested(kind, n):
        if kind == "list":
            return b"\x80\x02" + b"]" * n + b"a" * (n - 1) + b"."
        if kind == "tuple":
            return b"\x80\x02)" + b"\x85" * n + b"."
        if kind == "dict":
            return b"\x80\x02}" + b"K\x01}" * (n - 1) + b"s" * (n - 1) + b"."
        if kind == "marks":
            return b"\x80\x02" + b"(" * n + b"t" * n + b"."
        raise ValueError(kind)
    for label, src, rec in pickle_targets(cases, paths)[:3]:
        ext = os.path.splitext(src)[1]
        for kind, n in (("list", 1000000), ("tuple", 1000000), ("dict", 300000), ("marks", 1000000)):
            path = cases.path("%s-%s-%d%s" % (label, kind, n, ext))
            replace_record(src, path, rec, nested(kind, n))
            cases.add(path)


def gen_debug_pkl(cases, paths):
    """Damaged code/*.debug_pkl: never checked today, read later by the graph view."""
    rnd = random.Random(11)
    for src in (fixture("clean_conv.pt"), fixture("clean_conv.ptl")):
        ext = os.path.splitext(src)[1]
        names = [n for n, _, _, _, _ in entries(src) if n.endswith(".debug_pkl")]
        main = [n for n in names if n.count("/") == 2][0] if any(n.count("/") == 2 for n in names) else names[0]
        data = zipfile.ZipFile(src).read(main)
        variants = {
            "random": rnd.randbytes(len(data)),
            "half": data[: len(data) // 2],
            "empty": b"",
            "underflow": b"\x80\x02R.",
            "not-tuple": b"\x80\x02X\x03\x00\x00\x00abc.",
            "deep": b"\x80\x02)" + b"\x85" * 1000000 + b".",
            "global": shell_pickle("touch " + cases.target("%s-global" % stem(src))),
        }
        for i in range(4):
            flipped = bytearray(data)
            for _ in range(1 + i * 3):
                flipped[rnd.randrange(len(flipped))] ^= 1 << rnd.randrange(8)
            variants["flip%d" % i] = bytes(flipped)
        ops = pickle_ops(data)
        ints = [op for op in ops if op[0] in ("BININT", "BININT1", "BININT2")]
        if ints:  # source-range offsets far outside the text
            variants["ranges-huge"] = splice(data, [(op[2], op[3], enc_int(0x7FFFFFF0)) for op in ints])
            variants["ranges-negative"] = splice(data, [(op[2], op[3], enc_int(-5)) for op in ints])
        strings = [op for op in ops if op[0] == "BINUNICODE" and len(op[1]) > 4]
        if strings:
            s = strings[len(strings) // 2]
            variants["string-not-utf8"] = data[:s[2] + 5] + b"\xff\xfe" + data[s[2] + 7:]
        for label, new in variants.items():
            path = cases.path("%s-%s%s" % (stem(src), label, ext))
            rezip(src, path, lambda n, d, main=main, new=new: new if n == main else d)
            targets = [cases.target("%s-global" % stem(src))] if label == "global" else []
            # The model itself is intact: refusing is fine, and so is inspecting it without that debug info.
            cases.add(path, commands=("inspect", "convert") if label in ("flip1", "random") and ext == ".pt"
                      else ("inspect",), expect="flag" if label == "global" else "safe",
                      inputs=INPUTS.get(stem(src), []), targets=targets)


def gen_duplicate_entry(cases, paths):
    """Two entries of one name: the pre-check must not read one copy while LibTorch reads another."""
    for src in (fixture("clean_conv.pt"), fixture("shape_branch.pt")):
        data_name = archive_name(src, "data.pkl")
        for order in ("evil-second", "evil-first"):
            tag = "%s-%s" % (stem(src), order)
            evil = shell_pickle("touch " + cases.target(tag))
            path = cases.path("data-%s.pt" % tag)
            z = fx.ZipOut(path)
            for name, method, data, raw, crc in entries(src):
                if name == data_name:
                    copies = [data, evil] if order == "evil-second" else [evil, data]
                    for copy in copies:
                        add_entry(z, name, copy)
                else:
                    z.add(name, method, raw, crc, len(data))
            z.close()
            cases.add(path, commands=("inspect", "convert", "bench"), inputs=INPUTS[stem(src)],
                      targets=[cases.target(tag)])
    for src, rec in ((fixture("clean_conv.pt"), "code/__torch__.py"), (fixture("clean_conv.pt"), "constants.pkl"),
                     (fixture("clean_conv.ptl"), "bytecode.pkl"), (fixture("clean_conv.pt"), "version"),
                     (fixture("clean_conv.pt"), "data/0")):
        full = archive_name(src, rec)
        other = {"version": b"99\n", "constants.pkl": b"\x80\x02R.", "data/0": bytes(8)}.get(rec, b"garbage\n")
        path = cases.path("dup-%s-%s%s" % (stem(src), rec.replace("/", "_"), os.path.splitext(src)[1]))
        rezip(src, path, extra=[(full, other)])
        cases.add(path)


def code_file(src):
    return [n for n, _, _, _, _ in entries(src) if n.endswith("code/__torch__.py")][0]


def replace_forward(src, dst, body_lines):
    """shape_branch.pt with forward's body replaced by `body_lines` (and its debug info dropped)."""
    name = code_file(src)
    text = zipfile.ZipFile(src).read(name).decode()
    head = text[: text.index("    fc = self.fc")]
    new = head.encode() + body_lines

    def edit(n, d):
        if n == name:
            return new
        if n == name + ".debug_pkl":
            return None
        return d
    z = fx.ZipOut(dst)
    for n, method, data, raw, crc in entries(src):
        out = edit(n, data)
        if out is None:
            continue
        if out is data:
            z.add(n, method, raw, crc, len(data))
        else:
            add_entry(z, n, out)  # stored: deep code compresses past a zip-bomb ratio, and must reach the parser
    z.close()
    return dst


def gen_deep_expression(cases, paths):
    src = fixture("shape_branch.pt")
    for n in (20000, 50000, 100000):
        for kind in ("call", "paren", "binop"):
            if kind == "call":
                expr = "torch.neg(" * n + "x" + ")" * n
            elif kind == "paren":
                expr = "(" * n + "x" + ")" * n
            else:
                expr = "torch.add(x, " * n + "x" + ")" * n
            path = cases.path("%s-%d.pt" % (kind, n))
            replace_forward(src, path, ("    return %s\n" % expr).encode())
            cases.add(path, commands=("inspect", "convert") if n == 20000 and kind == "call" else ("inspect",),
                      expect="safe", inputs=INPUTS["shape_branch"])
    # Nested blocks: 5000 levels, one more space each (12 MiB of indentation).
    n = 5000
    body = "".join(" " * (4 + i) + "if torch.gt(torch.size(x, 0), %d):\n" % i for i in range(n))
    body += " " * (4 + n) + "x = torch.neg(x)\n" + "    return x\n"
    path = cases.path("if-blocks-%d.pt" % n)
    replace_forward(src, path, body.encode())
    cases.add(path, expect="safe", inputs=INPUTS["shape_branch"])


def gen_huge_source(cases, paths):
    src = fixture("shape_branch.pt")
    big = 64 << 20
    path = cases.path("comment-line-64mib.pt")
    replace_forward(src, path, b"    # " + b"x" * big + b"\n    return x\n")
    cases.add(path, expect="safe")
    path = cases.path("statements-64mib.pt")
    line = b"    x = torch.neg(x)\n"
    replace_forward(src, path, line * (big // len(line)) + b"    return x\n")
    cases.add(path, expect="safe")
    path = cases.path("string-line-1mib.pt")  # one megabyte-long line (firstLine's regex overflowed)
    replace_forward(src, path, b"    s = \"" + b"a" * (1 << 20) + b"\"\n    return x\n")
    cases.add(path, expect="safe", inputs=INPUTS["shape_branch"])
    path = cases.path("error-line-1mib.pt")  # a compile error on a megabyte-long line
    replace_forward(src, path, b"    return undefined_" + b"a" * (1 << 20) + b"(x)\n")
    cases.add(path)


def pickle_module_chain(n, forward_calls):
    """code/__torch__.py with classes M0..Mn-1, each holding the next as `sub`, and a data.pkl
    building that chain (the pickle nests n objects deep)."""
    lines = []
    for i in range(n):
        lines.append("class M%d(Module):\n  __parameters__ = []\n  __buffers__ = []\n  training : bool\n" % i)
        if i + 1 < n:
            lines.append("  sub : __torch__.M%d\n" % (i + 1))
        lines.append("  def forward(self: __torch__.M%d,\n    x: Tensor) -> Tensor:\n" % i)
        if i + 1 < n and forward_calls:
            lines.append("    sub = self.sub\n    return (sub).forward(x, )\n")
        else:
            lines.append("    return x\n")
    code = "".join(lines).encode()
    parts = [b"\x80\x02"]
    for i in range(n):
        parts.append(b"c__torch__\nM%d\n)\x81}(X\x08\x00\x00\x00training\x89" % i)
        if i + 1 < n:
            parts.append(b"X\x03\x00\x00\x00sub")
    for i in range(n):
        parts.append(b"ub")
    parts.append(b".")
    return code, b"".join(parts)


def gen_deep_module_chain(cases, paths):
    src = fixture("shape_branch.pt")
    for n, calls in ((10000, True), (30000, False), (50000, True)):
        code, data = pickle_module_chain(n, calls)
        path = cases.path("chain-%d%s.pt" % (n, "-calls" if calls else ""))
        z = fx.ZipOut(path)
        prefix = "chain/"
        add_entry(z, prefix + "data.pkl", data)
        add_entry(z, prefix + "code/__torch__.py", code)
        add_entry(z, prefix + "constants.pkl", b"\x80\x02).")
        add_entry(z, prefix + "version", b"3\n")
        z.close()
        cases.add(path, commands=("inspect", "convert") if n == 10000 else ("inspect",), expect="safe",
                  inputs=INPUTS["small"])
    del src


def gen_tensor_oob(cases, paths):
    """Tensor records that reach past their storage."""
    bases = [(fixture("clean_conv.pt"), "data.pkl"), (fixture("text_classifier.pt"), "data.pkl"),
             (fixture("clean_conv.ptl"), "constants.pkl")]
    for src, rec in bases:
        data = record(src, rec)
        records = tensor_records(data)
        if not records:
            raise fx.FixtureError("no tensor records in %s %s" % (src, rec))
        first = max(records, key=lambda r: r["numel"][2])  # the largest tensor: reads past it matter
        sizes, strides = first["sizes"][2], first["strides"][2]
        numel = first["numel"][2]
        nd = len(sizes)
        variants = {
            "numel-1": [(first["numel"][0], first["numel"][1], enc_int(1))],
            "numel-negative": [(first["numel"][0], first["numel"][1], enc_int(-1))],
            "numel-huge": [(first["numel"][0], first["numel"][1], enc_int(1 << 40))],
            "offset-end": [(first["offset"][0], first["offset"][1], enc_int(numel))],
            "offset-huge": [(first["offset"][0], first["offset"][1], enc_int(1 << 40))],
            "sizes-bigger": [(first["sizes"][0], first["sizes"][1], enc_tuple([s * 1000 for s in sizes]))],
            "sizes-negative": [(first["sizes"][0], first["sizes"][1], enc_tuple([-s for s in sizes]))],
            "sizes-overflow": [(first["sizes"][0], first["sizes"][1], enc_tuple([1 << 31] * max(nd, 3))),
                               (first["strides"][0], first["strides"][1], enc_tuple([1] * max(nd, 3)))],
            "strides-negative": [(first["strides"][0], first["strides"][1], enc_tuple([-s for s in strides]))],
            "strides-huge": [(first["strides"][0], first["strides"][1], enc_tuple([1 << 40] * nd))],
            "rank-mismatch": [(first["strides"][0], first["strides"][1], enc_tuple([1]))],
            "key-missing": [],
        }
        if first["type"][2] == "torch FloatStorage":
            variants["double-view"] = [(first["type"][0], first["type"][1], b"ctorch\nDoubleStorage\n")]
        for label, edits in variants.items():
            ext = os.path.splitext(src)[1]
            path = cases.path("%s-%s%s" % (stem(src), label, ext))
            if label == "key-missing":
                storage = [n for n, _, _, _, _ in entries(src) if n.endswith("/" + first["key"]) or
                           n.endswith("/%s.storage" % first["key"]) or n.endswith(first["key"])]
                rezip(src, path, lambda n, d, s=storage: None if n in s else d)
            else:
                replace_record(src, path, rec, splice(data, edits))
            heavy = label in ("numel-1", "double-view", "strides-negative")
            cases.add(path, commands=("inspect", "convert", "bench") if heavy and ext == ".pt" else ("inspect",),
                      inputs=INPUTS.get(stem(src), []))
        # The storage record cut to 4 bytes, the tensor record unchanged.
        key = first["key"]
        storage = [n for n, _, _, _, _ in entries(src) if n.endswith("/data/" + key) or n.endswith("/" + key)
                   or n.endswith("/constants/%s.storage" % key)]
        path = cases.path("%s-storage-4-bytes%s" % (stem(src), os.path.splitext(src)[1]))
        rezip(src, path, lambda n, d, s=storage: d[:4] if n in s else d)
        cases.add(path, commands=("inspect", "convert", "bench") if src.endswith(".pt") else ("inspect", "bench"),
                  inputs=INPUTS.get(stem(src), []))


def gen_flatbuffer(cases, paths):
    rnd = random.Random(5)
    bases = [fixture("clean_conv_flatbuffer.ptl"), paths["text_classifier_fb.ptl"]]
    for src in bases:
        data = read(src)
        name = stem(src)
        inputs = INPUTS.get(name.replace("_flatbuffer", "").replace("_fb", ""), [])
        cuts = {"8": 8, "12": 12, "16": 16, "64": 64, "half": len(data) // 2, "minus1": len(data) - 1}
        for label, n in cuts.items():  # the last byte may be padding: that cut can still be a valid model
            cases.write("%s-cut-%s.ptl" % (name, label), data[:n], expect="safe" if label == "minus1" else "refuse")
        for label, value in (("7fffffff", 0x7FFFFFFF), ("size", len(data)), ("zero", 0), ("minus4", len(data) - 4)):
            cases.write("%s-root-%s.ptl" % (name, label), struct.pack("<I", value) + data[4:],
                        commands=("inspect", "bench") if label == "7fffffff" else ("inspect",), inputs=inputs)
        root = struct.unpack("<I", data[:4])[0]
        vtable = root - struct.unpack("<i", data[root:root + 4])[0]
        for label, value in (("vtable-far", 0x7FFFFFF0), ("vtable-self", 0), ("vtable-negative", -0x7FFFFFF0)):
            bad = bytearray(data)
            bad[root:root + 4] = struct.pack("<i", value)  # the root table's offset to its vtable
            cases.write("%s-%s.ptl" % (name, label), bytes(bad))
        bad = bytearray(data)
        bad[vtable:vtable + 2] = struct.pack("<H", 0xFFFF)  # vtable length
        cases.write("%s-vtable-len.ptl" % name, bytes(bad))
        # Random mutations: a few bytes changed anywhere past the tag.
        for i in range(10):
            bad = bytearray(data)
            for _ in range(1 + i % 5):
                pos = rnd.randrange(8, len(bad))
                bad[pos] = rnd.randrange(256)
            # A changed weight or string can still be a valid model: refused or read, never a crash.
            cases.write("%s-mutate-%02d.ptl" % (name, i), bytes(bad), expect="safe",
                        commands=("inspect", "bench") if i % 7 == 0 else ("inspect",), inputs=inputs)
        # 32-bit fields set to extremes at random aligned places.
        for i in range(4):
            bad = bytearray(data)
            pos = rnd.randrange(8, len(bad) - 4) & ~3
            bad[pos:pos + 4] = struct.pack("<I", (0x7FFFFFFF, 0xFFFFFFFF, 0x80000000)[i % 3])
            cases.write("%s-field-%02d.ptl" % (name, i), bytes(bad), expect="safe")
    cases.write("tag-on-random.ptl", b"\x10\x00\x00\x00PTMF" + random.Random(6).randbytes(4088))
    cases.write("tag-only.ptl", b"\x08\x00\x00\x00PTMF")


BYTECODE_OPS = ("OP", "OPN", "LOADC", "MOVE", "LOAD", "STORE", "STOREN", "DROPR", "DROP", "JF", "JMP", "LOOP",
                "RET", "LIST_CONSTRUCT", "TUPLE_CONSTRUCT", "LIST_UNPACK", "GET_ATTR", "SET_ATTR", "CALL",
                "LOADN", "MOVEN", "TUPLE_SLICE", "DICT_CONSTRUCT", "CREATE_OBJECT", "ISINSTANCE", "WARN",
                "INTERFACE_CALL", "NAMED_TUPLE_CONSTRUCT", "FORMAT")


def instructions(data):
    """[(opname, X op, N op)] of the instruction triples in bytecode.pkl."""
    ops = pickle_ops(data)
    memo = memo_strings(ops)
    found = []
    for i, op in enumerate(ops):
        if op[0] != "TUPLE3":
            continue
        k = i - 1
        args = []
        while len(args) < 3 and k >= 0:
            if ops[k][0] not in ("BINPUT", "LONG_BINPUT"):
                args.append(k)
            k -= 1
        n, x, name = args
        opname = resolve(ops[name], memo)
        if opname in BYTECODE_OPS and ops[x][0].startswith("BININT") and ops[n][0].startswith("BININT"):
            found.append((opname, ops[x], ops[n]))
    return found, ops


def gen_bytecode(cases, paths):
    bases = [fixture("clean_conv.ptl"), paths["shape_branch.ptl"], paths["text_classifier.ptl"]]
    rnd = random.Random(9)
    plans = {  # opname -> (operand, value) variants
        "OP": [("x", 999), ("x", -1), ("x", 1 << 30)],
        "LOADC": [("x", 999), ("x", -1)],
        "MOVE": [("x", 0), ("x", 999), ("x", -1)],
        "LOAD": [("x", 999), ("x", -1)],
        "STORE": [("x", 999), ("x", -1), ("x", 0)],
        "STOREN": [("n", 999), ("x", 250)],
        "DROPR": [("x", 999)],
        "JF": [("x", 1000), ("x", -1000)],
        "JMP": [("x", 1000), ("x", -1000), ("x", 0)],
        "LIST_CONSTRUCT": [("n", 999), ("x", 999)],
        "TUPLE_CONSTRUCT": [("n", 999)],
        "LIST_UNPACK": [("x", 999)],
        "GET_ATTR": [("x", 999)],
        "CALL": [("x", 999)],
    }
    for src in bases:
        name = stem(src)
        inputs = INPUTS[name]
        data = record(src, "bytecode.pkl")
        found, ops = instructions(data)
        if not found:
            raise fx.FixtureError("no instructions in %s" % src)
        for opname, variants in plans.items():
            sites = [f for f in found if f[0] == opname]
            if not sites:
                continue
            site = sites[rnd.randrange(len(sites))]
            for k, (operand, value) in enumerate(variants):
                op = site[1] if operand == "x" else site[2]
                bad = splice(data, [(op[2], op[3], enc_int(value))])
                path = cases.path("%s-%s-%s%d.ptl" % (name, opname.lower(), operand, value))
                replace_record(src, path, "bytecode.pkl", bad)
                loops = opname == "JMP" and value == 0
                # inspect must judge bytecode it cannot run: an error finding, or a refusal.
                # bench runs the interpreter on it: the first variant of the operands it trusts most.
                runs = k == 0 and opname in ("OP", "LOADC", "MOVE", "JF", "JMP", "STORE")
                loops_once = loops and src == bases[0]  # an endless loop costs the whole time limit
                cases.add(path, commands=("inspect", "bench") if runs or loops_once else ("inspect",), expect="flag",
                          inputs=inputs)
        # Unknown opcode names, and register_size damage.
        strings = [op for op in ops if op[0] == "BINUNICODE" and op[1] in BYTECODE_OPS]
        s = strings[0]
        bad = splice(data, [(s[2], s[3], b"X\x05\x00\x00\x00BOGUS")])
        path = cases.path("%s-unknown-op.ptl" % name)
        replace_record(src, path, "bytecode.pkl", bad)
        cases.add(path, expect="flag", inputs=inputs)
        regs = [i for i, op in enumerate(ops) if op[0] == "BINUNICODE" and op[1] == "register_size"]
        for value in (0, -1, 1 << 30):
            edits = []
            for i in regs:
                k = i + 1
                while ops[k][0] in ("BINPUT", "LONG_BINPUT"):
                    k += 1
                edits.append((ops[k][2], ops[k][3], enc_int(value)))
            path = cases.path("%s-register-size-%d.ptl" % (name, value))
            replace_record(src, path, "bytecode.pkl", splice(data, edits))
            cases.add(path, commands=("inspect", "bench") if value else ("inspect",), expect="flag", inputs=inputs)
        # The same damage in a bytecode-only file (no code/ to fall back on).
        site = [f for f in found if f[0] == "OP"][0]
        bad = splice(data, [(site[1][2], site[1][3], enc_int(999))])
        full = archive_name(src, "bytecode.pkl")
        path = cases.path("%s-bytecode-only-op999.ptl" % name)
        rezip(src, path, lambda n, d: None if "/code/" in n else (bad if n == full else d))
        cases.add(path, commands=("inspect", "bench"), expect="flag", inputs=inputs)


def gen_non_utf8(cases, paths):
    src = fixture("clean_conv.pt")
    data_all = read(src)
    # File paths with \xff: a valid model must still inspect (escaped JSON), a damaged one refused.
    folder = cases.path("").encode()
    for label, content, expect in (("valid", data_all, "accept"), ("damaged", data_all[:1000], "refuse")):
        for name in (b"model-\xff-%s.pt", b"\xc3\x28-%s.pt", b"\xed\xa0\x80-surrogate-%s.pt", b"\xfe\xff-bom-%s.ptl"):
            path = os.path.join(folder, name % label.encode())
            with open(path, "wb") as f:
                f.write(content)
            cases.add(path, commands=("inspect", "inspect-text"), expect=expect, inputs=INPUTS["clean_conv"])
    dirpath = os.path.join(folder, b"dir-\xff")
    os.makedirs(dirpath, exist_ok=True)
    path = os.path.join(dirpath, b"clean-conv.pt")
    with open(path, "wb") as f:
        f.write(data_all)
    cases.add(path, commands=("inspect", "convert", "bench"), expect="accept", inputs=INPUTS["clean_conv"])
    # Zip entry names that are not UTF-8 (flag bit 11 claims UTF-8).
    for label, raw_name in (("extra", b"clean_conv/extra/\xff\xfe.txt"), ("code", b"clean_conv/code/\xff.py"),
                            ("data", b"clean_conv/data/\xff")):
        path = cases.path("entry-%s.pt" % label)
        # One more entry, written under an ASCII placeholder of the same length, then renamed.
        z = fx.ZipOut(path)
        for name, method, data, raw, crc in entries(src):
            z.add(name, method, raw, crc, len(data))
        placeholder = "clean_conv/PLACEHOLDER" + "x" * (len(raw_name) - len("clean_conv/PLACEHOLDER"))
        add_entry(z, placeholder[: len(raw_name)], b"payload")
        z.close()
        blob = read(path).replace(placeholder[: len(raw_name)].encode(), raw_name)
        with open(path, "wb") as f:
            f.write(blob)
        cases.add(path, commands=("inspect", "inspect-text"), expect="safe", inputs=INPUTS["clean_conv"])
    # Strings in pickles that are not UTF-8: debug info, an attribute name, a code file.
    for src2, rec in ((fixture("shape_branch.pt"), "code/__torch__.py.debug_pkl"),
                      (fixture("clean_conv.ptl"), "code/__torch__/___torch_mangle_31.py.debug_pkl"),
                      (fixture("shape_branch.pt"), "data.pkl"), (fixture("clean_conv.ptl"), "bytecode.pkl")):
        data = record(src2, rec)
        strings = [op for op in pickle_ops(data) if op[0] == "BINUNICODE" and len(op[1]) >= 2]
        for k, s in enumerate((strings[1], strings[len(strings) // 2], strings[-1])):
            bad = data[:s[2] + 5] + b"\xff" + data[s[2] + 6:]
            path = cases.path("%s-%s-%d%s" % (stem(src2), rec.split("/")[-1].replace(".", "_"), k,
                                              os.path.splitext(src2)[1]))
            replace_record(src2, path, rec, bad)
            cases.add(path, commands=("inspect", "inspect-text"), expect="safe",
                      inputs=INPUTS.get(stem(src2), []))
    for src2 in (fixture("shape_branch.pt"), fixture("clean_conv.pt")):
        name = code_file(src2)
        text = zipfile.ZipFile(src2).read(name)
        path = cases.path("%s-code-latin1.pt" % stem(src2))
        rezip(src2, path, lambda n, d, name=name, text=text: text.replace(b"Module", b"M\xf6dule", 1) if n == name else d)
        cases.add(path, commands=("inspect", "inspect-text"), expect="safe")
        path = cases.path("%s-code-comment-ff.pt" % stem(src2))
        rezip(src2, path, lambda n, d, name=name, text=text: b"# \xff\xfe\n" + text if n == name else d)
        cases.add(path, commands=("inspect", "inspect-text"), expect="safe")


def gen_writes_files(cases, paths):
    """Model code that creates files: never while PTL Studio inspects, converts or benches it."""
    cases_made = []
    bodies = {
        "save-abs": ("torch.save(x, %r)", True),
        # used in the result: an unused from_file is dropped by TorchScript as dead code
        "from-file-shared": ("x = x + torch.from_file(%r, True, 16).sum()", True),
        "save-relative": ("torch.save(x, %r)", False),
    }
    for label, (stmt, absolute) in bodies.items():
        for bundle in (False, True):
            for where in ("forward", "setstate"):
                if where == "setstate" and label != "save-abs":
                    continue
                tag = "%s-%s%s" % (label, where, "-bundled" if bundle else "")
                if absolute:
                    target = cases.target(tag)
                    shown = [target]
                else:
                    target = "pwned_%s.pt" % tag.replace("-", "_")  # lands in the run's working directory
                    shown = ["@cwd/" + target]
                code = "        " + stmt % target
                path = cases.path("%s.pt" % tag)
                if where == "forward":
                    script_small(path, forward=code, bundle=bundle)
                else:
                    code = code.replace("(x,", "(torch.zeros(1),")  # __setstate__ has no input
                    script_small(path, extra=SETSTATE % code, bundle=bundle)
                # report runs the same steps in its own workers: one per statement is enough.
                commands = ("inspect", "convert", "bench") + (("report",) if where == "forward" and not bundle else ())
                cases.add(path, commands=commands, expect="flag", inputs=[] if bundle else INPUTS["small"], targets=shown)
                cases_made.append(path)
    # Lite copies: the Lite interpreter runs the same ops in bench.
    for src in cases_made[:2]:
        module = torch.jit.load(src)
        dst = src[:-3] + "-lite.ptl"
        module._save_for_lite_interpreter(dst)
        case = [c for c in cases.cases if c["path"] == src][0]
        cases.add(dst, commands=("inspect", "bench"), expect="flag", inputs=case["inputs"], targets=case["targets"])


def gen_print_forward(cases, paths):
    marker = "PTL-HOSTILE-PRINTED"
    for label, body, bundle in (("print", "        print(%r)" % marker, False),
                                ("print-bundled", "        print(%r)" % marker, True),
                                ("print-json-like", "        print('{\"schema\": \"%s\"}')" % marker, False),
                                ("print-many", "        for i in range(2000):\n            print(%r, i)" % marker,
                                 False)):
        path = cases.path(label + ".pt")
        script_small(path, forward=body, bundle=bundle)
        cases.add(path, commands=("inspect", "convert", "bench", "report"), expect="accept",
                  inputs=[] if bundle else INPUTS["small"])
    path = cases.path("print-setstate.pt")
    script_small(path, extra=SETSTATE % ("        print(%r)" % marker))
    cases.add(path, commands=("inspect", "convert"), expect="accept", inputs=INPUTS["small"])


def gen_infinite_loop(cases, paths):
    loop = "        i = 0\n        while i >= 0:\n            x = x + 1\n            i = i + 1"
    path = cases.path("loop-forward.pt")
    script_small(path, forward=loop)
    cases.add(path, commands=("inspect", "bench", "report"), expect="flag", inputs=INPUTS["small"])
    path = cases.path("loop-forward-bundled.pt")
    script_small(path, forward=loop, bundle=True)
    cases.add(path, commands=("convert", "worker"), expect="flag")
    path = cases.path("loop-setstate.pt")
    script_small(path, extra=SETSTATE % loop.replace("x = x + 1", "self.k = self.k + 1"))
    cases.add(path, expect="flag", inputs=INPUTS["small"])


def gen_huge_allocation(cases, paths):
    for label, body, needs in (
            ("zeros-1t", "        y = torch.zeros(1 << 40)\n        x = x + y.sum()", None),
            ("empty-2d", "        y = torch.empty([1 << 30, 1 << 30])\n        x = x + y.sum()", None),
            ("ones-overflow", "        y = torch.ones([1 << 62, 4])\n        x = x + y.sum()", None),
            ("repeat-1t", "        x = x + x.repeat(1 << 38, 1).sum()", None),
            ("grow-list", "        keep = []\n        for i in range(1 << 20):\n"
                          "            keep.append(torch.ones(1 << 24))\n        x = x + len(keep)", "--memory-limit")):
        path = cases.path(label + ".pt")
        script_small(path, forward=body)
        cases.add(path, commands=("inspect", "convert", "bench", "report") if label == "zeros-1t" else ("inspect",),
                  expect="flag", inputs=INPUTS["small"], needs=needs)


def gen_zip_bomb(cases, paths):
    """Bombs that pass a 200:1 per-entry ratio: many entries, and entries sharing one stream."""
    src = fixture("clean_conv.pt")
    one_gib = 1 << 30
    raw, crc, size = bomb_stream(one_gib)
    # Many entries: 6 x 1 GiB under extra/ (never referenced by the model).
    path = cases.path("many-entries-6gib.pt")
    z = fx.ZipOut(path)
    for name, method, data, r, c in entries(src):
        z.add(name, method, r, c, len(data))
    for i in range(6):
        z.add("clean_conv/extra/bomb%d" % i, zipfile.ZIP_DEFLATED, raw, crc, size)
    z.close()
    cases.add(path)
    # data.pkl itself: a 1 GiB stream.
    path = cases.path("data-pkl-1gib.pt")
    z = fx.ZipOut(path)
    for name, method, data, r, c in entries(src):
        if name.endswith("/data.pkl"):
            z.add(name, zipfile.ZIP_DEFLATED, raw, crc, size)
        else:
            z.add(name, method, r, c, len(data))
    z.close()
    cases.add(path)
    # Overlapping: central entries for data.pkl, constants.pkl and a tensor all at one local header.
    for label, names in (("three-records", ("data.pkl", "constants.pkl", "data/0")),
                         ("five-extras", ("extra/a", "extra/b", "extra/c", "extra/d", "extra/e"))):
        path = cases.path("overlap-%s.pt" % label)
        z = fx.ZipOut(path)
        shared = None
        wanted = ["clean_conv/" + n for n in names]
        for name, method, data, r, c in entries(src):
            if name in wanted:
                continue
            z.add(name, method, r, c, len(data))
        shared = z.f.tell()
        z.add(wanted[0], zipfile.ZIP_DEFLATED, raw, crc, size)
        record_bytes = z.central[-1]
        for name in wanted[1:]:  # same offset, another name
            nb = name.encode()
            head = bytearray(record_bytes[:46])
            struct.pack_into("<H", head, 28, len(nb))
            struct.pack_into("<H", head, 30, 0)
            struct.pack_into("<I", head, 42, shared)
            z.central.append(bytes(head) + nb)
        z.close()
        cases.add(path)
    # Overlap inside another entry's data: a second central entry pointing into data/4's bytes.
    path = cases.path("overlap-inside.pt")
    z = fx.ZipOut(path)
    for name, method, data, r, c in entries(src):
        z.add(name, method, r, c, len(data))
    victim = [rec for rec in z.central if b"data/4" in rec][0]
    offset = struct.unpack("<I", victim[42:46])[0]
    head = bytearray(victim[:46])
    struct.pack_into("<I", head, 42, offset + 64)
    nb = b"clean_conv/extra/inner"
    struct.pack_into("<H", head, 28, len(nb))
    struct.pack_into("<H", head, 30, 0)
    z.central.append(bytes(head) + nb)
    z.close()
    cases.add(path)


def gen_crc_mismatch(cases, paths):
    for src in (fixture("clean_conv.pt"), fixture("clean_conv.ptl")):
        ext = os.path.splitext(src)[1]
        items = entries(src)
        picks = {"tensor": [i for i in items if "/data/" in i[0] or "/constants/" in i[0]][0],
                 "pickle": [i for i in items if i[0].endswith("/data.pkl")][0],
                 "code": [i for i in items if i[0].endswith(".py") and i[4] != 0 and i[2]][0]}
        for label, (victim, _, _, _, _) in picks.items():
            for how in ("content", "crc-central", "crc-local"):
                path = cases.path("%s-%s-%s%s" % (stem(src), label, how, ext))
                z = fx.ZipOut(path)
                for name, m, d, r, c in entries(src):
                    if name != victim:
                        z.add(name, m, r, c, len(d))
                    elif how == "content":
                        # a byte inside a string or a weight, so the record still parses
                        changed = bytearray(d)
                        pos = len(changed) // 2 if label != "pickle" else \
                            [op for op in pickle_ops(d) if op[0] == "BINUNICODE"][0][2] + 6
                        changed[pos] ^= 0x20
                        z.add(name, m, deflate(bytes(changed)) if m == zipfile.ZIP_DEFLATED else bytes(changed),
                              c, len(d))
                    else:  # the local header's CRC, the central one's, or both, wrong
                        z.add(name, m, r, c ^ 0xDEADBEEF if how != "crc-central" else c, len(d))
                        central = bytearray(z.central[-1])
                        struct.pack_into("<I", central, 16, c if how == "crc-local" else c ^ 0xDEADBEEF)
                        z.central[-1] = bytes(central)
                z.close()
                cases.add(path, commands=("inspect", "convert") if how == "content" and ext == ".pt" else ("inspect",),
                          inputs=INPUTS.get(stem(src), []))


# ---------------------------------------------------------------------------
# Handled well, keep it
# ---------------------------------------------------------------------------


def gen_truncation(cases, paths):
    rnd = random.Random(17)
    bases = [fixture(n) for n in ("clean_conv.pt", "clean_conv.ptl", "text_classifier.pt", "quant_qnnpack.pt")]
    for src in bases:
        data = read(src)
        cuts = sorted(set([1, 4, 22, 30, len(data) - 22, len(data) - 1] + rnd.sample(range(31, len(data) - 23), 2)))
        for n in cuts:
            cases.write("%s-%d%s" % (stem(src), n, os.path.splitext(src)[1]), data[:n],
                        commands=("inspect", "convert") if n == cuts[4] and src.endswith(".pt") else ("inspect",),
                        inputs=INPUTS.get(stem(src), []))


def eocd_pos(data):
    return data.rfind(b"PK\x05\x06")


def gen_zip_structure(cases, paths):
    src = fixture("clean_conv.pt")
    data = read(src)
    e = eocd_pos(data)
    cd = struct.unpack("<I", data[e + 16:e + 20])[0]

    def patch(name, at, fmt, value):
        bad = bytearray(data)
        struct.pack_into(fmt, bad, at, value)
        # Fields a reader may ignore (disk numbers, the comment length) may be read through.
        cases.write(name, bytes(bad), expect="safe" if "disk" in name or "comment" in name or "65535" in name
                    else "refuse")
    patch("eocd-count-0.pt", e + 10, "<H", 0)
    patch("eocd-count-65535.pt", e + 10, "<H", 0xFFFF)  # advisory when the directory's size is right: "safe"
    patch("eocd-disk-count-diff.pt", e + 8, "<H", 3)
    patch("eocd-cd-offset-far.pt", e + 16, "<I", 0xFFFFFFF0)
    patch("eocd-cd-offset-zero.pt", e + 16, "<I", 0)
    patch("eocd-cd-size-huge.pt", e + 12, "<I", 0x7FFFFFFF)
    patch("eocd-comment-len.pt", e + 20, "<H", 0xFFFF)
    patch("eocd-disk-number.pt", e + 4, "<H", 7)
    patch("cd-signature.pt", cd, "<I", 0x12345678)
    patch("cd-name-len-huge.pt", cd + 28, "<H", 0xFFFF)
    patch("cd-extra-len-huge.pt", cd + 30, "<H", 0xFFFF)
    patch("cd-local-offset-far.pt", cd + 42, "<I", 0x7FFFFFFF)
    patch("cd-method-99.pt", cd + 10, "<H", 99)
    patch("cd-method-bzip2.pt", cd + 10, "<H", 12)
    patch("cd-size-huge.pt", cd + 24, "<I", 0xFFFFFFFE)
    patch("local-signature.pt", 0, "<I", 0x0)
    patch("local-name-len.pt", 26, "<H", 0xFFFF)
    patch("local-extra-len.pt", 28, "<H", 0xFFFF)
    patch("local-method-deflate-on-stored.pt", 8, "<H", 8)
    cases.write("no-eocd.pt", data[:e])
    cases.write("eocd-only.pt", data[e:])
    cases.write("two-eocd.pt", data + data[e:e + 16] + struct.pack("<IH", 0, 0), expect="safe")
    cases.write("garbage-prefix.pt", b"\x00" * 4096 + data, expect="safe")
    cases.write("zip64-locator-bogus.pt", data[:e] + b"PK\x06\x07" + struct.pack("<IQI", 0, 0xFFFFFFFFFFFF, 1)
                + data[e:], expect="safe")
    # Zip64 end record claiming a central directory far away.
    z64 = b"PK\x06\x06" + struct.pack("<QHHIIQQQQ", 44, 45, 45, 0, 0, 1 << 40, 1 << 40, 1 << 40, 1 << 40)
    loc = b"PK\x06\x07" + struct.pack("<IQI", 0, e, 1)
    eocd = bytearray(data[e:])
    struct.pack_into("<HHII", eocd, 8, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
    cases.write("zip64-far.pt", data[:e] + z64 + loc + bytes(eocd))
    # Data-descriptor flag with zero sizes in the local header.
    bad = bytearray(data)
    struct.pack_into("<H", bad, 6, 0x0808)
    struct.pack_into("<II", bad, 18, 0, 0)
    cases.write("local-data-descriptor.pt", bytes(bad), expect="safe")
    # Entries in a different order, and an archive with two top-level folders.
    rezip(src, cases.path("two-roots.pt"), extra=[("other/data.pkl", b"\x80\x02).")])
    cases.add(cases.path("two-roots.pt"), expect="safe", inputs=INPUTS["clean_conv"])
    rezip(src, cases.path("no-version.pt"), lambda n, d: None if n.endswith("/version") else d)
    cases.add(cases.path("no-version.pt"))
    rezip(src, cases.path("version-999.pt"), lambda n, d: b"999\n" if n.endswith("/version") else d)
    cases.add(cases.path("version-999.pt"))
    rezip(src, cases.path("version-text.pt"), lambda n, d: b"\xff" * 64 if n.endswith("/version") else d)
    cases.add(cases.path("version-text.pt"))


def gen_encryption(cases, paths):
    src = fixture("clean_conv.pt")
    data = read(src)
    e = eocd_pos(data)
    cd = struct.unpack("<I", data[e + 16:e + 20])[0]
    for label, local, central, flag in (("local", True, False, 1), ("central", False, True, 1),
                                        ("both", True, True, 1), ("strong", True, True, 0x41)):
        bad = bytearray(data)
        pos = 0
        while local and pos < cd:  # every local header
            if bad[pos:pos + 4] != b"PK\x03\x04":
                break
            struct.pack_into("<H", bad, pos + 6, struct.unpack("<H", bad[pos + 6:pos + 8])[0] | flag)
            n, m = struct.unpack("<HH", bad[pos + 26:pos + 30])
            size = struct.unpack("<I", bad[pos + 18:pos + 22])[0]
            pos += 30 + n + m + size
        pos = cd
        while central and bad[pos:pos + 4] == b"PK\x01\x02":
            struct.pack_into("<H", bad, pos + 8, struct.unpack("<H", bad[pos + 8:pos + 10])[0] | flag)
            n, m, k = struct.unpack("<HHH", bad[pos + 28:pos + 34])
            pos += 46 + n + m + k
        cases.write("encrypted-%s.pt" % label, bytes(bad))
    for ext_src in (fixture("clean_conv.ptl"),):
        d = bytearray(read(ext_src))
        struct.pack_into("<H", d, 6, 1)
        cases.write("encrypted-first-local.ptl", bytes(d))


class Zip64Out(fx.ZipOut):
    """ZipOut whose end record goes through a zip64 end record (more than 65535 entries)."""

    def close(self):
        start = self.f.tell()
        for rec in self.central:
            self.f.write(rec)
        size, n = self.f.tell() - start, len(self.central)
        end64 = self.f.tell()
        self.f.write(b"PK\x06\x06" + struct.pack("<QHHIIQQQQ", 44, 45, 45, 0, 0, n, n, size, start))
        self.f.write(b"PK\x06\x07" + struct.pack("<IQI", 0, end64, 1))
        self.f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0))
        self.f.close()


def gen_many_entries(cases, paths):
    src = fixture("clean_conv.pt")
    for n in (70000, 200000):
        path = cases.path("entries-%d.pt" % n)
        z = Zip64Out(path)
        for name, method, data, raw, crc in entries(src):
            z.add(name, method, raw, crc, len(data))
        for i in range(n):
            z.add("clean_conv/extra/e%d" % i, 0, b"", 0, 0)
        z.close()
        cases.add(path, expect="safe")


def gen_path_traversal(cases, paths):
    src = fixture("clean_conv.pt")
    sentinel = cases.sentinel
    for label, name in (("dotdot", "clean_conv/../../../../sentinel/trav-dotdot"),
                        ("dotdot-root", "../../../sentinel/trav-dotdot-root"),
                        ("absolute", sentinel + "/trav-absolute"),
                        ("backslash", "clean_conv\\..\\..\\..\\sentinel\\trav-backslash"),
                        ("data-pkl", "../clean_conv/data.pkl"),
                        ("dot-slash", "./clean_conv/data.pkl")):
        path = cases.path("%s.pt" % label)
        replace = name.endswith("data.pkl")
        if replace:
            rezip(src, path, lambda n, d: None if n.endswith("/data.pkl") else d,
                  extra=[(name, record(src, "data.pkl"))])
        else:
            rezip(src, path, extra=[(name, b"written by a path-traversal entry\n")])
        targets = [os.path.join(sentinel, "trav-" + label)] if not replace else []
        cases.add(path, expect="refuse" if replace else "safe",
                  inputs=INPUTS["clean_conv"], targets=targets)


def gen_code_exec_global(cases, paths):
    globals_ = {
        "os-system": lambda cmd: shell_pickle(cmd),
        "posix-system": lambda cmd: b"\x80\x02cposix\nsystem\nX" + struct.pack("<I", len(cmd)) + cmd.encode() + b"\x85R.",
        "builtins-eval": lambda cmd: b"\x80\x02cbuiltins\neval\nX" + struct.pack("<I", len(
            "__import__('os').system(%r)" % cmd)) + ("__import__('os').system(%r)" % cmd).encode() + b"\x85R.",
        "subprocess-popen": lambda cmd: b"\x80\x02csubprocess\nPopen\nX" + struct.pack("<I", len(cmd)) + cmd.encode()
        + b"\x85R.",
        "stack-global": lambda cmd: b"\x80\x04\x8c\x02os\x8c\x06system\x93\x8c" + bytes([len(cmd)]) + cmd.encode()
        + b"\x85R.",
        "inst": lambda cmd: b"\x80\x02(X" + struct.pack("<I", len(cmd)) + cmd.encode() + b"ios\nsystem\n.",
        "obj": lambda cmd: b"\x80\x02(cos\nsystem\nX" + struct.pack("<I", len(cmd)) + cmd.encode() + b"o.",
        "torch-rebuild-global": lambda cmd: b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\ncos\nsystem\nX"
        + struct.pack("<I", len(cmd)) + cmd.encode() + b"\x85R\x85R.",
    }
    for label, src, rec in (("pt-data", fixture("clean_conv.pt"), "data.pkl"),
                            ("pt-constants", fixture("clean_conv.pt"), "constants.pkl"),
                            ("ptl-bytecode", fixture("clean_conv.ptl"), "bytecode.pkl"),
                            ("ptl-constants", fixture("clean_conv.ptl"), "constants.pkl")):
        for gname, make in list(globals_.items())[:8 if label == "pt-data" else 4]:
            tag = "%s-%s" % (label, gname)
            target = cases.target(tag)
            path = cases.path("%s%s" % (tag, os.path.splitext(src)[1]))
            replace_record(src, path, rec, make("touch " + target))
            cases.add(path, commands=("inspect", "convert", "bench") if gname == "os-system" else ("inspect",),
                      inputs=INPUTS["clean_conv"], targets=[target])


def gen_special_files(cases, paths):
    folder = cases.path("")
    cases.add("/dev/zero", commands=("inspect", "convert", "bench", "report"))
    cases.add("/dev/urandom")
    cases.add("/dev/full")
    fifo = os.path.join(folder, "fifo.pt")
    os.mkfifo(fifo)
    cases.add(fifo, commands=("inspect", "convert", "bench"))
    sub = os.path.join(folder, "directory.pt")
    os.makedirs(sub)
    cases.add(sub, commands=("inspect", "convert"))
    a, b = os.path.join(folder, "loop-a.pt"), os.path.join(folder, "loop-b.pt")
    os.symlink(b, a)
    os.symlink(a, b)
    cases.add(a, commands=("inspect", "convert"))
    zero_link = os.path.join(folder, "zero-link.pt")
    os.symlink("/dev/zero", zero_link)
    cases.add(zero_link)
    dangling = os.path.join(folder, "dangling.pt")
    os.symlink(os.path.join(folder, "nowhere.pt"), dangling)
    cases.add(dangling)
    sock = os.path.join(folder, "socket.pt")
    s = socket.socket(socket.AF_UNIX)
    s.bind(sock)
    s.close()
    cases.add(sock)
    cases.add("/proc/self/mem")


def gen_sparse(cases, paths):
    eight = 8 << 30
    path = cases.path("zeros-8gib.pt")
    with open(path, "wb") as f:
        f.truncate(eight)
    cases.add(path, commands=("inspect", "convert"))
    path = cases.path("model-after-8gib.pt")
    with open(path, "wb") as f:
        f.seek(eight)
        f.write(read(fixture("clean_conv.pt")))
    cases.add(path, expect="safe")  # a reader may find the archive at the end, as unzip does
    path = cases.path("eocd-at-end-8gib.pt")
    with open(path, "wb") as f:
        f.truncate(eight)
        data = read(fixture("clean_conv.pt"))
        f.seek(eight - len(data[eocd_pos(data):]))
        f.write(data[eocd_pos(data):])
    cases.add(path)


def gen_odd_names(cases, paths):
    data = read(fixture("clean_conv.pt"))
    lite = read(fixture("clean_conv.ptl"))
    names = ["with space.pt", "-leading-dash.pt", "--json.pt", "模型.pt", "emoji-\U0001F600.pt",
             "new\nline.pt", "tab\there.pt", "$(touch pwned).pt", "quote'\"`.pt", "percent-%s%n%x.pt",
             "semicolon;ls.pt", "back\\slash.pt", "no-extension", "UPPER.PT", "x" * 200 + ".pt",
             "lite-named.pt", "torchscript-named.ptl", ".hidden.pt", "trailing-dot.pt."]
    for name in names:
        content = lite if name == "lite-named.pt" else data
        path = cases.write(name, content, commands=("inspect", "inspect-text") if len(cases.cases) % 3 == 0
                           else ("inspect",), expect="accept", inputs=INPUTS["clean_conv"])
        if name in ("with space.pt", "new\nline.pt", "$(touch pwned).pt"):
            case = cases.cases[-1]
            case["commands"] = ["inspect", "inspect-text", "convert", "bench"]
        del path
    # Damaged content under odd names: the one-line message must stay one line.
    for name in ("bad\nname.pt", "bad\rname.pt", "bad-\x1b[31mred.pt", "bad\u2028sep.pt"):
        cases.write(name, data[:500], commands=("inspect", "inspect-text", "convert"))


CLASSES = [
    ("pickle-underflow", gen_pickle_underflow),
    ("pickle-bad-length", gen_pickle_bad_length),
    ("pickle-bad-memo", gen_pickle_bad_memo),
    ("pickle-deep-nesting", gen_pickle_deep),
    ("debug-pkl-damage", gen_debug_pkl),
    ("duplicate-entry", gen_duplicate_entry),
    ("deep-expression", gen_deep_expression),
    ("huge-source", gen_huge_source),
    ("deep-module-chain", gen_deep_module_chain),
    ("tensor-oob", gen_tensor_oob),
    ("flatbuffer-damage", gen_flatbuffer),
    ("bytecode-operands", gen_bytecode),
    ("non-utf8", gen_non_utf8),
    ("writes-files", gen_writes_files),
    ("print-forward", gen_print_forward),
    ("infinite-loop", gen_infinite_loop),
    ("huge-allocation", gen_huge_allocation),
    ("zip-bomb", gen_zip_bomb),
    ("crc-mismatch", gen_crc_mismatch),
    ("truncation", gen_truncation),
    ("zip-structure", gen_zip_structure),
    ("encryption-flag", gen_encryption),
    ("many-entries", gen_many_entries),
    ("path-traversal", gen_path_traversal),
    ("code-exec-global", gen_code_exec_global),
    ("special-file", gen_special_files),
    ("sparse-8gib", gen_sparse),
    ("odd-names", gen_odd_names),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--sentinel", required=True, help="the watched folder hostile code aims at")
    parser.add_argument("--classes", default="", help="comma-separated classes (default: all)")
    parser.add_argument("--list-classes", action="store_true")
    args = parser.parse_args()
    if args.list_classes:
        print("\n".join(name for name, _ in CLASSES))
        return
    out, sentinel = os.path.abspath(args.out), os.path.abspath(args.sentinel)
    wanted = set(c for c in args.classes.split(",") if c)
    unknown = wanted - set(name for name, _ in CLASSES)
    if unknown:
        raise SystemExit("unknown class(es): %s" % ", ".join(sorted(unknown)))
    os.makedirs(out, exist_ok=True)
    os.makedirs(sentinel, exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    cases = Cases(out, sentinel, wanted)
    paths = script_models(os.path.join(out, "_bases"))
    for name, make in CLASSES:
        if cases.enabled(name):
            cases.cls = name
            started, count = time.time(), len(cases.cases)
            make(cases, paths)
            print("%-20s %4d cases  %5.1f s" % (name, len(cases.cases) - count, time.time() - started), flush=True)
    # The GUI's worker gets the first three cases of each class that convert or bench runs on.
    picked = {}
    for case in cases.cases:
        if ("convert" in case["commands"] or "bench" in case["commands"]) and "pathHex" not in case \
                and "worker" not in case["commands"] and case["class"] != "infinite-loop" \
                and picked.get(case["class"], 0) < 3:
            case["commands"].append("worker")
            picked[case["class"]] = picked.get(case["class"], 0) + 1
    # Building the bases ran some of their code here (a __setstate__ runs on load): start clean.
    for case in cases.cases:
        for target in case["targets"]:
            if os.path.isabs(target) and os.path.lexists(target):
                os.remove(target)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"sentinel": sentinel, "classes": [n for n, _ in CLASSES if cases.enabled(n)],
                   "cases": cases.cases}, f, indent=1)
    print("wrote %d cases to %s" % (len(cases.cases), out))


if __name__ == "__main__":
    main()
