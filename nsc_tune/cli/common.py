"""What the subcommands share: resolving a kernel argument, parsing ``name=value``, output."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from nsc_tune.errors import NscTuneError

KERNEL_HELP = ("the kernel: a .c file, or the name of a bundled suite kernel (blackscholes, fft, "
               "inversek2j, jmeint, jpeg, kmeans, sobel)")


class UsageError(NscTuneError):
    """A command-line argument is malformed or names something that does not exist."""


def add_kernel_arguments(p: argparse.ArgumentParser) -> None:
    """``FILE``, ``--function``, ``--seed`` and ``--json``: common to the kernel subcommands."""
    p.add_argument("kernel", metavar="FILE", help=KERNEL_HELP)
    p.add_argument("--function", default=None,
                   help="the kernel function (needed when the file defines several)")
    p.add_argument("--domain", action="append", default=None, metavar="NAME=LO,HI",
                   help="the range of an input (repeat for several; a pointer parameter's name "
                   "sets all its elements); overrides #pragma nsc_tune domain")
    p.add_argument("--seed", type=int, default=0, help="seed of every draw and initialisation")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")


def kernel_from_args(args: argparse.Namespace):
    """The ``Kernel`` of a subcommand's ``FILE``, ``--function`` and ``--domain`` options."""
    return load_kernel(args.kernel, args.function, parse_domains(getattr(args, "domain", None)))


def load_kernel(spec: str, function: str | None = None,
                domains: dict[str, tuple[float, float]] | None = None):
    """The ``Kernel`` named by ``spec``: a path to a ``.c`` file or a suite kernel name, with
    ``domains`` (by input name) overriding its own."""
    from nsc_tune import suite
    from nsc_tune.kernel import Kernel

    path = Path(spec)
    extra = {"domains": domains} if domains else {}
    if path.is_file():
        return Kernel.from_file(path, function=function, **extra)
    if spec in suite.names() and not path.suffix:
        if function not in (None, spec):
            raise UsageError(f"the bundled kernel {spec} defines `{spec}`, not `{function}`; "
                             f"drop --function")
        return suite.load(spec, **extra)
    raise UsageError(f"no such file {spec!r}; give a .c file or a bundled kernel name "
                     f"({', '.join(suite.names())})")


def parse_assignments(values: Sequence[str] | None, flag: str) -> dict[str, float]:
    """``["name=1.5", ...]`` -> ``{"name": 1.5}``; malformed items raise UsageError."""
    out: dict[str, float] = {}
    for item in values or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"{flag} {item!r} is not name=value; write e.g. {flag} strike=40")
        out[name.strip()] = number(value, f"{flag} {item!r}")
    return out


def parse_bounds(values: Sequence[str] | None) -> dict[str, tuple[float, float]]:
    """``["name=lo:hi", ...]`` -> ``{"name": (lo, hi)}``; malformed items raise UsageError."""
    return _parse_ranges(values, "--bounds", ":", "name=lo:hi", "x=0:0.5")


def parse_domains(values: Sequence[str] | None) -> dict[str, tuple[float, float]]:
    """``["x=0,1", ...]`` -> ``{"x": (0.0, 1.0)}`` (``lo:hi`` also accepted); malformed items
    raise UsageError."""
    domains = _parse_ranges(values, "--domain", ",:", "NAME=LO,HI", "x=0,1")
    for name, (lo, hi) in domains.items():
        if lo > hi:
            raise UsageError(f"--domain {name}={lo:g},{hi:g}: LO must not exceed HI")
    return domains


def _parse_ranges(values: Sequence[str] | None, flag: str, separators: str, form: str,
                  example: str) -> dict[str, tuple[float, float]]:
    """``name=lo<sep>hi`` items (``sep`` one of ``separators``) -> ``{name: (lo, hi)}``."""
    out: dict[str, tuple[float, float]] = {}
    for item in values or ():
        name, sep, rng = item.partition("=")
        parts = rng
        for other in separators[1:]:
            parts = parts.replace(other, separators[0])
        pieces = parts.split(separators[0])
        if not sep or not name.strip() or len(pieces) != 2:
            raise UsageError(f"{flag} {item!r} is not {form}; write e.g. {flag} {example}")
        what = f"{flag} {item!r}"
        out[name.strip()] = (number(pieces[0], what), number(pieces[1], what))
    return out


def number(text: str, what: str) -> float:
    """``float(text)``, or a UsageError naming ``what``."""
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{what}: {text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise UsageError(f"{what}: {text.strip()!r} is not a finite number")
    return value


def output_column(kernel, key: str) -> int:
    """The flattened output position named by ``key`` (``tune.objectives.output_column``), as a
    usage error."""
    from nsc_tune.tune import TuneError
    from nsc_tune.tune.objectives import output_column as column

    try:
        return column(kernel, key)
    except TuneError as exc:
        raise UsageError(str(exc)) from None


def check_positive(args: argparse.Namespace, names: Sequence[str]) -> None:
    """Every option in ``names`` that is set must be positive."""
    for name in names:
        value = getattr(args, name, None)
        if value is not None and value <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be positive, got {value}")


#: Seeds are numpy/torch seeds: 32-bit unsigned.
MAX_SEED = 2**32 - 1


def check_non_negative(args: argparse.Namespace, names: Sequence[str]) -> None:
    """Every option in ``names`` that is set must be zero or more (a seed at most MAX_SEED)."""
    for name in names:
        value = getattr(args, name, None)
        flag = f"--{name.replace('_', '-')}"
        if value is not None and value < 0:
            raise UsageError(f"{flag} must be zero or more, got {value}")
        if name == "seed" and value is not None and value > MAX_SEED:
            raise UsageError(f"{flag} must be at most {MAX_SEED} (a 32-bit seed), got {value}")


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def emit(args: argparse.Namespace, data: dict, human: Callable[[dict], None]) -> None:
    """Print ``data`` as JSON with ``--json``, else through ``human``."""
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, default=_plain))
    else:
        human(data)


def note(args: argparse.Namespace, message: str) -> None:
    """A progress line on stderr (silent with ``--json``)."""
    if not getattr(args, "json", False):
        print(message, file=sys.stderr, flush=True)
