"""Bad calls of the public API: each raises a typed error whose message names the argument."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from nsc_tune.errors import NscTuneError
from nsc_tune.evaluate.validate import ValidateError, validate
from nsc_tune.kernel import Kernel
from nsc_tune.kernel.errors import (
    CSyntaxError,
    DomainError,
    KernelError,
    UnsupportedConstructError,
)
from nsc_tune.surrogate import FitError, Surrogate
from nsc_tune.surrogate.base import SurrogateInputError
from nsc_tune.tune import TuneError, minimize

SQUARE = "double k(double x){return x*x;}"
ARRAY = "double k(double *a, int n){return a[0];}"
UNIT = {"x": (0, 1)}


def nested(n: int, head: str) -> str:
    """A kernel whose body nests ``n`` copies of ``head {...}``."""
    body = "s += 1;"
    for i in range(n):
        body = head.format(i=i) + "{" + body + "}"
    return f"double k(double x){{double s = 0; {body} return s;}}"


LOOP = "for (int i{i} = 0; i{i} < 1; i{i}++)"
IF = "if (x > -{i})"


@pytest.fixture(scope="module")
def k() -> Kernel:
    return Kernel.from_source(SQUARE, "k", domains=UNIT)


@pytest.fixture(scope="module")
def s(k: Kernel) -> Surrogate:
    return Surrogate.random(k, width=8, seed=0)


@pytest.fixture(scope="module")
def non_utf8(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bad") / "k.c"
    path.write_bytes(b"double k(double x){return x\xff;}")
    return path


def _first_output(x, y):
    return y[:, 0]


def _nan_everywhere(x, y):
    return y[:, 0] * float("nan")


# (id, call(k, s, non_utf8), error class, text the message must hold)
CASES: list[tuple[str, Callable, type[NscTuneError], str]] = [
    ("from_source(None)", lambda k, s, f: Kernel.from_source(None), KernelError, "source"),
    ("from_source(function=3)", lambda k, s, f: Kernel.from_source(SQUARE, 3), KernelError,
     "function"),
    ("from_file(non-UTF-8 bytes)", lambda k, s, f: Kernel.from_file(f, "k", domains=UNIT),
     CSyntaxError, "line 1, column 28: byte 0xff"),
    ("pragma domain(x, 2, 1)", lambda k, s, f: Kernel.from_source(
        "#pragma nsc_tune domain(x, 0, 1)\n#pragma nsc_tune domain(x, 2, 1)\n" + SQUARE, "k"),
     DomainError, "line 2: #pragma nsc_tune domain of `x` is [2, 1]"),
    ("#line then a syntax error", lambda k, s, f: Kernel.from_source(
        "#line 100\ndouble k(double x) {\n  return x +;\n}\n", "k"),
     CSyntaxError, "line 101, column 13"),
    ("domains x=5", lambda k, s, f: Kernel.from_source(SQUARE, "k", domains={"x": 5}),
     DomainError, "domain for `x`"),
    ("domains x=(1, 0)", lambda k, s, f: Kernel.from_source(SQUARE, "k", domains={"x": (1, 0)}),
     DomainError, "domain of input x"),
    ("domains x=('a', 1)", lambda k, s, f: Kernel.from_source(SQUARE, "k",
                                                            domains={"x": ("a", 1)}),
     DomainError, "domain for `x`"),
    ("domains x=(nan, 1)", lambda k, s, f: Kernel.from_source(
        SQUARE, "k", domains={"x": (float("nan"), 1)}), DomainError, "domain of input x"),
    ("domains a=5 (no such input)", lambda k, s, f: Kernel.from_source(
        SQUARE, "k", domains={"x": (0, 1), "a": 5}), DomainError, "`a`"),
    ("domains 'abc'", lambda k, s, f: Kernel.from_source(SQUARE, "k", domains="abc"),
     DomainError, "domains"),
    ("shapes a=-1", lambda k, s, f: Kernel.from_source(
        ARRAY, "k", domains={"a": (0, 1), "n": (1, 2)}, shapes={"a": -1}), DomainError, "`a`"),
    ("shapes a='x'", lambda k, s, f: Kernel.from_source(
        ARRAY, "k", domains={"a": (0, 1), "n": (1, 2)}, shapes={"a": "x"}), DomainError,
     "shapes['a']"),
    ("shapes zz=3 (no such parameter)", lambda k, s, f: Kernel.from_source(
        SQUARE, "k", domains=UNIT, shapes={"zz": 3}), DomainError, "shapes names `zz`"),
    ("max_iterations=-1", lambda k, s, f: Kernel.from_source(
        SQUARE, "k", domains=UNIT, max_iterations=-1), KernelError, "max_iterations"),
    ("20 nested loops", lambda k, s, f: Kernel.from_source(nested(20, LOOP), "k", domains=UNIT),
     UnsupportedConstructError, "nested loops"),
    ("99 nested ifs", lambda k, s, f: Kernel.from_source(nested(99, IF), "k", domains=UNIT),
     UnsupportedConstructError, "nested more than"),
    ("5000 nested ifs (parser recursion)", lambda k, s, f: Kernel.from_source(
        nested(5000, IF), "k", domains=UNIT), UnsupportedConstructError, "too deeply"),
    ("sample(-1)", lambda k, s, f: k.sample(-1), KernelError, "n=-1"),
    ("sample(1.5)", lambda k, s, f: k.sample(1.5), KernelError, "n=1.5"),
    ("predict(X of 2 columns)", lambda k, s, f: s.predict(np.zeros((3, 2))),
     SurrogateInputError, "predict(X)"),
    ("predict('abc')", lambda k, s, f: s.predict("abc"), SurrogateInputError, "predict(X)"),
    ("validate(n_samples=0)", lambda k, s, f: validate(s, n_samples=0), ValidateError,
     "n_samples"),
    ("fit(lr=nan)", lambda k, s, f: s.copy().fit(k, n_samples=8, lr=float("nan"),
                                                 progress=False), FitError, "lr"),
    ("fit(epochs=0)", lambda k, s, f: s.copy().fit(k, n_samples=8, epochs=0, progress=False),
     FitError, "epochs"),
    ("fit(batch_size=0)", lambda k, s, f: s.copy().fit(k, n_samples=8, batch_size=0,
                                                       progress=False), FitError, "batch_size"),
    ("Surrogate.random(width=0)", lambda k, s, f: Surrogate.random(k, width=0), FitError,
     "width"),
    ("Surrogate.random(depth=0)", lambda k, s, f: Surrogate.random(k, depth=0), FitError,
     "depth"),
    ("minimize(n_starts=0)", lambda k, s, f: minimize(s, _first_output, n_starts=0), TuneError,
     "n_starts"),
    ("minimize(steps=-1)", lambda k, s, f: minimize(s, _first_output, steps=-1), TuneError,
     "steps"),
    ("minimize(lr=nan)", lambda k, s, f: minimize(s, _first_output, lr=float("nan")), TuneError,
     "lr"),
    ("minimize(NaN objective)", lambda k, s, f: minimize(s, _nan_everywhere, n_starts=2,
                                                         steps=2), TuneError,
     "objective _nan_everywhere"),
]


@pytest.mark.parametrize(("call", "error", "names"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_call_raises_typed_error(k, s, non_utf8, call, error, names) -> None:
    with pytest.raises(error) as info:
        call(k, s, non_utf8)
    assert isinstance(info.value, NscTuneError)
    assert names in str(info.value)


def test_nesting_within_the_limits_still_runs() -> None:
    from nsc_tune.kernel.translate import MAX_NESTED_LOOPS

    k = Kernel.from_source(nested(MAX_NESTED_LOOPS, LOOP), "k", domains=UNIT)
    assert k(np.zeros((1, 1)))[0, 0] == 1.0


def test_deep_nesting_error_names_the_line() -> None:
    source = nested(20, LOOP).replace("{", "{\n")
    with pytest.raises(UnsupportedConstructError) as info:
        Kernel.from_source(source, "k", domains=UNIT)
    assert info.value.line == 21  # the 20th loop's line


@pytest.fixture(scope="module")
def kernel_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "sq.c"
    path.write_text("#pragma nsc_tune domain(x, 0, 1)\n" + SQUARE + "\n")
    return path


@pytest.fixture(scope="module")
def deep_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "deep.c"
    path.write_text("#pragma nsc_tune domain(x, 0, 1)\n" + nested(20, LOOP) + "\n")
    return path


CLI_CASES = [
    ("validate --samples 0", lambda f, d: ["validate", str(f), "--samples", "0"], "--samples"),
    ("fit --epochs abc", lambda f, d: ["fit", str(f), "--epochs", "abc"], "--epochs"),
    ("fit --lr nan", lambda f, d: ["fit", str(f), "--init", "random", "--samples", "8",
                                   "--epochs", "1", "--lr", "nan"], "lr"),
    ("validate deep.c", lambda f, d: ["validate", str(d)], "nested loops"),
]


@pytest.mark.parametrize(("argv", "names"), [c[1:] for c in CLI_CASES],
                         ids=[c[0] for c in CLI_CASES])
def test_cli_bad_values_give_one_line_and_exit_2(kernel_file, deep_file, argv, names) -> None:
    run = subprocess.run([sys.executable, "-m", "nsc_tune.cli", *argv(kernel_file, deep_file)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and names in errors[0], run.stderr
