"""The fine-tuning-aware loss against the zero-shot loss (issue 17, item 3), side by side.

``time``: one CompNet (default: the shipped weights) and the same batches; each step computes
a loss (``loss_terms``, or ``finetuned_loss_terms`` with the listed inner settings), its
backward pass and an AdamW step, the variants taking turns step by step in rotating order;
prints the median seconds per step and the ratio to the zero-shot loss.

``evaluate``: each CompNet weight file on a corpus split: the error of its surrogates at zero
shot (its own location and scale) and after fine-tuning on N examples of each program (location
and scale from the examples, then Adam at lr 0.01 on the standardised MSE, full batch, a fixed
number of steps, no validation split or early stopping), on 512 other rows of the program. The
error of a program is the mean over its outputs of the MSE over the output's variance; the table
gives the geometric mean and the median over programs.

    python benchmarks/inner_loop.py time --corpus /tmp/c2k
    python benchmarks/inner_loop.py evaluate --corpus /tmp/c2k --split test \\
        --weights zero=/tmp/zs/compnet.safetensors inner=/tmp/il/compnet.safetensors
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
import torch

from nsc_tune.compiler import inner_loop as il
from nsc_tune.compiler.checkpoint import load_weights
from nsc_tune.compiler.data import Batch, StepSampler, collate, load_corpus
from nsc_tune.compiler.pretrain import loss_terms

SHIPPED = "nsc_tune/compiler/weights/compnet.safetensors"
#: name -> finetuned_loss_terms settings (None: the zero-shot loss_terms)
VARIANTS = {
    "zero-shot": None,
    "inner K=5 first-order adam": dict(steps=5, first_order=True),
    "inner K=5 second-order adam": dict(steps=5, first_order=False),
    "inner K=5 second-order sgd": dict(steps=5, first_order=False, optimiser="sgd", lr=0.1),
    "inner K=10 first-order adam": dict(steps=10, first_order=True),
}
TEST_ROWS = 512


def _step(model: torch.nn.Module, opt: torch.optim.Optimizer, batch: Batch,
          inner: dict | None) -> float:
    """Seconds of one training step (bf16 autocast on CUDA, as pretraining runs)."""
    cuda = batch.xn.device.type == "cuda"
    if cuda:
        torch.cuda.synchronize()
    t = time.perf_counter()
    with torch.autocast(batch.xn.device.type, dtype=torch.bfloat16, enabled=cuda):
        if inner is None:
            loss, _ = loss_terms(model, batch)
        else:
            loss, _ = il.finetuned_loss_terms(model, batch, support=16, **inner)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    if cuda:
        torch.cuda.synchronize()
    return time.perf_counter() - t


def time_variants(args: argparse.Namespace) -> dict:
    """Median seconds per training step of each variant, on the same batches, taking turns."""
    programs = load_corpus(args.corpus, "train", 3072, workers=1, limit=args.limit)
    sampler = StepSampler(programs, args.batch_size, args.rows, seed=1)
    device = torch.device(args.device)
    model, _ = load_weights(args.weights)
    model.to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)
    seconds = {name: [] for name in VARIANTS}
    for s in range(args.steps + 1):
        batch = sampler.batch(s).to(device)
        names = list(VARIANTS)
        for name in names[s % len(names):] + names[: s % len(names)]:  # turns rotate
            dt = _step(model, opt, batch, VARIANTS[name])
            if s > 0:  # the first round warms up
                seconds[name].append(dt)
    base = statistics.median(seconds["zero-shot"])
    return {"device": str(device), "batch_size": args.batch_size, "rows": args.rows,
            "steps": args.steps} | {name: {"median_s": round(statistics.median(v), 4),
                   "ratio": round(statistics.median(v) / base, 2)} for name, v in seconds.items()}


def _rows(programs: list, n: int, seed: int) -> list[np.ndarray]:
    """Per program: ``n`` support rows, then ``TEST_ROWS`` others (a fixed random draw)."""
    rng = np.random.default_rng(seed)
    return [rng.permutation(p.X.shape[0])[: n + TEST_ROWS] for p in programs]


def _program_errors(q: il.Params, batch: Batch, n: int) -> torch.Tensor:
    """Each program's mean over outputs of the test MSE over the output's variance [B]."""
    om = batch.out_mask.float()
    sigma = torch.exp(batch.log_sigma)[:, None, :]
    err = ((il.predict(q, batch.xn[:, n:]) - batch.y[:, n:]) / sigma).square().mean(dim=1)
    return (err * om).sum(dim=1) / om.sum(dim=1)


def _errors(model: torch.nn.Module, batch: Batch, n: int, steps: list[int],
            train: tuple[str, ...]) -> dict[str, torch.Tensor]:
    with torch.no_grad():
        p = model(batch.ids, batch.values, batch.in_pos, batch.in_mask, batch.out_pos,
                  batch.out_mask)
    out = {"zero-shot": _program_errors({k: getattr(p, k) for k in il.FIELDS}, batch, n)}
    om = batch.out_mask.float()
    xs, ys = batch.xn[:, :n], batch.y[:, :n]
    loc, scale = il.standardiser(ys, batch.out_mask)
    init = il.initial_params(p, loc, scale)
    for k in sorted(steps):  # each count from the start (Adam's moments included)
        q, _ = il.adapt(init, lambda r: il.program_losses(r, xs, ys, scale, om).sum(), k,
                        0.01, "adam", True, train)
        out[f"N={n} {k} steps"] = _program_errors(q, batch, n)
    return out


def _summary(errors: torch.Tensor) -> dict:
    e = errors.double().clamp(min=1e-12)
    return {"geomean": float(torch.exp(torch.log(e).mean())), "median": float(e.median()),
            "programs": int(e.numel())}


def _paired(errors: torch.Tensor, base: torch.Tensor, seed: int = 0) -> dict:
    """Geometric mean over programs of ``errors / base`` with a 95% bootstrap interval."""
    ratio = torch.log(errors.double().clamp(min=1e-12) / base.double().clamp(min=1e-12))
    gen = torch.Generator().manual_seed(seed)
    draws = torch.randint(0, ratio.numel(), (2000, ratio.numel()), generator=gen)
    means = ratio[draws].mean(dim=1)
    lo, hi = torch.quantile(means, torch.tensor([0.025, 0.975], dtype=means.dtype))
    return {"ratio": float(torch.exp(ratio.mean())), "ci95": [float(torch.exp(lo)),
                                                              float(torch.exp(hi))]}


def evaluate(args: argparse.Namespace) -> dict:
    """Zero-shot and fine-tuned errors of each weight file on the split's programs; with two or
    more files, each one's per-program error ratio to the first (``vs <first>``)."""
    programs = load_corpus(args.corpus, args.split, 3072, workers=1)
    results, per_program = {}, {}
    for spec in args.weights:
        name, path = spec.split("=", 1)
        model, _ = load_weights(path)
        model.eval()
        rows: dict[str, list[torch.Tensor]] = {}
        for n in args.n:
            draws = _rows(programs, n, args.seed)
            for start in range(0, len(programs), args.chunk):
                chunk = programs[start: start + args.chunk]
                batch = collate(chunk, draws[start: start + args.chunk])
                for train, tag in ((il.SHAPE, ""), (il.FIELDS, " (all tensors)")):
                    if tag and not args.all_tensors:
                        continue
                    errs = _errors(model, batch, n, args.fine_tune_steps, train)
                    for key, v in errs.items():
                        if key == "zero-shot" and (n != args.n[0] or tag):
                            continue
                        rows.setdefault(key + tag, []).append(v)
        per_program[name] = {k: torch.cat(v) for k, v in rows.items()}
        results[name] = {k: _summary(v) for k, v in per_program[name].items()}
    first = next(iter(per_program))
    for name in list(per_program)[1:]:
        results[f"{name} vs {first}"] = {k: _paired(v, per_program[first][k])
                                         for k, v in per_program[name].items()}
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    t = sub.add_parser("time")
    t.add_argument("--corpus", required=True)
    t.add_argument("--weights", default=SHIPPED)
    t.add_argument("--steps", type=int, default=10)
    t.add_argument("--batch-size", type=int, default=16)
    t.add_argument("--rows", type=int, default=128)
    t.add_argument("--limit", type=int, default=400)
    t.add_argument("--device", default="cpu")
    e = sub.add_parser("evaluate")
    e.add_argument("--corpus", required=True)
    e.add_argument("--split", default="test")
    e.add_argument("--weights", nargs="+", required=True, help="NAME=PATH ...")
    e.add_argument("--n", type=int, nargs="+", default=[16, 64])
    e.add_argument("--fine-tune-steps", type=int, nargs="+", default=[5, 20, 100])
    e.add_argument("--chunk", type=int, default=16)
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--all-tensors", action="store_true",
                   help="also fine-tune location and scale, as surrogate.fit does")
    args = ap.parse_args()
    out = time_variants(args) if args.what == "time" else evaluate(args)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
