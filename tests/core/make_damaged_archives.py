"""Writes damaged and hostile copies of a real TorchScript fixture, one per class of damage that
PTL Studio refuses before LibTorch reads the file. Run by tst_archive_checks; never unpickles
(pickles it writes are made with pickle.dumps).

Usage: python3 make_damaged_archives.py FIXTURE.pt OUTDIR
"""

import os
import pickle
import pickletools
import random
import struct
import sys
import zipfile


def entries(fixture):
    with zipfile.ZipFile(fixture) as z:
        return [(info.filename, z.read(info.filename), info.compress_type) for info in z.infolist()]


def write(path, items):
    with zipfile.ZipFile(path, "w") as z:
        for name, raw, method in items:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            z.writestr(info, raw)


def replaced(items, suffix, replace, method=None):
    """The entries, with those named ...suffix passed through replace (and stored with method)."""
    return [(n, replace(raw), m if method is None else method) if n.endswith(suffix) else (n, raw, m)
            for n, raw, m in items]


def patch_first_int_after_persid(pickle, skip_ints, value):
    """Replaces the (skip_ints+1)-th integer opcode after the first BINPERSID with BININT value."""
    seen_persid, count = False, 0
    for op, arg, pos in pickletools.genops(pickle):
        if op.name == "BINPERSID":
            seen_persid = True
        elif seen_persid and op.name in ("BININT1", "BININT2", "BININT"):
            if count == skip_ints:
                width = {"BININT1": 2, "BININT2": 3, "BININT": 5}[op.name]
                return pickle[:pos] + b"J" + struct.pack("<i", value) + pickle[pos + width:]
            count += 1
    raise SystemExit("no integer after BINPERSID")


def patch_central_directory(path, name, field_offset, fmt, value):
    """Overwrites one field of the central directory header of entry `name`."""
    data = bytearray(open(path, "rb").read())
    start = data.find(b"PK\x05\x06")
    directory = struct.unpack_from("<I", data, start + 16)[0]
    at = directory
    while data[at:at + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, at + 28)
        if data[at + 46:at + 46 + name_length].decode() == name:
            struct.pack_into(fmt, data, at + field_offset, value)
            open(path, "wb").write(bytes(data))
            return
        at += 46 + name_length + extra_length + comment_length
    raise SystemExit("no entry " + name)


def main():
    fixture, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    items = entries(fixture)
    prefix = items[0][0].split("/")[0] + "/"
    p = lambda name: os.path.join(out, name)
    data_pkl = next(raw for n, raw, m in items if n.endswith("/data.pkl"))

    # Pickles the stack machine refuses.
    pickles = {
        "stack_underflow": b"\x80\x02R.",
        "mark_underflow": b"\x80\x02t.",
        "memo_undefined": b"\x80\x02h\x05.",
        "memo_out_of_range": b"\x80\x02Nr\xff\xff\xff\xff.",
        "length_past_end": b"\x80\x02X\xff\xff\xff\x00abc.",
        "two_values_at_stop": b"\x80\x02NN.",
        "not_an_object": b"\x80\x02N.",  # passes the checks; LibTorch refuses it
        "deep_tuples": b"\x80\x02)" + b"\x85" * 1000000 + b".",
        "deep_lists": b"\x80\x02" + b"(" * 1000000 + b"]" + b"l" * 1000000 + b".",
    }
    for case, damaged in pickles.items():
        write(p(case + ".pt"), replaced(items, "/data.pkl", lambda raw: damaged))
    write(p("debug_pkl.pt"), replaced(items, "code/__torch__.py.debug_pkl", lambda raw: b"\x80\x02R."))
    # Debug records as TorchScript writes them (format tag, string table, (offset, range, tag) rows),
    # with a text index outside the table and a range past its 19-character text (lists of two items:
    # pickle.dumps writes one-item lists with APPEND, which TorchScript never writes).
    table = ("", "def forward(self):\n", "code/__torch__.py")
    for case, source, start, end in (("debug_text_index", ([1, 7], 2, 1), 0, 4),
                                     ("debug_range_past_text", ([1, 0], 2, 1), 4, 400)):
        record = pickle.dumps(("FORMAT_WITH_STRING_TABLE", table, ((0, (source, start, end), 0),)), protocol=2)
        write(p(case + ".pt"), replaced(items, "code/__torch__.py.debug_pkl", lambda raw: record))

    # Zip structure: a second data.pkl that calls os.system; overlapping entries; a bomb spread
    # over entries under the per-entry ratio; a flipped byte in a tensor record.
    hostile = b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R."
    write(p("duplicate_entry.pt"), items + [(prefix + "data.pkl", hostile, zipfile.ZIP_STORED)])
    write(p("overlapping_entries.pt"), items)
    with zipfile.ZipFile(p("overlapping_entries.pt")) as z:
        first = z.getinfo(prefix + "data/0").header_offset
    patch_central_directory(p("overlapping_entries.pt"), prefix + "data/1", 42, "<I", first)
    rng = random.Random(12)
    blobs = [(prefix + "extra/blob%d" % i, bytes(rng.getrandbits(8) for _ in range(64 << 10)), zipfile.ZIP_DEFLATED)
             for i in range(16)]
    write(p("spread_bomb.pt"), items + blobs)
    for name, raw, method in blobs:
        with zipfile.ZipFile(p("spread_bomb.pt")) as z:
            compressed = z.getinfo(name).compress_size
        patch_central_directory(p("spread_bomb.pt"), name, 24, "<I", compressed * 150)
    write(p("bad_crc.pt"), items)
    data = bytearray(open(p("bad_crc.pt"), "rb").read())
    with zipfile.ZipFile(p("bad_crc.pt")) as z:
        info = z.getinfo(prefix + "data/0")
    data[info.header_offset + 30 + len(info.filename) + len(info.extra) + 5] ^= 0x40
    open(p("bad_crc.pt"), "wb").write(bytes(data))

    # Tensor records that do not fit their storage.
    write(p("storage_cut.pt"), replaced(items, "/data/0", lambda raw: raw[:4]))
    write(p("storage_missing.pt"), [item for item in items if not item[0].endswith("/data/0")])
    write(p("double_on_float.pt"),
          replaced(items, "/data.pkl", lambda raw: raw.replace(b"torch\nFloatStorage\n", b"torch\nDoubleStorage\n", 1)))
    write(p("negative_stride.pt"), replaced(items, "/data.pkl", lambda raw: patch_first_int_after_persid(raw, 5, -1)))
    write(p("view_past_end.pt"), replaced(items, "/data.pkl", lambda raw: patch_first_int_after_persid(raw, 0, 100000)))

    # Sources too deep or too large for LibTorch's compiler.
    forward = "def forward(self, x: Tensor) -> Tensor:\n  return "
    sources = {
        "deep_brackets": (forward + "(" * 100000 + "x" + ")" * 100000 + "\n").encode(),
        "operator_chain": (forward + "x" + " + x" * 50000 + "\n").encode(),  # not nesting: accepted
        "prefix_operators": (forward + "-" * 50000 + "x\n").encode(),
        "huge_source": b"".join(b"# %032x\n" % rng.getrandbits(128) for _ in range((17 << 20) // 35 + 1)),
    }
    for case, source in sources.items():
        # Stored, so that the per-entry deflate ratio is not what refuses them.
        method = zipfile.ZIP_DEFLATED if case == "huge_source" else zipfile.ZIP_STORED
        write(p(case + ".pt"), replaced(items, "code/__torch__.py", lambda raw: source, method))

    # A weights-only zip whose pickle calls os.system (no code, no constants).
    write(p("callable_checkpoint.pt"), [(prefix + "data.pkl", hostile, zipfile.ZIP_STORED),
                                        (prefix + "version", b"3\n", zipfile.ZIP_STORED)])


if __name__ == "__main__":
    main()
