"""The lightest steel cantilever that deflects at most 5 mm: constrained tuning, verified.

The kernel (`kernels/beam.c`) gives a beam's tip deflection and mass from its width, height and
load. The surrogate is compiled and fine-tuned; then ``minimize`` and ``refine`` search the width
and height that minimise the mass under a 2 kN load, with the deflection limit as a penalty, each
answer run on the kernel. The exact optimum is known in closed form, so the script prints how far
the tuned design is from it.

    python examples/beam_design.py [--quick]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

import nsc_tune
from nsc_tune.tune import minimize, refine

SOURCE = Path(__file__).resolve().parent / "kernels" / "beam.c"
LOAD, LIMIT_MM = 2000.0, 5.0


def optimum() -> float:
    """The lightest admissible mass: narrowest width, height where the deflection hits the limit."""
    width, length, young, density = 0.02, 2.0, 200e9, 7850.0
    height = (1000.0 * LOAD * length**3 * 12.0 / (3.0 * young * width * LIMIT_MM)) ** (1 / 3)
    return density * width * height * length


def mass(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The objective: the beam's mass (kg), the kernel's second output."""
    return y[:, 1]


def too_soft(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The constraint: millimetres of deflection over the limit (0 when it holds)."""
    return torch.relu(y[:, 0] - LIMIT_MM)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (CI)")
    args = ap.parse_args()
    kernel = nsc_tune.Kernel.from_file(SOURCE)
    surrogate = nsc_tune.compile(kernel)
    n = 300 if args.quick else 1000
    surrogate.fit(kernel, n_samples=n, epochs=100 if args.quick else 500, progress=False)
    print(f"{kernel.signature}; surrogate fine-tuned on {n} kernel runs")
    fixed = {"load": LOAD}
    first = minimize(surrogate, mass, fixed=fixed, penalty=too_soft,
                     steps=100 if args.quick else 300)
    print(f"minimize: {first}")
    best = refine(surrogate, mass, fixed=fixed, penalty=too_soft,
                  rounds=2 if args.quick else 10, steps=100 if args.quick else 300)
    deflection, kg = kernel([best.x])[0]
    print(f"refine:   width {best.inputs['width'] * 1000:.1f} mm, height "
          f"{best.inputs['height'] * 1000:.1f} mm: verified {kg:.2f} kg, {deflection:.2f} mm "
          f"deflection, {best.kernel_runs} kernel runs; exact optimum {optimum():.2f} kg")


if __name__ == "__main__":
    main()
