"""The quality gate's per-input check: a learned error score and a calibrated threshold.

The surrogate's error at an input is summarised by the *error ratio*
``r(x) = max_j |surrogate_j(x) - exact_j(x)| / tol_j``; the bound holds when ``r <= 1``.
A small MLP (the error predictor) regresses an upper quantile of ``log r`` from the (normalised)
input, trained on residuals of held-out inputs the surrogate never saw. Its output is a score, not a
promise: the threshold on the score is then chosen on a third, independent draw (calibration) as
the largest one whose accepted inputs violate the bound at a rate whose binomial upper confidence
bound stays below ``1 - target``.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from nsc_tune.surrogate.fit import split
from nsc_tune.surrogate.mlp import ACTIVATION, normalise_inputs

#: log error ratios are clipped to this range before regression (1e-6 .. ~2.2e4 times the bound).
LOG_RATIO_RANGE = (math.log(1e-6), 10.0)


class ErrorPredictor(nn.Module):
    """MLP from inputs (real units) to a score: the predicted quantile of the log error ratio.

    Arguments:
        domains: ``[n_inputs, 2]`` input ranges (inputs are normalised to [-1, 1] by them).
        width, depth: hidden width and number of hidden layers.
    """

    def __init__(self, domains: np.ndarray, width: int = 32, depth: int = 2) -> None:
        super().__init__()
        dom = torch.as_tensor(np.asarray(domains), dtype=torch.float32)
        self.register_buffer("lo", dom[:, 0].clone())
        self.register_buffer("hi", dom[:, 1].clone())
        sizes = [dom.shape[0]] + [width] * depth
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:],
                                                                     strict=False))
        self.out = nn.Linear(width, 1)

    def forward(self, x: Tensor) -> Tensor:
        h = normalise_inputs(x.to(self.lo.dtype), self.lo, self.hi)
        for layer in self.hidden:
            h = ACTIVATION(layer(h))
        return self.out(h)[..., 0]

    @torch.no_grad()
    def score(self, X: np.ndarray) -> np.ndarray:
        """Scores for ``X`` [N, n_inputs] (NumPy in, NumPy out)."""
        x = torch.as_tensor(np.asarray(X, dtype=np.float32), device=self.lo.device)
        return self(x).double().cpu().numpy()


def error_ratio(Y_pred: np.ndarray, Y_true: np.ndarray, tolerance: np.ndarray) -> np.ndarray:
    """``max_j |Y_pred - Y_true| / tol_j`` per row (inf where either side is not finite)."""
    ratio = (np.abs(np.asarray(Y_pred, np.float64) - Y_true) / tolerance).max(axis=1)
    return np.where(np.isfinite(ratio), ratio, np.inf)


def _pinball(pred: Tensor, target: Tensor, q: float) -> Tensor:
    diff = target - pred
    return torch.maximum(q * diff, (q - 1.0) * diff).mean()


def train_predictor(predictor: ErrorPredictor, X: np.ndarray, ratio: np.ndarray, *,
                    epochs: int = 150, quantile: float = 0.9, lr: float = 3e-3,
                    batch_size: int = 256, seed: int = 0) -> float:
    """Fit ``predictor`` to the ``quantile`` of ``log ratio`` (pinball loss); keep the weights of
    the best epoch on a 20% validation split. Returns that validation loss."""
    z = np.clip(np.log(np.maximum(ratio, 1e-300)), *LOG_RATIO_RANGE)
    X_tr, z_tr, X_val, z_val = split(np.asarray(X, np.float64), z[:, None], 0.2, seed)
    x, y = (torch.as_tensor(a, dtype=torch.float32) for a in (X_tr, z_tr[:, 0]))
    xv, yv = (torch.as_tensor(a, dtype=torch.float32) for a in (X_val, z_val[:, 0]))
    with torch.no_grad():  # start at the training data's quantile
        predictor.out.bias.fill_(float(torch.quantile(y, quantile)))
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(predictor.parameters(), lr=lr)
    best, best_state = math.inf, copy.deepcopy(predictor.state_dict())
    for _ in range(epochs):
        order = torch.randperm(x.shape[0], generator=gen)
        for start in range(0, x.shape[0], batch_size):
            idx = order[start:start + batch_size]
            loss = _pinball(predictor(x[idx]), y[idx], quantile)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        with torch.no_grad():
            val = float(_pinball(predictor(xv), yv, quantile))
        if val < best:
            best, best_state = val, copy.deepcopy(predictor.state_dict())
    predictor.load_state_dict(best_state)
    return best


def calibrate(scores: np.ndarray, violated: np.ndarray, alpha: float,
              confidence: float) -> float:
    """The largest threshold ``t`` such that inputs scoring ``<= t`` violate the bound at a rate
    whose one-sided Clopper-Pearson upper bound (at ``confidence``) is at most ``alpha``.

    Returns ``inf`` when every calibration input qualifies, ``-inf`` when none can be accepted.
    """
    from scipy.stats import beta  # lazy: scipy.stats takes half a second to import

    order = np.argsort(scores, kind="stable")
    s, v = np.asarray(scores)[order], np.asarray(violated, dtype=bool)[order]
    k = np.arange(1, s.shape[0] + 1)
    c = np.cumsum(v)
    upper = np.where(c < k, beta.ppf(confidence, c + 1, np.maximum(k - c, 1)), 1.0)
    ends = np.append(s[1:] > s[:-1], True)  # only cut between distinct scores
    ok = np.flatnonzero((upper <= alpha) & ends)
    if ok.size == 0:
        return -math.inf
    last = int(ok[-1])
    return math.inf if last == s.shape[0] - 1 else float(s[last])


@dataclass
class Gate:
    """The per-input check: accept an input when its score is at most ``threshold``.

    Arguments:
        predictor: the error predictor (scores inputs).
        tolerance: the bound per output, in output units.
        threshold: scores above it go to the exact kernel.
        cal_scores, cal_violated: the calibration draw's scores and whether each row broke the
            bound (kept to report the accepted share and to judge a tightened threshold).
    """

    predictor: ErrorPredictor
    tolerance: np.ndarray
    threshold: float
    cal_scores: np.ndarray
    cal_violated: np.ndarray

    @property
    def accept_share(self) -> float:
        """Share of the calibration draw (uniform over the domains) the gate accepts."""
        return float(np.mean(self.cal_scores <= self.threshold))

    @property
    def calibration_violation_rate(self) -> float:
        """Violation rate among accepted calibration inputs (NaN when none is accepted)."""
        acc = self.cal_scores <= self.threshold
        return float(self.cal_violated[acc].mean()) if acc.any() else math.nan

    def tighten(self, violating_scores: np.ndarray) -> float:
        """Reject from now on every score at least as high as one that broke the bound in
        verification. Returns the new threshold."""
        lowest = float(np.min(violating_scores))
        self.threshold = min(self.threshold, float(np.nextafter(lowest, -math.inf)))
        return self.threshold
