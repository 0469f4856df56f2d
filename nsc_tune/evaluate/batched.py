"""The protocol's fine-tuning runs, many at once (for the GPU host).

At one training fraction, every kernel's, trial's and initialisation's surrogate trains as one
batched model (``surrogate.mlp``'s batched MLP). Kernels of different arity are padded to the
largest: padded inputs are zero and padded outputs are left out of every error, so their weights
get no gradient and stay zero. Each surrogate keeps its own trial's split, shuffling and output
statistics, and Adam over the batched tensors is elementwise, so each surrogate's updates are
exactly its own. This is the same computation as the one-run-per-process path
(``protocol._run``, ``surrogate.fit``) up to float rounding (tested), but every step trains all
surrogates at once. ``auto`` needs no run of its own: it races the trial's compiled and random
surrogates on the same split and keeps the one with the lower validation error, so its row is
read off those two runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from nsc_tune.surrogate.mlp import (
    SurrogateParams,
    denormalise_outputs,
    forward_normalised,
    normalise_inputs,
)

#: Initialisations trained as runs; ``auto`` is read off its two candidates.
TRAINED = ("compiled", "random", "text_agnostic")


@dataclass
class _Kernel:
    """One kernel's examples, inputs normalised and zero-padded to the batch's arity."""

    name: str
    surrogates: dict  # (trial, init) -> Surrogate
    x_test: Tensor  # [n_test, I]
    y_test: Tensor  # [n_test, O]
    splits: dict  # trial -> (x_train, y_train, x_val, y_val) padded tensors, output scale


def _pad(t: Tensor, width: int) -> Tensor:
    """Zero-pad the last dimension to ``width``."""
    return torch.nn.functional.pad(t, (0, width - t.shape[-1]))


def _padded_params(s, n_in: int, n_out: int) -> list[Tensor]:
    """A surrogate's parameters (``SurrogateParams`` order), padded to ``n_in``/``n_out``."""
    p = s.params()
    return [_pad(p.w_in[0], n_in), p.b_in[0], p.w_hidden[0], p.b_hidden[0],
            torch.nn.functional.pad(p.w_out[0], (0, 0, 0, n_out - p.w_out.shape[1])),
            _pad(p.b_out[0], n_out), _pad(p.mu[0], n_out), _pad(p.log_sigma[0], n_out)]


def _predict(params: list[Tensor], xn: Tensor) -> Tensor:
    """Real-unit outputs [B, R, O] of the batched surrogates for normalised inputs [B, R, I]."""
    p = SurrogateParams(*params)
    return denormalise_outputs(p, forward_normalised(p, xn))


def _prepare(name: str, fraction: float, trials: list[int], need: list[str], cfg,
             n_in: int, n_out: int, device: str) -> _Kernel:
    from nsc_tune.evaluate.protocol import _data, _surrogate, random_seed_of, trial_indices
    from nsc_tune.surrogate.fit import output_stats, set_output_stats, split

    k, Xp, Yp, Xt, Yt = _data(name, cfg)
    n = int(round(cfg.pool * fraction))
    surrogates = {(t, i): _surrogate(k, i, seed=random_seed_of(t)) for t in trials for i in need}
    lo, hi = next(iter(surrogates.values())).lo, next(iter(surrogates.values())).hi

    def x(X: np.ndarray) -> Tensor:
        xn = normalise_inputs(torch.as_tensor(X, dtype=torch.float32), lo, hi)
        return _pad(xn, n_in).to(device)

    def y(Y: np.ndarray) -> Tensor:
        return _pad(torch.as_tensor(Y, dtype=torch.float32), n_out).to(device)

    splits = {}
    if n >= 2:
        for t in trials:
            idx = trial_indices(cfg, fraction, t)
            X, Y, Xv, Yv = split(Xp[idx], Yp[idx], 0.2, seed=t)
            mu, scale = output_stats(Y)
            for i in need:  # output statistics from the training examples (in the budget)
                set_output_stats(surrogates[(t, i)], mu, scale, X.shape[0])
            scale = torch.nn.functional.pad(scale, (0, n_out - scale.shape[0]), value=1.0)
            splits[t] = (x(X), y(Y), x(Xv), y(Yv), scale.to(device))
    return _Kernel(name, surrogates, x(Xt), y(Yt), splits)


def run_groups(names: list[str], fraction: float, trials: list[int], inits: list[str], cfg,
               track: bool, device: str = "cpu", graphs: bool | None = None) -> list[dict]:
    """Rows (as ``protocol._run`` returns them) for every (kernel, trial, init) at one fraction,
    trained side by side on ``device`` (``graphs``: replay CUDA graphs; default on CUDA)."""
    from nsc_tune.evaluate.programs import load

    if "auto" in inits and cfg.warmup_epochs is not None:
        raise ValueError("batched runs derive 'auto' from a race over the whole run; "
                         "warmup_epochs must be None (or run without --device)")
    need = [i for i in TRAINED if i in inits or (i != "text_agnostic" and "auto" in inits)]
    arity = [load(name, cfg.corpus).signature for name in names]
    n_in, n_out = max(a.n_inputs for a in arity), max(a.n_outputs for a in arity)
    kernels = [_prepare(name, fraction, trials, need, cfg, n_in, n_out, device)
               for name in names]
    runs = [(kk, t, i) for kk in range(len(kernels)) for t in trials for i in need]
    n = int(round(cfg.pool * fraction))
    params = [torch.stack(ts).detach().to(device).requires_grad_(True) for ts in zip(
        *[_padded_params(kernels[kk].surrogates[(t, i)], n_in, n_out) for kk, t, i in runs],
        strict=True)]
    real = torch.stack([_pad(torch.ones(a.n_outputs), n_out) for a in arity]).to(device)
    kernel_of = torch.tensor([kk for kk, _, _ in runs], device=device)
    mask = real[kernel_of][:, None, :]  # [B, 1, O]: the run's kernel's real outputs
    n_real = mask.sum(dim=2)  # [B, 1]
    x_test = torch.stack([kern.x_test for kern in kernels])[kernel_of]
    y_test = torch.stack([kern.y_test for kern in kernels])[kernel_of]

    def mean_error(pred: Tensor, target: Tensor, scale: Tensor | float = 1.0) -> Tensor:
        """Per run: the mean over rows and the run's real outputs."""
        sq = (((pred - target) / scale) ** 2) * mask
        return sq.sum(dim=(1, 2)) / (n_real[:, 0] * pred.shape[1])

    def test_mse(ps: list[Tensor]) -> Tensor:
        with torch.no_grad():
            return mean_error(_predict(ps, x_test), y_test)

    best_epoch = np.zeros(len(runs), dtype=int)
    curves = np.zeros((len(runs), 0))
    val_curves = np.full((len(runs), cfg.epochs + 1), np.inf)
    if n >= 2:
        params, best_epoch, val_curves, curves = _Training(
            params, kernels, runs, trials, cfg, mean_error, test_mse, device, graphs).run(track)
    final = test_mse(params).double().cpu().numpy()
    rows = []
    for j, (kk, t, i) in enumerate(runs):
        if i in inits:
            rows.append({"kernel": names[kk], "fraction": fraction, "n": n, "trial": t,
                         "init": i, "kept": i, "test_mse": float(final[j]),
                         "best_epoch": int(best_epoch[j]), "curve": curves[j].tolist()})
    if "auto" in inits:
        where = {run: j for j, run in enumerate(runs)}
        for kk, name in enumerate(names):
            for t in trials:
                rows.append(_auto_row(where[(kk, t, "compiled")], where[(kk, t, "random")],
                                      final, best_epoch, curves, val_curves, n) |
                            {"kernel": name, "fraction": fraction, "trial": t})
    return rows


class _Training:
    """Adam on every run at once for ``cfg.epochs``, keeping each run's best-validation weights.

    On CUDA each training step (gather the batch, forward, backward, Adam) is captured once per
    batch size as a CUDA graph and replayed (``graphs``): the surrogates are tiny, so an eager
    step is launch-bound, and a replay runs the same kernels without the Python and launch cost.
    Per-epoch records (validation error, best epoch, test curve) stay on the device until the end.
    """

    def __init__(self, params: list[Tensor], kernels: list[_Kernel], runs: list[tuple],
                 trials: list[int], cfg, mean_error, test_mse, device: str,
                 graphs: bool | None = None) -> None:
        self.params, self.cfg, self.mean_error, self.test_mse = params, cfg, mean_error, test_mse
        cell = {(kk, t): c for c, (kk, t) in enumerate((kk, t) for kk in range(len(kernels))
                                                       for t in trials)}
        self.run_cell = torch.tensor([cell[(kk, t)] for kk, t, _ in runs], device=device)

        def stacked(part: int) -> Tensor:
            return torch.stack([kernels[kk].splits[t][part] for kk in range(len(kernels))
                                for t in trials])

        self.x_tr, self.y_tr = stacked(0), stacked(1)
        self.x_va, self.y_va = stacked(2)[self.run_cell], stacked(3)[self.run_cell]
        self.scale = stacked(4)[self.run_cell][:, None, :]
        trial_pos = {t: j for j, t in enumerate(trials)}
        self.run_trial = torch.tensor([trial_pos[t] for _, t, _ in runs], device=device)
        self.trials = trials
        self.gens = {t: torch.Generator().manual_seed(t) for t in trials}  # as fit seeds them
        self.graphs = (device.startswith("cuda") if graphs is None else graphs)
        self.opt = torch.optim.Adam(params, lr=cfg.lr, capturable=self.graphs)
        self.n_tr = self.x_tr.shape[1]
        self.captured: dict[int, tuple[torch.cuda.CUDAGraph, Tensor]] = {}

    def loss(self, idx: Tensor) -> Tensor:
        """Summed training loss of every run on its rows ``idx`` [B, batch] of its split."""
        rows = self.run_cell[:, None], idx
        return self.mean_error(_predict(self.params, self.x_tr[rows]), self.y_tr[rows],
                               self.scale).sum()

    def step(self, idx: Tensor) -> None:
        """One Adam step of every run (gradients assigned, not accumulated, so it can be
        captured)."""
        grads = torch.autograd.grad(self.loss(idx), self.params)
        for p, g in zip(self.params, grads, strict=True):
            p.grad = g
        self.opt.step()

    def capture(self) -> None:
        """Record one step per batch size as a CUDA graph. Capturing needs warm-up steps; the
        weights and Adam's state are put back afterwards, so training starts untouched."""
        bs = self.cfg.batch_size
        sizes = sorted({min(bs, self.n_tr - s) for s in range(0, self.n_tr, bs)})
        saved = [p.detach().clone() for p in self.params]
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for b in sizes:
                for _ in range(3):
                    self.step(torch.zeros(len(self.run_cell), b, dtype=torch.long,
                                          device=self.x_tr.device))
        torch.cuda.current_stream().wait_stream(side)
        for b in sizes:
            idx = torch.zeros(len(self.run_cell), b, dtype=torch.long, device=self.x_tr.device)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                self.step(idx)
            self.captured[b] = (graph, idx)
        with torch.no_grad():
            for p, q in zip(self.params, saved, strict=True):
                p.copy_(q)
                state = self.opt.state[p]
                for key in ("exp_avg", "exp_avg_sq", "step"):
                    state[key].zero_()
        torch.cuda.synchronize()

    def epoch(self, order: Tensor) -> None:
        """One pass over every run's training rows in ``order`` [B, n_tr]."""
        for start in range(0, self.n_tr, self.cfg.batch_size):
            idx = order[:, start: start + self.cfg.batch_size]
            if self.graphs:
                graph, static = self.captured[idx.shape[1]]
                static.copy_(idx)
                graph.replay()
            else:
                self.step(idx)

    def val_error(self) -> Tensor:
        with torch.no_grad():
            return self.mean_error(_predict(self.params, self.x_va), self.y_va, self.scale)

    def run(self, track: bool) -> tuple[list[Tensor], np.ndarray, np.ndarray, np.ndarray]:
        """Train; returns the best-validation parameters, each run's best epoch, the validation
        curves (column 0: the initial weights) and, when ``track``, the test curves."""
        if self.graphs and not self.captured:
            self.capture()
        device, epochs = self.x_tr.device, self.cfg.epochs
        best = self.val_error()
        val_curves = [best]
        test_curves = []
        best_epoch = torch.zeros_like(best, dtype=torch.long)
        best_params = [p.detach().clone() for p in self.params]
        for epoch in range(1, epochs + 1):
            order = torch.stack([torch.randperm(self.n_tr, generator=self.gens[t])
                                 for t in self.trials])
            self.epoch(order.to(device)[self.run_trial])  # each run its trial's shuffling
            v = self.val_error()
            val_curves.append(v)
            better = v < best
            best = torch.where(better, v, best)
            best_epoch = torch.where(better, epoch, best_epoch)
            with torch.no_grad():
                for bp, p in zip(best_params, self.params, strict=True):
                    bp.copy_(torch.where(better.view(-1, *([1] * (p.dim() - 1))), p, bp))
            if track:
                test_curves.append(self.test_mse(self.params))
        val = torch.stack(val_curves, dim=1).double().cpu().numpy()
        curves = (torch.stack(test_curves, dim=1).double().cpu().numpy() if track
                  else np.zeros((len(best), 0)))
        return best_params, best_epoch.cpu().numpy(), val, curves


def _auto_row(c: int, r: int, final, best_epoch, curves, val_curves, n: int) -> dict:
    """``auto`` for one trial from its compiled (``c``) and random (``r``) runs: the compiled one
    unless the random one ends with a strictly lower best validation error (``race`` keeps the
    first of equals and lists compiled first); its curve follows the leader by best validation
    error so far. Without data there is nothing to compare: the compiled init."""
    win, curve = c, curves[c].tolist()
    if n >= 2:
        best_c = np.minimum.accumulate(val_curves[c])
        best_r = np.minimum.accumulate(val_curves[r])
        win = r if best_r[-1] < best_c[-1] else c
        if curves.shape[1]:
            curve = np.where(best_r[1:] < best_c[1:], curves[r], curves[c]).tolist()
    return {"n": n, "init": "auto", "kept": "random" if win == r else "compiled",
            "test_mse": float(final[win]), "best_epoch": int(best_epoch[win]), "curve": curve}

