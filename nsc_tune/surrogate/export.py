"""Export a surrogate to C: the Parrot transformation in software.

``export_c(surrogate, name)`` writes a self-contained C function (only ``<math.h>``) with the
kernel's own prototype: the same return type and parameters (names, C types, ``const``,
pointer or array form), so it links in wherever the kernel was called. Inside it:

- the inputs are read in the kernel's flattened order and scaled from their domains to [-1, 1];
- the MLP runs with its weights as ``static const float`` arrays (the surrogate's float32 values,
  exactly), arithmetic in **double**: the result differs from torch's float32 forward only by
  torch's own rounding;
- outputs are de-normalised (``symexp(mu) + exp(log_sigma) * y_n``) and written in the kernel's
  order: the return value, then the output pointers/arrays, each converted to its C type.
  Integer outputs are rounded to nearest (halves away from zero, C's ``round``), clamped to the
  type's range (NaN gives 0) and then converted; ``_Bool`` is thus 1 from 0.5 up.

Inputs are never written, whatever their qualifiers; they keep the kernel's ``const`` (adding one
would change the prototype's type).

A ``GPSurrogate`` exports the same way: its training inputs, weights and inverse lengthscales as
``static const double`` arrays, the posterior mean summed in double (plus its mean network's MLP,
when it has one); the C agrees with ``predict`` to double rounding.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from nsc_tune.errors import NscTuneError
from nsc_tune.kernel import ctype as ct
from nsc_tune.kernel.native import ordered_params
from nsc_tune.kernel.program import TypeInfo
from nsc_tune.kernel.signature import Arg
from nsc_tune.kernel.translate import Translator, _params

if TYPE_CHECKING:
    from nsc_tune.kernel import Kernel
    from nsc_tune.surrogate.model import Surrogate

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
C_KEYWORDS = frozenset("""
    auto break case char const continue default do double else enum extern float for goto if
    inline int long register restrict return short signed sizeof static struct switch typedef
    union unsigned void volatile while _Alignas _Alignof _Atomic _Bool _Complex _Generic
    _Imaginary _Noreturn _Static_assert _Thread_local
""".split())
_PER_LINE = 6


class ExportError(NscTuneError):
    """A surrogate cannot be exported to C as asked (bad name, non-finite parameters)."""


def check_name(name: object) -> str:
    """``name`` if it is a usable C function name, else ExportError saying what to pass."""
    if not isinstance(name, str) or not _IDENT.match(name) or name in C_KEYWORDS:
        raise ExportError(f"export name {name!r} is not a C identifier: pass a name of letters, "
                          "digits and underscores that does not start with a digit and is not a "
                          "C keyword, e.g. 'sobel_surrogate'")
    return name


def export_c(surrogate: Surrogate, name: str) -> str:
    """C source of a function ``name`` with the kernel's prototype that evaluates ``surrogate``."""
    check_name(name)
    kernel = surrogate.kernel
    sig = kernel.signature
    infos = declared_types(kernel)
    params = ordered_params(sig)
    taken = [a.name for a in params]
    pre, local = _prefix(name + "_", taken), _prefix("nsc_", taken)
    from nsc_tune.surrogate.gp import GPSurrogate

    gp = surrogate if isinstance(surrogate, GPSurrogate) else None
    mlp = gp.mean if gp is not None else surrogate
    ret = sig.outputs[0].ctype if sig.outputs[0].param < 0 else "void"
    decl = ", ".join(declaration(a, infos[a.param]) for a in params) or "void"
    integer = any(a.is_integer for a in sig.outputs)
    parts = [_header(surrogate, name), "#include <math.h>\n"]
    if mlp is not None:
        # (depth 1 has no hidden layers: its empty arrays are left out)
        parts += [_array(pre + key, value) for key, value in _weights(mlp).items() if value.size]
        parts.append(_helpers(pre, mlp.width, mlp.depth, mlp.n_inputs, mlp.n_outputs,
                              integer and gp is None))
    if gp is not None:
        parts += [_array(pre + key, value, "double") for key, value in _gp_arrays(gp).items()]
        parts.append(_gp_helper(pre, gp, integer))
    body = _body(pre, local, sig.inputs, sig.outputs, "gp" if gp is not None else "mlp")
    parts.append(f"{ret} {name}({decl})\n{{\n" + "\n".join(body) + "\n}\n")
    return "\n".join(parts)


def _gp_arrays(gp) -> dict[str, np.ndarray]:
    """The double arrays the GP's C reads (every value finite, or ExportError)."""
    def f64(t) -> np.ndarray:
        return t.detach().cpu().double().numpy()

    lo, hi, warp = f64(gp.lo), f64(gp.hi), f64(gp.log_in)
    log_lo = np.log(np.where(warp > 0, lo, 1.0))
    log_span = np.log(np.where(warp > 0, hi, np.e)) - log_lo
    out = {"gp_lo": lo, "gp_span": np.maximum(hi - lo, 1e-12), "gp_warp": warp,
           "gp_log_lo": log_lo, "gp_log_span": log_span, "gp_u": f64(gp.train_u),
           "gp_alpha": f64(gp.alpha), "gp_inv_ls": f64(gp.inv_ls), "gp_offset": f64(gp.offset),
           "gp_log": f64(gp.log)}
    for key, value in out.items():
        if not np.isfinite(value).all():
            raise ExportError(f"GP array `{key}` of {gp.kernel.name} is not finite: refit first")
    return out


def _gp_helper(pre: str, gp, integer: bool) -> str:
    """Static C: the GP posterior mean on real-unit inputs (plus its mean network's MLP)."""
    n_in, n_out, n = gp.n_inputs, gp.n_outputs, gp.n_train
    shared = gp.inv_ls.shape[0] == 1
    if gp.covariance == "rbf":
        cov = "exp(-0.5 * d2)"
    else:
        cov = "(1.0 + sqrt(5.0 * d2) + (5.0 / 3.0) * d2) * exp(-sqrt(5.0 * d2))"
    start = f"  {pre}mlp(x, y);" if gp.mean is not None else \
        f"  for (o = 0; o < {n_out}; o++) y[o] = 0.0;"
    lines = [f"/* The GP posterior mean ({gp.covariance}, {n} examples): inputs x in real units "
             "-> outputs y. */", f"static void {pre}gp(const double *x, double *y)", "{",
             f"  double u[{n_in}], d2, t, s;", "  int i, m, o;",
             f"  for (i = 0; i < {n_in}; i++)",
             f"    u[i] = {pre}gp_warp[i] != 0.0 ? (log(fmax(x[i], 1e-300)) - {pre}gp_log_lo[i])"
             f" / {pre}gp_log_span[i] : (x[i] - {pre}gp_lo[i]) / {pre}gp_span[i];",
             start, f"  for (o = 0; o < {n_out}; o++) {{",
             f"    const double *il = {pre}gp_inv_ls[{'0' if shared else 'o'}];",
             f"    s = {pre}gp_offset[o];", f"    for (m = 0; m < {n}; m++) {{", "      d2 = 0.0;",
             f"      for (i = 0; i < {n_in}; i++) {{ t = (u[i] - {pre}gp_u[m][i]) * il[i]; "
             "d2 += t * t; }", f"      s += {pre}gp_alpha[o][m] * {cov};", "    }",
             "    y[o] += s;", f"    if ({pre}gp_log[o] != 0.0) y[o] = exp(fmin(y[o], 700.0));",
             "  }", "}"]
    text = "\n".join(lines) + "\n"
    if integer:
        text += _to_int(pre)
    return text


def _to_int(pre: str) -> str:
    return (f"\n/* Integer outputs: round half away from zero, clamp to the type's range, "
            f"NaN -> 0. */\nstatic double {pre}to_int(double v, double lo, double hi)\n{{\n"
            "  if (v != v) return 0.0;\n  v = round(v);\n"
            "  return v < lo ? lo : (v > hi ? hi : v);\n}\n")


def _prefix(base: str, taken: list[str]) -> str:
    """``base`` (plus underscores) such that no parameter name starts with it: the body's own
    identifiers are never shadowed by a parameter."""
    while any(t.startswith(base) for t in taken):
        base += "_"
    return base


def declared_types(kernel: Kernel) -> list[TypeInfo]:
    """The kernel's C parameters as declared (pointer or array form, ``const``), in order
    (struct parameters as their flattened fields)."""
    prog = kernel.program
    tr = Translator(prog)
    return [tr.type_of(p.type) for p in _params(prog.kernel(kernel.function).decl.type)]


def declaration(a: Arg, info: TypeInfo) -> str:
    """One parameter's declaration, as the kernel declares it (canonical C type names)."""
    head = ("const " if info.const else "") + a.ctype
    if not info.dims:
        return f"{head} {a.name}"
    if info.pointer:
        inner = "".join(f"[{d}]" for d in info.dims[1:])
        return f"{head} (*{a.name}){inner}" if inner else f"{head} *{a.name}"
    return f"{head} {a.name}" + "".join(f"[{'' if d is None else d}]" for d in info.dims)


def _weights(s: Surrogate) -> dict[str, np.ndarray]:
    """The float32 arrays the C reads: domains (as torch computes them) and MLP parameters."""
    def f32(t) -> np.ndarray:
        return t.detach().cpu().float().numpy()

    lo, hi = f32(s.lo), f32(s.hi)
    out = {"in_lo": lo, "in_span": np.maximum(hi - lo, np.float32(1e-12))}
    for key in ("w_in", "b_in", "w_hidden", "b_hidden", "w_out", "b_out", "mu", "log_sigma"):
        out[key] = f32(getattr(s, key))
    for key, value in out.items():
        if not np.isfinite(value).all():
            raise ExportError(f"surrogate parameter `{key}` of {s.kernel.name} is not finite: "
                              "refit the surrogate (e.g. with a lower learning rate) first")
    return out


def _array(cname: str, value: np.ndarray, ctype: str = "float") -> str:
    """``static const <ctype> cname[d0][d1]... = {...};`` holding ``value`` exactly."""
    return f"static const {ctype} {cname}{''.join(f'[{d}]' for d in value.shape)} = " \
        + _braces(value, "", ctype) + ";\n"


def _braces(value: np.ndarray, indent: str, ctype: str = "float") -> str:
    """A nested C initialiser; each value written in its shortest exact decimal form."""
    if value.ndim > 1:
        inner = [_braces(v, indent + "  ", ctype) for v in value]
        return "{\n" + ",\n".join(indent + "  " + t for t in inner) + "\n" + indent + "}"
    nums = [str(np.float32(v)) + "f" for v in value] if ctype == "float" else \
        [repr(float(v)) for v in value]
    rows = [", ".join(nums[i:i + _PER_LINE]) for i in range(0, len(nums), _PER_LINE)]
    if len(rows) == 1:
        return "{" + rows[0] + "}"
    return "{\n" + ",\n".join(indent + "  " + r for r in rows) + "\n" + indent + "}"


def _helpers(pre: str, width: int, depth: int, n_in: int, n_out: int, integer: bool) -> str:
    """Static C helpers: SiLU, symexp, the MLP on real-unit inputs, integer conversion."""
    def dense(out: str, n: int, bias: str, weight: str, src: tuple[str, int], act: str
              ) -> list[str]:
        return [f"  for (j = 0; j < {n}; j++) {{", f"    double s = {bias}[j];",
                f"    for (i = 0; i < {src[1]}; i++) s += (double){weight}[j][i] * {src[0]}[i];",
                f"    {out}[j] = {act};", "  }"]

    mlp = [f"static void {pre}mlp(const double *x, double *y)", "{",
           f"  double xn[{n_in}], h[{width}]" + (f", t[{width}]" if depth > 1 else "") + ";",
           "  int i, j" + (", k" if depth > 1 else "") + ";"]
    mlp.append(f"  for (i = 0; i < {n_in}; i++) "
               f"xn[i] = 2.0 * (x[i] - {pre}in_lo[i]) / {pre}in_span[i] - 1.0;")
    mlp += dense("h", width, f"{pre}b_in", f"{pre}w_in", ("xn", n_in), f"{pre}silu(s)")
    if depth > 1:
        mlp += [f"  for (k = 0; k < {depth - 1}; k++) {{",
                *("  " + line for line in dense("t", width, f"{pre}b_hidden[k]",
                                                 f"{pre}w_hidden[k]", ("h", width),
                                                 f"{pre}silu(s)")),
                f"    for (j = 0; j < {width}; j++) h[j] = t[j];", "  }"]
    mlp += dense("y", n_out, f"{pre}b_out", f"{pre}w_out", ("h", width),
                 f"{pre}symexp({pre}mu[j]) + exp((double){pre}log_sigma[j]) * s")
    mlp.append("}")
    text = (f"static double {pre}silu(double s) {{ return s / (1.0 + exp(-s)); }}\n\n"
            f"static double {pre}symexp(double m)\n{{\n"
            "  double e = expm1(fmin(fabs(m), 80.0));\n  return m < 0.0 ? -e : e;\n}\n\n"
            "/* The MLP: inputs x in real units -> outputs y in real units. */\n"
            + "\n".join(mlp) + "\n")
    if integer:
        text += _to_int(pre)
    return text


def _convert(a: Arg, value: str, pre: str) -> str:
    """C expression converting the double ``value`` to ``a``'s C type."""
    if not a.is_integer:
        return f"({a.ctype}){value}"
    lo, hi = ct.int_range(a.c)
    # The largest doubles within the range (2^63 - 1 is not a double; converting 2^63 is UB).
    flo = float(lo)
    fhi = float(hi) if int(float(hi)) <= hi else float(np.nextafter(float(hi), 0.0))
    return f"({a.ctype}){pre}to_int({value}, {flo!r}, {fhi!r})"


def _body(pre: str, local: str, inputs: tuple[Arg, ...], outputs: tuple[Arg, ...],
          fn: str = "mlp") -> list[str]:
    """Statements of the exported function: gather inputs, run the MLP, scatter outputs."""
    x, y, k = local + "x", local + "y", local + "k"
    n_in, n_out = sum(a.size for a in inputs), sum(a.size for a in outputs)
    arrays = any(a.shape for a in inputs) or any(a.size > 1 for a in outputs)
    lines = [f"  double {x}[{n_in}], {y}[{n_out}];"] + ([f"  int {k};"] if arrays else [])

    def elem(a: Arg, const: str) -> str:
        return f"{a.name}[{k}]" if len(a.shape) == 1 else f"(({const}{a.ctype} *){a.name})[{k}]"

    pos = 0
    for a in inputs:
        if a.shape:
            lines.append(f"  for ({k} = 0; {k} < {a.size}; {k}++) {x}[{pos} + {k}] = "
                         f"(double){elem(a, 'const ')};")
        else:
            lines.append(f"  {x}[{pos}] = (double){a.name};")
        pos += a.size
    lines.append(f"  {pre}{fn}({x}, {y});")
    pos = 0
    for a in outputs:
        if a.param >= 0 and a.size == 1:
            lines.append(f"  {a.name}[0] = {_convert(a, f'{y}[{pos}]', pre)};")
        elif a.param >= 0:
            lines.append(f"  for ({k} = 0; {k} < {a.size}; {k}++) {elem(a, '')} = "
                         f"{_convert(a, f'{y}[{pos} + {k}]', pre)};")
        pos += a.size
    if outputs[0].param < 0:
        lines.append(f"  return {_convert(outputs[0], f'{y}[0]', pre)};")
    return lines


def _header(s: Surrogate, name: str) -> str:
    k = s.kernel
    if not hasattr(s, "width"):  # a GPSurrogate
        mean = f"on the residual of an MLP ({s.mean.init})" if s.mean is not None else \
            "constant mean"
        return (f"/* {name}: Gaussian-process surrogate of the C kernel `{k.function}`, "
                f"exported by nsc_tune.\n * Kernel signature: {k.signature}\n"
                f" * Posterior mean, {s.covariance} covariance on {s.n_train} examples, {mean};"
                "\n * double arithmetic; integer outputs rounded to nearest and clamped.\n */\n")
    return (f"/* {name}: neural surrogate of the C kernel `{k.function}`, exported by nsc_tune.\n"
            f" * Kernel signature: {k.signature}\n"
            f" * MLP {s.n_inputs} -> {s.width} x {s.depth} (SiLU) -> {s.n_outputs}, "
            f"init {s.init}; float weights, double arithmetic.\n"
            " * Inputs scaled from their domains to [-1, 1]; outputs symexp(mu) + exp(log_sigma) "
            "* y_n;\n * integer outputs rounded to nearest (halves away from zero) and clamped "
            "to their type.\n */\n")
