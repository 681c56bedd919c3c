#!/usr/bin/env python3
"""CUBA at several sizes, spikemesh against Brian2 cpp_standalone, CPU time.

For each N (4/5 excitatory, p = 80/N, so every neuron keeps CUBA's 80 inputs
and its weights), the Brian2 project of tools/bench/brian_cuba.py is built
once (compilation excluded), then spikemesh (`spikemesh run NET --quiet`,
one process per run, for each --threads value) and Brian2's compiled binary
are run in turn, --repeat rounds. Each run's CPU time (user + system of the
whole process, from wait4) is recorded; spikemesh's loop CPU comes from its
stats.json ("run_cpu_seconds"), Brian2's from its own timer. Medians, and the
median of the ratios of each round's pair, so that a shared machine's drift
cancels. Prints a table and one JSON line per size.

Usage: cuba_brian.py SPIKEMESH_BIN SOURCE_DIR [--n 4000,16000,64000]
                     [--threads 1,2] [--repeat 5] [--work DIR]
"""
import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import time


def net_for(src, n):
    with open(os.path.join(src, "tools/examples/cuba.json")) as f:
        net = json.load(f)
    n_exc = n * 4 // 5
    sizes = {"exc": n_exc, "inh": n - n_exc}
    for pop in net["populations"]:
        pop["size"] = sizes[pop["name"]]
    for pr in net["projections"]:
        pr["connectivity"]["p"] = 80.0 / n
    return net


def cpu_of(cmd, cwd=None):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), err))
    return ru.ru_utime + ru.ru_stime, wall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("src")
    ap.add_argument("--n", default="4000,16000,64000")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                                   "spikemesh_cuba_brian"))
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    here = os.path.dirname(os.path.abspath(__file__))
    threads = [int(t) for t in a.threads.split(",")]
    print("| N | threads | spikemesh CPU s | Brian2 CPU s | ratio (median of pairs) | "
          "spikemesh loop CPU s | Brian2 loop s | rate Hz (sm / Brian2) |")
    print("|---|---|---|---|---|---|---|---|")
    for n in [int(x) for x in a.n.split(",")]:
        netp = os.path.join(a.work, "cuba_%d.json" % n)
        with open(netp, "w") as f:
            json.dump(net_for(a.src, n), f)
        bdir = os.path.join(a.work, "brian_%d" % n)
        out = subprocess.run([sys.executable, os.path.join(here, "brian_cuba.py"), "--n", str(n),
                              "--repeat", "1", "--dir", bdir],
                             check=True, capture_output=True, text=True).stdout
        brian = json.loads(out.strip().splitlines()[-1])
        rows = {t: {"sm": [], "br": [], "ratio": [], "loop": [], "brloop": [], "rate": None}
                for t in threads}
        for r in range(a.repeat):
            for t in threads:
                od = os.path.join(a.work, "out_%d_%d" % (n, t))
                sm, _ = cpu_of([a.bin, "run", netp, "--threads", str(t), "--out", od, "--quiet"])
                br, _ = cpu_of(["./main"], cwd=bdir)
                with open(os.path.join(bdir, "results", "last_run_info.txt")) as f:
                    brloop = float(f.read().split()[0])
                with open(os.path.join(od, "stats.json")) as f:
                    st = json.load(f)
                row = rows[t]
                row["sm"].append(sm)
                row["br"].append(br)
                row["ratio"].append(sm / br)
                row["loop"].append(st.get("run_cpu_seconds", float("nan")))
                row["brloop"].append(brloop)
                pops = st["populations"]
                row["rate"] = sum(p["rate_hz"] * p["size"] for p in pops) / sum(
                    p["size"] for p in pops)
        for t in threads:
            row = rows[t]
            med = statistics.median
            print("| %d | %d | %.3f | %.3f | **%.2f** [%.2f-%.2f] | %.3f | %.3f | %.2f / %.2f |" % (
                n, t, med(row["sm"]), med(row["br"]), med(row["ratio"]), min(row["ratio"]),
                max(row["ratio"]), med(row["loop"]), med(row["brloop"]), row["rate"],
                brian["rate_hz"]))
            print(json.dumps({"n": n, "threads": t, "spikemesh_cpu_s": row["sm"],
                              "brian2_cpu_s": row["br"], "ratios": row["ratio"],
                              "spikemesh_loop_cpu_s": row["loop"],
                              "brian2_loop_s": row["brloop"], "rate_hz": row["rate"],
                              "brian2_rate_hz": brian["rate_hz"],
                              "synapses_brian2": brian["synapses"]}), file=sys.stderr)
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
