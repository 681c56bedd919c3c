# SANA-FE run directory (perf.csv printed with 17 digits, spikes.csv,
# run_summary.yaml) -> expected.json in the acceptance schema
# sanafe-acceptance/1, for spikemesh's tests.
import csv, hashlib, json, sys
run, name, arch, snn, steps, timing, out = sys.argv[1:8]
steps = int(steps)
rows = list(csv.DictReader(open(run + "/perf.csv")))
assert len(rows) == steps, (len(rows), steps)
ints = ["fired", "updated", "synaptic_events", "packets", "hops"]
m = {"fired": "fired", "updated": "updated", "synaptic_events": "spikes", "packets": "packets",
     "hops": "hops", "sim_time": "sim_time", "energy_total": "total_energy",
     "energy_synapse": "synapse_energy", "energy_dendrite": "dendrite_energy",
     "energy_soma": "soma_energy", "energy_network": "network_energy"}
ps = {k: [int(r[c]) if k in ints else float(r[c]) for r in rows] for k, c in m.items()}
def seq(xs):
    s = 0.0
    for x in xs:
        s += x
    return s
lines, per = [], [0] * steps
for r in csv.DictReader(open(run + "/spikes.csv")):
    g, n = r["neuron"].rsplit(".", 1)
    t = int(r["timestep"])
    lines.append((t, g.encode(), int(n)))
    per[t - 1] += 1
lines.sort()
h = hashlib.sha256()
for t, g, n in lines:
    h.update(b"%d,%s,%d\n" % (t, g, n))
summ = {}
for l in open(run + "/run_summary.yaml"):
    if ":" in l:
        k, v = l.split(":", 1)
        summ[k.strip()] = v.strip()
tot = {k: sum(ps[k]) for k in ints}
for k, c in (("updated", "total_neurons_updated"), ("fired", "total_neurons_fired"),
             ("synaptic_events", "total_spikes"), ("packets", "total_messages_sent")):
    assert int(summ[c]) == tot[k], (k, summ[c], tot[k])
tot["sim_time"] = seq(ps["sim_time"])
tot["energy"] = {c: seq(ps["energy_" + c]) for c in ["total", "synapse", "dendrite", "soma", "network"]}
for c in ["synapse", "dendrite", "soma", "network", "total"]:
    assert "%e" % tot["energy"][c] == summ[c], (c, summ[c])
flag = " -t simple" if timing == "simple" else ""
doc = {
    "schema": "sanafe-acceptance/1", "name": name,
    "sanafe_commit": "8951ab0711676a773261284d2e8c9d995156cb3d",
    "sanafe_version": "2.2.1 (+docs-only commits)",
    "arch": arch, "snn": snn, "snn_format": "yaml", "timing_model": timing, "steps": steps,
    "command": "OMP_NUM_THREADS=1 ./sim -s%s -o <outdir> %s %s %d" % (flag, arch, snn, steps),
    "cwd": "SANA-FE snapshot root", "environment": "OMP_NUM_THREADS=1",
    "totals": tot,
    "totals_as_printed_by_stock_build": {
        "total_neurons_fired": summ["total_neurons_fired"],
        "total_neurons_updated": summ["total_neurons_updated"],
        "total_spikes (= synaptic events)": summ["total_spikes"],
        "total_messages_sent": summ["total_messages_sent"],
        "sim_time": summ["sim_time"],
        "energy": {c: summ[c] for c in ["synapse", "dendrite", "soma", "network", "total"]}},
    "derived": {"energy_per_step_mean": tot["energy"]["total"] / steps,
                "sim_time_per_step_mean": tot["sim_time"] / steps,
                "average_power_W": tot["energy"]["total"] / tot["sim_time"]},
    "per_step": ps,
    "spikes": {"logged_total": len(lines), "logged_per_step": per,
               "all_fired_neurons_logged": len(lines) == tot["fired"],
               "digest_sha256": h.hexdigest(),
               "digest_format": "sha256 over lines \"step,group,neuron\\n\" (decimal integers, group name "
                                "verbatim), sorted by (step int, group bytes, neuron int), UTF-8, no header; "
                                "spikes taken from spikes.csv, i.e. only neurons with log_spikes true"},
    "checks": ["run_summary: integers equal per-step sums; %e of the per-step sums equals its printed floats"],
    "notes": "made for spikemesh's tests with a local build of SANA-FE at the commit above, its perf.csv "
             "printed with 17 significant digits (one setprecision(17); nothing else changed)"}
json.dump(doc, open(out, "w"), indent=1)
