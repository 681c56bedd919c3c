"""The Python package against the command line: the same run gives the same
spikes, traces, counters and energy; inputs set from numpy equal the same
spike trains written in a network file; errors carry the library's message.

    SPIKEMESH_BIN=build/spikemesh python3 -m unittest discover -s tools/python/tests

SPIKEMESH_BIN names the `spikemesh` command (default: build/spikemesh, then
the one on PATH); SPIKEMESH_SOURCE_DIR the repository (default: this file's)."""

import csv
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import numpy as np

import spikemesh as sm

SRC = os.environ.get("SPIKEMESH_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..", ".."))
EXAMPLES = os.path.join(SRC, "tools", "examples")
FEEDFORWARD = os.path.join(EXAMPLES, "feedforward.json")


def _bin():
    b = os.environ.get("SPIKEMESH_BIN")
    if b:
        return b
    b = os.path.join(SRC, "build", "spikemesh")
    return b if os.path.isfile(b) else shutil.which("spikemesh")


SMALL = {
    "simulation": {"ticks": 30, "seed": 1},
    "populations": [
        {"name": "in", "size": 4, "source": {"kind": "spike_times", "times": [[1], [], [5], []]}},
        {"name": "out", "size": 4, "model": "lif", "params": {"beta": 0.5, "threshold": 1.0}},
    ],
    "projections": [{"source": "in", "target": "out", "connectivity": {"kind": "one_to_one"},
                     "weight": 2.0, "delay": 1}],
    "record": {"traces": [{"population": "out", "index": 2}]},
}


class CliRun:
    """`spikemesh run` of a network file into a temporary folder."""

    def __init__(self, tmp, net_path, *args):
        self.dir = os.path.join(tmp, "cli%d" % len(os.listdir(tmp)))
        binary = _bin()
        if not binary:
            raise unittest.SkipTest("no spikemesh command (set SPIKEMESH_BIN)")
        subprocess.run([binary, "run", net_path, "--out", self.dir, "--quiet"] + list(args),
                       check=True)
        with open(os.path.join(self.dir, "stats.json")) as f:
            self.stats = json.load(f)

    def rows(self, name):
        with open(os.path.join(self.dir, name)) as f:
            return list(csv.reader(f))[1:]


def _spike_rows(result):
    """result.spikes as spikes.csv has them: (tick, population, index), a row per spike."""
    out = []
    for tick, gid, count in result.spikes:
        p = next(p for p in reversed(result.populations) if p.first <= gid)
        out += [[str(tick), p.name, str(gid - p.first)]] * int(count)
    return out


class Base(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = self._tmp.name
        self.cli_tmp = os.path.join(self.tmp, "runs")
        os.mkdir(self.cli_tmp)

    def tearDown(self):
        self._tmp.cleanup()

    def write_net(self, name, doc):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(doc if isinstance(doc, str) else json.dumps(doc))
        return path


class TestSameAsCli(Base):
    def test_feedforward_on_loihi(self):
        net = sm.load(FEEDFORWARD)
        res = net.run(chip="loihi", threads=1)
        cli = CliRun(self.cli_tmp, FEEDFORWARD, "--chip", "loihi", "--threads", "1")
        self.assertEqual(_spike_rows(res), cli.rows("spikes.csv"))
        self.assertGreater(len(res.spikes), 1000)
        # traces.csv prints each float32 with 9 digits: they read back exactly
        want = np.array([[float(x) for x in r[3:]] for r in cli.rows("traces.csv")],
                        dtype=np.float32)
        self.assertTrue(np.array_equal(res.traces.reshape(-1, 3), want))
        self.assertEqual([(r[1], int(r[2])) for r in cli.rows("traces.csv")[:3]], res.probes)
        totals = cli.stats["totals"]
        for k, v in res.counters.items():
            self.assertEqual(v, totals["packets" if k == "packets_out" else k], k)
        for k, v in cli.stats["energy"].items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                self.assertAlmostEqual(res.energy[k], v, delta=1e-12 * abs(v), msg=k)
        self.assertEqual(res.energy["chip"], "loihi")
        self.assertEqual(res.stats["energy"]["chip"], "loihi")
        self.assertEqual((res.width, res.height), (cli.stats["mesh"]["width"],
                                                   cli.stats["mesh"]["height"]))
        self.assertEqual(res.per_core["spikes"].sum(), res.counters["spikes"])
        self.assertAlmostEqual(res.per_core["joules"].sum(), res.energy["total"],
                               delta=1e-9 * res.energy["total"])
        self.assertEqual(res.per_tick["spikes"].sum(), res.counters["spikes"])
        self.assertEqual(len(res.per_tick["spikes"]), res.ticks)
        # the per-tick series is ticks.csv's, column for column
        rows = cli.rows("ticks.csv")
        head = open(os.path.join(cli.dir, "ticks.csv")).readline().strip().split(",")
        self.assertEqual(list(res.per_tick), head[1:])
        for i, name in enumerate(head[1:], 1):
            col = np.array([float(r[i]) for r in rows])
            if name.endswith(("_j", "_ns")):
                self.assertTrue(np.allclose(res.per_tick[name], col, rtol=1e-8, atol=0), name)
            else:
                self.assertTrue(np.array_equal(res.per_tick[name], col.astype(np.int64)), name)
        self.assertAlmostEqual(res.per_tick["energy_total_j"].sum(), res.energy["total"],
                               delta=1e-6 * res.energy["total"])

    def test_ticks_and_engine(self):
        net = sm.load(FEEDFORWARD)
        event = net.run(ticks=150, threads=2)
        dense = net.run(ticks=150, engine="dense", threads=1)
        cli = CliRun(self.cli_tmp, FEEDFORWARD, "--ticks", "150")
        self.assertEqual(_spike_rows(event), cli.rows("spikes.csv"))
        self.assertTrue(np.array_equal(event.spikes, dense.spikes))
        self.assertEqual(event.ticks, 150)
        self.assertEqual(event.traces.shape, (150, 3, 3))
        self.assertIsNone(event.energy, "no chip, no energy")
        self.assertNotIn("joules", event.per_core.dtype.names)
        self.assertGreater(dense.counters["neuron_updates"], event.counters["neuron_updates"])
        # without a chip: the counts of every run, adding up to the totals;
        # the engines differ in the neuron updates they perform, only
        counts = {"spikes": "spikes", "synaptic_events": "synaptic_events",
                  "neuron_updates": "neuron_updates", "active_updates": "active_neuron_updates",
                  "packets": "packets_out", "hops": "hops"}
        for res in (event, dense):
            self.assertEqual(sorted(res.per_tick), sorted(list(counts) + ["inactive_updates"]))
            for k, total in counts.items():
                self.assertEqual(res.per_tick[k].dtype, np.int64)
                self.assertEqual(len(res.per_tick[k]), 150)
                self.assertEqual(res.per_tick[k].sum(), res.counters[total], k)
            self.assertEqual(res.per_tick["active_updates"].sum() +
                             res.per_tick["inactive_updates"].sum(),
                             res.counters["dense_neuron_updates"])
        for k in counts:
            if k != "neuron_updates":
                self.assertTrue(np.array_equal(event.per_tick[k], dense.per_tick[k]), k)
        self.assertFalse(np.array_equal(event.per_tick["neuron_updates"],
                                        dense.per_tick["neuron_updates"]))

    def test_mapping_strategy_changes_hops_not_spikes(self):
        sheet = os.path.join(EXAMPLES, "sheet.json")
        net = sm.load(sheet)
        seq = net.run(ticks=100, chip="truenorth", strategy="sequential")
        cli = CliRun(self.cli_tmp, sheet, "--ticks", "100", "--chip", "truenorth",
                     "--strategy", "sequential")
        self.assertEqual(seq.counters["hops"], cli.stats["totals"]["hops"])
        self.assertEqual(_spike_rows(seq), cli.rows("spikes.csv"))
        self.assertEqual(int(seq.links["packets"].sum()),
                         sum(link["packets"] for link in cli.stats["links"]))


class TestInputs(Base):
    def test_set_input_equals_spike_times_in_the_file(self):
        rng = np.random.default_rng(7)
        pairs = np.unique(np.stack([rng.integers(0, 100, 3000), rng.integers(0, 400, 3000)],
                                   axis=-1), axis=0)
        rng.shuffle(pairs)
        net = sm.load(FEEDFORWARD)
        net.set_input("input", pairs)
        self.assertEqual(net.population("input").kind, "spike_times")
        res = net.run(ticks=400, chip="loihi")

        with open(FEEDFORWARD) as f:
            doc = json.load(f)
        times = [sorted(int(t) for t in pairs[pairs[:, 0] == i, 1]) for i in range(100)]
        doc["populations"][0]["source"] = {"kind": "spike_times", "times": times}
        path = self.write_net("ff_times.json", doc)
        cli = CliRun(self.cli_tmp, path, "--ticks", "400", "--chip", "loihi")
        self.assertEqual(_spike_rows(res), cli.rows("spikes.csv"))
        got = res.spikes_of("input")
        self.assertEqual(len(got), len(pairs))
        self.assertEqual(sorted(zip(got["index"].tolist(), got["tick"].tolist())),
                         sorted(map(tuple, pairs.tolist())))

    def test_small_network_from_arrays(self):
        net = sm.load(self.write_net("small.json", SMALL))
        net.set_input("in", np.array([[3, 10], [0, 2], [3, 4]]))
        res = net.run(threads=1)
        self.assertEqual(res.spikes_of("in").tolist(), [(2, 0, 1), (4, 3, 1), (10, 3, 1)])
        self.assertEqual(res.spikes_of("out").tolist(), [(3, 0, 1), (5, 3, 1), (11, 3, 1)])
        raster = res.raster("out")
        self.assertEqual(raster.shape, (30, 4))
        self.assertEqual(int(raster.sum()), 3)
        self.assertEqual(raster[5, 3], 1)
        self.assertEqual(res.trace("out", 2).shape, (30, 3))
        self.assertEqual(res.spikes_per_tick("out")[11], 1)

        structured = np.zeros(2, dtype=[("neuron", "u4"), ("tick", "u4")])
        structured[:] = [(1, 7), (2, 8)]
        net.set_input("in", structured)
        self.assertEqual(net.run().spikes_of("in").tolist(), [(7, 1, 1), (8, 2, 1)])
        raster_in = np.zeros((30, 4), dtype=bool)
        raster_in[12, 1] = raster_in[13, 0] = True
        net.set_input_raster("in", raster_in)
        self.assertEqual(net.run().spikes_of("in").tolist(), [(12, 1, 1), (13, 0, 1)])
        net.set_input("in", np.empty((0, 2), dtype=np.int64))
        self.assertEqual(len(net.run().spikes), 0)

    def test_bad_inputs_raise(self):
        net = sm.load(self.write_net("small.json", SMALL))
        with self.assertRaises(sm.SpikemeshError) as e:
            net.set_input("out", [[0, 1]])
        self.assertEqual(e.exception.code_name, "EINVAL")
        self.assertIn('"out"', str(e.exception))
        self.assertIn("model neurons", str(e.exception))
        with self.assertRaises(sm.SpikemeshError) as e:
            net.set_input("in", [[4, 1]])
        self.assertEqual(e.exception.code_name, "ERANGE")
        self.assertIn("neuron 4 out of range", str(e.exception))
        with self.assertRaises(sm.SpikemeshError) as e:
            net.set_input("in", [[1, 3], [1, 3]])
        self.assertIn("given tick 3 twice", str(e.exception))
        with self.assertRaises(sm.SpikemeshError) as e:
            net.set_input("nope", [[1, 3]])
        self.assertIn("nope", str(e.exception))
        with self.assertRaises(ValueError):
            net.set_input("in", [1, 2, 3])
        with self.assertRaises(ValueError):
            net.set_input("in", [[-1, 3]])
        with self.assertRaises(ValueError):
            net.set_input("in", [[0.5, 3]])
        # refused inputs left the file's trains
        self.assertEqual(net.run().spikes_of("in").tolist(), [(1, 0, 1), (5, 2, 1)])


class TestErrors(Base):
    def test_missing_file_names_it(self):
        path = os.path.join(self.tmp, "no", "such.json")
        with self.assertRaises(sm.SpikemeshError) as e:
            sm.load(path)
        self.assertIn(path, str(e.exception))
        self.assertEqual(e.exception.code_name, "EIO")

    def test_bad_file_names_file_and_field(self):
        doc = json.loads(json.dumps(SMALL))
        doc["projections"][0]["wieght"] = doc["projections"][0].pop("weight")
        path = self.write_net("bad.json", doc)
        with self.assertRaises(sm.SpikemeshError) as e:
            sm.load(path)
        msg = str(e.exception)
        self.assertIn(path, msg)
        self.assertIn("projections[0]", msg)
        self.assertIn('did you mean "weight"', msg)
        self.assertEqual(e.exception.code_name, "EPARSE")
        path = self.write_net("broken.json", "{\"simulation\": {\"ticks\": 3},,}")
        with self.assertRaisesRegex(sm.SpikemeshError, "broken.json"):
            sm.load(path)

    def test_nir_without_flavor_says_what_to_give(self):
        with self.assertRaises(sm.SpikemeshError) as e:
            sm.load(os.path.join(self.tmp, "model.nir"))
        self.assertEqual(e.exception.code_name, "EINVAL")
        self.assertIn("model.nir", str(e.exception))
        self.assertIn("flavor", str(e.exception))

    def test_bad_options(self):
        net = sm.load(self.write_net("small.json", SMALL))
        with self.assertRaisesRegex(sm.SpikemeshError, "nosuchchip"):
            net.run(chip="nosuchchip")
        with self.assertRaisesRegex(sm.SpikemeshError, "fast"):
            net.run(engine="fast")
        with self.assertRaisesRegex(ValueError, "ticks"):
            net.run(ticks=-5)
        with self.assertRaisesRegex(ValueError, "ticks"):
            net.run(ticks=0)
        with self.assertRaises(TypeError):
            net.run(threads="two")
        with self.assertRaisesRegex(sm.SpikemeshError, "missing_map.json"):
            net.run(mapping=os.path.join(self.tmp, "missing_map.json"))

    def test_conflicting_options_are_refused(self):
        net = sm.load(self.write_net("small.json", SMALL))
        with self.assertRaisesRegex(sm.SpikemeshError, "--strategy: needs --chip") as e:
            net.run(strategy="sequential")
        self.assertEqual(e.exception.code_name, "EINVAL")
        with self.assertRaisesRegex(sm.SpikemeshError, "--seed: needs --chip"):
            net.run(seed=3)
        with self.assertRaisesRegex(sm.SpikemeshError, "--mesh: not with --chip"):
            net.run(chip="loihi", mesh=(2, 2))
        self.assertEqual(net.run(chip="loihi", seed=3).chip, "loihi")

    def test_closed_network(self):
        net = sm.load(self.write_net("small.json", SMALL))
        net.close()
        net.close()
        with self.assertRaises(ValueError):
            net.run()


class TestPackage(unittest.TestCase):
    def test_versions(self):
        self.assertEqual(sm.library_version, sm.__version__)
        self.assertTrue(os.path.isfile(sm.library_path) or "SPIKEMESH_LIB" not in os.environ)


if __name__ == "__main__":
    unittest.main()
