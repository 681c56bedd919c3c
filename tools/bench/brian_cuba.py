#!/usr/bin/env python3
"""Brian2 cpp_standalone peer of `spikemesh bench`'s cuba workload.

The model is Brian2's examples/CUBA.py (Brette et al. 2007, CUBA), unchanged:
4000 LIF neurons with exponential currents, 3200 excitatory and 800
inhibitory, p = 0.02 (--n N: N neurons, 4/5 excitatory, p = 80/N), dt 0.1 ms, 1 s of biological time. The project is built
once (compile time excluded); the simulation binary is then run `--repeat`
times and each run's loop time is read from Brian2's own timer
(results/last_run_info.txt, i.e. device._last_run_time), which covers the
network run only, not the process start or the file writing.

Prints one JSON line: {"brian2": version, "run_s": [...], "rate_hz": r, ...}.
"""
import argparse
import json
import os
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", default=os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                                  "spikemesh_brian_cuba"))
    ap.add_argument("--seed", type=int, default=2007)
    ap.add_argument("--n", type=int, default=4000,
                    help="neurons (4/5 excitatory); p = 80/N keeps CUBA's 80 inputs per neuron")
    a = ap.parse_args()

    import brian2
    from brian2 import (NeuronGroup, PoissonGroup, SpikeMonitor, Synapses, defaultclock, device,
                        mV, ms, run, second, seed, set_device, prefs)
    del PoissonGroup
    prefs.logging.std_redirection = False
    set_device("cpp_standalone", directory=a.dir, build_on_run=False)
    seed(a.seed)
    defaultclock.dt = 0.1 * ms

    # ---- examples/CUBA.py ----
    taum = 20 * ms
    taue = 5 * ms
    taui = 10 * ms
    Vt = -50 * mV
    Vr = -60 * mV
    El = -49 * mV
    eqs = """
    dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    """
    n_exc = a.n * 4 // 5
    p_conn = 80.0 / a.n
    P = NeuronGroup(a.n, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms,
                    method="exact")
    P.v = "Vr + rand() * (Vt - Vr)"
    P.ge = 0 * mV
    P.gi = 0 * mV
    we = (60 * 0.27 / 10) * mV  # excitatory synaptic weight (voltage)
    wi = (-20 * 4.5 / 10) * mV  # inhibitory synaptic weight
    Ce = Synapses(P, P, on_pre="ge += we")
    Ci = Synapses(P, P, on_pre="gi += wi")
    Ce.connect("i<n_exc", p=p_conn)
    Ci.connect("i>=n_exc", p=p_conn)
    s_mon = SpikeMonitor(P)
    run(1 * second)
    # ---- end of CUBA.py ----

    t0 = time.monotonic()
    device.build(directory=a.dir, compile=True, run=True, debug=False, with_output=False)
    first = time.monotonic() - t0
    runs = [float(device._last_run_time)]
    rate = s_mon.num_spikes / float(a.n) / 1.0
    for _ in range(a.repeat - 1):
        device.run(a.dir, with_output=False, run_args=[])
        runs.append(float(device._last_run_time))
    print(json.dumps({"brian2": brian2.__version__, "run_s": runs, "rate_hz": rate,
                      "spikes": int(s_mon.num_spikes),
                      "build_and_first_run_s": first,
                      "synapses": int(len(Ce) + len(Ci)),
                      "binary": os.path.join(a.dir, "main")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
