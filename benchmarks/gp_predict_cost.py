"""What a GP may sum per input to predict as fast as the default MLP: the basis of
``surrogate.choose.PARITY_TERMS``.

Usage: python benchmarks/gp_predict_cost.py [--inputs 100000] [--repeats 5]

Side by side in one run, on one made-up kernel per output count (2 inputs): the default MLP
(width 64, depth 2) and GP surrogates whose GP part sums over ``terms / n_outputs`` examples
(as ``GPSurrogate.sparse`` leaves it), both predicting the same inputs through ``predict`` (best of
``--repeats``). Prints time GP / time MLP for each number of terms per input and covariance; the
parity terms are where the ratio crosses 1.
"""

from __future__ import annotations

import argparse

import torch
from surrogate_quality import timed_predict  # (benchmarks/ is on the path of its scripts)

from nsc_tune import Kernel
from nsc_tune.surrogate import GPSurrogate, Surrogate

TERMS = (16, 32, 64, 128, 256, 1024)


def kernel(n_outputs: int) -> Kernel:
    body = "\n".join(f"    out[{o}] = sin(a * {o + 1}) + b * b;" for o in range(n_outputs))
    return Kernel.from_source(
        "#pragma nsc_tune domain(a, -1, 1)\n#pragma nsc_tune domain(b, -1, 1)\n"
        f"void k(double a, double b, double out[{n_outputs}]) {{\n{body}\n}}\n")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--inputs", type=int, default=100_000)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    print(f"predicting {args.inputs:,} inputs: time GP / time MLP (width 64, depth 2)")
    print("outputs covariance " + " ".join(f"{t:>6}" for t in TERMS))
    for n_out in (1, 2, 4):
        k = kernel(n_out)
        Xp = k.sample(args.inputs, seed=1)
        mlp = timed_predict(Surrogate.random(k).predict, Xp, args.repeats)
        for cov in ("rbf", "matern52"):
            ratios = []
            for terms in TERMS:
                m = max(1, terms // n_out)
                gp = GPSurrogate(k, None, torch.rand(m, 2, dtype=torch.float64),
                                 torch.randn(n_out, m), torch.full((n_out, 2), 3.0),
                                 torch.zeros(n_out), cov, "gp")
                ratios.append(timed_predict(gp.predict, Xp, args.repeats) / mlp)
            print(f"{n_out:>7} {cov:>10} " + " ".join(f"{r:6.2f}" for r in ratios))


if __name__ == "__main__":
    main()
