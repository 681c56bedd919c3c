#!/usr/bin/env python3
"""CUBA at several sizes, --threads A against --threads B, wall and CPU time.

For each N (the network of cuba_brian.py: 4/5 excitatory, p = 80/N, 1 s of
0.1 ms ticks), `spikemesh run NET --threads T --quiet` is run for each thread
count in turn (1 2 1 2 ...), one process each, --repeat rounds. Each run's
wall time (a monotonic clock around the process) and CPU time (user + system
of the whole process, from wait4) are recorded, so set-up and exit count.
Prints per size and thread count the medians, the median [min-max] of each
round's wall ratio against the first thread count, the CPU ratio likewise,
and the load average before and after: wall times mean something only on a
quiet machine, and the ratios of pairs run in turn only cancel slow drift.
Outputs are compared across thread counts: spikes must be identical.

Usage: cuba_threads.py SPIKEMESH_BIN SOURCE_DIR [--n 4000,64000]
                       [--threads 1,2] [--repeat 9] [--work DIR]
"""
import argparse
import filecmp
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cuba_brian import net_for  # noqa: E402


def timed(cmd):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), err))
    return wall, ru.ru_utime + ru.ru_stime


def load():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("src")
    ap.add_argument("--n", default="4000,64000")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                                   "spikemesh_cuba_threads"))
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    threads = [int(t) for t in a.threads.split(",")]
    med = statistics.median
    print("| N | threads | wall s median [min-max] | CPU s | wall vs %d threads | "
          "CPU vs %d threads | load before-after |" % (threads[0], threads[0]))
    print("|---|---|---|---|---|---|---|")
    for n in [int(x) for x in a.n.split(",")]:
        netp = os.path.join(a.work, "cuba_%d.json" % n)
        with open(netp, "w") as f:
            json.dump(net_for(a.src, n), f)
        wall = {t: [] for t in threads}
        cpu = {t: [] for t in threads}
        l0 = load()
        for _ in range(a.repeat):
            for t in threads:
                od = os.path.join(a.work, "out_%d_%d" % (n, t))
                w, c = timed([a.bin, "run", netp, "--threads", str(t), "--out", od, "--quiet"])
                wall[t].append(w)
                cpu[t].append(c)
        l1 = load()
        for t in threads[1:]:
            if not filecmp.cmp(os.path.join(a.work, "out_%d_%d" % (n, threads[0]), "spikes.csv"),
                               os.path.join(a.work, "out_%d_%d" % (n, t), "spikes.csv"),
                               shallow=False):
                sys.exit("N=%d: spikes differ between %d and %d threads" % (n, threads[0], t))
        for t in threads:
            wr = [x / y for x, y in zip(wall[t], wall[threads[0]])]
            cr = [x / y for x, y in zip(cpu[t], cpu[threads[0]])]
            print("| %d | %d | %.3f [%.3f-%.3f] | %.3f | %.2f [%.2f-%.2f] | %.2f [%.2f-%.2f] | "
                  "%.1f-%.1f |" % (n, t, med(wall[t]), min(wall[t]), max(wall[t]), med(cpu[t]),
                                   med(wr), min(wr), max(wr), med(cr), min(cr), max(cr), l0, l1))
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
