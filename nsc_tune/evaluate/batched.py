"""The protocol's fine-tuning runs, many at once (for the GPU host).

One kernel at one training fraction: every trial's random, compiled and text-agnostic surrogates
train as one batched model (``compiler.family``'s batched MLP), each on its own trial's split,
shuffling and output statistics, with Adam over the batched tensors (Adam is elementwise, so each
surrogate's updates are exactly its own). This is the same computation as the one-run-per-process
path (``protocol._run``, ``surrogate.fit``), up to float rounding (tested), but thousands of steps
cost one small batched step each instead of one per run. ``auto`` needs no run of its own: it
races the trial's compiled and random surrogates on the same split and keeps the one with the
lower validation error, so its row is read off those two runs.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from nsc_tune.compiler.family import (
    SurrogateParams,
    denormalise_outputs,
    forward_normalised,
    normalise_inputs,
    symlog,
)

#: Initialisations trained as runs; ``auto`` is read off its two candidates.
TRAINED = ("compiled", "random", "text_agnostic")


def _stack(surrogates: list, device: str) -> list[Tensor]:
    """The surrogates' parameters as batched leaf tensors (order of ``SurrogateParams``)."""
    names = [n for n in SurrogateParams.__dataclass_fields__]
    return [torch.stack([getattr(s, n).detach().float() for s in surrogates]).to(device)
            .requires_grad_(True) for n in names]


def _predict(params: list[Tensor], xn: Tensor) -> Tensor:
    """Real-unit outputs [B, R, O] of the batched surrogates for normalised inputs [B, R, I]."""
    p = SurrogateParams(*params)
    return denormalise_outputs(p, forward_normalised(p, xn))


def _data_stats(Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Output location (symlog) and standardising scale from training outputs, as
    ``surrogate.fit`` takes them."""
    scale = np.maximum(Y.std(axis=0), 1e-6 * (np.abs(Y.mean(axis=0)) + 1.0))
    return symlog(torch.as_tensor(Y.mean(axis=0), dtype=torch.float32)).numpy(), scale


def run_group(name: str, fraction: float, trials: list[int], inits: list[str], cfg,
              track: bool, device: str = "cpu") -> list[dict]:
    """Rows (as ``protocol._run`` returns them) for every (trial, init) of one kernel and
    fraction, trained side by side on ``device``."""
    from nsc_tune.evaluate.protocol import _data, _surrogate, random_seed_of
    from nsc_tune.surrogate.fit import split

    if "auto" in inits and cfg.warmup_epochs is not None:
        raise ValueError("batched runs derive 'auto' from a race over the whole run; "
                         "warmup_epochs must be None (or run without --device)")
    k, Xp, Yp, Xt, Yt = _data(name, cfg)
    n = int(round(cfg.pool * fraction))
    need = [i for i in TRAINED if i in inits or (i != "text_agnostic" and "auto" in inits)]
    runs = [(t, i) for t in trials for i in need]
    models = [_surrogate(k, i, seed=random_seed_of(t)) for t, i in runs]
    lo, hi = models[0].lo.to(device), models[0].hi.to(device)

    def norm(X: np.ndarray) -> Tensor:
        return normalise_inputs(torch.as_tensor(X, dtype=torch.float32, device=device), lo, hi)

    xt = norm(Xt)
    yt = torch.as_tensor(Yt, dtype=torch.float32, device=device)
    n_runs = len(runs)
    best_epoch = np.zeros(n_runs, dtype=int)
    curves = np.zeros((n_runs, cfg.epochs if (track and n >= 2) else 0))
    val_curves = np.full((n_runs, cfg.epochs + 1), np.inf)

    def test_mse(params: list[Tensor]) -> np.ndarray:
        with torch.no_grad():
            pred = _predict(params, xt[None].expand(n_runs, -1, -1))
            return ((pred - yt) ** 2).mean(dim=(1, 2)).double().cpu().numpy()

    if n < 2:
        params = _stack(models, device)
    else:
        splits = {}
        for t in trials:
            rng = np.random.default_rng([cfg.seed, t, int(fraction * 1e6)])
            idx = rng.choice(cfg.pool, n, replace=False)
            splits[t] = split(Xp[idx], Yp[idx], 0.2, seed=t)
        for s, (t, _) in zip(models, runs, strict=True):  # output statistics from the data
            mu, scale = _data_stats(splits[t][1])
            with torch.no_grad():
                s.mu.copy_(torch.as_tensor(mu))
                if splits[t][0].shape[0] >= 2:
                    s.log_sigma.copy_(torch.log(torch.as_tensor(scale, dtype=torch.float32)))
        params = _stack(models, device)
        row_of = {t: j for j, t in enumerate(trials)}
        trial_idx = torch.tensor([row_of[t] for t, _ in runs], device=device)
        x_tr = torch.stack([norm(splits[t][0]) for t in trials])
        y_tr = torch.stack([torch.as_tensor(splits[t][1], dtype=torch.float32, device=device)
                            for t in trials])
        x_va = torch.stack([norm(splits[t][2]) for t in trials])[trial_idx]
        y_va = torch.stack([torch.as_tensor(splits[t][3], dtype=torch.float32, device=device)
                            for t in trials])[trial_idx]
        scale = torch.stack([torch.as_tensor(_data_stats(splits[t][1])[1], dtype=torch.float32,
                                             device=device) for t, _ in runs])[:, None, :]
        gens = {t: torch.Generator().manual_seed(t) for t in trials}
        opt = torch.optim.Adam(params, lr=cfg.lr)
        n_tr = x_tr.shape[1]

        def val_mse() -> Tensor:
            with torch.no_grad():
                return (((_predict(params, x_va) - y_va) / scale) ** 2).mean(dim=(1, 2))

        best = val_mse() if x_va.shape[1] else torch.full((n_runs,), float("inf"), device=device)
        val_curves[:, 0] = best.double().cpu().numpy()
        best_params = [p.detach().clone() for p in params]
        for epoch in range(1, cfg.epochs + 1):
            order = torch.stack([torch.randperm(n_tr, generator=gens[t]) for t in trials])
            order = order.to(device)[trial_idx]  # [B, n_tr]: each run its trial's shuffling
            for start in range(0, n_tr, cfg.batch_size):
                idx = order[:, start: start + cfg.batch_size]
                xb = x_tr[trial_idx[:, None], idx]
                yb = y_tr[trial_idx[:, None], idx]
                per_run = (((_predict(params, xb) - yb) / scale) ** 2).mean(dim=(1, 2))
                opt.zero_grad(set_to_none=True)
                per_run.sum().backward()
                opt.step()
            v = val_mse()
            val_curves[:, epoch] = v.double().cpu().numpy()
            better = v < best
            best = torch.where(better, v, best)
            with torch.no_grad():
                for bp, p in zip(best_params, params, strict=True):
                    mask = better.view(-1, *([1] * (p.dim() - 1)))
                    bp.copy_(torch.where(mask, p, bp))
            best_epoch[better.cpu().numpy()] = epoch
            if track:
                curves[:, epoch - 1] = test_mse(params)
        params = best_params
    final = test_mse(params)
    rows = []
    for j, (t, i) in enumerate(runs):
        if i in inits:
            rows.append({"kernel": name, "fraction": fraction, "n": n, "trial": t, "init": i,
                         "kept": i, "test_mse": float(final[j]), "best_epoch": int(best_epoch[j]),
                         "curve": curves[j].tolist()})
    if "auto" in inits:
        rows += _auto_rows(rows_of_runs=runs, inits_needed=need, final=final,
                           best_epoch=best_epoch, curves=curves, val_curves=val_curves,
                           name=name, fraction=fraction, n=n, trials=trials)
    return rows


def _auto_rows(rows_of_runs, inits_needed, final, best_epoch, curves, val_curves, name,
               fraction, n, trials) -> list[dict]:
    """``auto`` per trial: the compiled run unless the random one ends with a strictly lower
    best validation error (``race`` keeps the first of equals, and lists compiled first); its
    curve follows the leader by best validation error so far."""
    where = {run: j for j, run in enumerate(rows_of_runs)}
    out = []
    for t in trials:
        c, r = where[(t, "compiled")], where[(t, "random")]
        if n < 2:  # nothing to compare: the compiled init
            win = c
            curve = curves[c].tolist()
        else:
            best_c = np.minimum.accumulate(val_curves[c])
            best_r = np.minimum.accumulate(val_curves[r])
            win = r if best_r[-1] < best_c[-1] else c
            lead_random = best_r[1:] < best_c[1:]
            curve = np.where(lead_random, curves[r], curves[c]).tolist() if curves.shape[1] \
                else []
        out.append({"kernel": name, "fraction": fraction, "n": n, "trial": t, "init": "auto",
                    "kept": rows_of_runs[win][1], "test_mse": float(final[win]),
                    "best_epoch": int(best_epoch[win]), "curve": curve})
    return out
