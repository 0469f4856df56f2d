"""Real C kernels for the acceleration tests: one shared library built with gcc, called via ctypes.

The same C text is handed to ``accelerate(source=...)``; ground truth in the tests is the shared
library itself, called directly.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

C_SOURCE = r"""
#include <math.h>

double scale = 1.0;
void set_scale(double s) { scale = s; }

/* Smooth, with a global factor the tests change after set-up (drift). */
double scaled(double x, double y) { return scale * (sin(3.0 * x) * cos(2.0 * y) + 0.5 * x * y); }

/* Smooth for x <= 0.5; a fast wiggle in y for x > 0.5 that a small surrogate cannot follow. */
double step(double x, double y) { return x + y + (x > 0.5 ? 0.3 * sin(60.0 * y) : 0.0); }

double add(double a, double b) { return a + b; }
void add_batch(const double *X, double *Y, long n)
{
    for (long i = 0; i < n; i++) Y[i] = X[2 * i] + X[2 * i + 1];
}

double power(double x, int n) { double r = 1.0; for (int i = 0; i < n; i++) r *= x; return r; }

void polar(double x, double y, double *r, double *phi)
{
    *r = sqrt(x * x + y * y);
    *phi = atan2(y, x);
}

double sum3(double w[3]) { return w[0] + w[1] + w[2]; }
"""

#: Small fits keep the suite fast; the gate is calibrated to whatever quality they reach.
FAST = {"n_samples": 1024, "epochs": 60, "init": "random", "gate_samples": 2048,
        "gate_epochs": 60}
UNIT = {"x": (-1.0, 1.0), "y": (-1.0, 1.0)}


@pytest.fixture(scope="session")
def lib(tmp_path_factory: pytest.TempPathFactory) -> ctypes.CDLL:
    """The kernels compiled with ``gcc -shared -fPIC``, with ctypes signatures set."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc is needed to build the test kernels")
    d = tmp_path_factory.mktemp("clib")
    (d / "k.c").write_text(C_SOURCE)
    so = d / "libk.so"
    subprocess.run([gcc, "-O2", "-shared", "-fPIC", "-o", str(so), str(d / "k.c"), "-lm"],
                   check=True)
    lib = ctypes.CDLL(str(so))
    dbl, p = ctypes.c_double, ctypes.POINTER(ctypes.c_double)
    for name in ("scaled", "step", "add"):
        getattr(lib, name).argtypes, getattr(lib, name).restype = [dbl, dbl], dbl
    lib.set_scale.argtypes, lib.set_scale.restype = [dbl], None
    lib.add_batch.argtypes, lib.add_batch.restype = [p, p, ctypes.c_long], None
    lib.power.argtypes, lib.power.restype = [dbl, ctypes.c_int], dbl
    lib.polar.argtypes, lib.polar.restype = [dbl, dbl, p, p], None
    lib.sum3.argtypes, lib.sum3.restype = [p], dbl
    return lib


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One fit cache for the session (set-ups with equal settings load instead of refitting)."""
    return tmp_path_factory.mktemp("accelerate_cache")


def truth(fn, X: np.ndarray) -> np.ndarray:
    """``fn`` (a ctypes function of two doubles) row by row: [N, 2] -> [N]."""
    return np.array([fn(float(a), float(b)) for a, b in X])
