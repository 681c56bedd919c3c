"""The C library under the package: finding libspikemesh.so and declaring the
calls of spikemesh.h (tools/api/spikemesh.h) for ctypes."""

import ctypes
import ctypes.util
import os
from ctypes import (POINTER, Structure, c_char, c_char_p, c_double, c_float, c_int,
                    c_size_t, c_uint32, c_uint64, c_void_p)

#: The SPIKEMESH_API_VERSION these declarations follow.
API_VERSION = 1

ERROR_MAX = 1024


class Error(Structure):
    """spikemesh_error_t."""
    _fields_ = [("code", c_int), ("msg", c_char * ERROR_MAX)]


_NET = c_void_p
_OPTS = c_void_p
_RES = c_void_p
_ERR = POINTER(Error)
_U32P = POINTER(c_uint32)
_U64P = POINTER(c_uint64)
_F64P = POINTER(c_double)

# name: (restype, argtypes)
_CALLS = {
    "spikemesh_strerror": (c_char_p, [c_int]),
    "spikemesh_version": (c_char_p, []),
    "spikemesh_api_version": (c_int, []),
    "spikemesh_net_load": (_NET, [c_char_p, _ERR]),
    "spikemesh_net_load_nir": (_NET, [c_char_p, c_char_p, c_char_p, _ERR]),
    "spikemesh_net_destroy": (None, [POINTER(_NET)]),
    "spikemesh_net_path": (c_char_p, [_NET]),
    "spikemesh_net_n_neurons": (c_uint32, [_NET]),
    "spikemesh_net_ticks": (c_uint32, [_NET]),
    "spikemesh_net_dt_ms": (c_double, [_NET]),
    "spikemesh_net_n_pops": (c_uint32, [_NET]),
    "spikemesh_net_pop_name": (c_char_p, [_NET, c_uint32]),
    "spikemesh_net_pop_kind": (c_char_p, [_NET, c_uint32]),
    "spikemesh_net_pop_size": (c_uint32, [_NET, c_uint32]),
    "spikemesh_net_pop_first": (c_uint32, [_NET, c_uint32]),
    "spikemesh_net_find_pop": (c_int, [_NET, c_char_p]),
    "spikemesh_net_n_probes": (c_uint32, [_NET]),
    "spikemesh_net_probe": (c_int, [_NET, c_uint32, _U32P, _U32P]),
    "spikemesh_net_set_input": (c_int, [_NET, c_char_p, _U32P, c_size_t, _ERR]),
    "spikemesh_net_nir_flavor": (c_char_p, [_NET]),
    "spikemesh_net_nir_n_layers": (c_uint32, [_NET]),
    "spikemesh_net_nir_layer": (c_int, [_NET, c_uint32, POINTER(c_int)]),
    "spikemesh_net_nir_output": (c_int, [_NET]),
    "spikemesh_net_nir_input": (c_int, [_NET]),
    "spikemesh_net_set_batch": (c_int, [_NET, c_void_p, c_char_p, c_uint32, _U64P, _ERR]),
    "spikemesh_net_n_samples": (c_uint64, [_NET]),
    "spikemesh_net_record_v": (c_int, [_NET, c_int, _ERR]),
    "spikemesh_opts_new": (_OPTS, []),
    "spikemesh_opts_destroy": (None, [POINTER(_OPTS)]),
    "spikemesh_opts_set_chip": (c_int, [_OPTS, c_char_p, _ERR]),
    "spikemesh_opts_set_mapping": (c_int, [_OPTS, c_char_p, _ERR]),
    "spikemesh_opts_set_strategy": (c_int, [_OPTS, c_char_p, _ERR]),
    "spikemesh_opts_set_seed": (None, [_OPTS, c_uint64]),
    "spikemesh_opts_set_threads": (None, [_OPTS, c_uint32]),
    "spikemesh_opts_set_ticks": (None, [_OPTS, c_uint32]),
    "spikemesh_opts_set_engine": (c_int, [_OPTS, c_char_p, _ERR]),
    "spikemesh_opts_set_mesh": (None, [_OPTS, c_uint32, c_uint32]),
    "spikemesh_opts_set_neurons_per_core": (None, [_OPTS, c_uint32]),
    "spikemesh_run": (_RES, [_NET, _OPTS, _ERR]),
    "spikemesh_result_destroy": (None, [POINTER(_RES)]),
    "spikemesh_result_ticks": (c_uint32, [_RES]),
    "spikemesh_result_samples": (c_uint64, [_RES]),
    "spikemesh_result_sample_ticks": (c_uint32, [_RES]),
    "spikemesh_result_dt_ms": (c_double, [_RES]),
    "spikemesh_result_threads": (c_uint32, [_RES]),
    "spikemesh_result_wall_seconds": (c_double, [_RES]),
    "spikemesh_result_n_spikes": (c_size_t, [_RES]),
    "spikemesh_result_spikes": (_U32P, [_RES]),
    "spikemesh_result_n_probes": (c_uint32, [_RES]),
    "spikemesh_result_traces": (POINTER(c_float), [_RES]),
    "spikemesh_n_counters": (c_uint32, []),
    "spikemesh_counter_name": (c_char_p, [c_uint32]),
    "spikemesh_result_totals": (None, [_RES, _U64P]),
    "spikemesh_result_width": (c_uint32, [_RES]),
    "spikemesh_result_height": (c_uint32, [_RES]),
    "spikemesh_result_cores": (None, [_RES, _U32P, _U64P]),
    "spikemesh_result_n_links": (c_uint32, [_RES]),
    "spikemesh_result_links": (None, [_RES, _U32P, _U64P]),
    "spikemesh_result_n_tick_series": (c_uint32, [_RES]),
    "spikemesh_result_tick_series_name": (c_char_p, [_RES, c_uint32]),
    "spikemesh_result_tick_series": (c_int, [_RES, _F64P]),
    "spikemesh_result_chip": (c_char_p, [_RES]),
    "spikemesh_result_energy_item": (c_char_p, [_RES, c_uint32, _F64P]),
    "spikemesh_energy_n_categories": (c_uint32, []),
    "spikemesh_energy_category": (c_char_p, [c_uint32]),
    "spikemesh_result_core_energy": (c_int, [_RES, _F64P, _F64P]),
    "spikemesh_result_stats_json": (c_void_p, [_RES, _ERR]),
    "spikemesh_free": (None, [c_void_p]),
}


def _candidates():
    """Where the library may be, in the order tried: $SPIKEMESH_LIB alone if
    set; else the copy bundled at install time, then the system's."""
    env = os.environ.get("SPIKEMESH_LIB")
    if env:
        return [env]
    here = os.path.dirname(os.path.abspath(__file__))
    found = ctypes.util.find_library("spikemesh")
    return [os.path.join(here, "libspikemesh.so")] + ([found] if found else []) + \
        ["libspikemesh.so.0"]


def _open():
    tried = []
    for path in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(f"{path}: no such file")
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            tried.append(str(e))
            continue
        try:
            lib.spikemesh_api_version.restype = c_int
            version = lib.spikemesh_api_version()
        except AttributeError:
            tried.append(f"{path}: not libspikemesh (no spikemesh_api_version)")
            continue
        if version != API_VERSION:
            tried.append(f"{path}: API version {version}, this package needs {API_VERSION}")
            continue
        for name, (restype, argtypes) in _CALLS.items():
            fn = getattr(lib, name)
            fn.restype = restype
            fn.argtypes = argtypes
        return lib, path
    raise ImportError(
        "spikemesh: cannot load libspikemesh.so (" + "; ".join(tried) + "). Install the "
        "package from a spikemesh tree (pip install ./tools/python: docs/python.md), or set "
        "SPIKEMESH_LIB to the library's path.")


lib, path = _open()


def text(b):
    """A C string from the library as str (None stays None)."""
    return None if b is None else b.decode("utf-8", "replace")


_CODE_NAMES = ["OK", "ENOMEM", "EINVAL", "EIO", "EPARSE", "ERANGE", "EUNSUPPORTED", "EPROTO",
               "ETIMEDOUT", "EPEER", "ETOOBIG", "ECYCLE", "EMISMATCH"]


class SpikemeshError(Exception):
    """A failure the library reported. str(e) is its message, which names the
    file, the field and the value at fault; e.code is its code (an int) and
    e.code_name the name of that code ("EPARSE", ...)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.code_name = _CODE_NAMES[code] if 0 <= code < len(_CODE_NAMES) else str(code)
        self.message = message


def fail(err):
    """The exception for a call that failed and filled err."""
    return SpikemeshError(err.code, text(err.msg) or text(lib.spikemesh_strerror(err.code)))
