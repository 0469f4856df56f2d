"""The program builder shared by every family: names, literals, signature, packaging, rendering.

A template is a function ``template(p: Prog) -> None`` that declares inputs (``p.inp``,
``p.arr_in``), writes the kernel body (``p.w``, ``p.open``, ``p.close``), adds helpers, tables and
defines, and finishes with either ``p.finish(outputs)`` (scalar formulas: the builder chooses how
outputs leave the function and may vectorise the formula over arrays) or explicit outputs
(``p.out_ptr``, ``p.out_arr``, ``p.ret``) for kernels that already work on arrays.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: Names a generated identifier must never take (C keywords, math.h and libc names, macros).
RESERVED = frozenset("""
auto break case char const continue default do double else enum extern float for goto if inline
int long register restrict return short signed sizeof static struct switch typedef union unsigned
void volatile while bool true false _Bool main errno
sin cos tan asin acos atan atan2 sinh cosh tanh asinh acosh atanh exp exp2 expm1 log log2 log10
log1p pow sqrt cbrt hypot fabs floor ceil round trunc rint nearbyint fmod fmin fmax fdim copysign
erf erfc tgamma lgamma lround abs labs llabs isnan isinf isfinite signbit gamma j0 j1 jn y0 y1 yn
frexp ldexp modf remainder nan scalb logb ilogb fma drem significand exp10 pow10 lrint llrint
div time clock rand srand exit free malloc calloc realloc printf index rindex random select
signal raise kill wait send recv read write open close link bcmp ffs
M_PI M_E INFINITY NAN INT_MAX INT_MIN UINT_MAX FLT_EPSILON DBL_EPSILON FLT_MAX DBL_MAX
int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t size_t NULL EOF
""".split())

#: Integer C types and the widest domain they allow (used to clip requested domains).
INT_RANGES: dict[str, tuple[int, int]] = {
    "int": (-2**31, 2**31 - 1), "unsigned": (0, 2**32 - 1), "unsigned int": (0, 2**32 - 1),
    "long": (-2**63, 2**63 - 1), "unsigned long": (0, 2**64 - 1), "short": (-32768, 32767),
    "unsigned short": (0, 65535), "char": (-128, 127), "signed char": (-128, 127),
    "unsigned char": (0, 255), "bool": (0, 1), "int8_t": (-128, 127), "uint8_t": (0, 255),
    "int16_t": (-32768, 32767), "uint16_t": (0, 65535), "int32_t": (-2**31, 2**31 - 1),
    "uint32_t": (0, 2**32 - 1), "int64_t": (-2**63, 2**63 - 1), "uint64_t": (0, 2**64 - 1),
}


def sample_arity(r: random.Random) -> int:
    """The per-program target size for arrays: mostly small, a tail up to 64 elements.

    70% in [2, 8], 15% in [9, 16], 9% in {16, 20, 24, 32}, 6% in {32, 48, 64}.
    """
    u = r.random()
    if u < 0.70:
        return r.randint(2, 8)
    if u < 0.85:
        return r.randint(9, 16)
    if u < 0.94:
        return r.choice((16, 20, 24, 32))
    return r.choice((32, 48, 64))


def num(v: float, sig: int = 6) -> str:
    """A C floating literal for ``v`` (no suffix) with at most ``sig`` significant digits."""
    s = f"{v:.{sig}g}"
    if "e" in s:
        mant, ex = s.split("e")
        s = f"{mant}e{int(ex)}"
    elif "." not in s and "inf" not in s and "nan" not in s:
        s += ".0"
    return s


def dnum(v: float) -> str:
    """A domain bound as written in a pragma (integers without a decimal point)."""
    if float(v).is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.6g}"


def camel(name: str) -> str:
    parts = name.split("_")
    return parts[0] + "".join(w[:1].upper() + w[1:] for w in parts[1:] if w)


@dataclass
class Arg:
    """A kernel parameter being built (inputs and outputs)."""

    name: str
    decl: str
    pragmas: tuple[str, ...] = ()
    scalar_input: bool = False
    ctype: str = ""
    lo: float = 0.0
    hi: float = 1.0
    size: int = 1
    is_out: bool = False


class Prog:
    """A C program under construction (see the module docstring)."""

    def __init__(self, r: random.Random, family: str, like: Prog | None = None) -> None:
        self.r = r
        self.family = family
        self.T = "double"
        self.naming = r.choices(("snake", "camel", "short"), (5, 3, 2))[0]
        self.allman = r.random() < 0.2
        self.tab = r.choice(("    ", "    ", "    ", "  ", "\t"))
        if like is not None:  # a part of a composite program: same style, shared names
            self.naming, self.allman, self.tab = like.naming, like.allman, like.tab
        self.includes: list[str] = []
        self.defines: list[str] = []
        self.globals: list[str] = []
        self.helpers: list[str] = []
        self.args: list[Arg] = []
        self.lines: list[str] = []
        self.depth = 1
        self.used: set[str] = set()
        self.ret_type = "void"
        self.fname = "kernel"
        self.comment: str | None = None
        self.n_target = sample_arity(r)
        self.out_target = sample_arity(r) if r.random() < 0.5 else r.randint(1, 3)
        self.pragma_top = r.random() < 0.3
        if like is not None:
            self.used = like.used
            self.pragma_top = like.pragma_top

    # -- randomness -------------------------------------------------------------------------
    def u(self, lo: float, hi: float, sig: int = 3) -> float:
        """A uniform draw rounded to ``sig`` significant digits (constants look hand-written)."""
        v = self.r.uniform(lo, hi)
        return float(f"{v:.{sig}g}")

    def i(self, lo: int, hi: int) -> int:
        return self.r.randint(lo, hi)

    def c(self, *opts):
        return self.r.choice(opts)

    def p(self, prob: float) -> bool:
        return self.r.random() < prob

    def size(self, lo: int, hi: int) -> int:
        """An array length near the program's target size, clamped to [lo, hi]."""
        return max(lo, min(hi, self.n_target))

    # -- names ------------------------------------------------------------------------------
    def _style(self, s: str) -> str:
        return camel(s) if self.naming == "camel" else s

    def name(self, *cands: str) -> str:
        """A fresh identifier from candidates ordered long to short (``"velocity", "vel", "v"``)."""
        if self.naming == "short":
            pick = cands[-1] if self.p(0.7) else self.r.choice(cands)
        elif len(cands) > 1 and self.p(0.35):
            pick = self.r.choice(cands[1:])
        else:
            pick = cands[0]
        s = self._style(pick)
        base, k = s, 2
        while s in self.used or s in RESERVED:
            s = f"{base}{k}" if self.naming != "snake" or base[-1].isalpha() else f"{base}_{k}"
            k += 1
        self.used.add(s)
        return s

    def func_name(self, *cands: str) -> str:
        """The kernel's name: one of the candidates, sometimes with a verb prefix."""
        pick = self.r.choice(cands)
        if "_" not in pick and self.p(0.3) and len(pick) > 2:
            pick = self.c("compute", "calc", "eval", "get", "do") + "_" + pick
        if self.p(0.06):
            pick = self.c("f", "kernel", "fn", "func", "step", "run")
        self.fname = self.name(pick)
        return self.fname

    # -- literals and math ------------------------------------------------------------------
    def f(self, v: float, sig: int = 6) -> str:
        """A literal of the program's float type (``2.5f`` in float programs)."""
        s = num(v, sig)
        return s + "f" if self.T == "float" else s

    def m(self, fn: str) -> str:
        """A math.h function in the program's float type (``sqrtf`` in float programs)."""
        return fn + "f" if self.T == "float" else fn

    def const(self, cands: Sequence[str], v: float, sig: int = 6, local: bool = True) -> str:
        """A named constant: a literal, a ``#define``, a static const global or a local const."""
        how = self.r.choices(("lit", "define", "global", "local"), (4, 3, 1, 2 if local else 0))[0]
        lit = self.f(v, sig)
        if how == "lit":
            return lit
        if how == "define":
            nm = self.name(*[c.upper() for c in cands])
            self.defines.append(f"#define {nm} {lit}")
            return nm
        if how == "global":
            nm = self.name(*[c.upper() if self.p(0.5) else c for c in cands])
            self.globals.append(f"static const {self.T} {nm} = {lit};")
            return nm
        nm = self.name(*cands)
        self.w(f"const {self.T} {nm} = {lit};")
        return nm

    def include(self, h: str) -> None:
        if h not in self.includes:
            self.includes.append(h)

    def _type_includes(self, ctype: str) -> None:
        if ctype.endswith("_t") and ctype != "size_t":
            self.include("stdint.h")
        if ctype == "bool":
            self.include("stdbool.h")

    # -- code writing -----------------------------------------------------------------------
    def w(self, *lines: str) -> None:
        """Append lines to the kernel body at the current depth."""
        for ln in lines:
            self.lines.append(self.tab * self.depth + ln)

    def open(self, head: str) -> None:
        """Open a block: ``p.open("for (int i = 0; i < n; i++)")``."""
        if self.allman:
            self.w(head)
            self.w("{")
        else:
            self.w(head + " {")
        self.depth += 1

    def close(self, tail: str = "") -> None:
        """Close the innermost block (``tail`` e.g. ``" while (x)"`` or an ``else`` head)."""
        self.depth -= 1
        self.w("}" + tail)

    def els(self, head: str = "else") -> None:
        """Close the current block and open an ``else`` / ``else if (...)`` block."""
        self.depth -= 1
        if self.allman:
            self.w("}")
            self.w(head)
            self.w("{")
        else:
            self.w("} " + head + " {")
        self.depth += 1

    def helper(self, text: str) -> None:
        """Add a static helper function (text starts with ``static``)."""
        self.helpers.append(text.strip("\n"))

    def table(self, cands: Sequence[str], values: Sequence[float], ctype: str | None = None,
              sig: int = 6, per_line: int = 6) -> str:
        """A global ``static const`` lookup table; returns its name."""
        ctype = ctype or self.T
        nm = self.name(*cands)
        if ctype in ("float", "double"):
            items = [num(v, sig) + ("f" if ctype == "float" else "") for v in values]
        else:
            items = [str(int(v)) for v in values]
        rows = [", ".join(items[k:k + per_line]) for k in range(0, len(items), per_line)]
        size = "" if self.p(0.2) else str(len(values))
        if len(rows) == 1:
            body = "{" + rows[0] + "}"
        else:
            body = "{\n" + ",\n".join("    " + r for r in rows) + "\n}"
        self.globals.append(f"static const {ctype} {nm}[{size}] = {body};")
        return nm

    def block(self, text: str) -> None:
        """Append a multi-line snippet (already indented relative to the current depth)."""
        for ln in text.strip("\n").split("\n"):
            self.w(ln)

    # -- inputs -----------------------------------------------------------------------------
    def inp(self, cands: Sequence[str] | str, lo: float, hi: float, ctype: str | None = None
            ) -> str:
        """A scalar input parameter with its domain."""
        ctype = ctype or self.T
        cands = (cands,) if isinstance(cands, str) else tuple(cands)
        nm = self.name(*cands)
        if ctype in INT_RANGES:
            a, b = INT_RANGES[ctype]
            lo, hi = max(int(lo), a), min(int(hi), b)
        self._type_includes(ctype)
        decl = f"const {ctype} {nm}" if self.p(0.05) else f"{ctype} {nm}"
        self.args.append(Arg(nm, decl, (f"domain({nm}, {dnum(lo)}, {dnum(hi)})",), True,
                             ctype, lo, hi, 1))
        return nm

    def arr_in(self, cands: Sequence[str] | str, n: int, lo: float, hi: float,
               ctype: str | None = None, style: str | None = None) -> str:
        """A 1-D array input of ``n`` elements: ``const T a[n]``, ``T a[n]`` or ``const T *a``."""
        ctype = ctype or self.T
        cands = (cands,) if isinstance(cands, str) else tuple(cands)
        nm = self.name(*cands)
        self._type_includes(ctype)
        style = style or self.r.choices(("const", "plain", "ptr"), (5, 2, 3))[0]
        prag = [f"domain({nm}, {dnum(lo)}, {dnum(hi)})"]
        if style == "ptr":
            decl = f"const {ctype} *{nm}"
            prag.insert(0, f"shape({nm}, {n})")
        elif style == "plain":
            decl = f"{ctype} {nm}[{n}]"
        else:
            decl = f"const {ctype} {nm}[{n}]"
        self.args.append(Arg(nm, decl, tuple(prag), size=n))
        return nm

    def arr2_in(self, cands: Sequence[str] | str, rows: int, cols: int, lo: float, hi: float,
                ctype: str | None = None) -> str:
        """A 2-D array input ``const T m[rows][cols]``."""
        ctype = ctype or self.T
        cands = (cands,) if isinstance(cands, str) else tuple(cands)
        nm = self.name(*cands)
        const = "const " if self.p(0.7) else ""
        self.args.append(Arg(nm, f"{const}{ctype} {nm}[{rows}][{cols}]",
                             (f"domain({nm}, {dnum(lo)}, {dnum(hi)})",), size=rows * cols))
        return nm

    # -- outputs ----------------------------------------------------------------------------
    def out_ptr(self, cands: Sequence[str] | str, ctype: str | None = None) -> str:
        """A scalar pointer output ``T *name``; write it with ``*name = ...``."""
        ctype = ctype or self.T
        cands = (cands,) if isinstance(cands, str) else tuple(cands)
        nm = self.name(*cands)
        self._type_includes(ctype)
        self.args.append(Arg(nm, f"{ctype} *{nm}", is_out=True, ctype=ctype))
        return nm

    def out_arr(self, cands: Sequence[str] | str, n: int, ctype: str | None = None,
                style: str | None = None) -> str:
        """An array output of ``n`` elements: ``T out[n]`` or ``T *out`` with a shape pragma."""
        ctype = ctype or self.T
        cands = (cands,) if isinstance(cands, str) else tuple(cands)
        nm = self.name(*cands)
        self._type_includes(ctype)
        style = style or ("ptr" if self.p(0.3) else "array")
        if style == "ptr":
            self.args.append(Arg(nm, f"{ctype} *{nm}", (f"shape({nm}, {n})",), size=n,
                                 is_out=True, ctype=ctype))
        else:
            self.args.append(Arg(nm, f"{ctype} {nm}[{n}]", size=n, is_out=True, ctype=ctype))
        return nm

    def ret(self, expr: str, ctype: str | None = None) -> None:
        """Return ``expr`` from the kernel (sets the return type)."""
        self.ret_type = ctype or self.T
        self._type_includes(self.ret_type)
        self.w(f"return {expr};")

    # -- packaging of scalar formulas -------------------------------------------------------
    def finish(self, outs: Sequence[tuple[Sequence[str] | str, str] |
                                   tuple[Sequence[str] | str, str, str]],
               vector_ok: bool = True) -> None:
        """Emit the outputs of a scalar formula.

        Arguments:
            outs: ``(name candidates, expression[, ctype])`` per output, in order.
            vector_ok: the formula may be mapped over array inputs (a static helper per element).
        """
        outs = [(o[0], o[1], o[2] if len(o) > 2 else self.T) for o in outs]
        if len(outs) > 1 and self.out_target < len(outs) and self.p(0.6):
            keep = sorted(self.r.sample(range(len(outs)), max(1, self.out_target)))
            outs = [outs[k] for k in keep]
        vec = [a for a in self.args if a.scalar_input and a.ctype in ("float", "double")]
        if (vector_ok and vec and self.n_target > 8 and self.p(0.75)):
            self._vectorise(outs, vec)
            return
        self._emit_outs(outs)

    def _emit_outs(self, outs: list[tuple]) -> None:
        if len(outs) == 1:
            cands, expr, ct = outs[0]
            if self.p(0.75):
                self.ret(expr, ct)
            else:
                o = self.out_ptr(cands, ct)
                self.w(f"*{o} = {expr};")
            return
        mode = self.r.choices(("ret+ptr", "ptr", "arr"), (3, 4, 3))[0]
        if mode == "arr" and len({o[2] for o in outs}) == 1:
            arr = self.out_arr(("out", "res", "result", "y", "o"), len(outs), outs[0][2])
            for k, (_, expr, _) in enumerate(outs):
                self.w(f"{arr}[{k}] = {expr};")
            return
        first = 0
        if mode == "ret+ptr":
            first = 1
        ptrs = [self.out_ptr(c, ct) for c, _, ct in outs[first:]]
        for o, (_, expr, _) in zip(ptrs, outs[first:], strict=True):
            self.w(f"*{o} = {expr};")
        if first:
            self.ret(outs[0][1], outs[0][2])

    def _vectorise(self, outs: list[tuple], vec: list[Arg]) -> None:
        """Move the formula into a static helper and map it over arrays of one or two inputs."""
        nv = 1 if len(vec) == 1 or self.p(0.7) else 2
        chosen = self.r.sample(vec, nv)
        n_out = len(outs)
        others = sum(a.size for a in self.args if a not in chosen)
        n = max(2, min(64 // n_out, (64 - others) // nv, self.n_target))
        # helper holding the formula
        core = self.name(self.fname + "_1" if self.naming == "snake" else self.fname + "One",
                         "one", "elem", "core", "kernel1")
        params = ", ".join(a.decl for a in self.args)
        body = list(self.lines)
        if n_out == 1:
            _, expr, ct = outs[0]
            hdr = f"static {ct} {core}({params})"
            body.append(self.tab + f"return {expr};")
        else:
            onames = [self.name(*((c,) if isinstance(c, str) else tuple(c))) for c, _, _ in outs]
            pdecl = ", ".join(f"{ct} *{o}" for o, (_, _, ct) in zip(onames, outs, strict=True))
            hdr = f"static void {core}({params}, {pdecl})"
            body += [self.tab + f"*{o} = {e};" for o, (_, e, _) in zip(onames, outs, strict=True)]
        brace = "\n{\n" if self.allman else " {\n"
        self.helper(hdr + brace + "\n".join(body) + "\n}")
        # new kernel signature
        old = self.args
        self.args, self.lines = [], []
        idx = self.name("i", "k", "j", "idx")
        call_args = []
        for a in old:
            if a in chosen:
                style = self.c("const", "const", "plain", "ptr")
                arr = self.arr_in((a.name + "s", a.name + "_v", a.name), n, a.lo, a.hi,
                                  a.ctype, style)
                call_args.append(f"{arr}[{{i}}]")
            else:
                self.args.append(a)
                call_args.append(a.name)
        ocs = [self.out_arr((f"{c if isinstance(c, str) else c[0]}_out", "out", "y"), n, ct)
               for c, _, ct in outs]
        unroll = n <= 16 and self.p(0.3)
        if n_out == 1:
            line = f"{ocs[0]}[{{i}}] = {core}({', '.join(call_args)});"
        else:
            extra = ", ".join(f"{o} + {{i}}" for o in ocs)
            line = f"{core}({', '.join(call_args)}, {extra});"
        if unroll:
            for k in range(n):
                self.w(line.replace("{i}", str(k)))
        else:
            self.open(f"for (int {idx} = 0; {idx} < {n}; {idx}++)")
            self.w(line.replace("{i}", idx))
            self.close()

    # -- rendering --------------------------------------------------------------------------
    def render(self) -> str:
        """The complete C source."""
        out: list[str] = []
        if self.comment:
            out.append(f"/* {self.comment} */")
        incs = list(self.includes)
        if "math.h" not in incs:
            incs.insert(0, "math.h")
        out += [f"#include <{h}>" for h in incs]
        pragmas = [f"#pragma nsc_tune {pr}" for a in self.args for pr in a.pragmas]
        if self.pragma_top:
            out += [""] + pragmas
        if self.defines:
            out += [""] + self.defines
        if self.globals:
            out += [""] + self.globals
        for h in self.helpers:
            out += ["", h]
        if not self.pragma_top:
            out += [""] + pragmas
        out.append(self.function_text())
        return "\n".join(out) + "\n"

    def function_text(self, static: bool = False) -> str:
        """The kernel function itself (``static`` when it is a part of a composite program)."""
        params = ", ".join(a.decl for a in self.args) or "void"
        ret = ("static " if static else "") + self.ret_type
        head = f"{ret} {self.fname}({params})"
        if len(head) > 96:
            pad = " " * (len(ret) + len(self.fname) + 2)
            params = f",\n{pad}".join(a.decl for a in self.args)
            head = f"{ret} {self.fname}({params})"
        return "\n".join([head + ("\n{" if self.allman or self.p(0.5) else " {"),
                          *self.lines, "}"])

    def n_in(self) -> int:
        """Flattened input count so far."""
        return sum(a.size for a in self.args if not a.is_out)

    def n_out(self) -> int:
        """Flattened output count (return value included)."""
        return sum(a.size for a in self.args if a.is_out) + (self.ret_type != "void")


Template = Callable[[Prog], None]
