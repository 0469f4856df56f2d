"""Run many kernels at once through gcc: one executable per batch, each program isolated.

All programs of a batch go into one translation unit (one compiler process, which is most of
the speed): each program's preprocessed text has every identifier prefixed with ``p<j>_``, so
names cannot clash, and one driver runs them all. A crash (SIGFPE, SIGSEGV, ...) or a time-out
inside one program is caught with ``sigsetjmp``/``siglongjmp`` and marks only that program. Each
program runs twice, with the stack scribbled in between: outputs that differ reveal reads of
uninitialised memory or other nondeterminism.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nsc_tune.kernel import Kernel
from nsc_tune.kernel.lexer import MATH_NAMES, kinds_and_texts
from nsc_tune.kernel.native import CFLAGS, STAND_IN_DEFINES, ordered_params, row_loop
from nsc_tune.kernel.parse import find_cc, user_lines

OK = 0
NONDETERMINISTIC = -1
NOT_RUN = -2  # the whole batch failed to build or run
TIMEOUT_SIGNAL = 14  # SIGALRM

_PRELUDE = r"""
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
""" + STAND_IN_DEFINES

_DRIVER_HEAD = r"""
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static sigjmp_buf nsc_env;
static volatile sig_atomic_t nsc_signal;
static void nsc_on_signal(int s) { nsc_signal = s; siglongjmp(nsc_env, 1); }
static void nsc_scribble(void) {
  volatile unsigned char junk[1 << 16];
  for (int i = 0; i < (1 << 16); i++) junk[i] = (unsigned char)(i * 131 + 7);
}
static void nsc_timer(long usec) {
  struct itimerval t;
  memset(&t, 0, sizeof t);
  t.it_value.tv_sec = usec / 1000000;
  t.it_value.tv_usec = usec % 1000000;
  setitimer(ITIMER_REAL, &t, 0);
}
typedef void (*nsc_runner)(const double *, double *, long);
"""

_DRIVER_MAIN = r"""
int main(int argc, char **argv) {
  long usec = argc > 1 ? atol(argv[1]) : 2000000;
  long n;
  if (fread(&n, sizeof n, 1, stdin) != 1) return 2;
  long total_in = 0, total_out = 0;
  for (int p = 0; p < NSC_COUNT; p++) {
    total_in += n * nsc_n_in[p];
    total_out += n * nsc_n_out[p];
  }
  double *X = malloc(sizeof(double) * (size_t)(total_in + 1));
  double *Y = calloc((size_t)(total_out + 1), sizeof(double));
  double *Y2 = calloc((size_t)(total_out + 1), sizeof(double));
  int status[NSC_COUNT];
  if (fread(X, sizeof(double), (size_t)total_in, stdin) != (size_t)total_in) return 3;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = nsc_on_signal;
  sigaction(SIGFPE, &sa, 0); sigaction(SIGSEGV, &sa, 0); sigaction(SIGBUS, &sa, 0);
  sigaction(SIGILL, &sa, 0); sigaction(SIGALRM, &sa, 0);
  long xo = 0, yo = 0;
  for (int p = 0; p < NSC_COUNT; p++) {
    status[p] = 0;
    nsc_signal = 0;
    if (sigsetjmp(nsc_env, 1) == 0) {
      nsc_timer(usec);
      nsc_runners[p](X + xo, Y + yo, n);
      nsc_scribble();
      nsc_runners[p](X + xo, Y2 + yo, n);
      nsc_timer(0);
      if (memcmp(Y + yo, Y2 + yo, sizeof(double) * (size_t)(n * nsc_n_out[p])) != 0)
        status[p] = -1;
    } else {
      nsc_timer(0);
      status[p] = nsc_signal;
    }
    xo += n * nsc_n_in[p];
    yo += n * nsc_n_out[p];
  }
  fwrite(status, sizeof(int), NSC_COUNT, stdout);
  fwrite(Y, sizeof(double), (size_t)total_out, stdout);
  return 0;
}
"""


@dataclass
class Outcome:
    """What running one program produced: outputs (N, n_outputs) and a status.

    ``status`` is OK, NONDETERMINISTIC, NOT_RUN, or the number of the signal that stopped it
    (14 = SIGALRM: the per-program time limit).
    """

    Y: np.ndarray | None
    status: int


def renamed(kernel: Kernel, j: int) -> str:
    """The kernel's preprocessed text with every identifier prefixed ``p<j>_`` (math.h names,
    the stand-in headers' builtins and ``NULL`` excepted)."""
    out = []
    unit = user_lines(kernel.preprocessed) + kernel.native_extra
    for kind, text in kinds_and_texts(unit):
        if kind == "ident" and text not in MATH_NAMES and not text.startswith("__nsc_") \
                and text != "NULL":  # (no stand-in defines it: the prelude's <stddef.h> does)
            out.append(f"p{j}_{text}")
        else:
            out.append(text)
    return " ".join(out)


def _driver(kernels: list[Kernel]) -> str:
    lines = [_DRIVER_HEAD]
    for i, k in enumerate(kernels):
        params = ordered_params(k.signature)  # the kernel is defined above, in the same unit
        lines.append(f"static void nsc_run{i}(const double *X, double *Y, long n) {{")
        lines += row_loop(f"p{i}_{k.native_function}", k.signature, params)
        lines.append("}")
    count = len(kernels)
    lines.append(f"#define NSC_COUNT {count}")
    lines.append("static const long nsc_n_in[] = {"
                 + ", ".join(str(k.n_inputs) for k in kernels) + "};")
    lines.append("static const long nsc_n_out[] = {"
                 + ", ".join(str(k.n_outputs) for k in kernels) + "};")
    lines.append("static const nsc_runner nsc_runners[] = {"
                 + ", ".join(f"nsc_run{i}" for i in range(count)) + "};")
    lines.append(_DRIVER_MAIN)
    return "\n".join(lines)


def run_batch(kernels: list[Kernel], inputs: list[np.ndarray], *,
              per_program_seconds: float = 2.0, workdir: str | Path | None = None
              ) -> list[Outcome]:
    """Run each kernel on its inputs (all with the same number of rows) through gcc.

    Arguments:
        kernels: the programs.
        inputs: one (N, n_inputs) array per kernel, N equal for all.
        per_program_seconds: time limit for one program's two passes.
        workdir: where to build (a temporary folder by default).

    Returns:
        One Outcome per kernel, in order.
    """
    if not kernels:
        return []
    n = inputs[0].shape[0]
    cc = find_cc()
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        folder = Path(tmp)
        unit = [_PRELUDE] + [renamed(k, i) for i, k in enumerate(kernels)]
        (folder / "batch.c").write_text("\n".join(unit) + _driver(kernels))
        exe = folder / "batch"
        flags = [f for f in CFLAGS if f != "-O2"] + ["-O1"]
        build = subprocess.run([cc or "gcc", *flags, "-o", str(exe), str(folder / "batch.c"),
                                "-lm"], capture_output=True, text=True, timeout=600)
        if build.returncode != 0:
            return _bisect(kernels, inputs, per_program_seconds, workdir)
        payload = [np.int64(n).tobytes()]
        payload += [np.ascontiguousarray(x, dtype=np.float64).tobytes() for x in inputs]
        try:
            proc = subprocess.run([str(exe), str(int(per_program_seconds * 1e6))],
                                  input=b"".join(payload), capture_output=True,
                                  timeout=60 + 2 * per_program_seconds * len(kernels))
        except subprocess.TimeoutExpired:
            return [Outcome(None, NOT_RUN) for _ in kernels]
        if proc.returncode != 0:
            return [Outcome(None, NOT_RUN) for _ in kernels]
    status = np.frombuffer(proc.stdout[: 4 * len(kernels)], dtype=np.int32)
    flat = np.frombuffer(proc.stdout[4 * len(kernels):], dtype=np.float64)
    out, pos = [], 0
    for k, st in zip(kernels, status, strict=True):
        size = n * k.n_outputs
        Y = flat[pos: pos + size].reshape(n, k.n_outputs).copy()
        pos += size
        out.append(Outcome(Y if st == OK else None, int(st)))
    return out


def _bisect(kernels, inputs, seconds, workdir) -> list[Outcome]:
    """A batch that gcc rejects: split it to isolate the programs that do not compile."""
    if len(kernels) == 1:
        return [Outcome(None, NOT_RUN)]
    mid = len(kernels) // 2
    return (run_batch(kernels[:mid], inputs[:mid], per_program_seconds=seconds, workdir=workdir)
            + run_batch(kernels[mid:], inputs[mid:], per_program_seconds=seconds,
                        workdir=workdir))


def default_workdir() -> str | None:
    """A RAM-backed folder for builds when the machine has one."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
