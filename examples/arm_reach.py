"""Reaching a target with a 2-joint arm: tune the joint angles so the hand lands on a point.

The forward kinematics are a C kernel (link lengths 0.5, as in the suite's inversek2j); the
surrogate is compiled from its text, fine-tuned, and used to reach several targets, each verified
on the kernel.

    python examples/arm_reach.py [--quick]
"""

from __future__ import annotations

import argparse

from nsc_tune import Kernel, compile
from nsc_tune.tune import refine

ARM = """
#include <math.h>
#pragma nsc_tune domain(theta1, 0, 3.14159)
#pragma nsc_tune domain(theta2, 0, 3.14159)
void arm(float theta1, float theta2, float hand[2]) {
    const float l1 = 0.5f, l2 = 0.5f;
    hand[0] = l1 * cosf(theta1) + l2 * cosf(theta1 + theta2);
    hand[1] = l1 * sinf(theta1) + l2 * sinf(theta1 + theta2);
}
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (CI)")
    args = ap.parse_args()
    kernel = Kernel.from_source(ARM)
    surrogate = compile(kernel)
    surrogate.fit(kernel, n_samples=400 if args.quick else 4000, epochs=60 if args.quick else 400,
                  progress=not args.quick)
    targets = [(0.2, 0.6)] if args.quick else [(0.2, 0.6), (-0.3, 0.5), (0.5, 0.3), (0.0, 0.9)]
    for tx, ty in targets:
        res = refine(surrogate,
                     lambda x, y, tx=tx, ty=ty: (y[:, 0] - tx) ** 2 + (y[:, 1] - ty) ** 2,
                     rounds=3 if args.quick else 6, n_starts=8, steps=100 if args.quick else 200)
        print(f"target ({tx:+.2f}, {ty:+.2f}): theta1 {res.inputs['theta1']:.3f}, "
              f"theta2 {res.inputs['theta2']:.3f}, verified distance^2 {res.verified:.2e}, "
              f"{res.kernel_runs} kernel runs")


if __name__ == "__main__":
    main()
