"""The spikemesh Python package, with libspikemesh.so bundled inside it.

`pip install ./tools/python` (from the repository's top) copies the library
into the package, taking the first of:
  1. $SPIKEMESH_LIB, a path to libspikemesh.so;
  2. $SPIKEMESH_BUILD_DIR/lib/libspikemesh.so, a build folder of this tree;
  3. build/lib/libspikemesh.so at the repository's top (the README's build);
  4. the installed library pkg-config finds (`cmake --install`);
  5. a fresh build of this tree with cmake, into the package's build folder.
docs/python.md tells the whole story."""

import os
import shutil
import subprocess
import sys

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
LIB = "libspikemesh.so"


def _say(msg):
    print(f"spikemesh: {msg}", file=sys.stderr)


def _from_pkg_config():
    try:
        out = subprocess.run(["pkg-config", "--variable=libdir", "spikemesh"],
                             capture_output=True, text=True, check=False)
    except OSError:
        return None
    path = os.path.join(out.stdout.strip(), LIB)
    return path if out.returncode == 0 and out.stdout.strip() and os.path.isfile(path) else None


def _build_with_cmake(build_dir):
    if not os.path.isfile(os.path.join(REPO, "CMakeLists.txt")) or not shutil.which("cmake"):
        return None
    _say(f"building {LIB} with cmake in {build_dir} (a minute or two)")
    jobs = str(os.cpu_count() or 1)
    subprocess.run(["cmake", "-S", REPO, "-B", build_dir], check=True)
    subprocess.run(["cmake", "--build", build_dir, "--target", "spikemesh_shared", "-j", jobs],
                   check=True)
    return os.path.join(build_dir, "lib", LIB)


def find_library(build_temp):
    """The libspikemesh.so to bundle, and where it came from."""
    env = os.environ.get("SPIKEMESH_LIB")
    if env:
        if not os.path.isfile(env):
            sys.exit(f"spikemesh: SPIKEMESH_LIB={env}: no such file")
        return env, "SPIKEMESH_LIB"
    bdir = os.environ.get("SPIKEMESH_BUILD_DIR")
    for d, why in ((bdir, "SPIKEMESH_BUILD_DIR"), (os.path.join(REPO, "build"), "build/")):
        if d and os.path.isfile(os.path.join(d, "lib", LIB)):
            return os.path.join(d, "lib", LIB), why
        if d and why == "SPIKEMESH_BUILD_DIR":
            sys.exit(f"spikemesh: SPIKEMESH_BUILD_DIR={d}: no lib/{LIB} there "
                     f"(cmake --build {d} first)")
    found = _from_pkg_config()
    if found:
        return found, "pkg-config"
    built = _build_with_cmake(os.path.join(build_temp, "cmake"))
    if built and os.path.isfile(built):
        return built, "cmake"
    sys.exit(f"spikemesh: no {LIB} to bundle: build the tree first (README), set "
             f"SPIKEMESH_LIB or SPIKEMESH_BUILD_DIR, or install the library where pkg-config "
             f"finds it")


class BuildWithLibrary(build_py):
    """build_py, then the library copied into the built package."""

    def run(self):
        super().run()
        build_temp = self.get_finalized_command("build").build_temp
        src, why = find_library(os.path.abspath(build_temp))
        _say(f"bundling {os.path.realpath(src)} ({why})")
        dst = os.path.join(self.build_lib, "spikemesh", LIB)
        shutil.copyfile(os.path.realpath(src), dst)
        os.chmod(dst, 0o755)


class BinaryDistribution(Distribution):
    """The wheel holds a compiled library: tag it for this platform."""

    def has_ext_modules(self):
        return True


setup(
    name="spikemesh",
    version="0.1.0",
    description="Python bindings of spikemesh, an event-driven emulator of multi-core "
                "neuromorphic chips",
    packages=["spikemesh"],
    python_requires=">=3.8",
    install_requires=["numpy"],
    cmdclass={"build_py": BuildWithLibrary},
    distclass=BinaryDistribution,
    zip_safe=False,
)
