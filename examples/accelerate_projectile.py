"""Swap a surrogate in for an expensive C simulation, behind the quality gate.

The C kernel (`kernels/projectile.c`: a projectile with drag and wind, 10,000-60,000 Euler steps
per call) is built into a shared library with gcc and wrapped with ctypes, as a user would. The
wrapper is decorated with ``@nsc_tune.accelerate``: the first call fits a surrogate (cached on
disk), calibrates the gate and times both paths; then batches run through the surrogate wherever
the gate trusts it. The result is checked against the C on every input.

    python examples/accelerate_projectile.py [--quick]
"""

from __future__ import annotations

import argparse
import ctypes
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

import nsc_tune

SOURCE = Path(__file__).resolve().parent / "kernels" / "projectile.c"


def build_library(folder: Path) -> ctypes.CDLL:
    """gcc -shared: the library a project would already have."""
    lib = folder / "libprojectile.so"
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", str(lib), str(SOURCE), "-lm"],
                   check=True)
    cdll = ctypes.CDLL(str(lib))
    cdll.projectile.argtypes = [ctypes.c_double] * 4 + [ctypes.POINTER(ctypes.c_double)] * 3
    cdll.projectile.restype = None
    return cdll


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (CI)")
    args = ap.parse_args()
    lib = build_library(Path(tempfile.mkdtemp()))

    @nsc_tune.accelerate(source=SOURCE, max_error=0.02, error_scale="range",
                         n_samples=1024 if args.quick else 8192,
                         epochs=100 if args.quick else 900, threads=None)
    def projectile(v0, angle, drag, wind):
        out = [ctypes.c_double() for _ in range(3)]
        lib.projectile(v0, angle, drag, wind, *(ctypes.byref(o) for o in out))
        return tuple(o.value for o in out)

    t = time.perf_counter()
    projectile.setup()
    print(f"set-up (fit or cache, gate, timing): {time.perf_counter() - t:.1f} s, "
          f"cache {projectile.stats.cache}")
    X = projectile.kernel.sample(500 if args.quick else 5000, seed=1)
    t = time.perf_counter()
    Y, route = projectile.batch(X, with_route=True)
    t_fast = time.perf_counter() - t
    t = time.perf_counter()
    exact = np.array([projectile.exact(*x) for x in X])
    t_exact = time.perf_counter() - t
    tol = 0.02 * (exact.max(0) - exact.min(0))
    acc = route == "surrogate"
    within = (np.abs(Y - exact) <= tol).all(axis=1)
    print(f"{len(X)} inputs: {acc.mean():.1%} accelerated, {t_exact / t_fast:.1f}x faster than "
          f"calling the C per input")
    print(f"verified against the C on every input: {within.mean():.2%} within the bound "
          f"({within[acc].mean() if acc.any() else float('nan'):.2%} of the accelerated ones)")
    print(projectile.stats)


if __name__ == "__main__":
    main()
