"""Networks: loading, their populations, spike-source inputs, and runs."""

import ctypes
import os
from collections import namedtuple

import numpy as np

from . import _lib
from ._lib import Error, fail, lib, text
from ._result import Result

#: A population as the network file declares it: kind is "neurons",
#: "spike_times" or "poisson"; its neurons are the gids [first, first + size).
Population = namedtuple("Population", "name kind size first")

_U32_MAX = 2**32 - 1

# The element types the library takes, by numpy's names; others are
# converted to the nearest of these that holds them.
_BATCH_TYPES = {"bool", "uint8", "int8", "int16", "int32", "int64", "float32", "float64"}


def load(path, flavor=None, conventions=None):
    """Loads a network file (JSON, docs/network-format.md) or a NIR graph and
    returns a Network. A NIR graph (docs/nir.md) needs what its file does not
    say: a flavor ("snntorch", "norse" or "sinabs", the library that wrote
    it) with that flavor's defaults, or a conventions file (the nir_side_info
    schema), or both if they agree. Raises SpikemeshError naming the file,
    the field and the value at fault."""
    err = Error()
    p = os.fsencode(os.fspath(path))
    if flavor is not None or conventions is not None:
        h = lib.spikemesh_net_load_nir(
            p, None if flavor is None else flavor.encode(),
            None if conventions is None else os.fsencode(os.fspath(conventions)),
            ctypes.byref(err))
    else:
        h = lib.spikemesh_net_load(p, ctypes.byref(err))
    if not h:
        raise fail(err)
    return Network(h)


def _u32(name, value, minimum=0):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an integer, got {value!r}")
    if not minimum <= value <= _U32_MAX:
        raise ValueError(f"{name}: must be {minimum} or more (at most {_U32_MAX}), got {value}")
    return int(value)


def _str(name, value):
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name}: expected a string or a path, got {value!r}")
    return os.fsencode(os.fspath(value))


def _pairs(spikes):
    """(neuron, tick) pairs as a C-contiguous (N, 2) uint32 array."""
    a = np.asarray(spikes)
    if a.dtype.names:
        missing = {"neuron", "tick"} - set(a.dtype.names)
        if missing:
            raise ValueError(f"spikes: a structured array needs fields 'neuron' and 'tick' "
                             f"(missing {', '.join(sorted(missing))})")
        a = np.stack([a["neuron"], a["tick"]], axis=-1) if a.size else np.empty((0, 2))
    if a.size == 0:
        return np.empty((0, 2), dtype=np.uint32)
    if a.ndim != 2 or a.shape[1] != 2:
        raise ValueError(f"spikes: expected an (N, 2) array of (neuron, tick) pairs, "
                         f"got shape {a.shape}")
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)) or np.any(a != np.floor(a)):
            raise ValueError("spikes: neurons and ticks must be whole numbers")
    elif a.dtype.kind not in "iu":
        raise TypeError(f"spikes: expected integers, got {a.dtype}")
    if np.any(a < 0) or np.any(a > _U32_MAX):
        bad = a[np.any((a < 0) | (a > _U32_MAX), axis=1)][0]
        raise ValueError(f"spikes: neurons and ticks must be in [0, {_U32_MAX}], got pair "
                         f"({bad[0]}, {bad[1]})")
    return np.ascontiguousarray(a, dtype=np.uint32)


class Network:
    """A loaded network. Made by spikemesh.load; set_input changes it, run
    runs it (as many times as you like)."""

    def __init__(self, handle):
        self._h = ctypes.c_void_p(handle)

    def close(self):
        """Frees the network now rather than when it is collected."""
        if getattr(self, "_h", None) and self._h.value and _lib.lib is not None:
            lib.spikemesh_net_destroy(ctypes.byref(self._h))

    __del__ = close

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _handle(self):
        if not self._h.value:
            raise ValueError("spikemesh: the network was closed")
        return self._h

    @property
    def path(self):
        """The file it came from."""
        return text(lib.spikemesh_net_path(self._handle()))

    @property
    def ticks(self):
        """simulation.ticks of the file: how long run() runs by default."""
        return lib.spikemesh_net_ticks(self._handle())

    @property
    def dt_ms(self):
        return lib.spikemesh_net_dt_ms(self._handle())

    @property
    def n_neurons(self):
        return lib.spikemesh_net_n_neurons(self._handle())

    @property
    def populations(self):
        """The populations in file order, as Population tuples."""
        h = self._handle()
        return [Population(text(lib.spikemesh_net_pop_name(h, p)),
                           text(lib.spikemesh_net_pop_kind(h, p)),
                           lib.spikemesh_net_pop_size(h, p), lib.spikemesh_net_pop_first(h, p))
                for p in range(lib.spikemesh_net_n_pops(h))]

    def population(self, name):
        """The Population called name; KeyError if there is none."""
        for p in self.populations:
            if p.name == name:
                return p
        raise KeyError(f"{self.path}: no population named {name!r} (populations: "
                       f"{', '.join(p.name for p in self.populations)})")

    @property
    def probes(self):
        """The traced neurons (record.traces), in trace order: (population, index)."""
        h = self._handle()
        pops = self.populations
        out = []
        pop, index = ctypes.c_uint32(), ctypes.c_uint32()
        for i in range(lib.spikemesh_net_n_probes(h)):
            lib.spikemesh_net_probe(h, i, ctypes.byref(pop), ctypes.byref(index))
            out.append((pops[pop.value].name, index.value))
        return out

    def set_input(self, pop, spikes):
        """Gives spike-source population `pop` (a spike_times or poisson source)
        the spike trains in `spikes`: an (N, 2) array of (neuron, tick) pairs,
        neuron an index within the population, in any order, or a structured
        array with fields 'neuron' and 'tick'. An empty array silences it. A
        neuron may not be given the same tick twice."""
        pairs = _pairs(spikes)
        err = Error()
        rc = lib.spikemesh_net_set_input(
            self._handle(), _str("pop", pop), pairs.ctypes.data_as(_lib._U32P), len(pairs),
            ctypes.byref(err))
        if rc:
            raise fail(err)

    # ---- NIR graphs ---------------------------------------------------------

    @property
    def flavor(self):
        """A NIR graph's flavor ("snntorch", "norse", "sinabs"); None for a
        network file."""
        return text(lib.spikemesh_net_nir_flavor(self._handle()))

    @property
    def layers(self):
        """A NIR graph's layers (its neuron nodes), in topological order: the
        names of the populations they became (their node names). [] for a
        network file."""
        h = self._handle()
        pops = self.populations
        return [pops[lib.spikemesh_net_nir_layer(h, i, None)].name
                for i in range(lib.spikemesh_net_nir_n_layers(h))]

    @property
    def output_layer(self):
        """The layer a NIR graph's Output node records, or None."""
        i = lib.spikemesh_net_nir_output(self._handle())
        return None if i < 0 else self.populations[i].name

    @property
    def input_population(self):
        """The spike source a NIR graph's Input node became, or None."""
        i = lib.spikemesh_net_nir_input(self._handle())
        return None if i < 0 else self.populations[i].name

    @property
    def samples(self):
        """Samples of the batch set (0 before set_batch); 1 for a network file."""
        return lib.spikemesh_net_n_samples(self._handle())

    def set_batch(self, x):
        """Gives a NIR graph's Input node a spike tensor: an array (numpy, or
        anything np.asarray takes, such as a CPU torch tensor) of shape
        [T, B, features...] or [T, features...] (one sample), features as the
        Input node's shape or flattened; whole non-negative spike counts
        (bool, integers, or floats). run() then runs the B samples one after
        another, each from the initial state, T ticks each."""
        a = np.asarray(x)
        name = a.dtype.name
        if name not in _BATCH_TYPES:
            if a.dtype.kind == "u" and a.size and a.max() > np.iinfo(np.int64).max:
                raise ValueError(f"set_batch: counts up to {a.max()} do not fit int64")
            if a.dtype.kind in "iu":
                a = a.astype(np.int64)
            elif a.dtype.kind == "f":
                a = a.astype(np.float64)
            else:
                raise TypeError(f"set_batch: expected spike counts (bool, integers or floats), "
                                f"got {a.dtype}")
        a = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("="))
        shape = (ctypes.c_uint64 * max(a.ndim, 1))(*a.shape)
        err = Error()
        if lib.spikemesh_net_set_batch(self._handle(), a.ctypes.data_as(ctypes.c_void_p),
                                       a.dtype.name.encode(), a.ndim, shape, ctypes.byref(err)):
            raise fail(err)

    def record_v(self, on=True):
        """Traces every neuron of every layer of a NIR graph (the command's
        --record-v all): Result.layer_v then gives their membranes. False
        traces none. A network file names its traced neurons in
        record.traces instead (SpikemeshError)."""
        err = Error()
        if lib.spikemesh_net_record_v(self._handle(), 1 if on else 0, ctypes.byref(err)):
            raise fail(err)

    def set_input_raster(self, pop, raster):
        """set_input from a raster of shape (ticks, neurons): every nonzero
        entry raster[t, i] is one spike of neuron i at tick t (the layout of
        snnTorch's spike tensors without a batch dimension)."""
        r = np.asarray(raster)
        if r.ndim != 2:
            raise ValueError(f"raster: expected shape (ticks, neurons), got {r.shape}")
        size = self.population(pop).size
        if r.shape[1] != size:
            raise ValueError(f"raster: population {pop!r} has {size} neurons, the raster "
                             f"{r.shape[1]} columns")
        ticks, neurons = np.nonzero(r)
        self.set_input(pop, np.stack([neurons, ticks], axis=-1))

    def run(self, ticks=None, chip=None, threads=0, mapping=None, strategy=None, seed=None,
            engine=None, mesh=None, neurons_per_core=None):
        """Runs the network and returns a Result; the options are those of
        `spikemesh run`: ticks (None: the file's), chip (a built-in name such as
        "loihi", or a chip file; None: no chip, no energy), threads (0: one per
        CPU; results do not depend on it), mapping (a file from `spikemesh map
        --out`), strategy ("metis", "sequential", "random") and seed (None:
        1) of the mapper, both only with a chip and no mapping file, engine
        ("event" or "dense"; None: event, but dense for a NIR graph, whose
        membranes then are the libraries' bit for bit), and without a chip or mapping file the default
        mapping's mesh (width, height) and neurons_per_core. Options that
        only mean something together raise SpikemeshError, as the command
        line refuses them."""
        h = self._handle()
        opts = ctypes.c_void_p(lib.spikemesh_opts_new())
        if not opts.value:
            raise MemoryError("spikemesh: out of memory")
        err = Error()
        try:
            def ok(rc):
                if rc:
                    raise fail(err)
            if ticks is not None:
                lib.spikemesh_opts_set_ticks(opts, _u32("ticks", ticks, 1))
            lib.spikemesh_opts_set_threads(opts, _u32("threads", threads))
            if chip is not None:
                ok(lib.spikemesh_opts_set_chip(opts, _str("chip", chip), ctypes.byref(err)))
            if mapping is not None:
                ok(lib.spikemesh_opts_set_mapping(opts, _str("mapping", mapping),
                                                  ctypes.byref(err)))
            if strategy is not None:
                ok(lib.spikemesh_opts_set_strategy(opts, _str("strategy", strategy),
                                                   ctypes.byref(err)))
            if seed is not None:
                if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or \
                        not 0 <= seed < 2**64:
                    raise ValueError(f"seed: expected an integer in [0, 2**64), got {seed!r}")
                lib.spikemesh_opts_set_seed(opts, int(seed))
            if engine is not None:
                ok(lib.spikemesh_opts_set_engine(opts, _str("engine", engine),
                                                 ctypes.byref(err)))
            if mesh is not None:
                w, hh = mesh
                lib.spikemesh_opts_set_mesh(opts, _u32("mesh width", w, 1),
                                            _u32("mesh height", hh, 1))
            if neurons_per_core is not None:
                lib.spikemesh_opts_set_neurons_per_core(
                    opts, _u32("neurons_per_core", neurons_per_core, 1))
            res = lib.spikemesh_run(h, opts, ctypes.byref(err))
            if not res:
                raise fail(err)
            return Result(res, self)
        finally:
            lib.spikemesh_opts_destroy(ctypes.byref(opts))

    def __repr__(self):
        if self.flavor:
            return (f"<spikemesh.Network {self.path!r}: NIR graph ({self.flavor}), layers "
                    f"{', '.join(self.layers)}, {self.samples} samples of {self.ticks} ticks>")
        return (f"<spikemesh.Network {self.path!r}: {self.n_neurons} neurons in "
                f"{len(self.populations)} populations, {self.ticks} ticks of {self.dt_ms} ms>")
