"""The ``nsc-tune`` command line: one subcommand per job.

``demo`` (the main job end to end, with a report), ``compile``, ``fit``, ``validate``, ``tune``,
``accelerate``, ``check``, and the research commands ``corpus``, ``pretrain``, ``eval``. Every
subcommand prints human output by default and JSON with ``--json``; bad arguments give one line on
stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence

from nsc_tune.cli import accelerate, check, demo, research, surrogate, tune
from nsc_tune.cli.common import UsageError, check_non_negative, check_positive
from nsc_tune.errors import NscTuneError

#: Options that must be positive wherever a subcommand has them.
POSITIVE = ("samples", "n", "rows", "shard_size", "pool", "test", "trials", "epochs",
            "fit_samples", "val_samples", "rounds", "starts", "steps", "max_error",
            "agreement_samples", "lr", "budget", "batch_size", "checkpoint_every", "log_every",
            "max_minutes", "limit", "inner_support", "inner_lr")
#: Options that must be zero or more.
NON_NEGATIVE = ("seed", "patience", "workers", "warmup", "collate_workers", "schedule_start",
                "inner_steps", "full_weight", "inner_weight", "programs")

#: Subcommands that train or run small MLPs: one torch thread is as fast, and a thread pool
#: stalls badly on a busy machine (measured: a 300-epoch fit took 1 s on one thread, 100 s on
#: two on a loaded 2-core VM).
ONE_THREAD = ("demo", "compile", "fit", "validate", "tune", "accelerate")


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``nsc-tune <cmd>: error: ...`` and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``nsc-tune`` parser with every subcommand."""
    parser = _Parser(prog="nsc-tune", description="Compile C kernels into neural surrogates; "
                     "fine-tune them, tune kernel inputs through them, or swap them in.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=_Parser)
    for module in (demo, surrogate, tune, accelerate, check, research):
        module.add(sub)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings (default domains, acceleration refused, ...) as one line on stderr."""
    print(f"nsc-tune: warning: {message}", file=sys.stderr if file is None else file)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``nsc-tune``: typed errors become one clear line and exit status 2."""
    warnings.showwarning = _show_warning
    args = build_parser().parse_args(argv)
    try:
        check_positive(args, POSITIVE)
        check_non_negative(args, NON_NEGATIVE)
        if args.command not in ONE_THREAD:
            return args.func(args)
        from nsc_tune.accelerate.threads import torch_threads

        with torch_threads(1):
            return args.func(args)
    except UsageError as exc:
        print(f"nsc-tune: error: {exc}", file=sys.stderr)
        return 2
    except (NscTuneError, OSError, json.JSONDecodeError) as exc:
        print(f"nsc-tune: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


__all__ = ["build_parser", "main"]
