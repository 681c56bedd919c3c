#!/usr/bin/env python3
"""Random cases in the format of tests/data/lava (README.md there), with the
expected states computed by an independent model of its section 3 in plain
Python integers: not by Lava, and not by spikemesh's C code. They exercise
what the visible Lava cases do not (du = dv = 4095, vth = 0, negative
bias_exp, initial u and v, u = +2^23, sign modes, 5- and 6-bit weights,
exponents from -5 to +3, recurrence, graded payloads, 1000-step runs); the
Lava cases stay the reference, this is a second opinion.

usage: lava_reference.py OUT_DIR [N_CASES] [SEED]"""
import json
import os
import random
import sys

U = 1 << 23
VMAX = (1 << 23) - 1


def trunc_div(p, d):
    q = abs(p) // d
    return q if p >= 0 else -q


def lif_consts(du, dv, vth, bm, be):
    ku = 4096 - (du + 1)
    kv = 4096 - dv
    bias = [m * (1 << e) if e >= 0 else m >> (-e) for m, e in zip(bm, be)]  # >> floors
    return ku, kv, 64 * vth, bias


def lif_step(c, u, v, a):
    ku, kv, theta, bias = c
    spk = []
    for i in range(len(u)):
        x = trunc_div(u[i] * ku, 4096) + 64 * a[i]
        if x > U:
            x -= 2 * U
        elif x <= -U:
            x += 2 * U
        u[i] = x
        y = trunc_div(v[i] * kv, 4096) + u[i] + bias[i]
        v[i] = min(max(y, -VMAX), VMAX)
        s = 1 if v[i] > theta else 0
        if s:
            v[i] = 0
        spk.append(s)
    return spk


def dense_eff(W, nwb, sign):
    flat = [w for row in W for w in row]
    if sign is None:
        sign = "EXCITATORY" if min(flat) >= 0 else "INHIBITORY" if max(flat) <= 0 else "MIXED"
    k = 8 - nwb + (1 if sign == "MIXED" else 0)
    out = []
    for row in W:
        r = []
        for w in row:
            if sign == "MIXED":
                w = min(max(w, -256), 255)
                r.append((w >> k) << k)
            elif sign == "EXCITATORY":
                w = min(max(w, 0), 255)
                r.append((w >> k) << k)
            else:
                w = min(max(w, -255), 0)
                r.append(-(((-w) >> k) << k))
        out.append(r)
    return out, sign, k


def dense_out(We, e, x, graded):
    D = []
    for row in We:
        acc = sum(w * (p if graded else (1 if p else 0)) for w, p in zip(row, x))
        D.append(acc << e if e > 0 else acc >> (-e))
    return D


def lif_params(rng, n, allow_init=True):
    du = rng.choice([0, 4095, rng.randint(1, 16), rng.randint(0, 4095), rng.randint(3000, 4094)])
    dv = rng.choice([0, 4095, rng.randint(1, 16), rng.randint(0, 4095), rng.randint(3000, 4094)])
    vth = rng.choice([0, 1, rng.randint(2, 200), rng.randint(200, 5000), 131071, 140000])
    p = {"shape": [n], "du": du, "dv": dv, "vth": vth}
    if rng.random() < 0.6:
        if rng.random() < 0.5:
            p["bias_mant"] = [rng.randint(-4096, 4095) for _ in range(n)]
            p["bias_exp"] = [rng.randint(-7, 7) for _ in range(n)]
        else:
            p["bias_mant"] = rng.randint(-300, 300)
            p["bias_exp"] = rng.randint(-3, 3)
    if allow_init and rng.random() < 0.4:
        p["u"] = [rng.choice([0, U, rng.randint(-U + 1, U)]) for _ in range(n)]
        p["v"] = [rng.randint(-VMAX, VMAX) for _ in range(n)]
    return p


def lif_from(p, n):
    bm = p.get("bias_mant", 0)
    be = p.get("bias_exp", 0)
    bm = bm if isinstance(bm, list) else [bm] * n
    be = be if isinstance(be, list) else [be] * n
    c = lif_consts(p.get("du", 0), p.get("dv", 0), p.get("vth", 10), bm, be)
    return c, list(p.get("u", [0] * n)), list(p.get("v", [0] * n))


def population(rng, name, T):
    n = rng.randint(1, 6)
    p = lif_params(rng, n)
    c, u, v = lif_from(p, n)
    kind = rng.choice(["int16", "sparse", "small"])
    inp = []
    for t in range(T):
        if kind == "int16":
            inp.append([rng.randint(-32768, 32767) for _ in range(n)])
        elif kind == "sparse":
            inp.append([rng.randint(-2000, 4000) if rng.random() < 0.05 else 0 for _ in range(n)])
        else:
            inp.append([rng.randint(-50, 100) if rng.random() < 0.3 else 0 for _ in range(n)])
    ex = {"spk": [], "u": [], "v": []}
    for t in range(T):
        s = lif_step(c, u, v, inp[t])
        ex["spk"].append(s)
        ex["u"].append(list(u))
        ex["v"].append(list(v))
    return {"format_version": 1, "name": name, "set": "synthetic",
            "library": "tests/lava_reference.py (a model of README section 3, not Lava)",
            "class": "lava.proc.lif.process.LIF", "kind": "population", "params": p,
            "steps": T, "neurons": n, "input": inp, "expected": ex}


def dense_params(rng, n_out, n_in, graded):
    mode = rng.choice(["mixed", "exc", "inh"])
    lo, hi = {"mixed": (-300, 300), "exc": (0, 300), "inh": (-300, 0)}[mode]
    W = [[rng.randint(lo, hi) if rng.random() < 0.7 else 0 for _ in range(n_in)]
         for _ in range(n_out)]
    d = {"weights": W}
    if rng.random() < 0.7:
        d["weight_exp"] = rng.choice([-5, -3, -2, -1, 0, 1, 3])
    if rng.random() < 0.7:
        d["num_weight_bits"] = rng.choice([5, 6, 7, 8])
    if rng.random() < 0.4:
        d["sign_mode"] = {"mixed": "MIXED", "exc": rng.choice(["EXCITATORY", "MIXED"]),
                          "inh": rng.choice(["INHIBITORY", "MIXED"])}[mode]
    if graded:
        d["num_message_bits"] = 8
    return {"class": "lava.proc.dense.process.Dense", "params": d}


def network(rng, name, T, signed=False):
    n_in = rng.randint(2, 8)
    L = rng.randint(1, 3)
    sizes = [rng.randint(1, 8) for _ in range(L)]
    graded = rng.random() < 0.3 or signed
    if graded:
        # signed: payloads of either sign, as Lava's Dense takes them (W . p)
        inp = [[(rng.randint(1, 255) * (rng.choice((1, -1)) if signed else 1))
                if rng.random() < 0.3 else 0 for _ in range(n_in)] for _ in range(T)]
    else:
        rates = [rng.uniform(0.05, 0.5) for _ in range(n_in)]
        inp = [[1 if rng.random() < r else 0 for r in rates] for _ in range(T)]
    layers, state = [], []
    prev = n_in
    for k in range(L):
        n = sizes[k]
        dn = dense_params(rng, n, prev, graded and k == 0)
        p = lif_params(rng, n)
        layer = {"dense": dn, "neuron": {"class": "lava.proc.lif.process.LIF", "params": p}}
        rec = None
        if rng.random() < 0.3:
            rec = dense_params(rng, n, n, False)
            layer["recurrent"] = {"dense": rec}
        layers.append(layer)
        c, u, v = lif_from(p, n)

        def eff(d):
            dp = d["params"]
            We, _, _ = dense_eff(dp["weights"], dp.get("num_weight_bits", 8), dp.get("sign_mode"))
            return We, dp.get("weight_exp", 0), dp.get("num_message_bits", 0) > 0

        state.append({"c": c, "u": u, "v": v, "in": eff(dn), "rec": eff(rec) if rec else None,
                      "buf": [0] * n, "rbuf": [0] * n, "spk": [0] * n})
        prev = n
    exl = [{"a_in": [], "spk": [], "u": [], "v": []} for _ in range(L)]
    for t in range(T):
        for k in range(L):
            s = state[k]
            a = [x + y for x, y in zip(s["buf"], s["rbuf"])]
            s["spk"] = lif_step(s["c"], s["u"], s["v"], a)
            exl[k]["a_in"].append(a)
            exl[k]["spk"].append(list(s["spk"]))
            exl[k]["u"].append(list(s["u"]))
            exl[k]["v"].append(list(s["v"]))
        for k in range(L):
            s = state[k]
            src = inp[t] if k == 0 else state[k - 1]["spk"]
            We, e, g = s["in"]
            s["buf"] = dense_out(We, e, src, g)
            if s["rec"]:
                We, e, g = s["rec"]
                s["rbuf"] = dense_out(We, e, s["spk"], g)
    d = {"format_version": 1, "name": name, "set": "synthetic",
         "library": "tests/lava_reference.py (a model of README section 3, not Lava)",
         "class": "lava.proc.dense.process.Dense + lava.proc.lif.process.LIF", "kind": "network",
         "steps": T, "inputs": n_in, "layer_sizes": sizes, "layers": layers,
         "expected": {"layers": exl}}
    d["input_payload" if graded else "input_spikes"] = inp
    return d


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    signed = len(sys.argv) > 4 and sys.argv[4] == "signed"
    os.makedirs(out, exist_ok=True)
    rng = random.Random(seed)
    for i in range(n):
        T = rng.choice([50, 150, 300, 1000])
        kind = "pop" if i % 2 == 0 else "net"
        name = "synth_%s_%03d" % (kind, i)
        while True:
            case = population(rng, name, T) if kind == "pop" else network(rng, name, T, signed)
            # As in Lava's cases: a_in within int16 (README section 4).
            if kind == "pop" or all(abs(x) <= 32768 for l in case["expected"]["layers"]
                                    for row in l["a_in"] for x in row):
                break
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(case, f)


if __name__ == "__main__":
    main()
