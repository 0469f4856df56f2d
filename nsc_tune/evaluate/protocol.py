"""The paper's evaluation protocol: data efficiency and epochs to target, per initialisation.

Data efficiency: for each kernel, a pool of examples from its domains and a separate test set;
for each training fraction of the pool, the fraction is split 80:20 into train/validation, each
initialisation is fine-tuned (Adam, lr 0.01) and scored by its test MSE at the best-validation
epoch, over several trials. Improvement = mean test MSE of random init / of the other init; the
summary is the geometric mean over kernels and fractions. At fraction 0 nothing is trained.

Epochs to target: at one fraction, the target is the mean final test error of three random-init
runs; each initialisation's runs record the first epoch whose test error reaches the target.

The kernels are suite kernels and, with a corpus, held-out corpus programs (``corpus:<index>``,
``evaluate.programs``); geometric means are reported for each group apart.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass

import numpy as np

INITS = ("random", "compiled", "text_agnostic", "auto")
#: The paper fine-tunes every tensor: the output location and scale train with the rest here
#: (the product's fit keeps them at what the examples measured; ``fit_surrogate``'s stats_lr).
PROTOCOL_STATS_LR = 1.0


def random_seed_of(trial: int) -> int:
    """The random initialisation's seed in a trial (the baseline's and auto's candidate)."""
    return 1000 * trial + 7


@dataclass(frozen=True)
class ProtocolConfig:
    """Settings (the paper's: pool per kernel, fractions, 9 trials, lr 0.01, 5000 epochs)."""

    kernels: tuple[str, ...] = ("blackscholes", "fft", "inversek2j", "jmeint", "jpeg",
                                "kmeans", "sobel")
    pool: int = 10_000
    test: int = 2_000
    fractions: tuple[float, ...] = (0.0, 0.001, 0.01, 0.1, 1.0)
    trials: int = 9
    epochs: int = 5000
    lr: float = 0.01
    batch_size: int = 256
    inits: tuple[str, ...] = INITS
    warmup_epochs: int | None = None  # init="auto": both candidates train this long (None: all)
    seed: int = 0
    workers: int = 0
    device: str | None = None  # None: one process per run; "cpu"/"cuda": batched runs there
    corpus: str | None = None  # the corpus folder that ``corpus:<index>`` kernels come from


def _surrogate(kernel, init: str, seed: int):
    from nsc_tune.compiler.compiler import TEXT_AGNOSTIC_WEIGHTS
    from nsc_tune.surrogate import Surrogate

    if init == "random":
        return Surrogate.random(kernel, seed=seed)
    if init in ("compiled", "auto"):  # "auto" without data has nothing to compare: compiled
        return Surrogate.compiled(kernel)
    if init == "text_agnostic":
        s = Surrogate.compiled(kernel, TEXT_AGNOSTIC_WEIGHTS)
        s.init = "text_agnostic"
        return s
    raise ValueError(f"unknown init {init!r}; use one of {INITS}")


def _data(name: str, cfg: ProtocolConfig):
    from nsc_tune.evaluate.programs import load

    k = load(name, cfg.corpus)
    Xp = k.sample(cfg.pool, seed=[cfg.seed, 1])
    Xt = k.sample(cfg.test, seed=[cfg.seed, 2])
    Yp, Yt = k(Xp), k(Xt)
    if not (np.isfinite(Yp).all() and np.isfinite(Yt).all()):
        raise ValueError(f"{name} produces non-finite outputs on its domains; leave it out of "
                         "the protocol (every example must have a finite target)")
    return k, Xp, Yp, Xt, Yt


def trial_indices(cfg: ProtocolConfig, fraction: float, trial: int) -> np.ndarray:
    """Which pool examples a trial trains and validates on at ``fraction`` of the pool."""
    rng = np.random.default_rng([cfg.seed, trial, int(fraction * 1e6)])
    return rng.choice(cfg.pool, int(round(cfg.pool * fraction)), replace=False)


def _run(task: tuple) -> dict:
    """One (kernel, fraction, trial, init) run; returns its test MSE and its test curve."""
    import torch

    from nsc_tune.surrogate.fit import fit_surrogate, split

    torch.set_num_threads(1)
    name, fraction, trial, init, cfg, track = task
    k, Xp, Yp, Xt, Yt = _data(name, cfg)
    n = int(round(cfg.pool * fraction))
    s = _surrogate(k, init, seed=random_seed_of(trial))
    curve: list[float] = []
    xt = torch.as_tensor(Xt, dtype=torch.float32)
    yt = torch.as_tensor(Yt, dtype=torch.float32)

    def test_mse(model) -> float:
        with torch.no_grad():
            return float(((model(xt) - yt) ** 2).mean())

    best_epoch = 0
    if n >= 2:
        idx = trial_indices(cfg, fraction, trial)
        X, Y, Xv, Yv = split(Xp[idx], Yp[idx], 0.2, seed=trial)
        hook = (lambda e, m: curve.append(test_mse(m))) if track else None
        if init == "auto":
            from nsc_tune.surrogate.fit import fit_auto

            # Its random candidate is this trial's random baseline (same weights, split and
            # shuffling): per trial, auto is one of the two baseline runs, picked on validation.
            # The curve follows the leading candidate (lowest validation error so far).
            s, res, _ = fit_auto(k, Xp[idx], Yp[idx], epochs=cfg.epochs, seed=trial,
                                 random_seed=random_seed_of(trial),
                                 warmup_epochs=cfg.warmup_epochs, lr=cfg.lr,
                                 batch_size=cfg.batch_size, on_epoch=hook,
                                 stats_lr=PROTOCOL_STATS_LR)
        else:
            res = fit_surrogate(s, X, Y, epochs=cfg.epochs, lr=cfg.lr,
                                batch_size=cfg.batch_size, seed=trial, X_val=Xv, Y_val=Yv,
                                on_epoch=hook, stats_lr=PROTOCOL_STATS_LR)
        best_epoch = res.best_epoch
    # "kept": the initialisation the result came from (auto's winner; the init itself otherwise).
    return {"kernel": name, "fraction": fraction, "n": n, "trial": trial, "init": init,
            "kept": s.init, "test_mse": test_mse(s), "best_epoch": best_epoch, "curve": curve}


def _execute(tasks: list[tuple], cfg: ProtocolConfig, progress: bool) -> list[dict]:
    """Run the tasks, one process per run, or batched per training fraction on ``cfg.device``
    (``evaluate.batched``: the same computation up to float rounding); rows in task order."""
    if cfg.device is None:
        return _map(tasks, cfg.workers, progress)
    from tqdm import tqdm

    from nsc_tune.evaluate.batched import run_groups

    groups: dict[tuple, list[tuple]] = defaultdict(list)
    for t in tasks:
        groups[(t[1], t[5])].append(t)
    found: dict[tuple, dict] = {}
    for (fraction, track), group in tqdm(groups.items(), desc=f"protocol ({cfg.device})",
                                         disable=not progress):
        names = [k for k in cfg.kernels if any(t[0] == k for t in group)]
        trials = sorted({t[2] for t in group})
        inits = [i for i in cfg.inits if any(t[3] == i for t in group)]
        for row in run_groups(names, fraction, trials, inits, cfg, track, cfg.device):
            found[(row["kernel"], row["fraction"], row["trial"], row["init"])] = row
    return [found[t[:4]] for t in tasks]


def _map(tasks: list[tuple], workers: int, progress: bool) -> list[dict]:
    from tqdm import tqdm

    workers = workers or os.cpu_count() or 1
    if workers == 1:
        return [_run(t) for t in tqdm(tasks, desc="protocol", disable=not progress)]
    with ProcessPoolExecutor(workers, mp_context=_pool_context()) as pool:
        return list(tqdm(pool.map(_run, tasks), total=len(tasks), desc="protocol",
                         disable=not progress))


def _pool_context():
    """Fork the workers, unless this process already runs Numba's OpenMP threads (a kernel was
    evaluated in it): a forked copy of those aborts, so then start them from a fork server
    (which, like spawn, needs the usual ``if __name__ == "__main__":`` guard in scripts)."""
    import multiprocessing

    try:
        import numba

        layer = numba.threading_layer()
    except (ImportError, ValueError):  # ValueError: no parallel kernel has run yet
        layer = None
    return multiprocessing.get_context("forkserver" if layer == "omp" else "fork")


#: Settings that must agree for rows of an earlier run to be reused (the rest only select rows).
SAME_FOR_REUSE = ("pool", "test", "epochs", "lr", "batch_size", "warmup_epochs", "seed",
                  "corpus")


#: Which weights file each initialisation's results depend on (random depends on none).
WEIGHTS_OF_INIT = {"compiled": "compiled", "auto": "compiled", "text_agnostic": "text_agnostic"}


def weights_ids() -> dict[str, str]:
    """Content hashes of the weights the compiled and text-agnostic inits are built from."""
    import hashlib

    from nsc_tune.compiler.compiler import DEFAULT_WEIGHTS, TEXT_AGNOSTIC_WEIGHTS

    return {name: hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            for name, path in (("compiled", DEFAULT_WEIGHTS),
                               ("text_agnostic", TEXT_AGNOSTIC_WEIGHTS))}


def reusable_rows(cfg: ProtocolConfig, reuse: dict) -> dict[tuple, dict]:
    """The rows of an earlier result (data efficiency, or epochs to target, whose runs at its
    fraction are the same runs), keyed by (kernel, fraction, trial, init).

    Rows of an init built from weights are kept only when the result records the same weights
    (``weights_ids``): after new weights ship, only the random-init rows carry over.
    Raises ``ValueError`` when it is not such a result or was run with other settings
    (``SAME_FOR_REUSE``)."""
    if not isinstance(reuse, dict) or not isinstance(reuse.get("config"), dict) \
            or not isinstance(reuse.get("rows"), list):
        raise ValueError("not a protocol result with rows (expected 'config' and 'rows')")
    differ = [k for k in SAME_FOR_REUSE if reuse["config"].get(k) != getattr(cfg, k)]
    if differ:
        raise ValueError(f"cannot reuse rows run with other settings: {', '.join(differ)}")
    then, now = reuse.get("weights") or {}, weights_ids()

    def same_weights(init: str) -> bool:
        name = WEIGHTS_OF_INIT.get(init)
        return name is None or then.get(name) == now[name]

    return {(r["kernel"], r["fraction"], r["trial"], r["init"]): r for r in reuse["rows"]
            if same_weights(r["init"])}


def data_efficiency(cfg: ProtocolConfig, progress: bool = True,
                    reuse: dict | list[dict] | None = None) -> dict:
    """Run the data-efficiency protocol; returns rows and the summary table.

    ``reuse``: earlier results with the same settings (``SAME_FOR_REUSE``); their rows for the
    same (kernel, fraction, trial, init) are taken instead of being run again (every run is
    deterministic given its settings and the weights, so this only saves time).
    """
    old: dict[tuple, dict] = {}
    for result in [reuse] if isinstance(reuse, dict) else reuse or []:
        old |= reusable_rows(cfg, result)
    tasks = [(k, f, t, i, cfg, False) for k in cfg.kernels for f in cfg.fractions
             for t in range(cfg.trials) for i in cfg.inits]
    todo = [t for t in tasks if t[:4] not in old]
    done = {t[:4]: r for t, r in zip(todo, _execute(todo, cfg, progress), strict=True)}
    rows = [dict(old[t[:4]]) if t[:4] in old else done[t[:4]] for t in tasks]
    for r in rows:
        r.pop("curve", None)
    return {"config": asdict(cfg), "weights": weights_ids(), "rows": rows,
            "summary": summarise(rows, cfg.inits)}


def summarise(rows: list[dict], inits: tuple[str, ...]) -> dict:
    """Mean test MSE per (kernel, fraction, init); improvements over random; geometric means."""
    acc: dict[tuple, list[float]] = defaultdict(list)
    for r in rows:
        acc[(r["kernel"], r["fraction"], r["init"])].append(r["test_mse"])
    table = []
    for kernel, fraction in sorted({(k, f) for k, f, _ in acc}):
        entry = {"kernel": kernel, "fraction": fraction}
        for init in inits:
            entry[init] = float(np.mean(acc[(kernel, fraction, init)]))
        for init in inits:
            if init != "random" and "random" in inits:
                entry[f"improvement_{init}"] = entry["random"] / max(entry[init], 1e-300)
        table.append(entry)
    compared = [i for i in inits if i != "random" and "random" in inits]
    out = {"table": table}
    for group, entries in _groups(table).items():
        out[_geo_key("geomean_improvement", group)] = {
            i: _geomean([e[f"improvement_{i}"] for e in entries]) for i in compared}
    return out


def _geo_key(stat: str, group: str) -> str:
    """The result key of a group's geometric means (suite kernels keep the plain key)."""
    return stat + ("_corpus" if group == "corpus" else "")


def fraction_of(entry: dict, result: dict) -> float:
    """The training fraction of a summary entry (an epochs-to-target result has one for all)."""
    return entry.get("fraction", result.get("fraction"))


def _groups(entries: list[dict]) -> dict[str, list[dict]]:
    """Entries split into suite kernels and corpus programs (groups without entries left out)."""
    from nsc_tune.evaluate.programs import is_corpus

    groups: dict[str, list[dict]] = {}
    for e in entries:
        groups.setdefault("corpus" if is_corpus(e["kernel"]) else "suite", []).append(e)
    return groups


def _geomean(values: list[float]) -> float:
    return float(math.exp(np.mean(np.log(values))))


def epochs_to_target(cfg: ProtocolConfig, fraction: float = 1.0, progress: bool = True) -> dict:
    """Epochs each initialisation needs to reach the mean final error of 3 random-init runs."""
    tasks = [(k, fraction, t, i, cfg, True) for k in cfg.kernels for t in range(cfg.trials)
             for i in cfg.inits]
    rows = _execute(tasks, cfg, progress)
    out = []
    for kernel in cfg.kernels:
        mine = [r for r in rows if r["kernel"] == kernel]
        randoms = [r for r in mine if r["init"] == "random"][:3]
        target = float(np.mean([r["test_mse"] for r in randoms]))
        entry = {"kernel": kernel, "target_mse": target}
        for init in cfg.inits:
            reached = []
            for r in mine:
                if r["init"] == init:
                    hit = next((e for e, v in enumerate(r["curve"], 1) if v <= target), None)
                    reached.append(hit if hit is not None else cfg.epochs)
            entry[f"epochs_{init}"] = float(np.mean(reached))
        for init in cfg.inits:
            if init != "random":
                entry[f"speedup_{init}"] = entry["epochs_random"] / max(entry[f"epochs_{init}"],
                                                                        1.0)
        if "auto" in cfg.inits:
            # auto trains two candidates side by side until the warm-up ends (or throughout):
            # its arithmetic is one surrogate-epoch per candidate per epoch.
            both = cfg.epochs if cfg.warmup_epochs is None else cfg.warmup_epochs
            hits = entry["epochs_auto"]
            entry["surrogate_epochs_auto"] = hits + min(hits, both)
            entry["speedup_auto_compute"] = entry["epochs_random"] / max(
                entry["surrogate_epochs_auto"], 1.0)
        out.append(entry)
    keys = [i for i in cfg.inits if i != "random"] + (["auto_compute"] if "auto" in cfg.inits
                                                       else [])
    kept = [{k: v for k, v in r.items() if k != "curve"} for r in rows]  # for --reuse
    result = {"config": asdict(cfg), "weights": weights_ids(), "fraction": fraction,
              "table": out, "rows": kept}
    for group, entries in _groups(out).items():
        result[_geo_key("geomean_speedup", group)] = {
            i: _geomean([e[f"speedup_{i}"] for e in entries]) for i in keys}
    return result


def markdown(result: dict) -> str:
    """Markdown tables of a data-efficiency or epochs-to-target result: one row per suite kernel
    (and fraction); corpus programs summarised per fraction over all programs."""
    inits = list(result["config"]["inits"])
    compared = [i for i in inits if i != "random"]
    ett = "summary" not in result
    table = result["table"] if ett else result["summary"]["table"]
    groups = _groups(table)
    lines: list[str] = []
    if "suite" in groups:
        if ett:
            lines += [_row(["kernel", "target MSE"] + [f"epochs {i}" for i in inits]
                           + [f"speed-up {i}" for i in compared]),
                      "|" + "---|" * (2 + len(inits) + len(compared))]
            lines += [_row([e["kernel"], f"{e['target_mse']:.3g}"]
                           + [f"{e[f'epochs_{i}']:.0f}" for i in inits]
                           + [f"{e[f'speedup_{i}']:.2f}x" for i in compared])
                      for e in groups["suite"]]
        else:
            lines += [_row(["kernel", "fraction"] + [f"MSE {i}" for i in inits]
                           + [f"improvement {i}" for i in compared]),
                      "|" + "---|" * (2 + len(inits) + len(compared))]
            lines += [_row([e["kernel"], f"{e['fraction']:g}"] + [f"{e[i]:.3g}" for i in inits]
                           + [f"{e[f'improvement_{i}']:.2f}x" for i in compared])
                      for e in groups["suite"]]
        lines.append("")
    if "corpus" in groups:
        what, key = ("speed-up", "speedup") if ett else ("improvement", "improvement")
        by_fraction: dict[float, list[dict]] = defaultdict(list)
        for e in groups["corpus"]:
            by_fraction[fraction_of(e, result)].append(e)
        lines += [_row(["corpus programs", "fraction"] + [f"geomean {what} {i}" for i in compared]
                       + [f"share above 1 {i}" for i in compared]),
                  "|" + "---|" * (2 + 2 * len(compared))]
        for fraction, entries in sorted(by_fraction.items()):
            vals = {i: [e[f"{key}_{i}"] for e in entries] for i in compared}
            lines.append(_row([str(len(entries)), f"{fraction:g}"]
                              + [f"{_geomean(vals[i]):.2f}x" for i in compared]
                              + [f"{np.mean(np.array(vals[i]) > 1):.0%}" for i in compared]))
        lines.append("")
    for group, label in (("suite", "suite kernels"), ("corpus", "corpus programs")):
        geo = (result.get(_geo_key("geomean_speedup", group)) if ett
               else result["summary"].get(_geo_key("geomean_improvement", group)))
        if geo:
            lines.append(f"Geometric-mean {'speed-up' if ett else 'improvement'}, {label}: "
                         + ", ".join(f"{i} {v:.2f}x" for i, v in geo.items()))
    if ett and "auto" in inits:
        lines += ["", "auto_compute counts the arithmetic: both candidates' epochs while they "
                  "train side by side."]
    return "\n".join(lines)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"
