#!/usr/bin/env python3
"""The NIR reference cases end to end, as the shared check.py runs them.

    nir_check.py BIN DATA_DIR        run and compare every DATA_DIR/NAME.expected.npz
    nir_check.py --pack SRC DATA_DIR make DATA_DIR/NAME.expected.npz from SRC/NAME.expected.json

Each case is NAME.nir, NAME.side.json (its nir_side_info) and NAME.expected.npz:
the input spikes ("input", uint8 [T, 1, features...]), per layer the library's
spike counts ("spk:NODE", [T, N]) and membranes ("mem:NODE", float32 [T, N]), and
"meta" (JSON: steps, rtol, layers). The run is

    BIN run NAME.nir --nir-conventions NAME.side.json --input X.npy --record-v all
        --out DIR --nir-output FILE

and, as check.py does, spikes must match exactly and membranes within
|out - ref| <= rtol * max(1, |ref|) (1e-6 for the dyadic cases, 1e-4 for the
trained paper graphs). Needs only numpy. Exit status 0 iff every case passed.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np


def pack(src, out):
    for f in sorted(glob.glob(os.path.join(src, "*.expected.json"))):
        d = json.load(open(f))
        name = os.path.basename(f)[: -len(".expected.json")]
        T = d["steps"]
        arrs = {"input": np.asarray(d["input"], np.uint8)}
        meta = {"steps": T, "rtol": d["tolerance"]["mem_rtol"], "layers": []}
        for L in d["expected"]["layers"]:
            meta["layers"].append(L["node"])
            if "spk" in L:
                s = np.asarray(L["spk"]).reshape(T, -1)
                arrs["spk:" + L["node"]] = s.astype(np.uint8 if s.max() < 256 else np.uint16)
            if "mem" in L:
                arrs["mem:" + L["node"]] = np.asarray(L["mem"], np.float32).reshape(T, -1)
        arrs["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
        np.savez_compressed(os.path.join(out, name + ".expected.npz"), **arrs)
        with open(os.path.join(out, name + ".side.json"), "w") as g:
            json.dump(d["nir_side_info"], g, indent=1)
            g.write("\n")


def read_output(path):
    out = {}
    lines = open(path).read().splitlines()
    i = 0
    while i < len(lines):
        ln = lines[i].split()
        i += 1
        if not ln or ln[0].startswith("#"):
            continue
        if ln[0] != "layer":
            raise ValueError(f"bad output line {i}: {lines[i - 1][:80]}")
        node, q, T, N = ln[1], ln[2], int(ln[3]), int(ln[4])
        a = np.array([[float(v) for v in lines[i + k].split()] for k in range(T)], np.float64)
        i += T
        if a.shape != (T, N):
            raise ValueError(f"layer {node} {q}: got {a.shape}, header says {(T, N)}")
        out.setdefault(node, {})[q] = a
    return out


def compare(exp, got, rtol):
    ok = True
    lines = []
    meta = json.loads(bytes(exp["meta"]).decode())
    for node in meta["layers"]:
        g = got.get(node)
        if g is None:
            lines.append(f"    {node}: MISSING in output")
            ok = False
            continue
        msg = []
        if "spk:" + node in exp:
            ref = exp["spk:" + node].astype(np.float64)
            if "spk" not in g or g["spk"].shape != ref.shape:
                msg.append("spk shape differs")
                ok = False
            else:
                n = int((g["spk"] != ref).sum())
                msg.append(f"spk {n} mismatches" if n else f"spk ok ({int(ref.sum())} spikes)")
                ok &= n == 0
        if "mem:" + node in exp:
            ref = exp["mem:" + node].astype(np.float64)
            if "mem" not in g or g["mem"].shape != ref.shape:
                msg.append("mem missing or shape differs")
                ok = False
            else:
                d = np.abs(g["mem"] - ref)
                n = int((d > rtol * np.maximum(1.0, np.abs(ref))).sum())
                msg.append(f"mem {n} off by more than {rtol:g}" if n else f"mem ok (max |diff| {d.max():.3g})")
                ok &= n == 0
        lines.append(f"    {node}: " + "; ".join(msg))
    return ok, lines


def run(binary, data):
    cases = sorted(glob.glob(os.path.join(data, "*.expected.npz")))
    passed = failed = 0
    for ef in cases:
        name = os.path.basename(ef)[: -len(".expected.npz")]
        exp = np.load(ef)
        meta = json.loads(bytes(exp["meta"]).decode())
        with tempfile.TemporaryDirectory(prefix=f"nir_{name}_") as tmp:
            x = os.path.join(tmp, "input.npy")
            np.save(x, exp["input"])
            outp = os.path.join(tmp, "output.txt")
            cmd = [binary, "run", os.path.join(data, name + ".nir"), "--nir-conventions",
                   os.path.join(data, name + ".side.json"), "--input", x, "--record-v", "all",
                   "--out", os.path.join(tmp, "out"), "--nir-output", outp, "--quiet"]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                ok, lines = False, [f"    exit {r.returncode}: {r.stderr[-400:]}"]
            else:
                ok, lines = compare(exp, read_output(outp), meta["rtol"])
        print(f"{'PASS' if ok else 'FAIL'} {name}")
        for ln in lines:
            print(ln)
        passed += ok
        failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--pack":
        pack(sys.argv[2], sys.argv[3])
        sys.exit(0)
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(run(sys.argv[1], sys.argv[2]))
