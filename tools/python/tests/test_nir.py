"""NIR graphs from Python: the reference cases of snnTorch, Norse and Sinabs
(tests/data/nir, each NAME.nir with NAME.side.json and NAME.expected.npz)
give the libraries' spikes exactly and their membranes within each case's
tolerance, as tests/nir_check.py checks the command; batches run each
sample from the initial state and match `spikemesh run MODEL.nir`; a
fixed-point chip quantises; bad tensors raise with the library's message.

SPIKEMESH_BIN and SPIKEMESH_SOURCE_DIR as in test_spikemesh.py."""

import csv
import glob
import json
import os
import subprocess
import tempfile
import unittest

import numpy as np

import spikemesh as sm
from test_spikemesh import SRC, _bin

NIR = os.path.join(SRC, "tests", "data", "nir")


def case(name):
    return (os.path.join(NIR, name + ".nir"), os.path.join(NIR, name + ".side.json"),
            np.load(os.path.join(NIR, name + ".expected.npz")))


def cli(tmp, *args):
    """`spikemesh run` into a fresh folder of tmp; its spikes.csv rows and stats.json."""
    binary = _bin()
    if not binary:
        raise unittest.SkipTest("no spikemesh command (set SPIKEMESH_BIN)")
    out = os.path.join(tmp, "cli%d" % len(os.listdir(tmp)))
    subprocess.run([binary, "run"] + list(args) + ["--out", out, "--quiet"], check=True)
    with open(os.path.join(out, "spikes.csv")) as f:
        rows = list(csv.reader(f))[1:]
    with open(os.path.join(out, "stats.json")) as f:
        return rows, json.load(f)


class TestReferenceCases(unittest.TestCase):
    def test_every_case_matches_its_library(self):
        cases = sorted(glob.glob(os.path.join(NIR, "*.expected.npz")))
        self.assertEqual(len(cases), 8)
        for path in cases:
            name = os.path.basename(path)[: -len(".expected.npz")]
            with self.subTest(case=name):
                nir, side, exp = case(name)
                meta = json.loads(bytes(exp["meta"]).decode())
                net = sm.load(nir, conventions=side)
                net.set_batch(exp["input"])
                net.record_v()
                self.assertEqual(net.samples, 1)
                res = net.run(threads=1)
                self.assertEqual((res.samples, res.sample_ticks), (1, meta["steps"]))
                for node in meta["layers"]:
                    self.assertIn(node, res.layers)
                    if "spk:" + node in exp:
                        ref = exp["spk:" + node].astype(np.int64)
                        got = res.layer_spikes(node)[0]
                        self.assertEqual(got.shape, ref.shape, node)
                        self.assertEqual(int((got != ref).sum()), 0, f"{node}: spikes differ")
                    if "mem:" + node in exp:
                        ref = exp["mem:" + node].astype(np.float64)
                        got = res.layer_v(node)[0].astype(np.float64)
                        off = np.abs(got - ref) > meta["rtol"] * np.maximum(1.0, np.abs(ref))
                        self.assertEqual(int(off.sum()), 0, f"{node}: membranes off")


class TestBatches(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def test_a_batch_is_its_samples_alone_and_the_command_s(self):
        nir, side, exp = case("sinabs_cnn_iaf")
        x = exp["input"]                       # [T, 1, C, H, W]
        b3 = np.concatenate([x, x[::-1], x], axis=1)
        net = sm.load(nir, conventions=side)
        net.set_batch(b3)
        self.assertEqual(net.samples, 3)
        res = net.run(threads=1)
        self.assertEqual(res.ticks, 3 * res.sample_ticks)
        out = net.output_layer
        self.assertEqual(out, res.output_layer)
        alone = []
        for sample in (x, x[::-1]):
            net.set_batch(sample[:, 0])        # [T, C, H, W]: one sample
            alone.append(net.run(threads=1))
        for layer in net.layers:
            s = res.layer_spikes(layer)
            self.assertTrue(np.array_equal(s[0], alone[0].layer_spikes(layer)[0]), layer)
            self.assertTrue(np.array_equal(s[1], alone[1].layer_spikes(layer)[0]), layer)
            self.assertTrue(np.array_equal(s[2], s[0]), f"{layer}: sample 2 from the start")
        counts = res.layer_spikes(out).sum(axis=1)
        self.assertEqual(res.predictions.tolist(), counts.argmax(axis=1).tolist())

        path = os.path.join(self.tmp, "b3.npy")
        np.save(path, b3)
        rows, stats = cli(os.path.join(self.tmp), nir, "--nir-conventions", side, "--input", path,
                          "--threads", "1")
        mine = []
        pops = res.populations
        for tick, gid, count in res.spikes:
            p = next(p for p in reversed(pops) if p.first <= gid)
            mine += [[str(tick // res.sample_ticks), str(tick % res.sample_ticks), p.name,
                      str(gid - p.first)]] * int(count)
        self.assertEqual(mine, rows)
        self.assertEqual(stats["nir"]["predictions"], res.predictions.tolist())
        self.assertEqual(res.stats["nir"]["samples"], 3)
        for k, v in res.counters.items():
            self.assertEqual(v, stats["totals"]["packets" if k == "packets_out" else k], k)

    def test_on_loihi_quantised_as_the_command(self):
        nir, side, exp = case("snn_ff2_leaky_subtract")
        net = sm.load(nir, conventions=side)
        net.set_batch(exp["input"])
        res = net.run(chip="loihi")
        path = os.path.join(self.tmp, "x.npy")
        np.save(path, exp["input"])
        rows, stats = cli(self.tmp, nir, "--nir-conventions", side, "--input", path,
                          "--chip", "loihi")
        q = res.stats["quantisation"]
        self.assertEqual([p["quantised"] for p in q["populations"]], [True, True])
        self.assertEqual(q, stats["quantisation"])
        self.assertAlmostEqual(res.energy["total"], stats["energy"]["total"],
                               delta=1e-12 * stats["energy"]["total"])
        self.assertEqual(res.counters["spikes"], stats["totals"]["spikes"])
        self.assertEqual(len(rows), int(res.spikes["count"].sum()))
        with self.assertRaisesRegex(sm.SpikemeshError, "quantised for chip loihi"):
            net.run()


class TestRefusals(unittest.TestCase):
    def test_what_is_refused_says_why(self):
        nir, side, exp = case("snn_ff2_leaky_subtract")
        with self.assertRaises(sm.SpikemeshError) as e:
            sm.load(nir)
        self.assertEqual(e.exception.code_name, "EINVAL")
        self.assertIn("flavor", str(e.exception))
        with self.assertRaisesRegex(sm.SpikemeshError, "snntorch"):
            sm.load(nir, flavor="norse", conventions=side)
        net = sm.load(nir, flavor="snntorch")
        self.assertEqual(net.flavor, "snntorch")
        self.assertEqual(net.samples, 0)
        with self.assertRaisesRegex(sm.SpikemeshError, "set_batch"):
            net.run()
        with self.assertRaisesRegex(sm.SpikemeshError, r"expected \[T, B, 20\]"):
            net.set_batch(np.zeros((10, 2, 21), dtype=np.uint8))
        bad = np.zeros((10, 20), dtype=np.float32)
        bad[3, 4] = np.nan
        with self.assertRaisesRegex(sm.SpikemeshError, "NaN"):
            net.set_batch(bad)
        bad[3, 4] = 0.5
        with self.assertRaisesRegex(sm.SpikemeshError, "whole"):
            net.set_batch(bad)
        with self.assertRaises(TypeError):
            net.set_batch(np.array([["a"] * 20] * 3))
        with self.assertRaisesRegex(sm.SpikemeshError, "set_batch"):
            net.set_input(net.input_population, [[0, 1]])
        # wider integer types are taken as counts
        x = exp["input"].astype(np.uint16)
        net.set_batch(x)
        self.assertEqual(net.samples, 1)
        self.assertEqual(net.ticks, x.shape[0])
        res = net.run(ticks=7)
        self.assertEqual(res.ticks, 7)
        with self.assertRaisesRegex(KeyError, "record_v"):
            res.layer_v(net.layers[0])
        json_net = sm.load(os.path.join(SRC, "tools", "examples", "feedforward.json"))
        with self.assertRaisesRegex(sm.SpikemeshError, "record.traces"):
            json_net.record_v()
        self.assertEqual(json_net.layers, [])
        self.assertIsNone(json_net.flavor)


if __name__ == "__main__":
    unittest.main()
