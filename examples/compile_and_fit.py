"""Compile a C kernel into a surrogate, fine-tune it, validate it, save it and export it to C.

The kernel is the period of a pendulum at large amplitude (an arithmetic-geometric-mean loop).
CompNet reads its text and emits a surrogate without running it; fine-tuning then uses kernel
runs drawn from the domains; validation uses fresh ones. The surrogate is saved to one
safetensors file (weights, source, function, domains), loaded back, and exported as C.

    python examples/compile_and_fit.py [--quick]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

import nsc_tune

PENDULUM = """
#include <math.h>
#pragma nsc_tune domain(length, 0.1, 2.0)
#pragma nsc_tune domain(amplitude, 0.05, 2.5)
/* Exact period of a pendulum: T = 2 pi sqrt(L / g) / agm(1, cos(amplitude / 2)). */
double period(double length, double amplitude) {
    double a = 1.0, b = cos(0.5 * amplitude);
    for (int i = 0; i < 8; i++) {
        double m = 0.5 * (a + b);
        b = sqrt(a * b);
        a = m;
    }
    return 2.0 * 3.141592653589793 * sqrt(length / 9.81) / a;
}
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (CI)")
    args = ap.parse_args()
    kernel = nsc_tune.Kernel.from_source(PENDULUM)
    print(f"{kernel.name}: {kernel.signature}")

    surrogate = nsc_tune.compile(kernel)            # CompNet: from the text, no kernel runs
    random = nsc_tune.Surrogate.random(kernel)
    n_val = 500 if args.quick else 5000
    zero = nsc_tune.validate(surrogate, n_samples=n_val).mse
    print(f"zero-shot MSE: compiled {zero:.4g}, random init "
          f"{nsc_tune.validate(random, n_samples=n_val).mse:.4g}")

    result = surrogate.fit(kernel, n_samples=200 if args.quick else 2000,
                           epochs=60 if args.quick else 400, progress=not args.quick)
    report = nsc_tune.validate(surrogate, n_samples=n_val)
    print(f"fine-tuned on {result.n_train + result.n_val} kernel runs (best epoch "
          f"{result.best_epoch}); verified on {n_val} fresh kernel runs: RMSE "
          f"{report.rmse:.3g} s, max |error| {report.max_abs_error:.3g} s")

    folder = Path(tempfile.mkdtemp())
    path = surrogate.save(folder / "period.safetensors")
    loaded = nsc_tune.Surrogate.load(path)          # needs no other file: the kernel is inside
    X = kernel.sample(100, seed=3)
    same = np.array_equal(loaded.predict(X), surrogate.predict(X))
    print(f"saved {path.name} ({path.stat().st_size:,} bytes); loaded back: "
          f"{'identical predictions' if same else 'PREDICTIONS DIFFER'}")
    c_file = folder / "period_surrogate.c"
    surrogate.to_c(path=c_file)
    print(f"exported C: {c_file.name}, {len(c_file.read_text().splitlines())} lines, same "
          f"prototype as `period`")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
