"""Export to C: gcc-compiled exports reproduce torch's outputs through the kernel's prototype."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch
from pycparser.c_generator import CGenerator

import nsc_tune
from nsc_tune import suite
from nsc_tune.errors import NscTuneError
from nsc_tune.kernel import Kernel, native
from nsc_tune.kernel.parse import parse
from nsc_tune.kernel.program import Program
from nsc_tune.kernel.signature import Arg
from nsc_tune.surrogate import Surrogate
from nsc_tune.surrogate.export import ExportError

RTOL = 1e-5
ATOL = 1e-6

# Every parameter form: double and int scalars, a 2-D array and a const pointer input (sized by
# pragma), a scalar out-pointer, an unsigned char array and a float pointer output, an int return.
MIX = """
#pragma nsc_tune domain(a, -2, 3)
#pragma nsc_tune domain(n, 0, 10)
#pragma nsc_tune domain(m, -1, 1)
#pragma nsc_tune domain(w, 0, 5)
#pragma nsc_tune shape(w, 4)
#pragma nsc_tune shape(v, 2)
int mix(double a, int n, float m[2][3], const double *w, double *d, unsigned char o[3], float *v)
{
    *d = a * w[0];
    for (int i = 0; i < 3; i++) o[i] = (unsigned char)(n + i);
    v[0] = m[1][2]; v[1] = m[0][0] + (float)w[3];
    return n + (int)a;
}
"""


def mix_surrogate() -> Surrogate:
    """A random surrogate with spread output location/scale (symexp and exp matter, and the
    unsigned chars reach both ends of 0..255). Columns: return, d, o[0..2], v[0..1]."""
    s = Surrogate.random(Kernel.from_source(MIX), width=16, depth=3, seed=3)
    with torch.no_grad():
        # Chosen for this seed's normalised outputs (std ~0.01): return spans ~-44..1,
        # o[0] ~-3..6 and o[1] ~160..360 (clamped at 0 and at 255).
        s.mu.copy_(torch.tensor([0.0, -2.0, -1.386, 0.0, 5.0, 0.5, -4.0]))
        s.log_sigma.copy_(torch.tensor([6.9, 1.0, 5.7, 8.1, 2.0, -1.0, 0.0]))
    return s


# Parameters named like the export's own identifiers (locals, helpers, a math function).
SHADOW = """
float shadow(float nsc_x, float exp, const float shadow_surrogate_mlp[2])
{ return nsc_x * exp + shadow_surrogate_mlp[1]; }
"""

SURROGATES = {
    "inversek2j-random": lambda: Surrogate.random(suite.load("inversek2j"), seed=1),
    "inversek2j-compiled": lambda: nsc_tune.compile(suite.load("inversek2j")),
    "sobel-compiled": lambda: nsc_tune.compile(suite.load("sobel")),
    "blackscholes-compiled": lambda: nsc_tune.compile(suite.load("blackscholes")),
    "jmeint-random": lambda: Surrogate.random(suite.load("jmeint"), depth=1, seed=2),
    "mix-random": mix_surrogate,
    "shadow-random": lambda: Surrogate.random(Kernel.from_source(
        SHADOW, domains={"nsc_x": (0, 1), "exp": (-1, 1), "shadow_surrogate_mlp": (0, 2)})),
}


def run_export(s: Surrogate, X: np.ndarray) -> np.ndarray:
    """Build the export with native.py's batch driver (same column mapping as ``k.native``)."""
    sig = s.kernel.signature
    ret = sig.outputs[0].ctype if sig.outputs[0].param < 0 else "void"
    exe = native.build(s.to_c(), f"{s.kernel.function}_surrogate", ret, sig)
    return native.run(exe, X, s.n_outputs, timeout=30.0)


def expected(s: Surrogate, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """torch's outputs, integer columns rounded (halves away from zero) and clamped; tie mask."""
    Y = s.predict(X)
    flat: list[Arg] = [a for a in s.kernel.signature.outputs for _ in range(a.size)]
    ties = np.zeros_like(Y, dtype=bool)
    for j, a in enumerate(flat):
        if a.is_integer:
            info = np.iinfo(_NP[a.ctype])
            ties[:, j] = np.abs(np.abs(Y[:, j]) % 1.0 - 0.5) < 1e-4
            Y[:, j] = np.clip(np.sign(Y[:, j]) * np.floor(np.abs(Y[:, j]) + 0.5), info.min,
                              info.max)
    return Y, ties


_NP = {"int": np.int32, "unsigned char": np.uint8}


@pytest.mark.parametrize("case", SURROGATES)
def test_export_matches_torch(case: str) -> None:
    s = SURROGATES[case]()
    # Inputs representable in float32, so torch (float32) and C (the kernel's types) see the same.
    X = s.kernel.sample(300, seed=0).astype(np.float32).astype(np.float64)
    got = run_export(s, X)
    want, ties = expected(s, X)
    assert got.shape == want.shape and np.isfinite(got).all()
    # Relative 1e-5, with an absolute floor of 1e-6 of each column's scale: torch's float32
    # rounding (~1e-7 of the scale) dominates where an output cancels to near zero.
    floor = ATOL * np.maximum(np.abs(want).max(axis=0), 1e-3)
    err = np.abs(got - want)
    assert (err[~ties] <= (RTOL * np.abs(want) + floor)[~ties]).all(), (case, err.max())


def test_integer_outputs_are_rounded_and_clamped() -> None:
    s = mix_surrogate()
    got = run_export(s, s.kernel.sample(300, seed=1))
    ints, uchars = got[:, [0, 2, 3, 4]], got[:, 2:5]
    assert np.array_equal(ints, np.round(ints))
    assert uchars.min() == 0 and uchars.max() == 255  # clamped at both ends, never wrapped
    assert len(np.unique(got[:, 0])) > 10  # the spread scale reaches the int return value


def original_prototype(k: Kernel, name: str, edit: tuple[str, str] = ("", "")) -> str:
    """The kernel's declaration as written in its source, renamed (pycparser regenerates it)."""
    ast = parse(k.source).ast
    decl = copy.deepcopy(Program.from_ast(ast).kernel(k.function).decl)
    decl.name, decl.storage, decl.type.type.declname = name, [], name
    return CGenerator().visit(decl).replace(*edit, 1) + ";"


def compiles(text: str, tmp: Path) -> bool:
    (tmp / "unit.c").write_text(text)
    proc = subprocess.run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-c",
                           str(tmp / "unit.c"), "-o", str(tmp / "unit.o")],
                          capture_output=True, text=True)
    return proc.returncode == 0


@pytest.mark.parametrize("kernel", ["sobel", "inversek2j", "blackscholes", "mix"])
def test_export_has_the_kernels_prototype(kernel: str, tmp_path: Path) -> None:
    k = Kernel.from_source(MIX) if kernel == "mix" else suite.load(kernel)
    text = Surrogate.random(k, width=4).to_c()
    name = f"{k.function}_surrogate"
    # Redeclaring through the kernel's own prototype compiles warning-free; a changed type does
    # not (gcc: conflicting types), so the check has teeth.
    assert compiles(text + "\n" + original_prototype(k, name) + "\n", tmp_path)
    assert not compiles(text + "\n" + original_prototype(k, name, ("float", "double")) + "\n",
                        tmp_path)


def test_const_of_the_kernel_is_kept(tmp_path: Path) -> None:
    src = "float f(float w[3], const float c[2]) { return w[0] + c[1]; }"
    k = Kernel.from_source(src, domains={"w": (0, 1), "c": (0, 1)})
    text = Surrogate.random(k, width=4).to_c("g")
    assert "float g(float w[3], const float c[2])" in text
    assert not compiles(text + "\nfloat g(const float w[3], const float c[2]);\n", tmp_path)


def test_to_c_writes_self_contained_c(tmp_path: Path) -> None:
    s = Surrogate.random(suite.load("sobel"), seed=0)
    path = tmp_path / "sobel_surrogate.c"
    text = s.to_c(path=path)
    assert path.read_text() == text
    assert [line for line in text.splitlines() if line.startswith("#")] == ["#include <math.h>"]
    assert "float sobel_surrogate(const float w[9])" in text
    assert "static const float sobel_surrogate_w_in[64][9]" in text


@pytest.mark.parametrize("name", ["", "2fast", "my-kernel", "int", "a b", None])
def test_bad_name_is_a_typed_error(name: object) -> None:
    s = Surrogate.random(suite.load("fft"), width=4)
    with pytest.raises(ExportError, match="not a C identifier") as info:
        s.to_c(name if name is not None else 3)  # type: ignore[arg-type]
    assert isinstance(info.value, NscTuneError)
    assert "e.g." in str(info.value)


def test_non_finite_parameters_are_refused() -> None:
    s = Surrogate.random(suite.load("fft"), width=4)
    with torch.no_grad():
        s.b_out[0] = float("nan")
    with pytest.raises(ExportError, match="b_out.*refit"):
        s.to_c()
