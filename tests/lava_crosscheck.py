#!/usr/bin/env python3
"""Cross-check of loihi_lif against Lava's equations: an independent model of
tests/data/lava/README.md section 3 and a generator of edge cases in that
folder's format.

Written from the README alone (Lava's own source, lava-nc commit b6822fbc,
src/lava/proc/lif/models.py, src/lava/proc/dense/models.py and
src/lava/utils/weightutils.py, consulted only where the README leaves
something open: see the notes at each function). Python integers throughout,
so every value is exact.

usage:
  lava_crosscheck.py verify PATH...        recompute every case (file or folder)
                                           and compare every recorded value
  lava_crosscheck.py edge OUT              the deterministic edge cases
  lava_crosscheck.py random OUT N SEED     N random cases over the README ranges
  lava_crosscheck.py silent OUT N SEED     N populations of long input-free stretches
  lava_crosscheck.py late OUT N SEED       N input-free populations spiking > 255 steps apart
  lava_crosscheck.py netfile CASE NET      the case as a network file for spikemesh run
  lava_crosscheck.py checkrun CASE RUNDIR  compare that run's traces.csv and spikes.csv
  lava_crosscheck.py bad OUT               malformed / out-of-range variants of
                                           one valid case (each must be refused)

The generated cases carry "set": "ours" and "library": "lava_crosscheck.py"
so that nobody takes them for Lava's output.
"""
import glob
import json
import os
import random
import sys

U_HALF = 1 << 23          # u lives in (-2^23, 2^23]
V_LIM = (1 << 23) - 1     # v saturates at +-(2^23 - 1)
LIB = "lava_crosscheck.py (independent model of tests/data/lava/README.md section 3)"
LAVA_DEFAULTS = {"du": 0, "dv": 0, "vth": 10, "bias_mant": 0, "bias_exp": 0}
SIGNS = ("MIXED", "EXCITATORY", "INHIBITORY")


# ---- the model ------------------------------------------------------------

def trunc_div_4096(p):
    """trunc(p / 4096): toward zero (README 3.1; Lava: sign(p) * (|p| >> 12))."""
    q = abs(p) >> 12
    return -q if p < 0 else q


def per_neuron(x, n):
    return list(x) if isinstance(x, list) else [x] * n


def lif_consts(params, n):
    """Ku, Kv, B_i, Theta, u0, v0 from LIF kwargs (absent = Lava default)."""
    g = lambda k: params.get(k, LAVA_DEFAULTS.get(k, 0))
    ku = 4096 - (g("du") + 1)
    kv = 4096 - g("dv")
    bm = per_neuron(g("bias_mant"), n)
    be = per_neuron(g("bias_exp"), n)
    # bias_exp < 0: Lava right-shifts (floor), README 3.1.
    bias = [m << e if e >= 0 else m >> (-e) for m, e in zip(bm, be)]
    theta = g("vth") << 6
    u0 = per_neuron(params.get("u", 0), n)
    v0 = per_neuron(params.get("v", 0), n)
    return ku, kv, bias, theta, u0, v0


class Lif:
    def __init__(self, params, n):
        self.n = n
        self.ku, self.kv, self.bias, self.theta, u0, v0 = lif_consts(params, n)
        self.u = list(u0)
        self.v = list(v0)
        self.cov = dict(u_wrap_pos=0, u_wrap_neg=0, u_at_plus_2p23=0, v_clip_pos=0,
                        v_clip_neg=0, trunc_ne_floor=0, spikes=0)

    def step(self, a):
        s = [0] * self.n
        for i in range(self.n):
            pu = self.u[i] * self.ku
            x = trunc_div_4096(pu) + 64 * a[i]
            if x > U_HALF:
                x -= 1 << 24
                self.cov["u_wrap_pos"] += 1
            elif x <= -U_HALF:
                x += 1 << 24
                self.cov["u_wrap_neg"] += 1
            self.u[i] = x
            self.cov["u_at_plus_2p23"] += x == U_HALF
            pv = self.v[i] * self.kv
            y = trunc_div_4096(pv) + x + self.bias[i]
            self.cov["trunc_ne_floor"] += (pu < 0 and pu % 4096 != 0) + (pv < 0 and pv % 4096 != 0)
            if y > V_LIM:
                y = V_LIM
                self.cov["v_clip_pos"] += 1
            elif y < -V_LIM:
                y = -V_LIM
                self.cov["v_clip_neg"] += 1
            if y > self.theta:
                s[i] = 1
                y = 0
                self.cov["spikes"] += 1
            self.v[i] = y
        return s


def derive_sign(w):
    flat = [x for r in w for x in r]
    if min(flat) >= 0:
        return "EXCITATORY"
    if max(flat) <= 0:
        return "INHIBITORY"
    return "MIXED"


def dense_effective(dp):
    """(W', mode, k, clipped, truncated) from Dense kwargs (README 3.2)."""
    w = dp["weights"]
    mode = dp.get("sign_mode") or derive_sign(w)
    nwb = dp.get("num_weight_bits", 8)
    lo, hi = {"MIXED": (-256, 255), "EXCITATORY": (0, 255), "INHIBITORY": (-255, 0)}[mode]
    k = 8 - nwb + (mode == "MIXED")
    out, clipped, trunc = [], 0, 0
    for r in w:
        row = []
        for x in r:
            c = min(max(x, lo), hi)
            clipped += c != x
            # MIXED/EXCITATORY: two's complement (floor); INHIBITORY: on the
            # magnitude (weightutils.truncate_weights negates around the shift).
            t = (c >> k) << k if mode != "INHIBITORY" else -(((-c) >> k) << k)
            trunc += t != c
            row.append(t)
        out.append(row)
    return out, mode, k, clipped, trunc


class Dense:
    def __init__(self, dp):
        self.w, self.mode, self.k, self.clipped, self.truncated = dense_effective(dp)
        self.e = dp.get("weight_exp", 0)
        self.graded = dp.get("num_message_bits", 0) > 0
        self.buf = [0] * len(self.w)      # a_buff: sent one step later
        self.inexact = 0

    def step(self, s):
        """Send the buffer of the previous step, then accumulate s."""
        out = self.buf
        p = s if self.graded else [1 if x != 0 else 0 for x in s]
        acc = [sum(wj * pi for wj, pi in zip(row, p)) for row in self.w]
        if self.e > 0:
            d = [a << self.e for a in acc]
        else:
            d = [a >> (-self.e) for a in acc]
            self.inexact += sum(a != (x << (-self.e)) for a, x in zip(acc, d))
        self.buf = d
        return out


def run_population(c):
    n, T = c["neurons"], c["steps"]
    lif = Lif(c["params"], n)
    spk, us, vs = [], [], []
    for t in range(T):
        spk.append(lif.step(c["input"][t]))
        us.append(list(lif.u))
        vs.append(list(lif.v))
    return {"spk": spk, "u": us, "v": vs}, {"lif0": lif.cov}


def run_network(c):
    T = c["steps"]
    inp = c.get("input_spikes") or c.get("input_payload")
    layers = []
    for L in c["layers"]:
        n = L["neuron"]["params"]["shape"][0]
        rec = L.get("recurrent")
        layers.append(dict(dense=Dense(L["dense"]["params"]), lif=Lif(L["neuron"]["params"], n),
                           rec=Dense(rec["dense"]["params"]) if rec else None))
    out = [dict(a_in=[], spk=[], u=[], v=[]) for _ in layers]
    for t in range(T):
        src = inp[t]
        for k, L in enumerate(layers):
            a = L["dense"].step(src)
            if L["rec"] is not None:
                # The recurrent Dense gets the layer's spikes of step t at the
                # end of step t and sends them at t + 1; its buffer send order
                # does not matter: its output now is from t - 1.
                ra = L["rec"].buf
                a = [x + y for x, y in zip(a, ra)]
            s = L["lif"].step(a)
            if L["rec"] is not None:
                L["rec"].step(s)
            o = out[k]
            o["a_in"].append(a)
            o["spk"].append(s)
            o["u"].append(list(L["lif"].u))
            o["v"].append(list(L["lif"].v))
            src = s
    cov = {}
    for k, L in enumerate(layers):
        cov["lif%d" % k] = L["lif"].cov
        for tag, d in (("dense", L["dense"]), ("recurrent", L["rec"])):
            if d is not None:
                cov["%s%d" % (tag, k)] = dict(weights_clipped=d.clipped,
                                              weights_truncated=d.truncated,
                                              acc_floor_inexact=d.inexact)
    return {"layers": out}, cov


def run_case(c):
    return run_population(c) if c["kind"] == "population" else run_network(c)


# ---- verify ---------------------------------------------------------------

def case_files(paths):
    for p in paths:
        if os.path.isdir(p):
            for f in sorted(glob.glob(os.path.join(p, "*.json"))):
                yield f
        else:
            yield p


def first_diff(name, got, ref):
    for t, (g, r) in enumerate(zip(got, ref)):
        if g != r:
            i = next(i for i, (a, b) in enumerate(zip(g, r)) if a != b)
            return "%s[t=%d][n=%d]: model %d, file %d" % (name, t, i, g[i], r[i])
    if len(got) != len(ref):
        return "%s: %d steps, file %d" % (name, len(got), len(ref))
    return None


def verify(paths):
    bad = 0
    n = 0
    for f in case_files(paths):
        c = json.load(open(f))
        n += 1
        ex, _ = run_case(c)
        diffs = []
        if c["kind"] == "population":
            for k in ("spk", "u", "v"):
                diffs.append(first_diff(k, ex[k], c["expected"][k]))
        else:
            for k, (g, r) in enumerate(zip(ex["layers"], c["expected"]["layers"])):
                for q in ("a_in", "spk", "u", "v"):
                    if q in r:
                        diffs.append(first_diff("layers[%d].%s" % (k, q), g[q], r[q]))
        diffs = [d for d in diffs if d]
        if diffs:
            bad += 1
            print("DIFF %s: %s" % (os.path.basename(f), "; ".join(diffs)))
        else:
            print("SAME %s" % os.path.basename(f))
    print("%d same, %d differ" % (n - bad, bad))
    return 1 if bad else 0


# ---- writing cases --------------------------------------------------------

def lif_derived(params, n):
    ku, kv, bias, theta, u0, v0 = lif_consts(params, n)
    g = lambda k: params.get(k, LAVA_DEFAULTS.get(k, 0))
    return {"du": g("du"), "dv": g("dv"), "ds_offset": 1, "dm_offset": 0,
            "u_decay_factor": ku, "v_decay_factor": kv, "decay_shift": 12, "act_shift": 6,
            "effective_bias": bias, "vth_shift": 6, "effective_vth": theta,
            "u_init": u0, "v_init": v0,
            "u_wrap": "x > 2^23 -> x - 2^24; x <= -2^23 -> x + 2^24",
            "v_limits": [-V_LIM, V_LIM]}


def dense_block(dp):
    w, mode, k, _, _ = dense_effective(dp)
    return {"class": "lava.proc.dense.process.Dense", "params": dp,
            "derived": {"sign_mode": mode, "num_weight_bits": dp.get("num_weight_bits", 8),
                        "num_truncate_bits": k, "weight_exp": dp.get("weight_exp", 0),
                        "num_message_bits": dp.get("num_message_bits", 0),
                        "weights_effective": w}}


def population(name, params, inputs, notes, spec=None):
    n = params["shape"][0]
    c = {"format_version": 1, "name": name, "set": "ours", "library": LIB,
         "class": "lava.proc.lif.process.LIF", "kind": "population", "params": params,
         "derived": lif_derived(params, n), "steps": len(inputs), "neurons": n,
         "input_spec": spec or {"kind": "crafted"}, "input": inputs}
    c["expected"], c["coverage"] = run_population(c)
    c["notes"] = notes
    return c


def network(name, inputs, layers, notes, graded=False, spec=None):
    """layers: list of (dense_params, lif_params, recurrent_dense_params or None)."""
    Ls = []
    for dp, lp, rp in layers:
        n = lp["shape"][0]
        L = {"dense": dense_block(dp),
             "neuron": {"class": "lava.proc.lif.process.LIF", "params": lp,
                        "derived": lif_derived(lp, n)}}
        if rp is not None:
            L["recurrent"] = {"dense": dense_block(rp)}
        Ls.append(L)
    c = {"format_version": 1, "name": name, "set": "ours", "library": LIB,
         "class": "lava.proc.dense.process.Dense + lava.proc.lif.process.LIF",
         "kind": "network", "steps": len(inputs), "inputs": len(inputs[0]),
         "layer_sizes": [lp["shape"][0] for _, lp, _ in layers],
         "input_spec": spec or {"kind": "crafted"},
         ("input_payload" if graded else "input_spikes"): inputs, "layers": Ls}
    c["expected"], c["coverage"] = run_network(c)
    c["notes"] = notes
    return c


def write(out, c):
    with open(os.path.join(out, c["name"] + ".json"), "w") as f:
        json.dump(c, f, separators=(",", ":"))


# ---- deterministic edge cases ---------------------------------------------

def craft_u_target(ku, target, a):
    """An initial u whose decay plus 64 a lands exactly on target (or None)."""
    want = target - 64 * a
    # trunc(u ku / 4096) = want: u near want * 4096 / ku
    if ku == 0:
        return None if want != 0 else 0
    base = want * 4096 // ku
    for u in range(base - 4, base + 5):
        if -U_HALF < u <= U_HALF and trunc_div_4096(u * ku) == want:
            return u
    return None


def edge_cases(rng):
    cs = []
    R = lambda lo, hi: rng.randint(lo, hi)

    # Decays at the ends and in between, random signed input.
    for du, dv in [(0, 4095), (4095, 0), (4095, 4095), (1, 1), (4094, 4094), (1, 4094),
                   (2048, 2047), (4095, 1), (0, 1)]:
        n, T = 5, 200
        inp = [[R(-2000, 2000) if rng.random() < 0.3 else 0 for _ in range(n)] for _ in range(T)]
        cs.append(population("ours_decay_du%d_dv%d" % (du, dv),
                             {"shape": [n], "du": du, "dv": dv, "vth": 200,
                              "bias_mant": [0, 7, -7, 100, -100], "bias_exp": 0},
                             inp, "du, dv at the ends of their range", {"kind": "sparse uniform"}))

    # vth at 0, 1, 17 bits, 140000, 2^23 - 1; absent (Lava default 10).
    for vth in (0, 1, 131071, 140000, (1 << 23) - 1, None):
        n, T = 4, 150
        p = {"shape": [n], "du": 300, "dv": 20, "bias_mant": [1, 0, -1, 4095], "bias_exp": [0, 0, 0, 7]}
        if vth is not None:
            p["vth"] = vth
        inp = [[R(-32768, 32767) if rng.random() < 0.4 else 0 for _ in range(n)] for _ in range(T)]
        cs.append(population("ours_vth_%s" % ("default" if vth is None else vth), p, inp,
                             "threshold extremes; positive saturation against 64 vth"))

    # bias_exp -7..7 with extreme mantissas, scalar and per-neuron forms.
    mants = [-4096, -4095, -1, 1, 4095, -3, 3, 0]
    for e in range(-7, 8):
        n = len(mants)
        cs.append(population("ours_bias_exp_%+d" % e,
                             {"shape": [n], "du": 0, "dv": 4000 if e > 3 else 100,
                              "vth": 131071, "bias_mant": mants, "bias_exp": e},
                             [[0] * n for _ in range(60)], "bias mantissa extremes, exponent %d" % e))
    cs.append(population("ours_bias_scalar_negexp",
                         {"shape": [3], "du": 10, "dv": 10, "vth": 50, "bias_mant": -4096,
                          "bias_exp": -7}, [[0, 5, -5]] * 80, "scalar bias, floor of -4096/128"))
    cs.append(population("ours_bias_mixed_exps",
                         {"shape": [6], "du": 10, "dv": 10, "vth": 500,
                          "bias_mant": [-1, -1, 1, -4096, 4095, -2], "bias_exp": [-1, -7, -1, 7, 7, -1]},
                         [[0] * 6] * 80, "per-neuron exponents of both signs; -1 >> k is -1"))

    # u wrap at +-2^23 exactly: crafted initial u, one input step.
    for du in (0, 1, 100):
        ku = 4095 - du
        cols = []
        for target, a in [(U_HALF, 32767), (U_HALF, 0), (-U_HALF, -32768), (-U_HALF, 0),
                          (U_HALF + 1, 32767), (-U_HALF + 1, -32768), (U_HALF - 1, 32767),
                          (-U_HALF - 1, -32768)]:
            u0 = craft_u_target(ku, target, a)
            if u0 is not None:
                cols.append((u0, a))
        n = len(cols)
        T = 40
        inp = [[a if t == 0 else (32767 if (t // 7) % 2 else -32768) for (_, a) in cols]
               for t in range(T)]
        cs.append(population("ours_u_wrap_du%d" % du,
                             {"shape": [n], "du": du, "dv": 0, "vth": 131071,
                              "u": [u for u, _ in cols], "v": [V_LIM if i % 2 else -V_LIM for i in range(n)]},
                             inp, "x = +-2^23, +-(2^23 + 1), +-(2^23 - 1) at step 0; then full-scale input"))
    # u starting at +2^23 and at -2^23 + 1, no input.
    cs.append(population("ours_u_init_edges",
                         {"shape": [4], "du": 0, "dv": 4095, "vth": 0,
                          "u": [U_HALF, -U_HALF + 1, 4095, -4095], "v": [V_LIM, -V_LIM, 0, 1]},
                         [[0] * 4] * 30, "initial u at the ends of (-2^23, 2^23], v at saturation"))

    # v saturation: long full-scale drive both ways; a threshold just below / at the positive limit.
    for vth in (131071, 131072, 0):
        n, T = 4, 120
        inp = [[32767, -32768, 32767 if t < 60 else -32768, R(-32768, 32767)] for t in range(T)]
        cs.append(population("ours_v_sat_vth%d" % vth,
                             {"shape": [n], "du": 0, "dv": 0, "vth": vth, "bias_mant": 4095,
                              "bias_exp": 7}, inp, "v saturates at +-(2^23 - 1); u wraps"))

    # Initial states and spikes at step 0.
    cs.append(population("ours_init_states",
                         {"shape": [5], "du": 2000, "dv": 3000, "vth": 100,
                          "u": [6400, -6400, 0, 12345, -1], "v": [6401, 6400, -6400, 0, 8388607]},
                         [[0] * 5] * 50, "non-zero initial u and v; step-0 spikes from the initial state"))

    # Scalar initial states (Lava broadcasts them) and a_in = +-32768, the
    # README's largest input.
    cs.append(population("ours_init_scalar_full_scale",
                         {"shape": [3], "du": 7, "dv": 9, "vth": 131071, "u": -777777, "v": 4444444},
                         [[32768, -32768, 32768 if t % 5 else -32768] for t in range(60)],
                         "scalar u and v; |a| = 32768"))

    # Truncation toward zero on small negatives.
    cs.append(population("ours_trunc_small_negative",
                         {"shape": [4], "du": 4094, "dv": 4094, "vth": 0,
                          "u": [-4095, -4097, -1, -8191], "v": [-4095, -4097, -1, -8191]},
                         [[0] * 4] * 20, "trunc(-4094/4096) = 0 and friends"))

    # 1000-step populations: sparse and dense input.
    for tag, rate in (("sparse", 0.02), ("dense", 0.7)):
        n, T = 8, 1000
        inp = [[R(-3000, 3000) if rng.random() < rate else 0 for _ in range(n)] for _ in range(T)]
        cs.append(population("ours_long_%s" % tag,
                             {"shape": [n], "du": 50, "dv": 5, "vth": 300,
                              "bias_mant": [R(-200, 200) for _ in range(n)],
                              "bias_exp": [R(-3, 3) for _ in range(n)]},
                             inp, "1000 steps, %s input" % tag))

    # Dense: every sign mode (derived and explicit) x every num_weight_bits.
    edge_w = [-300, -257, -256, -255, -254, -129, -128, -127, -3, -2, -1, 0, 1, 2, 3,
              127, 128, 129, 253, 254, 255, 256, 300]
    for mode in (None,) + SIGNS:
        for nwb in range(1, 9):
            n_in = len(edge_w)
            # one output per weight column position: neuron j sees edge_w rotated.
            n_out = 4
            if mode is None:
                sets = [[abs(x) for x in edge_w], [-abs(x) for x in edge_w], edge_w, [0] * n_in]
                variants = [("exc", sets[0]), ("inh", sets[1]), ("mixed", sets[2]), ("zero", sets[3])]
            else:
                variants = [("any", edge_w)]
            for vname, row in variants:
                w = [row[j:] + row[:j] for j in range(n_out)]
                w = [[x if (i + j) % 3 else 0 for i, x in enumerate(r)] for j, r in enumerate(w)]
                dp = {"weights": w, "weight_exp": 0, "num_weight_bits": nwb}
                if mode:
                    dp["sign_mode"] = mode
                T = 60
                inp = [[1 if rng.random() < 0.5 else 0 for _ in range(n_in)] for _ in range(T)]
                lp = {"shape": [n_out], "du": 4095, "dv": 4095, "vth": 131071}
                cs.append(network("ours_w_%s_%s_b%d" % (mode or "derived", vname, nwb), inp,
                                  [(dp, lp, None)],
                                  "clip and truncate edge weights; du = dv = 4095 makes u = 64 a"))

    # weight_exp -7..7 (and absent) with negative and positive sums.
    for e in list(range(-7, 8)) + [None]:
        n_in, n_out, T = 10, 5, 120
        w = [[R(-256, 255) for _ in range(n_in)] for _ in range(n_out)]
        dp = {"weights": w, "num_weight_bits": 6}
        if e is not None:
            dp["weight_exp"] = e
        inp = [[1 if rng.random() < 0.4 else 0 for _ in range(n_in)] for _ in range(T)]
        lp = {"shape": [n_out], "du": 1000, "dv": 200, "vth": 2000 if (e or 0) > 3 else 200}
        cs.append(network("ours_wexp_%s" % ("default" if e is None else "%+d" % e), inp,
                          [(dp, lp, None)], "weight_exp on the summed input, floored when negative"))

    # Raw weights far outside 8 bits (Lava's Dense takes any int32 and clips).
    inp = [[1 if rng.random() < 0.5 else 0 for _ in range(4)] for _ in range(50)]
    for tag, w in (("mixed", [[100000, -100000, 1 << 30, -(1 << 31)], [5, 7, -(1 << 31), (1 << 31) - 1]]),
                   ("inh", [[-100000, -1, -(1 << 31), 0], [-5, -7, -(1 << 31), -300]])):
        cs.append(network("ours_w_huge_%s" % tag, inp,
                          [({"weights": w, "weight_exp": -1, "num_weight_bits": 6},
                            {"shape": [2], "du": 100, "dv": 100, "vth": 100}, None)],
                          "weights as passed up to the int32 limits: clipped to 8 bits"))

    # Dense kwargs all absent (defaults: 8 bits, derived sign, exponent 0, binary).
    cs.append(network("ours_dense_defaults",
                      [[1 if rng.random() < 0.5 else 0 for _ in range(3)] for _ in range(80)],
                      [({"weights": [[3, -3, 255], [-256, 1, -1]]}, {"shape": [2]}, None)],
                      "Dense(weights) and LIF(shape) only: every default"))

    # Recurrence: a layer onto itself; negative exponents on both Dense (two accumulators).
    for tag, e_in, e_rec, nwb_rec, mode in [("negneg", -3, -5, 5, None), ("pos", 3, 1, 6, "MIXED"),
                                            ("inh", 0, -1, 6, "INHIBITORY"), ("exc", -2, 2, 5, "EXCITATORY"),
                                            ("zero", 0, 0, 8, None)]:
        n_in, n, T = 6, 7, 300
        w_in = [[R(-200, 255) for _ in range(n_in)] for _ in range(n)]
        w_rec = [[R(-255, 255) if i != j else R(-50, 50) for i in range(n)] for j in range(n)]
        rp = {"weights": w_rec, "weight_exp": e_rec, "num_weight_bits": nwb_rec}
        if mode:
            rp["sign_mode"] = mode
        lp = {"shape": [n], "du": 800, "dv": 150, "vth": 150, "bias_mant": [R(-20, 20) for _ in range(n)],
              "bias_exp": 1}
        inp = [[1 if rng.random() < 0.2 else 0 for _ in range(n_in)] for _ in range(T)]
        cs.append(network("ours_recurrent_%s" % tag, inp,
                          [({"weights": w_in, "weight_exp": e_in, "num_weight_bits": 7}, lp, rp)],
                          "a recurrent Dense onto its own LIF: spikes of t reach a_in at t + 1"))
    # Recurrence in the middle of three layers.
    n_in, T = 5, 250
    sizes = [6, 5, 3]
    layers = []
    prev = n_in
    for k, n in enumerate(sizes):
        w = [[R(-255, 255) for _ in range(prev)] for _ in range(n)]
        dp = {"weights": w, "weight_exp": [-1, 1, -3][k], "num_weight_bits": [8, 5, 6][k]}
        lp = {"shape": [n], "du": [100, 4095, 0][k], "dv": [50, 1000, 4095][k], "vth": [100, 80, 10][k]}
        rp = None
        if k == 1:
            rp = {"weights": [[R(-100, 100) for _ in range(n)] for _ in range(n)], "weight_exp": -2,
                  "num_weight_bits": 6, "sign_mode": "MIXED"}
        layers.append((dp, lp, rp))
        prev = n
    inp = [[1 if rng.random() < 0.3 else 0 for _ in range(n_in)] for _ in range(T)]
    cs.append(network("ours_3layer_mid_recurrent", inp, layers, "three layers, recurrence in layer 1"))

    # Graded payloads (num_message_bits = 8 and others), positive and signed;
    # graded Dense behind a LIF (payload 0/1); payloads into a binary Dense.
    for tag, nmb, lo, hi, e in [("u8", 8, 1, 255, -3), ("s8", 8, -128, 127, -5), ("m1", 1, 0, 1, 0),
                                ("m24", 24, -5000, 5000, -7), ("m3", 3, 0, 7, 2)]:
        n_in, n, T = 4, 3, 200
        inp = [[R(lo, hi) if rng.random() < 0.5 else 0 for _ in range(n_in)] for _ in range(T)]
        dp = {"weights": [[R(-256, 255) for _ in range(n_in)] for _ in range(n)], "weight_exp": e,
              "num_weight_bits": 6, "num_message_bits": nmb}
        lp = {"shape": [n], "du": 200, "dv": 300, "vth": 400}
        dp2 = {"weights": [[R(-256, 255) for _ in range(n)] for _ in range(2)], "weight_exp": 1,
               "num_message_bits": 8}
        lp2 = {"shape": [2], "du": 4095, "dv": 100, "vth": 30}
        cs.append(network("ours_graded_%s" % tag, inp, [(dp, lp, None), (dp2, lp2, None)],
                          "graded input payloads (num_message_bits %d), then a graded Dense behind a LIF"
                          % nmb, graded=True))
    n_in, n, T = 4, 3, 100
    inp = [[R(-50, 50) if rng.random() < 0.5 else 0 for _ in range(n_in)] for _ in range(T)]
    cs.append(network("ours_payload_binary_dense", inp,
                      [({"weights": [[R(-256, 255) for _ in range(n_in)] for _ in range(n)],
                         "weight_exp": -1}, {"shape": [n], "du": 10, "dv": 10, "vth": 20}, None)],
                      "input_payload into a Dense with num_message_bits 0: any non-zero payload is one spike",
                      graded=True))

    # 1000-step networks: two and four layers.
    for tag, sizes in (("2layer", [12, 6]), ("4layer", [10, 8, 6, 4])):
        n_in, T = 8, 1000
        layers, prev = [], n_in
        for k, n in enumerate(sizes):
            mode = rng.choice([None, "MIXED", "EXCITATORY", "INHIBITORY"])
            w = [[R(-300, 300) for _ in range(prev)] for _ in range(n)]
            if k == 0:
                w = [[abs(x) for x in r] for r in w]
            dp = {"weights": w, "weight_exp": R(-5, 3), "num_weight_bits": R(5, 8)}
            if mode and k:
                dp["sign_mode"] = mode
            lp = {"shape": [n], "du": R(0, 4095), "dv": R(0, 600), "vth": R(20, 400),
                  "bias_mant": [R(-100, 100) for _ in range(n)], "bias_exp": R(-3, 3)}
            layers.append((dp, lp, None))
            prev = n
        inp = [[1 if rng.random() < 0.15 else 0 for _ in range(n_in)] for _ in range(T)]
        cs.append(network("ours_long_net_%s" % tag, inp, layers, "1000-step network"))

    # Full-scale a_in through Dense: u wraps in a network too.
    n_in, T = 16, 200
    dp = {"weights": [[255] * n_in, [-256] * n_in], "weight_exp": 3}
    cs.append(network("ours_net_u_wrap", [[1] * n_in if t % 3 else [0] * n_in for t in range(T)],
                      [(dp, {"shape": [2], "du": 0, "dv": 0, "vth": 131071}, None)],
                      "|a| = 16 x 255 x 8 = 32640 and 32768: u wraps, v saturates"))
    # A one-neuron, one-input network and a layer of size 1 after a wide one.
    cs.append(network("ours_net_tiny", [[t % 2] for t in range(50)],
                      [({"weights": [[-1]], "weight_exp": 7, "num_weight_bits": 1}, {"shape": [1], "vth": 0,
                                                                                     "bias_mant": 1}, None),
                       ({"weights": [[129]], "num_weight_bits": 1}, {"shape": [1], "vth": 0}, None)],
                      "1x1 Dense, num_weight_bits 1: -1 becomes -256 (MIXED derived? no: INHIBITORY)"))
    return cs


# ---- random cases over the README's ranges --------------------------------

def random_lif(rng, n):
    R = rng.randint
    pick = lambda *xs: rng.choice(xs)
    p = {"shape": [n]}
    for k in ("du", "dv"):
        if rng.random() < 0.9:
            p[k] = pick(0, 1, 4095, 4094, R(0, 4095), R(0, 200), R(3900, 4095))
    if rng.random() < 0.95:
        p["vth"] = pick(0, 1, 131071, 140000, R(0, 500), R(0, 131071))
    if rng.random() < 0.7:
        p["bias_mant"] = [R(-4096, 4095) if rng.random() < 0.5 else 0 for _ in range(n)] \
            if rng.random() < 0.6 else R(-4096, 4095)
        p["bias_exp"] = [R(-7, 7) for _ in range(n)] if rng.random() < 0.6 else R(-7, 7)
    if rng.random() < 0.3:
        p["u"] = [R(-U_HALF + 1, U_HALF) if rng.random() < 0.3 else R(-5000, 5000) for _ in range(n)]
    if rng.random() < 0.3:
        p["v"] = [R(-V_LIM, V_LIM) if rng.random() < 0.3 else R(-5000, 5000) for _ in range(n)]
    return p


def random_cases(n_cases, seed):
    rng = random.Random(seed)
    R = rng.randint
    cs = []
    for k in range(n_cases):
        T = rng.choice([50, 200, 1000]) if rng.random() < 0.2 else R(20, 150)
        if rng.random() < 0.4:
            n = R(1, 8)
            amp = rng.choice([32767, 2000, 100])
            rate = rng.random()
            inp = [[(R(-amp - 1, amp) if rng.random() < rate else 0) for _ in range(n)] for _ in range(T)]
            cs.append(population("ours_rand%d_%03d_pop" % (seed, k), random_lif(rng, n), inp,
                                 "random population", {"kind": "uniform", "seed": seed}))
            continue
        n_in = R(1, 10)
        graded = rng.random() < 0.25
        nl = R(1, 4)
        layers, prev = [], n_in
        for j in range(nl):
            n = R(1, 8)
            lo = rng.choice([-300, -256, 0, -100])
            hi = rng.choice([300, 255, 0, 100])
            if lo == hi == 0:
                hi = 255
            w = [[R(lo, hi) for _ in range(prev)] for _ in range(n)]
            dp = {"weights": w}
            if rng.random() < 0.8:
                dp["weight_exp"] = R(-7, 7) if rng.random() < 0.3 else R(-5, 3)
            if rng.random() < 0.8:
                dp["num_weight_bits"] = rng.choice([5, 6, R(1, 8)])
            if rng.random() < 0.4:
                dp["sign_mode"] = rng.choice(SIGNS)
            if (graded and j == 0) or rng.random() < 0.1:
                dp["num_message_bits"] = rng.choice([8, 8, 1, 16, 24])
            lp = random_lif(rng, n)
            rp = None
            if rng.random() < 0.3:
                rp = {"weights": [[R(-256, 255) for _ in range(n)] for _ in range(n)],
                      "weight_exp": R(-5, 2), "num_weight_bits": R(4, 8)}
                if rng.random() < 0.4:
                    rp["sign_mode"] = rng.choice(SIGNS)
            layers.append((dp, lp, rp))
            prev = n
        rate = rng.random() * 0.6
        if graded:
            pl = rng.choice([(1, 255), (-128, 127), (-1000, 1000)])
            inp = [[R(*pl) if rng.random() < rate else 0 for _ in range(n_in)] for _ in range(T)]
        else:
            inp = [[1 if rng.random() < rate else 0 for _ in range(n_in)] for _ in range(T)]
        c = network("ours_rand%d_%03d_net" % (seed, k), inp, layers, "random network",
                    graded=graded, spec={"kind": "bernoulli", "seed": seed})
        if in_readme_range(c):
            cs.append(c)
    return cs


def in_readme_range(c):
    """|a_in| <= 2^15 and |u| <= 2^23, as in every Lava case (README 1, 4).
    Beyond, Lava's int32 arithmetic can overflow where this model does not."""
    for L in c["expected"]["layers"]:
        if any(abs(x) > 32768 for r in L["a_in"] for x in r) or \
                any(abs(x) > U_HALF for r in L["u"] for x in r):
            return False
    return True


def silent_cases(n_cases, seed):
    """Populations with a few input pulses and long silences: what the event
    engine jumps over (catch-up, next-spike prediction, the NEVER bound)."""
    rng = random.Random(seed)
    R = rng.randint
    cs = []
    for k in range(n_cases):
        n, T = 24, rng.choice([400, 1000, 1500])
        p = {"shape": [n],
             "du": rng.choice([0, 1, 2, 5, 20, 300, 4000, 4095, R(0, 4095)]),
             "dv": rng.choice([0, 1, 2, 3, 7, 40, 500, 4095, R(0, 4095)]),
             "vth": rng.choice([0, 1, 3, 15, 100, 1000, 20000, 131071, R(0, 140000)]),
             "bias_mant": [rng.choice([0, 0, 1, -1, 2, R(-40, 40), R(-4096, 4095)]) for _ in range(n)],
             "bias_exp": [rng.choice([0, 0, R(-7, 7), R(-3, 0)]) for _ in range(n)]}
        if rng.random() < 0.5:
            p["u"] = [rng.choice([0, R(-U_HALF + 1, U_HALF), R(-70000, 70000)]) for _ in range(n)]
        if rng.random() < 0.5:
            p["v"] = [rng.choice([0, R(-V_LIM, V_LIM), R(-70000, 70000)]) for _ in range(n)]
        pulses = sorted(rng.sample(range(T), R(0, 4)))
        amp = rng.choice([32767, 3000, 100, 5])
        inp = [[R(-amp - 1, amp) if t in pulses and rng.random() < 0.7 else 0 for _ in range(n)]
               for t in range(T)]
        cs.append(population("ours_silent%d_%03d" % (seed, k), p, inp,
                             "a few pulses, long silences: event-engine catch-up and prediction",
                             {"kind": "pulses", "at": pulses, "seed": seed}))
    return cs


def late_cases(n_cases, seed):
    """Populations without input whose neurons spike first (or again) more
    than 255 steps after the start: past the engine's stepping horizon."""
    rng = random.Random(seed)
    R = rng.randint
    cs = []
    for k in range(n_cases):
        T = 1500
        du = rng.choice([0, 1, 3, 10, 100, R(0, 4095)])
        dv = rng.choice([0, 1, 2, 5, 17, 100, R(0, 600)])
        vth = rng.choice([1, 10, 100, 1000, 30000, R(0, 131071)])
        cols = []
        for _ in range(400):
            if len(cols) == 16:
                break
            q = {"shape": [1], "du": du, "dv": dv, "vth": vth,
                 "bias_mant": R(-4096, 4095) if rng.random() < 0.3 else R(-50, 50),
                 "bias_exp": rng.choice([0, R(-7, 7)]),
                 "u": rng.choice([0, R(-U_HALF + 1, U_HALF), R(-100000, 100000)]),
                 "v": rng.choice([0, R(-V_LIM, V_LIM), R(-100000, 100000)])}
            lif = Lif(q, 1)
            times = [t for t in range(T) if lif.step([0])[0]]
            gaps = [b - a for a, b in zip([-1] + times, times)]
            if gaps and max(gaps) > 255:
                cols.append(q)
        if not cols:
            continue
        n = len(cols)
        p = {"shape": [n], "du": du, "dv": dv, "vth": vth,
             "bias_mant": [q["bias_mant"] for q in cols], "bias_exp": [q["bias_exp"] for q in cols],
             "u": [q["u"] for q in cols], "v": [q["v"] for q in cols]}
        cs.append(population("ours_late%d_%03d" % (seed, k), p, [[0] * n for _ in range(T)],
                             "no input; every neuron has a spike more than 255 steps after the last",
                             {"kind": "none", "seed": seed}))
    return cs


# ---- malformed / out-of-range variants -------------------------------------

def bad_cases(rng):
    """(name, case, what the message must name) for out-of-range input."""
    base_p = population("x", {"shape": [2], "du": 10, "dv": 10, "vth": 10}, [[1, 2]] * 5, "base")
    base_n = network("x", [[1, 0]] * 5, [({"weights": [[1, 2], [3, 4]], "weight_exp": 0,
                                           "num_weight_bits": 8}, {"shape": [2]}, None)], "base")
    out = []

    def pv(name, edit, field, value):
        c = json.loads(json.dumps(base_p))
        c["name"] = name
        edit(c)
        out.append((name, c, field, value))

    def nv(name, edit, field, value):
        c = json.loads(json.dumps(base_n))
        c["name"] = name
        edit(c)
        out.append((name, c, field, value))

    def setp(k, v):
        return lambda c: c["params"].__setitem__(k, v)

    pv("bad_du_4096", setp("du", 4096), "params.du", "4096")
    pv("bad_du_neg", setp("du", -1), "params.du", "-1")
    pv("bad_dv_4096", setp("dv", 4096), "params.dv", "4096")
    pv("bad_vth_25bit", setp("vth", 1 << 24), "params.vth", str(1 << 24))
    pv("bad_vth_neg", setp("vth", -1), "params.vth", "-1")
    pv("bad_bias_mant", setp("bias_mant", 4096), "params.bias_mant", "4096")
    pv("bad_bias_exp_8", setp("bias_exp", 8), "params.bias_exp", "8")
    pv("bad_bias_exp_list", setp("bias_exp", [0, 8]), "params.bias_exp[1]", "8")
    pv("bad_u_init", setp("u", [-(1 << 23), 0]), "params.u[0]", str(-(1 << 23)))
    pv("bad_v_init", setp("v", [0, 1 << 23]), "params.v[1]", str(1 << 23))
    pv("bad_du_float", setp("du", 1.5), "params.du", "1.5")
    pv("bad_shape", setp("shape", [3]), "params.shape", "")
    pv("bad_bias_len", setp("bias_mant", [1, 2, 3]), "params.bias_mant", "")
    pv("bad_input_rows", lambda c: c.__setitem__("input", c["input"][:-1]), "input", "")
    pv("bad_input_cols", lambda c: c["input"].__setitem__(0, [1]), "input[0]", "")
    pv("bad_expected_rows", lambda c: c["expected"]["u"].pop(), "expected.u", "")
    pv("bad_input_2p25", lambda c: c["input"][2].__setitem__(1, 1 << 25), "input[2][1]", str(1 << 25))
    pv("bad_bias_exp_m32", setp("bias_exp", -32), "params.bias_exp", "-32")
    pv("bad_u_scalar_range", setp("u", (1 << 23) + 1), "params.u", str((1 << 23) + 1))
    pv("bad_input_float", lambda c: c["input"][1].__setitem__(0, 0.5), "input[1][0]", "0.5")

    def setd(k, v):
        return lambda c: c["layers"][0]["dense"]["params"].__setitem__(k, v)
    nv("bad_weight_exp_8", setd("weight_exp", 8), "weight_exp", "8")
    nv("bad_weight_exp_m8", setd("weight_exp", -8), "weight_exp", "-8")
    nv("bad_nwb_0", setd("num_weight_bits", 0), "num_weight_bits", "0")
    nv("bad_nwb_9", setd("num_weight_bits", 9), "num_weight_bits", "9")
    nv("bad_sign_mode_null", setd("sign_mode", 0), "sign_mode", "0")
    nv("bad_nwb_str", setd("num_weight_bits", "8"), "num_weight_bits", "8")
    nv("bad_sign_mode", setd("sign_mode", "POSITIVE"), "sign_mode", "POSITIVE")
    nv("bad_nmb_25", setd("num_message_bits", 25), "num_message_bits", "25")
    nv("bad_weights_rows", setd("weights", [[1, 2]]), "weights", "")
    nv("bad_weights_cols", setd("weights", [[1, 2, 3], [1, 2, 3]]), "weights", "")
    nv("bad_weight_float", setd("weights", [[1, 2.5], [3, 4]]), "weights[0][1]", "2.5")
    nv("bad_layer_sizes", lambda c: c.__setitem__("layer_sizes", [3]), "", "")
    nv("bad_neuron_du", lambda c: c["layers"][0]["neuron"]["params"].__setitem__("du", 4096),
       "layers[0].neuron.params.du", "4096")
    nv("bad_payload_2p25", lambda c: (c.__setitem__("input_payload", [[1 << 25, 0]] + c.pop("input_spikes")[1:]),
                                      c["layers"][0]["dense"]["params"].__setitem__("num_message_bits", 8)),
       "input_payload[0][0]", str(1 << 25))
    nv("bad_input_spikes_cols", lambda c: c["input_spikes"].__setitem__(2, [1, 0, 1]),
       "input_spikes[2]", "")
    return out


# ---- the same case as a spikemesh network file ------------------------------

def to_netfile(c):
    """A case as a network file for `spikemesh run` (traces of every LIF):
    the file loader and the thread split are then checked too."""
    T = c["steps"]
    graded = c["kind"] == "population" or "input_payload" in c
    inp = c["input"] if c["kind"] == "population" else c.get("input_spikes") or c["input_payload"]
    n_in = len(inp[0])
    srcd = {"kind": "spike_times", "times": [[t for t in range(T) if inp[t][i]] for i in range(n_in)]}
    if graded:
        srcd["payloads"] = [[inp[t][i] for t in range(T) if inp[t][i]] for i in range(n_in)]
    pops = [{"name": "input", "size": n_in, "source": srcd}]
    projs = []

    def lif(name, params):
        lp = dict(params)
        n = lp.pop("shape")[0]
        pop = {"name": name, "size": n, "model": "loihi_lif", "params": lp}
        init = {q: lp.pop(q) for q in ("u", "v") if q in lp}
        if init:
            pop["initial"] = init
        return pop

    def proj(src, dst, dp):
        d = dict(dp)
        w = d.pop("weights")
        return dict(source=src, target=dst, connectivity={"kind": "matrix", "weights": w}, **d)

    if c["kind"] == "population":
        pops.append(lif("l0", c["params"]))
        # Lava's RingBuffer writes a_in directly: delay 0, weight 1, graded.
        projs.append({"source": "input", "target": "l0", "connectivity": {"kind": "one_to_one"},
                      "weight": 1, "delay": 0, "num_message_bits": 24})
    else:
        prev = "input"
        for k, L in enumerate(c["layers"]):
            name = "l%d" % k
            pops.append(lif(name, L["neuron"]["params"]))
            projs.append(proj(prev, name, L["dense"]["params"]))
            if "recurrent" in L:
                projs.append(proj(name, name, L["recurrent"]["dense"]["params"]))
            prev = name
    return {"simulation": {"ticks": T}, "populations": pops, "projections": projs,
            "record": {"spikes": [p["name"] for p in pops[1:]],
                       "traces": [{"population": p["name"]} for p in pops[1:]]}}


def check_run(case_file, run_dir):
    """Compare a run's traces.csv (v, syn_exc = u) and spikes.csv with the case."""
    c = json.load(open(case_file))
    ex = [c["expected"]] if c["kind"] == "population" else c["expected"]["layers"]
    got = {}
    with open(os.path.join(run_dir, "traces.csv")) as f:
        next(f)
        for line in f:
            t, pop, i, v, u = line.strip().split(",")[:5]
            got[(int(t), pop, int(i))] = (float(u), float(v))
    spk = set()
    with open(os.path.join(run_dir, "spikes.csv")) as f:
        next(f)
        for line in f:
            t, pop, i = line.strip().split(",")[:3]
            spk.add((int(t), pop, int(i)))
    for k, L in enumerate(ex):
        pop = "l%d" % k
        for t in range(c["steps"]):
            for i in range(len(L["u"][t])):
                g = got.get((t, pop, i))
                want = (L["u"][t][i], L["v"][t][i])
                if g is None or g != want or ((t, pop, i) in spk) != bool(L["spk"][t][i]):
                    return "%s[t=%d][n=%d]: run %s spike %d, case %s spike %d" % (
                        pop, t, i, g, (t, pop, i) in spk, want, L["spk"][t][i])
    return None


def main(argv):
    if len(argv) >= 2 and argv[0] == "verify":
        return verify(argv[1:])
    if len(argv) == 2 and argv[0] == "edge":
        os.makedirs(argv[1], exist_ok=True)
        cs = edge_cases(random.Random(20261201))
        for c in cs:
            write(argv[1], c)
        print("%d cases in %s" % (len(cs), argv[1]))
        return 0
    if len(argv) == 4 and argv[0] == "random":
        os.makedirs(argv[1], exist_ok=True)
        cs = random_cases(int(argv[2]), int(argv[3]))
        for c in cs:
            write(argv[1], c)
        print("%d cases in %s" % (len(cs), argv[1]))
        return 0
    if len(argv) == 4 and argv[0] == "silent":
        os.makedirs(argv[1], exist_ok=True)
        cs = silent_cases(int(argv[2]), int(argv[3]))
        for c in cs:
            write(argv[1], c)
        print("%d cases in %s" % (len(cs), argv[1]))
        return 0
    if len(argv) == 4 and argv[0] == "late":
        os.makedirs(argv[1], exist_ok=True)
        cs = late_cases(int(argv[2]), int(argv[3]))
        for c in cs:
            write(argv[1], c)
        print("%d cases in %s" % (len(cs), argv[1]))
        return 0
    if len(argv) == 3 and argv[0] == "netfile":
        json.dump(to_netfile(json.load(open(argv[1]))), open(argv[2], "w"))
        return 0
    if len(argv) == 3 and argv[0] == "checkrun":
        d = check_run(argv[1], argv[2])
        print("SAME" if d is None else "DIFF " + d)
        return 1 if d else 0
    if len(argv) == 2 and argv[0] == "bad":
        os.makedirs(argv[1], exist_ok=True)
        with open(os.path.join(argv[1], "expect.tsv"), "w") as f:
            for name, c, field, value in bad_cases(random.Random(1)):
                write(argv[1], c)
                f.write("%s\t%s\t%s\n" % (name, field, value))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
