"""The cross-check: the kernel compiled by the system C compiler, run over a batch.

The user's source is compiled unchanged in its own translation unit, next to a generated entry
wrapper (so ``static`` kernels work) and a batch driver in a second translation unit.  The driver
runs as a child process reading the batch from stdin: a crash (SIGFPE, SIGSEGV) or a hang in the
kernel becomes a typed error instead of taking the Python process down.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
from pathlib import Path

import numpy as np

from nsc_tune.kernel import directives, trust
from nsc_tune.kernel.errors import KernelRuntimeError, NativeBuildError, NonTerminationError
from nsc_tune.kernel.numba_backend import cache_dir
from nsc_tune.kernel.parse import SUPPORTED_HEADERS, find_cc
from nsc_tune.kernel.signature import Arg, Signature

#: Flags that keep gcc to the semantics the Numba translation implements: IEEE arithmetic without
#: contraction into FMA, and wrapping signed overflow.
CFLAGS = ["-O2", "-std=gnu11", "-fno-fast-math", "-ffp-contract=off", "-fwrapv", "-w",
          # C's undefined shifts and float-to-int conversions trap (SIGILL), as the Numba
          # translation stops on them; INT_MIN / -1 traps (SIGFPE) by itself on x86
          "-fsanitize=shift-exponent,float-cast-overflow", "-fsanitize-undefined-trap-on-error"]


def _param_decl(a: Arg, name: str) -> str:
    return f"{a.ctype} *{name}" if a.shape else f"{a.ctype} {name}"


def entry_wrapper(function: str, ret: str, params: list[Arg]) -> str:
    """A non-static entry point appended to the user's translation unit."""
    decl = ", ".join(_param_decl(a, f"p{a.param}") for a in params) or "void"
    call = ", ".join(f"p{a.param}" for a in params)
    body = f"return {function}({call});" if ret != "void" else f"{function}({call});"
    return f"\n{ret} __nsc_entry({decl}) {{ {body} }}\n"


def row_loop(entry: str, sig: Signature, params: list[Arg], indent: str = "  ") -> list[str]:
    """C lines that run ``entry`` over rows ``0..n-1`` of ``X`` (inputs) into ``Y`` (outputs).

    Inputs are converted from double to each parameter's C type as C converts; outputs are
    zero-filled before the call and widened to double after it.
    """
    lines = [
        "for (long r = 0; r < n; r++) {",
        f"  const double *x = X + r * {sig.n_inputs};",
        f"  double *y = Y + r * {sig.n_outputs};",
    ]
    pos = 0
    for a in sig.inputs:
        conv = "(x[{i}] != 0)" if a.ctype == "_Bool" else f"({a.ctype})x[{{i}}]"
        if a.shape:
            lines.append(f"  {a.ctype} p{a.param}[{a.size}];")
            lines.append(f"  for (int k = 0; k < {a.size}; k++) p{a.param}[k] = "
                         + conv.format(i=f"{pos} + k") + ";")
        else:
            lines.append(f"  {a.ctype} p{a.param} = " + conv.format(i=pos) + ";")
        pos += a.size
    for a in sig.outputs:
        if a.param >= 0:
            lines.append(f"  {a.ctype} p{a.param}[{a.size}] = {{0}};")
    call = f"{entry}(" + ", ".join(f"p{a.param}" for a in params) + ")"
    pos = 0
    if sig.outputs[0].param < 0:
        lines.append(f"  y[0] = (double){call};")
        pos = 1
    else:
        lines.append(f"  {call};")
    for a in sig.outputs:
        if a.param >= 0:
            lines.append(f"  for (int k = 0; k < {a.size}; k++) y[{pos} + k] = "
                         f"(double)p{a.param}[k];")
            pos += a.size
    lines.append("}")
    return [indent + line for line in lines]


def prototype(entry: str, ret: str, params: list[Arg]) -> str:
    """``extern`` declaration of an entry point, in canonical C type names."""
    decl = ", ".join(_param_decl(a, f"p{a.param}") for a in params) or "void"
    return f"extern {ret} {entry}({decl});"


def ordered_params(sig: Signature) -> list[Arg]:
    """The kernel's C parameters (inputs and outputs) in declaration order."""
    return sorted([a for a in (*sig.inputs, *sig.outputs) if a.param >= 0],
                  key=lambda a: a.param)


def driver(ret: str, sig: Signature, params: list[Arg]) -> str:
    """The batch driver: read N and X (doubles) from stdin, write Y (doubles) to stdout."""
    lines = [
        "#include <stdio.h>", "#include <stdlib.h>",
        prototype("__nsc_entry", ret, params),
        "int main(void) {",
        "  long n;",
        "  if (fread(&n, sizeof n, 1, stdin) != 1) return 2;",
        f"  double *X = malloc(sizeof(double) * (size_t)(n * {sig.n_inputs} + 1));",
        f"  double *Y = calloc((size_t)(n * {sig.n_outputs} + 1), sizeof(double));",
        f"  if (fread(X, sizeof(double), (size_t)(n * {sig.n_inputs}), stdin) != "
        f"(size_t)(n * {sig.n_inputs})) return 3;",
        *row_loop("__nsc_entry", sig, params),
        f"  fwrite(Y, sizeof(double), (size_t)(n * {sig.n_outputs}), stdout);",
        "  return 0;",
        "}",
    ]
    return "\n".join(lines) + "\n"


#: What the stand-in headers' macros expand to in preprocessed (extracted) C, for gcc.
STAND_IN_DEFINES = ('#define __nsc_inff() __builtin_inff()\n#define __nsc_inf() __builtin_inf()\n'
                    '#define __nsc_nanf() __builtin_nanf("")\n')


def build(source: str, function: str, ret: str, sig: Signature) -> Path:
    """Compile (or find in the cache) the driver executable for this kernel."""
    params = ordered_params(sig)
    directives.check(source, headers=SUPPORTED_HEADERS)  # gcc reads only its own headers
    unit = STAND_IN_DEFINES + "#line 1\n" + source + entry_wrapper(function, ret, params)
    return compile_cached("native", {"kernel.c": unit, "driver.c": driver(ret, sig, params)},
                          [], "kernel")


def compile_cached(kind: str, sources: dict[str, str], flags: list[str], output: str) -> Path:
    """Compile C ``sources`` (file name -> text) with ``CFLAGS + flags`` into
    ``cache_dir()/kind/<digest>/output``, once: later calls with the same inputs reuse it."""
    cc = find_cc()
    if cc is None:
        raise NativeBuildError("no C compiler found", hint="install gcc or set $CC")
    flags = [*CFLAGS, *flags]
    digest = hashlib.sha256("\0".join([*sources.values(), cc, *flags]).encode()).hexdigest()[:20]
    root = cache_dir()
    folder = trust.private_folder(root / kind / digest, root)
    target = folder / output
    if target.exists():
        if trust.verified(target, root):
            return target
        trust.discard(target)  # not built by us (or changed since): built again
    for name, text in sources.items():
        (folder / name).write_text(text)
    tmp = folder / f"{os.getpid()}.tmp.{output}"
    proc = subprocess.run([cc, *flags, "-o", str(tmp), *(str(folder / n) for n in sources),
                           "-lm"], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise NativeBuildError(f"{cc} failed: {proc.stderr.strip()[:500]}",
                               hint="the kernel must compile as C11 with the system compiler")
    os.replace(tmp, target)
    trust.sign(target, root)
    return target


def run(exe: Path, X: np.ndarray, n_outputs: int, timeout: float) -> np.ndarray:
    """Run the driver on ``X``; crashes and time-outs become typed errors."""
    n = X.shape[0]
    payload = np.int64(n).tobytes() + np.ascontiguousarray(X, dtype=np.float64).tobytes()
    try:
        proc = subprocess.run([str(exe)], input=payload, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise NonTerminationError(
            f"the native kernel did not finish within {timeout:g} s: it probably does not "
            "terminate on some inputs", hint="check loop conditions, or pass a larger timeout"
        ) from None
    if proc.returncode != 0:
        what = f"exit status {proc.returncode}"
        if proc.returncode < 0:
            what = signal.Signals(-proc.returncode).name
        if proc.returncode == -signal.SIGILL:
            raise KernelRuntimeError("undefined behaviour in the native kernel (SIGILL): a shift "
                                     "count out of range, or a float converted to an integer type "
                                     "that cannot hold it", hint="guard the operation or narrow "
                                     "the input domain")
        raise KernelRuntimeError(f"the native kernel crashed ({what})",
                                 hint="SIGFPE is integer division by zero or INT_MIN / -1; "
                                 "SIGSEGV an out-of-bounds index")
    return np.frombuffer(proc.stdout, dtype=np.float64).reshape(n, n_outputs).copy()
