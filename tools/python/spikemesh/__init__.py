"""spikemesh from Python: load a network (a network file, or a NIR graph
exported by snnTorch, Norse or Sinabs), set its inputs from numpy arrays (a
NIR graph's as a batch of samples), run it on a chosen chip, and get spikes,
traces, per-layer spikes and membranes, counters and energy back as numpy
arrays and dicts.

    import spikemesh as sm
    net = sm.load("tools/examples/feedforward.json")
    result = net.run(chip="loihi", threads=1)
    print(result.energy["total"], "J")

The package is a thin layer over libspikemesh.so (tools/api/spikemesh.h),
the library the `spikemesh` command is built from, so both give the same
spikes. docs/python.md has the whole story."""

from ._lib import SpikemeshError, lib as _clib, path as library_path, text as _text
from ._network import Network, Population, load
from ._result import LINK_DTYPE, SPIKE_DTYPE, TRACE_FIELDS, Result

__version__ = "0.1.0"

# Tracebacks name the classes where users find them.
for _cls in (SpikemeshError, Network, Result):
    _cls.__module__ = __name__
del _cls

#: The version of the library the package loaded (library_path says where from).
library_version = _text(_clib.spikemesh_version())

__all__ = ["load", "Network", "Population", "Result", "SpikemeshError", "SPIKE_DTYPE",
           "TRACE_FIELDS", "LINK_DTYPE", "library_path", "library_version"]
