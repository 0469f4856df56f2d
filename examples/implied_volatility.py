"""Implied volatility: which volatility makes a call option worth a quoted price?

Compiles the suite's Black-Scholes kernel, fine-tunes the surrogate briefly, then inverts many
quoted prices by gradient descent through it, each answer verified on the real kernel.

    python examples/implied_volatility.py [--quick]
"""

from __future__ import annotations

import argparse

import numpy as np

from nsc_tune import compile, suite
from nsc_tune.tune import refine


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (CI)")
    args = ap.parse_args()
    kernel = suite.load("blackscholes")
    surrogate = compile(kernel)
    surrogate.fit(kernel, n_samples=300 if args.quick else 3000, epochs=50 if args.quick else 400,
                  progress=not args.quick)
    market = {"sptprice": 42.0, "strike": 40.0, "rate": 0.05, "otime": 0.5, "otype": 0}
    true_vols = [0.2, 0.35] if args.quick else [0.1, 0.2, 0.3, 0.4, 0.5]
    for vol in true_vols:
        x = np.array([[42.0, 40.0, 0.05, vol, 0.5, 0]])
        quoted = float(kernel(x)[0, 0])  # the price that volatility gives
        res = refine(surrogate, lambda x, y, q=quoted: (y[:, 0] - q) ** 2, fixed=market,
                     rounds=3 if args.quick else 6, n_starts=8, steps=100 if args.quick else 200)
        print(f"price {quoted:8.4f}: implied volatility {res.inputs['volatility']:.4f} "
              f"(true {vol:.2f}), verified squared error {res.verified:.2e}, "
              f"{res.kernel_runs} kernel runs")


if __name__ == "__main__":
    main()
