"""Objectives users have, built from output names: hit targets, minimise or maximise an output.

Each returns a torch function ``(x [B, n_in], y [B, n_out]) -> [B]`` (minimised), for
``minimize``, ``refine``, ``bayes_minimize`` and the Optuna samplers; an output name the kernel
does not have is a ``TuneError`` here, before anything runs.

    objective = targets(kernel, {"price": 5.0})          # (price - 5)^2
    objective = maximise(kernel, "range")                # -range
"""

from __future__ import annotations

from collections.abc import Mapping

from nsc_tune.kernel import Kernel
from nsc_tune.tune.problem import Objective, TuneError


def output_column(kernel: Kernel, key: str) -> int:
    """The flattened output position named by ``key``: a label (``out[1]``), a one-element
    output's name (``theta1`` for ``theta1[0]``), or ``return``."""
    labels = kernel.signature.output_labels()
    if key in labels:
        return labels.index(key)
    cols = [i for i, lab in enumerate(labels) if lab.split("[")[0] == key]
    if len(cols) == 1:
        return cols[0]
    if cols:
        raise TuneError(f"output {key!r} has {len(cols)} elements; name one, e.g. "
                        f"{labels[cols[0]]}")
    raise TuneError(f"the kernel has no output named {key!r}; outputs are "
                    f"{', '.join(labels[:12])}" + (" ..." if len(labels) > 12 else ""))


def targets(kernel: Kernel, wanted: Mapping[str, float],
            weights: Mapping[str, float] | None = None) -> Objective:
    """``sum_k w_k (y_k - t_k)^2`` over the named outputs (weights default to 1)."""
    if not wanted:
        raise TuneError("targets: name at least one output and its value")
    weights = dict(weights or {})
    unknown = set(weights) - set(wanted)
    if unknown:
        raise TuneError(f"weights for outputs without a target: {sorted(unknown)}")
    terms = [(output_column(kernel, k), float(v), float(weights.get(k, 1.0)))
             for k, v in wanted.items()]

    def objective(x, y):
        return sum(w * (y[:, c] - t) ** 2 for c, t, w in terms)

    return objective


def minimise(kernel: Kernel, output: str) -> Objective:
    """The named output itself."""
    c = output_column(kernel, output)
    return lambda x, y: y[:, c]


def maximise(kernel: Kernel, output: str) -> Objective:
    """Minus the named output."""
    c = output_column(kernel, output)
    return lambda x, y: -y[:, c]
