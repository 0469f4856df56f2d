"""Pretraining CompNet on a corpus: mixed precision, checkpoints, resume, DDP through torchrun.

Loss per batch: the generated surrogates' MSE on normalised outputs (targets standardised with each
output's true mean and scale) plus the error of the predicted location and scale. Gradients flow
only into CompNet. Run it with ``nsc-tune pretrain --corpus DIR --out DIR`` on one device, or
``torchrun --nproc-per-node N -m nsc_tune.compiler.pretrain --corpus DIR --out DIR`` for data
parallelism (each rank takes its share of the same global batch, so results do not depend on N
beyond floating-point summation order).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch import Tensor

from nsc_tune.compiler.checkpoint import export_weights, load_checkpoint, save_checkpoint
from nsc_tune.compiler.data import Batch, Prefetcher, StepSampler, TrainProgram, load_corpus
from nsc_tune.compiler.model import CompNet, CompNetConfig
from nsc_tune.compiler.packed import PackedPrefetcher, PackedPrograms
from nsc_tune.errors import NscTuneError
from nsc_tune.surrogate.mlp import forward_normalised, symexp

STATS_WEIGHT = 0.1
#: Weight of the log error in real units (the zero-shot metric's own scale) and its floor.
FULL_WEIGHT = 1.0
FULL_FLOOR = 1e-3
#: Steps after which a run's rate counts as steady (worker start-up, CUDA warm-up are over).
STEADY_AFTER = 100


@dataclass
class PretrainConfig:
    """Settings of a pretraining run (plain data, stored in checkpoints)."""

    corpus: str
    out: str
    steps: int = 20_000
    batch_size: int = 64
    rows: int = 256
    lr: float = 5e-4
    warmup: int = 500
    weight_decay: float = 0.01
    seed: int = 0
    checkpoint_every: int = 500
    log_every: int = 50
    max_minutes: float | None = None
    amp: bool = True
    workers: int = 0
    limit: int | None = None
    model: dict = field(default_factory=dict)
    kill_at: int | None = None  # testing: stop abruptly (no checkpoint) after this step
    init_weights: str | None = None  # start from these exported weights (fresh optimiser)
    full_weight: float = FULL_WEIGHT  # weight of the log real-unit error term (0: off)
    collate_workers: int = 0  # processes collating batches ahead (0: two threads)
    schedule_start: int = 0  # step at which warm-up and cosine decay begin (continued runs)
    # The fine-tuning-aware loss (compiler.inner_loop): query error after inner fine-tuning steps
    inner_steps: int = 0  # inner steps per batch (0: off, the zero-shot loss_terms)
    inner_lr: float = 0.01
    inner_support: int = 16  # rows per program fine-tuned on; the rest are the query
    inner_first_order: bool = True
    inner_weight: float = 1.0  # weight of the zero-shot loss added to the query error
    inner_optimiser: str = "adam"
    inner_stats: str = "support"
    pipeline: str = "packed"  # "packed": batches gathered on the device; "collate": on the host
    fused_optimizer: bool = True  # AdamW's fused kernel where the device has one (CUDA)


def loss_terms(model: torch.nn.Module, batch: Batch, full_weight: float = FULL_WEIGHT
               ) -> tuple[Tensor, dict[str, Tensor]]:
    """The pretraining loss of one batch and its (detached) parts."""
    p = model(batch.ids, batch.values, batch.in_pos, batch.in_mask, batch.out_pos,
              batch.out_mask)
    yn = forward_normalised(p, batch.xn)
    target = (batch.y - symexp(batch.mu)[:, None, :]) / torch.exp(batch.log_sigma)[:, None, :]
    om = batch.out_mask.float()
    pairs = om.sum().clamp(min=1.0)  # (program, output) pairs
    shape = (((yn - target) ** 2) * om[:, None, :]).sum() / (pairs * batch.xn.shape[1])
    stats = (((p.mu - batch.mu) ** 2 + (p.log_sigma - batch.log_sigma) ** 2) * om).sum() / pairs
    # The surrogate's whole error in real units, relative to each output's spread: location and
    # scale errors count as they will at zero shot. Its log per (program, output) makes every
    # program count alike, as the geometric mean over programs does.
    sigma = torch.exp(batch.log_sigma)[:, None, :]
    scale = torch.exp(p.log_sigma.clamp(max=30.0))[:, None, :]
    pred = symexp(p.mu)[:, None, :] + scale * yn.float()
    err = ((pred - batch.y) / sigma).square().mean(dim=1)  # [B, O]
    full = (torch.log(err.clamp(max=1e12) + FULL_FLOOR) * om).sum() / pairs
    loss = shape + STATS_WEIGHT * stats + full_weight * full
    return loss, {"loss": loss.detach(), "shape_mse": shape.detach(), "stats": stats.detach(),
                  "log_full": full.detach()}


class PipelineError(NscTuneError):
    """An unknown pretraining data pipeline was asked for."""


PIPELINES = ("packed", "collate")


def _prefetcher(cfg: PretrainConfig, sampler: StepSampler, programs: list[TrainProgram],
                step: int, rank: int, world: int, device: torch.device
                ) -> Prefetcher | PackedPrefetcher:
    """The batches of steps ``step..cfg.steps``: gathered on ``device`` from packed programs, or
    collated on the host (``cfg.collate_workers`` processes, or two threads)."""
    if cfg.pipeline == "collate":
        return Prefetcher(sampler, step, cfg.steps, rank, world, cfg.collate_workers)
    packed = PackedPrograms.from_programs(programs, device)
    return PackedPrefetcher(sampler, packed, step, cfg.steps, rank, world)


def lr_at(step: int, cfg: PretrainConfig) -> float:
    """Linear warm-up, then cosine decay to 10% of the peak at ``cfg.steps``; both start at
    ``cfg.schedule_start`` (a continued run from ``init_weights`` gets a schedule of its own)."""
    step -= cfg.schedule_start
    if step < cfg.warmup:
        return cfg.lr * (max(step, 0) + 1) / cfg.warmup
    t = min(1.0, (step - cfg.warmup) / max(1, cfg.steps - cfg.schedule_start - cfg.warmup))
    return cfg.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))


def _distributed() -> tuple[int, int, int]:
    if "RANK" in os.environ and "WORLD_SIZE" in os.environ:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        if not dist.is_initialized():
            dist.init_process_group(backend)
        return dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", 0))
    return 0, 1, 0


def pretrain(cfg: PretrainConfig, programs: list[TrainProgram] | None = None,
             progress: bool = True) -> dict:
    """Train (or resume) CompNet; returns a summary. Writes checkpoint.safetensors, log.jsonl,
    loss.png and compnet.safetensors under ``cfg.out``."""
    from tqdm import tqdm

    from nsc_tune.compiler.inner_loop import finetuned_loss_terms, inner_loop_of

    inner = inner_loop_of(cfg)  # None: the zero-shot loss; settings checked before loading
    if cfg.pipeline not in PIPELINES:  # before the corpus is loaded
        raise PipelineError(f"unknown pipeline {cfg.pipeline!r}; use one of {PIPELINES}")
    rank, world, local = _distributed()
    device = torch.device(f"cuda:{local}" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    t_load = time.time()
    if programs is None:
        programs = load_corpus(cfg.corpus, "train", CompNetConfig(**cfg.model).max_len,
                               cfg.workers, cfg.limit)
    load_seconds = time.time() - t_load
    torch.manual_seed(cfg.seed)
    model = CompNet(CompNetConfig(**cfg.model)).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay,
                                  betas=(0.9, 0.98),
                                  fused=cfg.fused_optimizer and device.type == "cuda")
    ckpt = out / "checkpoint.safetensors"
    step = 0
    if ckpt.exists():
        step = load_checkpoint(ckpt, model, optimizer)
    elif cfg.init_weights:
        from nsc_tune.compiler.checkpoint import load_weights, warm_start

        warm, info = load_weights(cfg.init_weights)
        warm_start(model, warm)
        step = int(info.get("step", 0))
    ddp = model
    if world > 1:
        ddp = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[local] if device.type == "cuda" else None)
    sampler = StepSampler(programs, cfg.batch_size, cfg.rows, cfg.seed)
    use_amp = cfg.amp and device.type == "cuda"
    log = open(out / "log.jsonl", "a") if rank == 0 else None
    start, start_step = time.time(), step
    # The budget counts from the process start: loading the corpus is part of it.
    deadline = t_load + 60 * cfg.max_minutes if cfg.max_minutes else None
    bar = tqdm(total=cfg.steps, initial=step, desc="pretrain", disable=not progress or rank != 0)
    t_pack = time.time()
    prefetch = _prefetcher(cfg, sampler, programs, step, rank, world, device)
    pack_seconds = time.time() - t_pack
    steady = None  # (time, step) once start-up is over: the first STEADY_AFTER steps
    while step < cfg.steps:
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, cfg)
        batch = prefetch.get(step).to(device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_amp):
            if inner is None:
                loss, parts = loss_terms(ddp, batch, cfg.full_weight)
            else:
                loss, parts = finetuned_loss_terms(ddp, batch, **asdict(inner),
                                                   full_weight=cfg.full_weight)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        bar.update(1)
        if step - start_step == STEADY_AFTER:
            steady = (time.time(), step)
        if log is not None and (step % cfg.log_every == 0 or step == cfg.steps):
            rec = {"step": step, **{k: float(v) for k, v in parts.items()},
                   "lr": lr_at(step - 1, cfg),
                   "seconds": round(time.time() - start, 2)}
            log.write(json.dumps(rec) + "\n")
            log.flush()
            bar.set_postfix(loss=f"{rec['loss']:.4f}")
        stop = deadline is not None and time.time() > deadline
        if world > 1 and deadline is not None:
            # Every rank must stop at the same step, or the next all-reduce waits forever.
            flag = torch.tensor([1.0 if stop else 0.0], device=device)
            dist.all_reduce(flag, op=dist.ReduceOp.MAX)
            stop = bool(flag.item())
        if rank == 0 and (step % cfg.checkpoint_every == 0 or step == cfg.steps or stop):
            save_checkpoint(ckpt, model, optimizer, step, asdict(cfg))
        if stop:
            break
        if cfg.kill_at is not None and step >= cfg.kill_at:
            bar.close()
            prefetch.close()
            return {"step": step, "killed": True}
    bar.close()
    prefetch.close()
    elapsed = time.time() - start
    summary = {"step": step, "steps_this_run": step - start_step, "seconds": round(elapsed, 1),
               "steps_per_second": round((step - start_step) / max(elapsed, 1e-9), 3),
               "programs_per_second": round((step - start_step) * cfg.batch_size
                                            / max(elapsed, 1e-9), 1),
               "steady_steps_per_second": None if steady is None else round(
                   (step - steady[1]) / max(start + elapsed - steady[0], 1e-9), 3),
               "train_programs": len(programs), "load_seconds": round(load_seconds, 1),
               "pipeline": cfg.pipeline, "pack_seconds": round(pack_seconds, 1),
               "fused_optimizer": optimizer.defaults.get("fused") is True,
               "world_size": world, "device": str(device),
               "parameters": sum(p.numel() for p in model.parameters())}
    if rank == 0:
        log.close()
        plot_loss(out / "log.jsonl", out / "loss.png")
        export_weights(model, out / "compnet.safetensors", {"step": step, **summary})
        (out / "summary.json").write_text(json.dumps(summary, indent=2))
    if world > 1:
        dist.barrier()
    return summary


def plot_loss(log_path: Path, png: Path) -> Path | None:
    """Plot the loss curve from log.jsonl."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not log_path.exists():
        return None
    recs = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    if not recs:
        return None
    steps = np.array([r["step"] for r in recs])
    # Batches group programs of similar length, so single records swing: draw them faintly and a
    # running mean over ~1/10 of the run on top.
    window = max(1, len(recs) // 10)
    fig, ax = plt.subplots(figsize=(7, 4))
    for key in ("loss", "shape_mse", "stats", "log_full"):
        if key in recs[-1]:
            raw = np.array([r.get(key, np.nan) for r in recs], dtype=float)
            line, = ax.plot(steps, raw, lw=0.6, alpha=0.25)
            smooth = np.convolve(raw, np.ones(window) / window, mode="valid")
            ax.plot(steps[window - 1:], smooth, color=line.get_color(), lw=1.8,
                    label=f"{key} (mean of {window})" if window > 1 else key)
    ax.set_yscale("symlog", linthresh=0.1)
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.set_title("CompNet pretraining")
    ax.legend()
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return png


def add_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The pretraining options (shared by ``nsc-tune pretrain`` and ``python -m``)."""
    p.add_argument("--corpus", required=True, help="corpus folder (nsc-tune corpus build)")
    p.add_argument("--out", required=True, help="run folder: checkpoints, log, weights")
    for name, default in (("steps", 20_000), ("batch-size", 64), ("rows", 256), ("seed", 0),
                          ("checkpoint-every", 500), ("workers", 0), ("warmup", 500),
                          ("log-every", 50), ("collate-workers", 0), ("schedule-start", 0)):
        p.add_argument(f"--{name}", type=int, default=default)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--full-weight", type=float, default=FULL_WEIGHT,
                   help="weight of the log error in real units (0 turns it off)")
    p.add_argument("--max-minutes", type=float, default=None,
                   help="stop (after checkpointing) this many minutes after the start, loading "
                   "the corpus included")
    p.add_argument("--limit", type=int, default=None, help="use at most this many programs")
    p.add_argument("--model", default="{}", help='CompNet config as JSON, e.g. {"layers": 2}')
    p.add_argument("--init-weights", default=None,
                   help="start from exported weights (continued pretraining, fresh optimiser)")
    p.add_argument("--pipeline", choices=PIPELINES, default="packed",
                   help="packed: the corpus packed onto the device, batches gathered there "
                   "(default); collate: batches padded on the host (--collate-workers)")
    p.add_argument("--inner-steps", type=int, default=0,
                   help="fine-tuning-aware loss: differentiable fine-tuning steps per batch on "
                   "--inner-support rows, scored on the other rows (0: the zero-shot loss)")
    p.add_argument("--inner-lr", type=float, default=0.01)
    p.add_argument("--inner-support", type=int, default=16)
    p.add_argument("--inner-second-order", action="store_true",
                   help="keep the second-order terms (default: first-order)")
    p.add_argument("--inner-weight", type=float, default=1.0,
                   help="weight of the zero-shot loss added to the query error")
    p.add_argument("--inner-optimiser", default="adam", help="adam (as users fine-tune) or sgd")
    p.add_argument("--inner-stats", default="support",
                   help="standardise with the support rows (support, as users do) or the "
                   "program's true output statistics (batch)")
    p.add_argument("--no-fused-optimizer", action="store_true",
                   help="AdamW's per-tensor kernels even on CUDA (default: its fused kernel)")
    p.add_argument("--no-amp", action="store_true")
    p.add_argument("--json", action="store_true")
    return p


def parser() -> argparse.ArgumentParser:
    return add_arguments(argparse.ArgumentParser(prog="nsc-tune pretrain",
                                                 description=__doc__.split("\n")[0]))


def config_from_args(args: argparse.Namespace) -> PretrainConfig:
    return PretrainConfig(corpus=args.corpus, out=args.out, steps=args.steps,
                          batch_size=args.batch_size, rows=args.rows, lr=args.lr,
                          warmup=args.warmup, seed=args.seed,
                          checkpoint_every=args.checkpoint_every, log_every=args.log_every,
                          max_minutes=args.max_minutes,
                          amp=not args.no_amp, workers=args.workers, limit=args.limit,
                          model=CompNetConfig.check_overrides(args.model),
                          init_weights=args.init_weights,
                          full_weight=args.full_weight,
                          collate_workers=args.collate_workers,
                          schedule_start=args.schedule_start, pipeline=args.pipeline,
                          inner_steps=args.inner_steps, inner_lr=args.inner_lr,
                          inner_support=args.inner_support,
                          inner_first_order=not args.inner_second_order,
                          inner_weight=args.inner_weight, inner_optimiser=args.inner_optimiser,
                          inner_stats=args.inner_stats,
                          fused_optimizer=not args.no_fused_optimizer)


def run_from_args(args: argparse.Namespace) -> int:
    """Run pretraining from parsed arguments; print the summary (rank 0).

    Under ``torchrun`` the process group opened here is closed here too, once every rank is done:
    a rank that exits with its group still open can close its sockets while a peer is tearing
    down, and Gloo aborts that peer (SIGABRT)."""
    opened = "RANK" in os.environ and not dist.is_initialized()
    try:
        summary = pretrain(config_from_args(args), progress=not args.json)
        if int(os.environ.get("RANK", 0)) == 0:
            print(json.dumps(summary, indent=2))
    finally:
        if opened and dist.is_initialized():
            dist.destroy_process_group()
    return 0


def main(argv: list[str] | None = None) -> int:
    import sys

    args = parser().parse_args(argv)
    try:
        return run_from_args(args)
    except (NscTuneError, OSError, json.JSONDecodeError) as exc:
        print(f"nsc-tune pretrain: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
