"""Results: a finished run read into numpy arrays and dicts."""

import ctypes
import json

import numpy as np

from ._lib import Error, fail, lib, text

#: One row of Result.spikes: a count above 1 is a MultiSpike (spikes.csv
#: writes it as that many rows).
SPIKE_DTYPE = np.dtype([("tick", "<u4"), ("gid", "<u4"), ("count", "<u4")])

#: What each traced neuron's row of Result.traces holds, after each tick.
TRACE_FIELDS = ("v", "syn_exc", "syn_inh")

LINK_DTYPE = np.dtype([("from_x", "<u4"), ("from_y", "<u4"), ("to_x", "<u4"),
                       ("to_y", "<u4"), ("packets", "<u8")])

_INT_ENERGY = {"hops_east_west", "hops_north_south", "hops_inter_chip", "cores_used",
               "chips_used"}


def _ptr(a, ctype):
    return a.ctypes.data_as(ctypes.POINTER(ctype))


class Result:
    """What a run left: everything is read from the library when the run
    ends, so a Result holds only numpy arrays, dicts and numbers.

    spikes     structured array (tick, gid, count), sorted by tick then gid
    traces     float32 array (ticks, probes, 3): TRACE_FIELDS of each probe
    probes     the traced neurons, (population, index), in trace order
    counters   the run's totals by counter name (docs/outputs.md)
    per_core   structured array, one row per core in id order: x, y,
               neurons, every counter, and on a chip the joules by energy
               category ("<category>_joules"), "joules" and "busy_ns"
    links      structured array of the links that carried packets
    per_tick   the per-tick series (ticks.csv's columns, docs/outputs.md) by
               name, arrays of length ticks: int64 counts (spikes,
               synaptic_events, neuron_updates, active_updates,
               inactive_updates, packets, hops), and on a chip float64
               energy_*_j, busiest_core_ns and chip_ns
    energy     the chip's energy report as a dict (stats.json's "energy"
               figures), or None when the run had no chip
    stats      the run's stats.json as a dict
    samples, sample_ticks
               a NIR batch's samples, run one after another and held end to
               end (ticks = samples * sample_ticks); 1 and ticks otherwise
    """

    def __init__(self, handle, net):
        h = ctypes.c_void_p(handle)
        try:
            self._read(h, net)
        finally:
            lib.spikemesh_result_destroy(ctypes.byref(h))

    def _read(self, h, net):
        self.ticks = lib.spikemesh_result_ticks(h)
        self.samples = lib.spikemesh_result_samples(h)
        self.sample_ticks = lib.spikemesh_result_sample_ticks(h)
        self.layers = net.layers
        self.output_layer = net.output_layer
        self.dt_ms = lib.spikemesh_result_dt_ms(h)
        self.threads = lib.spikemesh_result_threads(h)
        self.wall_seconds = lib.spikemesh_result_wall_seconds(h)
        self.width = lib.spikemesh_result_width(h)
        self.height = lib.spikemesh_result_height(h)
        self.chip = text(lib.spikemesh_result_chip(h))
        self.populations = net.populations
        self.probes = net.probes

        n = lib.spikemesh_result_n_spikes(h)
        self.spikes = np.zeros(n, dtype=SPIKE_DTYPE)
        if n:
            raw = np.ctypeslib.as_array(lib.spikemesh_result_spikes(h), shape=(n, 3))
            self.spikes["tick"], self.spikes["gid"], self.spikes["count"] = raw.T
        n_probes = lib.spikemesh_result_n_probes(h)
        self.traces = np.zeros((self.ticks, n_probes, 3), dtype=np.float32)
        if n_probes and self.ticks:
            self.traces[...] = np.ctypeslib.as_array(lib.spikemesh_result_traces(h),
                                                     shape=self.traces.shape)

        names = [text(lib.spikemesh_counter_name(i)) for i in range(lib.spikemesh_n_counters())]
        totals = np.zeros(len(names), dtype=np.uint64)
        lib.spikemesh_result_totals(h, _ptr(totals, ctypes.c_uint64))
        self.counters = {k: int(v) for k, v in zip(names, totals)}

        n_cores = self.width * self.height
        xyn = np.zeros((n_cores, 3), dtype=np.uint32)
        cc = np.zeros((n_cores, len(names)), dtype=np.uint64)
        lib.spikemesh_result_cores(h, _ptr(xyn, ctypes.c_uint32), _ptr(cc, ctypes.c_uint64))
        fields = [("x", "<u4"), ("y", "<u4"), ("neurons", "<u4")] + [(k, "<u8") for k in names]
        cats = [text(lib.spikemesh_energy_category(i))
                for i in range(lib.spikemesh_energy_n_categories())]
        joules = np.zeros((n_cores, len(cats)))
        busy = np.zeros(n_cores)
        priced = lib.spikemesh_result_core_energy(h, _ptr(joules, ctypes.c_double),
                                                  _ptr(busy, ctypes.c_double)) == 0
        if priced:
            fields += [(c + "_joules", "<f8") for c in cats] + [("joules", "<f8"),
                                                               ("busy_ns", "<f8")]
        self.per_core = np.zeros(n_cores, dtype=fields)
        for i, k in enumerate(("x", "y", "neurons")):
            self.per_core[k] = xyn[:, i]
        for i, k in enumerate(names):
            self.per_core[k] = cc[:, i]
        if priced:
            for i, c in enumerate(cats):
                self.per_core[c + "_joules"] = joules[:, i]
            self.per_core["joules"] = joules.sum(axis=1)
            self.per_core["busy_ns"] = busy

        n_links = lib.spikemesh_result_n_links(h)
        ends = np.zeros((n_links, 4), dtype=np.uint32)
        packets = np.zeros(n_links, dtype=np.uint64)
        if n_links:
            lib.spikemesh_result_links(h, _ptr(ends, ctypes.c_uint32),
                                       _ptr(packets, ctypes.c_uint64))
        self.links = np.zeros(n_links, dtype=LINK_DTYPE)
        for i, k in enumerate(("from_x", "from_y", "to_x", "to_y")):
            self.links[k] = ends[:, i]
        self.links["packets"] = packets

        self.energy = None
        if self.chip is not None:
            self.energy = {"chip": self.chip}
            v = ctypes.c_double()
            i = 0
            while True:
                name = text(lib.spikemesh_result_energy_item(h, i, ctypes.byref(v)))
                if name is None:
                    break
                self.energy[name] = (bool(v.value) if name == "fixed_tick" else
                                     int(v.value) if name in _INT_ENERGY else v.value)
                i += 1

        err = Error()
        p = lib.spikemesh_result_stats_json(h, ctypes.byref(err))
        if not p:
            raise fail(err)
        try:
            self.stats = json.loads(ctypes.string_at(p).decode("utf-8"))
        finally:
            lib.spikemesh_free(p)

        self.per_tick = {}
        n_series = lib.spikemesh_result_n_tick_series(h)
        if n_series:
            table = np.zeros((self.ticks, n_series))
            lib.spikemesh_result_tick_series(h, _ptr(table, ctypes.c_double))
            for i in range(n_series):
                name = text(lib.spikemesh_result_tick_series_name(h, i))
                col = table[:, i]
                # counts are whole numbers, far below 2**53
                self.per_tick[name] = (col.astype(np.float64) if name.endswith(("_j", "_ns"))
                                       else col.astype(np.int64))

    def _pop(self, pop):
        for p in self.populations:
            if p.name == pop:
                return p
        raise KeyError(f"no population named {pop!r} (populations: "
                       f"{', '.join(p.name for p in self.populations)})")

    def spikes_of(self, pop):
        """The spikes of one population: structured (tick, index, count), index
        within the population."""
        p = self._pop(pop)
        s = self.spikes[(self.spikes["gid"] >= p.first) & (self.spikes["gid"] < p.first + p.size)]
        out = np.zeros(len(s), dtype=[("tick", "<u4"), ("index", "<u4"), ("count", "<u4")])
        out["tick"], out["index"], out["count"] = s["tick"], s["gid"] - p.first, s["count"]
        return out

    def raster(self, pop):
        """Spike counts of one population as an array (ticks, neurons)."""
        p = self._pop(pop)
        out = np.zeros((self.ticks, p.size), dtype=np.uint32)
        s = self.spikes_of(pop)
        np.add.at(out, (s["tick"], s["index"]), s["count"])
        return out

    def spikes_per_tick(self, pop=None):
        """Spikes in each tick, of one population or (None) of all."""
        s = self.spikes if pop is None else self.spikes_of(pop)
        return np.bincount(s["tick"], weights=s["count"], minlength=self.ticks).astype(np.int64)

    def trace(self, pop, index):
        """The trace of one probed neuron: float32 (ticks, 3), TRACE_FIELDS."""
        try:
            i = self.probes.index((pop, index))
        except ValueError:
            raise KeyError(f"neuron {index} of {pop!r} is not traced (probes: "
                           f"{self.probes}; the network file's record.traces says which)") \
                from None
        return self.traces[:, i, :]

    def layer_spikes(self, pop):
        """Spike counts of one population (a NIR layer, or any population) per
        sample: shape (samples, sample_ticks, neurons), neurons in C order
        of the layer's shape."""
        return self.raster(pop).reshape(self.samples, self.sample_ticks, -1)

    def layer_v(self, pop):
        """Membranes of every neuron of one population after each tick, per
        sample: float32 (samples, sample_ticks, neurons). Needs them all
        traced (Network.record_v() for a NIR graph)."""
        size = self._pop(pop).size
        where = {index: i for i, (p, index) in enumerate(self.probes) if p == pop}
        if len(where) != size:
            raise KeyError(f"{pop!r}: {len(where)} of its {size} neurons are traced; "
                           f"Network.record_v() traces every layer of a NIR graph")
        v = self.traces[:, [where[i] for i in range(size)], 0]
        return v.reshape(self.samples, self.sample_ticks, size)

    @property
    def predictions(self):
        """A NIR graph's prediction per sample: the argmax of its output
        layer's spike counts over the sample (ties to the lowest index), as
        stats.json's nir section; None without a spiking output layer."""
        p = (self.stats.get("nir") or {}).get("predictions")
        return None if p is None else np.asarray(p, dtype=np.int64)

    def __repr__(self):
        tail = f", {self.energy['total']:.4g} J on {self.chip}" if self.energy else ""
        return (f"<spikemesh.Result {self.ticks} ticks, {int(self.spikes['count'].sum())} "
                f"spikes on {self.width} x {self.height} cores{tail}>")
