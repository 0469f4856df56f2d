"""Static output ranges: interval abstract interpretation of a kernel over its input domains.

``output_ranges(kernel)`` returns, for every flattened output, an interval ``[lo, hi]`` that holds
every value the kernel can produce for inputs inside its domains, *without running the kernel*:
the C is interpreted on intervals instead of numbers. Loops whose trip count the intervals decide
are unrolled exactly; others are iterated with joins and widened to a fixed point; both arms of an
undecided ``if`` run and their states are joined, each refined by the condition (``x < y`` bounds
``x`` in the true arm). Unknown bounds are infinite; when the analysis meets something it does not
model (``switch``, pointer reassignment, a runaway budget) every output is ``(-inf, inf)``.

The result is sound up to floating-point rounding (float results are widened by a few ulps) and
ignores NaN results. CompNet reads these ranges as features of its output slots.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from pycparser import c_ast, c_parser

from nsc_tune.kernel import ctype as ct
from nsc_tune.kernel.mathlib import MATH_FUNCTIONS
from nsc_tune.kernel.program import Program, TypeInfo
from nsc_tune.kernel.translate import Translator, _params

INF = math.inf
#: Bumped whenever the analysis changes what it returns (caches of ranges are keyed by it).
ANALYSIS_VERSION = 1
#: Abstract statements one analysis may execute before it gives up.
MAX_STEPS = 20_000
#: Iterations one loop entry is unrolled exactly before it is widened to a fixed point.
MAX_UNROLL = 256
_F32_EPS = 2.0 ** -22  # two float32 ulps, relative
_F64_EPS = 2.0 ** -50
_F32_MAX = float(np.finfo(np.float32).max)
_F32_TINY = float(np.finfo(np.float32).tiny)  # below it float32 loses precision, then to 0


class _GiveUp(Exception):
    """The analysis cannot bound the program (the caller reports every output as unknown)."""


class Interval(NamedTuple):
    """A closed interval of reals (``lo > hi`` never occurs; empty states are ``None``).

    A named tuple, not a dataclass: the analysis creates hundreds of thousands of them."""

    lo: float
    hi: float

    @staticmethod
    def point(v: float) -> Interval:
        return Interval(float(v), float(v))

    def join(self, other: Interval) -> Interval:
        return Interval(min(self.lo, other.lo), max(self.hi, other.hi))

    def meet(self, other: Interval) -> Interval | None:
        lo, hi = max(self.lo, other.lo), min(self.hi, other.hi)
        return Interval(lo, hi) if lo <= hi else None

    @property
    def is_point(self) -> bool:
        return self.lo == self.hi and math.isfinite(self.lo)

    def has(self, v: float) -> bool:
        return self.lo <= v <= self.hi


TOP = Interval(-INF, INF)
BOOL = Interval(0.0, 1.0)


class _AV(NamedTuple):
    """An abstract scalar: its interval and C type."""

    iv: Interval
    t: ct.CType


@dataclass
class _Ref:
    """A pointer or array: a storage cell, an element offset into it, element type and dims."""

    cell: int
    offset: int
    t: ct.CType
    dims: tuple[int, ...]


@dataclass
class _Var:
    """A named object in scope: its own cell (scalars, arrays) or an alias (pointer params)."""

    cell: int
    t: ct.CType
    dims: tuple[int, ...] = ()
    offset: int = 0
    alias: bool = False


class State:
    """Abstract memory: cell -> intervals of its elements, copied on write (branches share cells
    until one of them writes)."""

    __slots__ = ("cells", "owned")

    def __init__(self, cells: dict[int, list[Interval]] | None = None) -> None:
        self.cells = cells if cells is not None else {}
        self.owned: set[int] = set(self.cells)

    def __getitem__(self, cell: int) -> list[Interval]:
        return self.cells[cell]

    def put(self, cell: int, index: int, value: Interval) -> None:
        if cell not in self.owned:
            self.cells[cell] = list(self.cells[cell])
            self.owned.add(cell)
        self.cells[cell][index] = value

    def add(self, cell: int, values: list[Interval]) -> None:
        self.cells[cell] = list(values)
        self.owned.add(cell)

    def copy(self) -> State:
        self.owned = set()  # both copies now share every cell
        twin = State(dict(self.cells))
        twin.owned = set()
        return twin

    def assign(self, other: State) -> None:
        """Become ``other`` (which is not used afterwards)."""
        self.cells, self.owned = other.cells, other.owned

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, State) or self.cells.keys() != other.cells.keys():
            return False
        return all(v is other.cells[k] or v == other.cells[k] for k, v in self.cells.items())


def _copy(s: State | None) -> State | None:
    return None if s is None else s.copy()


def _join(a: State | None, b: State | None) -> State | None:
    if a is None:
        return _copy(b)
    if b is None:
        return _copy(a)
    out: dict[int, list[Interval]] = {}
    for k, va in a.cells.items():
        vb = b.cells.get(k)
        if vb is None or vb is va:
            out[k] = va
        else:
            out[k] = [x if x is y else x.join(y) for x, y in zip(va, vb, strict=True)]
    for k, vb in b.cells.items():
        out.setdefault(k, vb)
    joined = State(out)
    joined.owned = set()
    a.owned, b.owned = set(), set()  # shared lists may now live in ``joined``
    return joined


def _join_all(states: list[State | None]) -> State | None:
    live = [s for s in states if s is not None]
    if len(live) == 1:
        return live[0]
    out = None
    for s in live:
        out = _join(out, s)
    return out


def _widen(old: State, new: State) -> State:
    out: dict[int, list[Interval]] = {}
    for k, vn in new.cells.items():
        vo = old.cells.get(k)
        if vo is None or vo is vn:
            out[k] = vn
            continue
        out[k] = [Interval(o.lo if n.lo >= o.lo else -INF, o.hi if n.hi <= o.hi else INF)
                  for o, n in zip(vo, vn, strict=True)]
    widened = State(out)
    widened.owned = set()
    old.owned, new.owned = set(), set()
    return widened


# -- interval arithmetic ------------------------------------------------------------------------
def _nan_free(vals: list[float]) -> list[float]:
    return [v for v in vals if not math.isnan(v)]


def _hull(vals: list[float]) -> Interval:
    """The smallest interval holding the values that are not NaN (TOP if none is)."""
    vals = _nan_free(vals)
    return Interval(min(vals), max(vals)) if vals else TOP


def _corners(f, a: Interval, b: Interval) -> Interval:
    # Python floats overflow to inf and give NaN for inf/inf, without numpy's warnings.
    xs, ys = (float(a.lo), float(a.hi)), (float(b.lo), float(b.hi))
    return _hull([f(x, y) for x in xs for y in ys])


def _mul(a: Interval, b: Interval) -> Interval:
    # The four corner products, where 0 times anything (even inf) is 0; no closure: the
    # analysis multiplies tens of thousands of times per program.
    return _hull([0.0 if x == 0 or y == 0 else x * y for x in (float(a.lo), float(a.hi))
                  for y in (float(b.lo), float(b.hi))])


def _div(a: Interval, b: Interval) -> Interval:
    if b.lo <= 0 <= b.hi:
        return TOP
    return _corners(lambda x, y: x / y, a, b)


def _round_out(iv: Interval, t: ct.CType) -> Interval:
    """Widen a floating result by a few ulps of its type (float32 arithmetic rounds)."""
    eps = _F32_EPS if t.bits == 32 else _F64_EPS
    lo = iv.lo - abs(iv.lo) * eps
    hi = iv.hi + abs(iv.hi) * eps
    if t.bits == 32:
        big, tiny = _F32_MAX, _F32_TINY
        lo = -INF if lo < -big else (0.0 if 0.0 < lo < tiny else lo)
        hi = INF if hi > big else (0.0 if -tiny < hi < 0.0 else hi)
    return Interval(lo, hi)


def _fit(iv: Interval, t: ct.CType) -> Interval:
    """An integer result as type ``t`` holds it: wrapped or overflowing ranges become the type's."""
    if not t.is_integer:
        return _round_out(iv, t)
    lo, hi = ct.int_range(t)
    if iv.lo < lo or iv.hi > hi or math.isnan(iv.lo) or math.isnan(iv.hi):
        return Interval(float(lo), float(hi))
    return iv


def _convert(v: _AV, t: ct.CType) -> _AV:
    """C's conversion of a scalar to type ``t``."""
    if v.t is t:
        return v
    iv = v.iv
    if t.kind == "void":  # VOID is the one void type
        return _AV(Interval(0.0, 0.0), t)
    if t.kind == "bool":
        if iv.lo == iv.hi == 0:
            return _AV(Interval(0.0, 0.0), t)
        return _AV(Interval(1.0, 1.0) if not iv.has(0.0) else BOOL, t)
    if t.is_integer:
        if v.t.is_float:
            lo, hi = ct.int_range(t)
            if not (lo - 1 < iv.lo and iv.hi < hi + 1):
                return _AV(Interval(float(lo), float(hi)), t)
            return _AV(Interval(float(math.trunc(iv.lo)), float(math.trunc(iv.hi))), t)
        return _AV(_fit(iv, t), t)
    if t.bits == 32 and v.t is not ct.FLOAT and v.t != ct.FLOAT:
        return _AV(_round_out(iv, t), t)
    return _AV(iv, t)


def _trunc_div(a: Interval, b: Interval) -> Interval:
    """C integer division (truncating) of integer intervals."""
    parts = []
    if b.hi >= 1:
        parts.append(Interval(max(b.lo, 1.0), b.hi))
    if b.lo <= -1:
        parts.append(Interval(b.lo, min(b.hi, -1.0)))
    out = None
    for p in parts:
        q = _corners(lambda x, y: x / y, a, p)
        q = Interval(float(math.trunc(q.lo)) if math.isfinite(q.lo) else q.lo,
                     float(math.trunc(q.hi)) if math.isfinite(q.hi) else q.hi)
        out = q if out is None else out.join(q)
    return out if out is not None else TOP


def _trunc_mod(a: Interval, b: Interval) -> Interval:
    m = max(abs(b.lo), abs(b.hi)) - 1
    if a.lo >= 0:
        return Interval(0.0, min(a.hi, m))
    if a.hi <= 0:
        return Interval(max(a.lo, -m), 0.0)
    return Interval(max(a.lo, -m), min(a.hi, m))


def _bitwise(op: str, a: Interval, b: Interval, t: ct.CType) -> Interval:
    if a.lo >= 0 and b.lo >= 0 and math.isfinite(a.hi) and math.isfinite(b.hi):
        if op == "&":
            return Interval(0.0, min(a.hi, b.hi))
        top = float((1 << int(max(a.hi, b.hi)).bit_length()) - 1)
        return Interval(0.0, top)
    lo, hi = ct.int_range(t)
    return Interval(float(lo), float(hi))


def _shift(op: str, a: Interval, b: Interval, t: ct.CType) -> Interval:
    if b.is_point and 0 <= b.lo < t.bits and math.isfinite(a.lo) and math.isfinite(a.hi):
        k = int(b.lo)
        if op == "<<":
            return _fit(Interval(a.lo * 2.0 ** k, a.hi * 2.0 ** k), t)
        return Interval(float(int(a.lo) >> k), float(int(a.hi) >> k))
    if op == ">>" and a.lo >= 0:
        return Interval(0.0, a.hi)
    lo, hi = ct.int_range(t)
    return Interval(float(lo), float(hi))


def _monotone(f, iv: Interval, lo_ok: float = -INF, hi_ok: float = INF,
              decreasing: bool = False) -> Interval:
    lo, hi = max(iv.lo, lo_ok), min(iv.hi, hi_ok)
    if lo > hi:
        return TOP  # NaN for every input: nothing to bound
    try:
        with np.errstate(all="ignore"):
            a, b = float(f(lo)), float(f(hi))
    except (ValueError, OverflowError):
        return TOP
    if decreasing:
        a, b = b, a
    if math.isnan(a) or math.isnan(b):
        return TOP
    return Interval(a, b)


def _sin(iv: Interval) -> Interval:
    if not (math.isfinite(iv.lo) and math.isfinite(iv.hi)) or iv.hi - iv.lo >= 2 * math.pi:
        return Interval(-1.0, 1.0)
    vals = [math.sin(iv.lo), math.sin(iv.hi)]
    lo, hi = min(vals), max(vals)
    if math.ceil((iv.lo - math.pi / 2) / (2 * math.pi)) <= (iv.hi - math.pi / 2) / (2 * math.pi):
        hi = 1.0
    if math.ceil((iv.lo + math.pi / 2) / (2 * math.pi)) <= (iv.hi + math.pi / 2) / (2 * math.pi):
        lo = -1.0
    return Interval(lo, hi)


def _even(f, iv: Interval) -> Interval:
    """An even function increasing in |x| (fabs, cosh, x^2k)."""
    with np.errstate(all="ignore"):
        hi = max(float(f(iv.lo)), float(f(iv.hi)))
        lo = float(f(0.0)) if iv.has(0.0) else min(float(f(iv.lo)), float(f(iv.hi)))
    return Interval(lo, hi)


def _tan(iv: Interval) -> Interval:
    if not (math.isfinite(iv.lo) and math.isfinite(iv.hi)):
        return TOP
    k = math.floor((iv.lo + math.pi / 2) / math.pi)
    if (iv.hi + math.pi / 2) / math.pi >= k + 1:
        return TOP
    return Interval(math.tan(iv.lo), math.tan(iv.hi))


def _pow(a: Interval, b: Interval) -> Interval:
    if b.is_point and b.lo == int(b.lo) and abs(b.lo) <= 64:
        n = int(b.lo)
        if n == 0:
            return Interval(1.0, 1.0)
        if n < 0 and a.has(0.0):
            return TOP
        if n % 2 == 0:
            return _even(lambda x: np.float64(x) ** n if x != 0 else 0.0, a)
        return _monotone(lambda x: np.float64(x) ** n, a, decreasing=n < 0)
    if a.lo > 0:
        return _corners(lambda x, y: math.exp(min(700.0, y * math.log(x))), a, b)
    if a.lo >= 0 and b.lo > 0:
        inner = _corners(lambda x, y: math.exp(min(700.0, y * math.log(x))),
                         Interval(max(a.lo, 1e-300), max(a.hi, 1e-300)), b)
        return Interval(0.0, inner.hi)
    return TOP


_INCREASING = {
    "np.arctan": np.arctan, "np.sinh": np.sinh, "np.tanh": np.tanh, "np.arcsinh": np.arcsinh,
    "np.exp": np.exp, "np.exp2": np.exp2, "runtime._exp2f": np.exp2, "np.expm1": np.expm1,
    "np.cbrt": np.cbrt, "np.floor": np.floor, "np.ceil": np.ceil, "np.trunc": np.trunc,
    "np.rint": np.rint, "runtime._c_round": lambda x: _c_round(x),
    "runtime._c_lround": lambda x: _c_round(x), "math.erf": math.erf,
}
_DOMAIN_INCREASING = {  # name: (function, smallest argument, largest argument)
    "np.log": (np.log, 0.0, INF), "np.log2": (np.log2, 0.0, INF),
    "runtime._log2f": (np.log2, 0.0, INF), "np.log10": (np.log10, 0.0, INF),
    "np.log1p": (np.log1p, -1.0, INF), "np.sqrt": (np.sqrt, 0.0, INF),
    "np.arcsin": (np.arcsin, -1.0, 1.0), "np.arctanh": (np.arctanh, -1.0, 1.0),
    "np.arccosh": (np.arccosh, 1.0, INF),
}


def _c_round(x: float) -> float:
    """C's round: half away from zero."""
    return math.copysign(math.floor(abs(x) + 0.5), x) if math.isfinite(x) else x


def _math_unary(impl: str, a: Interval) -> Interval:
    if impl in _INCREASING:
        return _monotone(_INCREASING[impl], a)
    if impl in _DOMAIN_INCREASING:
        f, lo, hi = _DOMAIN_INCREASING[impl]
        return _monotone(f, a, lo, hi)
    if impl == "np.arccos":
        return _monotone(np.arccos, a, -1.0, 1.0, decreasing=True)
    if impl == "math.erfc":
        return _monotone(math.erfc, a, decreasing=True)
    if impl == "np.sin":
        return _sin(a)
    if impl == "np.cos":
        return _sin(Interval(a.lo + math.pi / 2, a.hi + math.pi / 2))
    if impl == "np.tan":
        return _tan(a)
    if impl in ("np.fabs", "runtime._c_iabs"):
        return _even(abs, a)
    if impl == "np.cosh":
        return _even(np.cosh, a)
    return TOP


def _math_binary(impl: str, a: Interval, b: Interval) -> Interval:
    if impl == "np.arctan2":
        return Interval(-math.pi, math.pi)
    if impl == "np.power":
        return _pow(a, b)
    if impl == "np.hypot":
        sq = _even(lambda x: x * x, a)
        sq2 = _even(lambda x: x * x, b)
        return Interval(math.sqrt(sq.lo + sq2.lo), math.sqrt(sq.hi + sq2.hi))
    if impl == "np.fmod":
        m = max(abs(b.lo), abs(b.hi))
        if a.lo >= 0:
            return Interval(0.0, min(a.hi, m))
        if a.hi <= 0:
            return Interval(max(a.lo, -m), 0.0)
        return Interval(max(a.lo, -m), min(a.hi, m))
    if impl == "np.copysign":
        mag = _even(abs, a)
        if b.lo > 0:
            return mag
        if b.hi < 0:
            return Interval(-mag.hi, -mag.lo)
        return Interval(-mag.hi, mag.hi)
    if impl == "np.fmin":
        return Interval(min(a.lo, b.lo), min(a.hi, b.hi))
    if impl == "np.fmax":
        return Interval(max(a.lo, b.lo), max(a.hi, b.hi))
    if impl == "runtime._c_fdim":
        d = Interval(a.lo - b.hi, a.hi - b.lo)
        return Interval(max(d.lo, 0.0), max(d.hi, 0.0))
    return TOP


def _strides(dims: tuple[int, ...] | list[int]) -> list[int]:
    """Row-major element strides of an array shape."""
    return [math.prod(dims[k + 1:]) for k in range(len(dims))]


def _offset(indices, dims) -> int:
    """Flat offset of the (point) ``indices`` into an array of shape ``dims``."""
    if len(indices) > len(dims):
        raise _GiveUp("more subscripts than dimensions")
    return sum(int(i) * m for i, m in zip(indices, _strides(dims), strict=False))


def ranges_to_json(ranges: np.ndarray) -> list[list[float | None]]:
    """Ranges as JSON-able rows, with None for an infinite (unknown) bound."""
    return [[float(v) if math.isfinite(v) else None for v in row] for row in np.asarray(ranges)]


def ranges_from_json(rows: list) -> np.ndarray:
    """Inverse of ``ranges_to_json``: ``[n, 2]`` float64 with -inf/inf for None."""
    return np.array([[-INF if lo is None else lo, INF if hi is None else hi] for lo, hi in rows],
                    dtype=np.float64).reshape(-1, 2)


# -- the interpreter ----------------------------------------------------------------------------
class _Frame:
    """One loop being interpreted: the states its ``break``s and ``continue``s leave with."""

    def __init__(self) -> None:
        self.breaks: list[State] = []
        self.conts: list[State] = []


class _Call:
    """One function being interpreted: its return type, the states at its ``return``s and the
    join of the values they return."""

    def __init__(self, ret: ct.CType) -> None:
        self.ret = ret
        self.states: list[State] = []
        self.value: Interval | None = None


class _Analyzer:
    """Interprets the functions reachable from a kernel on intervals."""

    def __init__(self, prog: Program) -> None:
        self.prog = prog
        self.tr = Translator(prog)
        self.cells = 0
        self.steps = 0
        self.scopes: list[dict[str, _Var]] = []
        self.globals: dict[str, _Var] = {}
        self.loops: list[_Frame] = []
        self.calls: list[_Call] = []
        self.active: list[str] = []
        self.constants: dict[int, _AV] = {}  # id(Constant node) -> its value
        self.same_cache: dict[tuple[int, int], bool] = {}
        self.dispatch: dict[type, object] = {}  # expression node type -> its x_ method
        self.statements: dict[type, object] = {}  # statement node type -> its s_ method or None

    # -- storage --------------------------------------------------------------------------
    def new_cell(self, state: State, values: list[Interval]) -> int:
        self.cells += 1
        state.add(self.cells, values)
        return self.cells

    def lookup(self, name: str) -> _Var:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        if name in self.globals:
            return self.globals[name]
        raise _GiveUp(f"unknown name {name}")

    def type_of(self, node: c_ast.Node) -> TypeInfo:
        return self.tr.type_of(node)

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _GiveUp("budget")

    # -- expressions ----------------------------------------------------------------------
    def ev(self, node: c_ast.Node, s: State) -> _AV | _Ref:
        kind = type(node)
        method = self.dispatch.get(kind)
        if method is None:
            method = self.dispatch[kind] = getattr(self, f"x_{kind.__name__}", None)
        if method is None:
            raise _GiveUp(kind.__name__)
        return method(node, s)

    def scalar(self, node: c_ast.Node, s: State) -> _AV:
        v = self.ev(node, s)
        if isinstance(v, _Ref):
            raise _GiveUp("pointer used as a number")
        return v

    def x_Constant(self, node: c_ast.Constant, s: State) -> _AV:
        known = self.constants.get(id(node))
        if known is None:
            value, t = self.tr.const_eval(node)
            known = self.constants[id(node)] = _AV(Interval.point(float(value)), t)
        return known

    def x_ID(self, node: c_ast.ID, s: State) -> _AV | _Ref:
        var = self.lookup(node.name)
        if var.dims or var.alias:
            return _Ref(var.cell, var.offset, var.t, var.dims)
        return _AV(s[var.cell][0], var.t)

    def x_Cast(self, node: c_ast.Cast, s: State) -> _AV | _Ref:
        info = self.type_of(node.to_type.type)
        v = self.ev(node.expr, s)
        if isinstance(v, _Ref) or info.dims:
            if isinstance(v, _Ref) and info.dims:
                return v
            raise _GiveUp("pointer cast")
        return _convert(v, info.scalar)

    def x_TernaryOp(self, node: c_ast.TernaryOp, s: State) -> _AV:
        st, sf = self.cond(node.cond, s)
        vals, states = [], []
        for branch, ss in ((node.iftrue, st), (node.iffalse, sf)):
            if ss is not None:
                v = self.scalar(branch, ss)
                vals.append(v)
                states.append(ss)
        if not vals:
            raise _GiveUp("unreachable ternary")
        t = vals[0].t if len(vals) == 1 else ct.common(vals[0].t, vals[1].t)
        iv = _convert(vals[0], t).iv
        for v in vals[1:]:
            iv = iv.join(_convert(v, t).iv)
        self.replace(s, _join_all(states))
        return _AV(iv, t)

    @staticmethod
    def replace(s: State, new: State | None) -> None:
        if new is None:
            raise _GiveUp("unreachable expression")
        s.assign(new)

    def x_UnaryOp(self, node: c_ast.UnaryOp, s: State) -> _AV | _Ref:
        op = node.op
        if op in ("++", "--", "p++", "p--"):
            return self.incdec(node, s)
        if op == "&":
            return self.address(node.expr, s)
        if op == "*":
            p = self.ev(node.expr, s)
            if not isinstance(p, _Ref):
                raise _GiveUp("deref")
            return self.element(p, [Interval(0.0, 0.0)], s)
        if op == "sizeof":
            raise _GiveUp("sizeof")
        if op == "!":
            st, sf = self.cond(node.expr, s)
            return self.truth(st, sf, s, negate=True)
        v = self.scalar(node.expr, s)
        t = ct.promote(v.t)
        iv = _convert(v, t).iv
        if op == "-":
            return _AV(_fit(Interval(-iv.hi, -iv.lo), t) if t.is_integer else
                       Interval(-iv.hi, -iv.lo), t)
        if op == "+":
            return _AV(iv, t)
        if op == "~":
            return _AV(_fit(Interval(-iv.hi - 1, -iv.lo - 1), t), t)
        raise _GiveUp(op)

    def truth(self, st: State | None, sf: State | None, s: State, negate: bool = False) -> _AV:
        if negate:
            st, sf = sf, st
        iv = Interval(0.0 if sf is not None else 1.0, 1.0 if st is not None else 0.0)
        self.replace(s, _join(st, sf))
        return _AV(iv, ct.INT)

    def x_BinaryOp(self, node: c_ast.BinaryOp, s: State) -> _AV | _Ref:
        op = node.op
        if op in ("&&", "||", "<", ">", "<=", ">=", "==", "!="):
            st, sf = self.cond(node, s)
            return self.truth(st, sf, s)
        a = self.ev(node.left, s)
        if op == "*" and isinstance(a, _AV) and self.same_pure(node.left, node.right):
            t = ct.common(a.t, a.t)  # e * e: a square is never negative
            return _AV(_fit(_even(lambda x: x * x, _convert(a, t).iv), t), t)
        b = self.ev(node.right, s)
        if isinstance(a, _Ref) or isinstance(b, _Ref):
            return self.pointer_arith(op, a, b)
        return self.arith(op, a, b)

    def same_pure(self, a: c_ast.Node, b: c_ast.Node) -> bool:
        """Whether two expressions are the same text without side effects (so the same value)."""
        if type(a) is not type(b) or not isinstance(a, (c_ast.ID, c_ast.ArrayRef,
                                                         c_ast.BinaryOp, c_ast.FuncCall)):
            return False
        key = id(a), id(b)
        if key not in self.same_cache:
            from pycparser import c_generator

            gen = c_generator.CGenerator()
            pure = _Pure(self.prog)
            pure.visit(a)
            self.same_cache[key] = pure.ok and gen.visit(a) == gen.visit(b)
        return self.same_cache[key]

    def pointer_arith(self, op: str, a, b) -> _Ref:
        if op == "+" and isinstance(b, _Ref):
            a, b = b, a
        if not (isinstance(a, _Ref) and isinstance(b, _AV) and op in ("+", "-")
                and b.iv.is_point):
            raise _GiveUp("pointer arithmetic")
        k = int(b.iv.lo) * (1 if op == "+" else -1)
        inner = math.prod(a.dims[1:]) if len(a.dims) > 1 else 1
        return _Ref(a.cell, a.offset + k * inner, a.t, (0,) + a.dims[1:])

    def arith(self, op: str, a: _AV, b: _AV) -> _AV:
        if op in ("<<", ">>"):
            t = ct.promote(a.t)
            return _AV(_shift(op, _convert(a, t).iv, b.iv, t), t)
        t = a.t if a.t is b.t and a.t.is_float else ct.common(a.t, b.t)
        x, y = _convert(a, t).iv, _convert(b, t).iv
        if op == "+":
            iv = Interval(x.lo + y.lo, x.hi + y.hi)
        elif op == "-":
            iv = Interval(x.lo - y.hi, x.hi - y.lo)
        elif op == "*":
            iv = _mul(x, y)
        elif op == "/":
            iv = _trunc_div(x, y) if t.is_integer else _div(x, y)
        elif op == "%":
            iv = _trunc_mod(x, y)
        elif op in ("&", "|", "^"):
            iv = _bitwise(op, x, y, t)
        else:
            raise _GiveUp(op)
        if math.isnan(iv.lo) or math.isnan(iv.hi):
            iv = TOP
        return _AV(_fit(iv, t), t)

    def subscripts(self, node: c_ast.ArrayRef, s: State) -> tuple[_Ref, list[Interval]]:
        indices: list[Interval] = []
        base: c_ast.Node = node
        while isinstance(base, c_ast.ArrayRef):
            indices.insert(0, self.scalar(base.subscript, s).iv)
            base = base.name
        arr = self.ev(base, s)
        if not isinstance(arr, _Ref):
            raise _GiveUp("subscript of a number")
        return arr, indices

    def x_ArrayRef(self, node: c_ast.ArrayRef, s: State) -> _AV | _Ref:
        arr, indices = self.subscripts(node, s)
        return self.element(arr, indices, s)

    def flat_range(self, arr: _Ref, indices: list[Interval], s: State) -> tuple[int, int, int]:
        """(first, last, stride-1 count) of the flat elements ``indices`` may address, clipped."""
        dims = arr.dims if arr.dims else (0,)
        strides = _strides(dims)
        lo = hi = arr.offset
        for k, idx in enumerate(indices):
            stride = strides[k] if k < len(strides) else 1
            lo += (idx.lo if math.isfinite(idx.lo) else -1e18) * stride
            hi += (idx.hi if math.isfinite(idx.hi) else 1e18) * stride
        size = len(s[arr.cell])
        rest = math.prod(dims[len(indices):]) if len(indices) < len(dims) else 1
        lo, hi = max(0, int(lo)), min(size - 1, int(hi) + rest - 1)
        if lo > hi:
            raise _GiveUp("index out of bounds")
        return lo, hi, rest

    def element(self, arr: _Ref, indices: list[Interval], s: State) -> _AV | _Ref:
        depth = len(arr.dims) if arr.dims else 1
        if len(indices) < depth:
            if not all(i.is_point for i in indices):
                raise _GiveUp("row pointer with an unknown index")
            off = arr.offset + _offset([i.lo for i in indices], arr.dims)
            return _Ref(arr.cell, off, arr.t, arr.dims[len(indices):])
        lo, hi, _ = self.flat_range(arr, indices, s)
        cell = s[arr.cell]
        iv = cell[lo]
        for k in range(lo + 1, hi + 1):
            iv = iv.join(cell[k])
        return _AV(iv, arr.t)

    def address(self, target: c_ast.Node, s: State) -> _Ref:
        if isinstance(target, c_ast.ID):
            var = self.lookup(target.name)
            return _Ref(var.cell, var.offset, var.t, var.dims or (1,))
        if isinstance(target, c_ast.ArrayRef):
            arr, indices = self.subscripts(target, s)
            if not all(i.is_point for i in indices):
                raise _GiveUp("address of an unknown element")
            dims = arr.dims or (0,)
            off = arr.offset + _offset([i.lo for i in indices], dims)
            return _Ref(arr.cell, off, arr.t, (0,) + tuple(dims[len(indices):]))
        raise _GiveUp("address")

    def store(self, target: c_ast.Node, value: _AV, s: State) -> _AV:
        """Assign ``value`` (converted to the target type) to an lvalue; returns what is stored."""
        if isinstance(target, c_ast.ID):
            var = self.lookup(target.name)
            if var.dims or var.alias:
                raise _GiveUp("pointer assignment")
            v = _convert(value, var.t)
            s.put(var.cell, 0, v.iv)
            return v
        if isinstance(target, c_ast.ArrayRef):
            arr, indices = self.subscripts(target, s)
        elif isinstance(target, c_ast.UnaryOp) and target.op == "*":
            p = self.ev(target.expr, s)
            if not isinstance(p, _Ref):
                raise _GiveUp("deref")
            arr, indices = p, [Interval(0.0, 0.0)]
        else:
            raise _GiveUp("lvalue")
        v = _convert(value, arr.t)
        lo, hi, rest = self.flat_range(arr, indices, s)
        if rest != 1:
            raise _GiveUp("assignment to an array")
        if lo == hi:
            s.put(arr.cell, lo, v.iv)
        else:  # a weak update: any of these elements may be the one written
            for k in range(lo, hi + 1):
                s.put(arr.cell, k, s[arr.cell][k].join(v.iv))
        return v

    def x_Assignment(self, node: c_ast.Assignment, s: State) -> _AV:
        rv = self.ev(node.rvalue, s)
        if isinstance(rv, _Ref):
            raise _GiveUp("pointer assignment")
        if node.op != "=":
            cur = self.scalar(node.lvalue, s)
            rv = self.arith(node.op[:-1], cur, rv)
        return self.store(node.lvalue, rv, s)

    def incdec(self, node: c_ast.UnaryOp, s: State) -> _AV:
        cur = self.scalar(node.expr, s)
        new = self.arith("+" if "++" in node.op else "-", cur, _AV(Interval(1.0, 1.0), ct.INT))
        stored = self.store(node.expr, new, s)
        return cur if node.op.startswith("p") else stored

    def x_ExprList(self, node: c_ast.ExprList, s: State) -> _AV | _Ref:
        out = None
        for e in node.exprs:
            out = self.ev(e, s)
        if out is None:
            raise _GiveUp("empty expression list")
        return out

    def x_FuncCall(self, node: c_ast.FuncCall, s: State) -> _AV:
        name = node.name.name
        args = list(node.args.exprs) if node.args is not None else []
        if name in self.prog.functions:
            return self.call(name, args, s)
        fn = MATH_FUNCTIONS.get(name)
        if fn is None:
            raise _GiveUp(name)
        vals = [_convert(self.scalar(a, s), t).iv for a, t in zip(args, fn.params, strict=True)]
        if fn.predicate:
            return _AV(BOOL, ct.INT)
        if fn.impl in ("runtime._c_inf32", "runtime._c_inf64"):
            iv = Interval(INF, INF)
        elif len(vals) == 1:
            iv = _math_unary(fn.impl, vals[0])
        elif len(vals) == 2:
            iv = _math_binary(fn.impl, *vals)
        else:
            iv = TOP
        if fn.result.is_integer:
            return _convert(_AV(iv, ct.DOUBLE), fn.result)
        return _AV(_round_out(iv, fn.result), fn.result)

    def call(self, name: str, args: list[c_ast.Node], s: State) -> _AV:
        if name in self.active:
            raise _GiveUp("recursion")
        fn = self.prog.functions[name]
        params = _params(fn.decl.type)
        scope: dict[str, _Var] = {}
        for p, a in zip(params, args, strict=True):
            info = self.type_of(p.type)
            v = self.ev(a, s)
            if info.dims:
                if not isinstance(v, _Ref):
                    raise _GiveUp("number passed as a pointer")
                dims = tuple(d or 0 for d in info.dims)
                scope[p.name] = _Var(v.cell, info.scalar, dims, v.offset, alias=True)
            else:
                if isinstance(v, _Ref):
                    raise _GiveUp("pointer passed as a number")
                cell = self.new_cell(s, [_convert(v, info.scalar).iv])
                scope[p.name] = _Var(cell, info.scalar)
        ret = self.type_of(fn.decl.type.type).scalar
        return self.run_function(name, fn, scope, ret, s)

    def run_function(self, name: str, fn: c_ast.FuncDef, scope: dict[str, _Var],
                     ret: ct.CType, s: State) -> _AV:
        saved_scopes, saved_loops = self.scopes, self.loops
        self.scopes, self.loops = [scope], []
        frame = _Call(ret)
        self.calls.append(frame)
        self.active.append(name)
        try:
            end = self.block(fn.body.block_items, s)
        finally:
            self.scopes, self.loops = saved_scopes, saved_loops
            self.calls.pop()
            self.active.pop()
        value = frame.value
        if end is not None and ret != ct.VOID:  # falling off the end returns 0
            value = Interval(0.0, 0.0) if value is None else value.join(Interval(0.0, 0.0))
        self.replace(s, _join_all([end, *frame.states]))
        return _AV(value if value is not None else Interval(0.0, 0.0), ret)

    # -- conditions -----------------------------------------------------------------------
    def cond(self, node: c_ast.Node, s: State) -> tuple[State | None, State | None]:
        """States where ``node`` may be true and where it may be false (None: impossible)."""
        if isinstance(node, c_ast.BinaryOp) and node.op == "&&":
            t1, f1 = self.cond(node.left, _copy(s))
            t2, f2 = self.cond(node.right, t1) if t1 is not None else (None, None)
            return t2, _join(f1, f2)
        if isinstance(node, c_ast.BinaryOp) and node.op == "||":
            t1, f1 = self.cond(node.left, _copy(s))
            t2, f2 = self.cond(node.right, f1) if f1 is not None else (None, None)
            return _join(t1, t2), f2
        if isinstance(node, c_ast.UnaryOp) and node.op == "!":
            t, f = self.cond(node.expr, s)
            return f, t
        if isinstance(node, c_ast.BinaryOp) and node.op in _FLIP:
            return self.compare(node, s)
        v = self.scalar(node, s)
        may_true = not (v.iv.lo == v.iv.hi == 0.0)
        may_false = v.iv.has(0.0)
        if not may_false:
            return s, None
        st = _copy(s) if may_true else None
        sf = s if may_false else None
        if st is not None and sf is not None and isinstance(node, c_ast.ID):
            self.refine(node, "!=", Interval(0.0, 0.0), st)
            self.refine(node, "==", Interval(0.0, 0.0), sf)
        return st, sf

    def compare(self, node: c_ast.BinaryOp, s: State) -> tuple[State | None, State | None]:
        op = node.op
        a = self.scalar(node.left, s)
        b = self.scalar(node.right, s)
        t = ct.common(a.t, b.t)
        x, y = _convert(a, t).iv, _convert(b, t).iv
        may_true, may_false = _may(op, x, y)
        if not may_false:
            return s, None
        st = _copy(s) if may_true else None
        sf = s if may_false else None
        for ss, o in ((st, op), (sf, _NEGATE[op])):
            if ss is None or not (may_true and may_false):
                continue
            if not self.refine(node.left, o, y, ss, t) or \
                    not self.refine(node.right, _FLIP[o], x, ss, t):
                if ss is st:
                    st = None
                else:
                    sf = None
        return st, sf

    def refine(self, node: c_ast.Node, op: str, other: Interval, s: State,
               t: ct.CType | None = None) -> bool:
        """Narrow a scalar variable ``node`` in ``s`` to satisfy ``node op other``; False if
        that is impossible."""
        if not isinstance(node, c_ast.ID):
            return True
        try:
            var = self.lookup(node.name)
        except _GiveUp:
            return True
        if var.dims or var.alias:
            return True
        if t is not None and t.is_integer != var.t.is_integer:
            return True
        cur = s[var.cell][0]
        step = 1.0 if var.t.is_integer else 0.0
        bound = {"<": Interval(-INF, other.hi - step), "<=": Interval(-INF, other.hi),
                 ">": Interval(other.lo + step, INF), ">=": Interval(other.lo, INF),
                 "==": other, "!=": TOP}[op]
        if op == "!=" and other.is_point and cur.is_point and cur.lo == other.lo:
            return False
        new = cur.meet(bound)
        if new is None:
            return False
        s.put(var.cell, 0, new)
        return True

    # -- statements -----------------------------------------------------------------------
    def stmt(self, node: c_ast.Node, s: State) -> State | None:
        self.tick()
        kind = type(node)
        if kind in self.statements:
            method = self.statements[kind]
        else:
            method = self.statements[kind] = getattr(self, f"s_{kind.__name__}", None)
        if method is not None:
            return method(node, s)
        self.ev(node, s)
        return s

    def block(self, items: list[c_ast.Node] | None, s: State | None) -> State | None:
        self.scopes.append({})
        try:
            for item in items or []:
                if s is None:
                    return None
                s = self.stmt(item, s)
            return s
        finally:
            self.scopes.pop()

    def body(self, node: c_ast.Node | None, s: State | None) -> State | None:
        if s is None:
            return None
        if isinstance(node, c_ast.Compound):
            return self.block(node.block_items, s)
        return self.block([node] if node is not None else [], s)

    def s_Compound(self, node: c_ast.Compound, s: State) -> State | None:
        return self.block(node.block_items, s)

    def s_EmptyStatement(self, node: c_ast.Node, s: State) -> State:
        return s

    def s_Pragma(self, node: c_ast.Node, s: State) -> State:
        return s

    def s_DeclList(self, node: c_ast.DeclList, s: State) -> State:
        for d in node.decls:
            self.s_Decl(d, s)
        return s

    def s_Decl(self, node: c_ast.Decl, s: State) -> State:
        if isinstance(node.type, c_ast.FuncDecl):
            return s
        info = self.type_of(node.type)
        if info.pointer:
            raise _GiveUp("local pointer")
        if info.dims:
            dims = list(info.dims)
            if dims[0] is None and isinstance(node.init, c_ast.InitList) and len(dims) == 1:
                dims[0] = len(node.init.exprs)
            if any(d is None for d in dims):
                raise _GiveUp("array size")
            values = [Interval(0.0, 0.0)] * math.prod(dims)
            cell = self.new_cell(s, values)
            if node.init is not None:
                for idx, item in self.tr.flatten_init(node.init, tuple(dims)):
                    s.put(cell, _offset(idx, dims),
                          _convert(self.scalar(item, s), info.scalar).iv)
            self.scopes[-1][node.name] = _Var(cell, info.scalar, tuple(dims))
            return s
        iv = (_convert(self.scalar(node.init, s), info.scalar).iv if node.init is not None
              else Interval(0.0, 0.0))
        cell = self.new_cell(s, [iv])
        self.scopes[-1][node.name] = _Var(cell, info.scalar)
        return s

    def s_Return(self, node: c_ast.Return, s: State) -> None:
        frame = self.calls[-1]
        if node.expr is not None and frame.ret != ct.VOID:
            v = _convert(self.scalar(node.expr, s), frame.ret).iv
            frame.value = v if frame.value is None else frame.value.join(v)
        elif node.expr is not None:
            self.ev(node.expr, s)
        frame.states.append(s)
        return None

    def s_If(self, node: c_ast.If, s: State) -> State | None:
        st, sf = self.cond(node.cond, s)
        st = self.body(node.iftrue, st)
        sf = self.body(node.iffalse, sf) if node.iffalse is not None else sf
        return _join(st, sf)

    def s_Break(self, node: c_ast.Node, s: State) -> None:
        if not self.loops:
            raise _GiveUp("break outside a loop")
        self.loops[-1].breaks.append(s)
        return None

    def s_Continue(self, node: c_ast.Node, s: State) -> None:
        if not self.loops:
            raise _GiveUp("continue outside a loop")
        self.loops[-1].conts.append(s)
        return None

    def s_Switch(self, node: c_ast.Node, s: State) -> None:
        raise _GiveUp("switch")

    def s_For(self, node: c_ast.For, s: State) -> State | None:
        self.scopes.append({})
        try:
            if node.init is not None:
                s = self.stmt(node.init, s)
            return self.loop(node.cond, node.stmt, node.next, s, first_unchecked=False)
        finally:
            self.scopes.pop()

    def s_While(self, node: c_ast.While, s: State) -> State | None:
        return self.loop(node.cond, node.stmt, None, s, first_unchecked=False)

    def s_DoWhile(self, node: c_ast.DoWhile, s: State) -> State | None:
        return self.loop(node.cond, node.stmt, None, s, first_unchecked=True)

    def iterate(self, body, step, s: State, frame: _Frame) -> State | None:
        """One pass of a loop body (then the for-step) from ``s``."""
        self.loops.append(frame)
        try:
            end = self.body(body, s)
        finally:
            self.loops.pop()
        end = _join_all([end, *frame.conts])
        frame.conts = []
        if end is not None and step is not None:
            self.ev(step, end)
        return end

    def loop(self, cond, body, step, s: State | None, first_unchecked: bool) -> State | None:
        frame = _Frame()
        exits: list[State | None] = []
        head = s
        for k in range(MAX_UNROLL + 1):  # exact unrolling while the intervals decide
            if head is None:
                return _join_all(exits + frame.breaks)
            if first_unchecked and k == 0:
                st = head
            elif cond is None:
                st = head
            else:
                st, sf = self.cond(cond, head)
                exits.append(sf)
            if st is None:
                return _join_all(exits + frame.breaks)
            if k == MAX_UNROLL:
                break
            head = self.iterate(body, step, st, frame)
        # Widening: iterate joined states to a fixed point.
        for rounds in range(64):
            nxt = self.iterate(body, step, _copy(st), frame)
            joined = _join(head, nxt)
            new = _widen(head, joined) if rounds >= 2 else joined
            if new == head:
                return _join_all(exits + frame.breaks)
            head = new
            if cond is None:
                st = _copy(head)
            else:
                st, sf = self.cond(cond, _copy(head))
                exits.append(sf)
                if st is None:
                    return _join_all(exits + frame.breaks)
        raise _GiveUp("no fixed point")

    # -- the kernel -----------------------------------------------------------------------
    def declare_globals(self, s: State) -> None:
        for name, decl in self.prog.globals.items():
            try:
                info = self.type_of(decl.type)
                if info.dims:
                    dims = list(info.dims)
                    if dims[0] is None and isinstance(decl.init, c_ast.InitList):
                        dims[0] = len(decl.init.exprs)
                    if any(d is None for d in dims):
                        continue
                    values = [Interval(0.0, 0.0)] * math.prod(dims)
                    if decl.init is not None:
                        for idx, item in self.tr.flatten_init(decl.init, tuple(dims)):
                            v, t0 = self.tr.const_eval(item)
                            values[_offset(idx, dims)] = Interval.point(
                                float(self.tr._convert_const(v, t0, info.scalar)))
                    self.globals[name] = _Var(self.new_cell(s, values), info.scalar,
                                              tuple(dims))
                else:
                    v, t0 = self.tr.const_eval(decl.init) if decl.init is not None else (0, ct.INT)
                    iv = Interval.point(float(self.tr._convert_const(v, t0, info.scalar)))
                    self.globals[name] = _Var(self.new_cell(s, [iv]), info.scalar)
            except Exception:  # noqa: BLE001 - an unusable global just stays unknown
                continue

    def run(self, function: str, signature, domains: np.ndarray) -> np.ndarray:
        fn = self.prog.functions[function]
        s = State()
        self.declare_globals(s)
        scope: dict[str, _Var] = {}
        params = _params(fn.decl.type)
        inputs = {a.name: a for a in signature.inputs}
        outputs = {a.name: a for a in signature.outputs}
        pos = 0
        starts = {}
        for a in signature.inputs:
            starts[a.name] = pos
            pos += a.size
        for p in params:
            info = self.type_of(p.type)
            if p.name in inputs:
                arg = inputs[p.name]
                k0 = starts[p.name]
                vals = [_convert(_AV(Interval(float(lo), float(hi)), ct.DOUBLE), info.scalar).iv
                        for lo, hi in domains[k0: k0 + arg.size]]
            elif p.name in outputs:
                vals = [Interval(0.0, 0.0)] * outputs[p.name].size
            else:
                raise _GiveUp("parameter neither input nor output")
            dims = tuple(arg.shape) if p.name in inputs else tuple(outputs[p.name].shape)
            cell = self.new_cell(s, vals)
            scope[p.name] = _Var(cell, info.scalar, dims if (dims or info.dims) else ())
            if info.dims and not dims:
                scope[p.name] = _Var(cell, info.scalar, (1,))
        ret = self.type_of(fn.decl.type.type).scalar
        frame = _Call(ret)
        self.scopes, self.calls = [scope], [frame]
        self.active = [function]
        end = self.block(fn.body.block_items, s)
        final = _join_all([end, *frame.states])
        if final is None:
            raise _GiveUp("the kernel never returns")
        value = frame.value
        if end is not None and ret != ct.VOID:
            value = Interval(0.0, 0.0) if value is None else value.join(Interval(0.0, 0.0))
        rows = []
        for a in signature.outputs:
            if a.param < 0:
                rows.append(value if value is not None else TOP)
            else:
                rows.extend(final[scope[a.name].cell][: a.size])
        return np.array([[r.lo, r.hi] for r in rows], dtype=np.float64)


class _Pure(c_ast.NodeVisitor):
    """Finds side effects (assignments, ++/--, calls of the program's own functions)."""

    def __init__(self, prog: Program) -> None:
        self.prog = prog
        self.ok = True

    def visit_Assignment(self, node: c_ast.Node) -> None:
        self.ok = False

    def visit_UnaryOp(self, node: c_ast.UnaryOp) -> None:
        if node.op in ("++", "--", "p++", "p--"):
            self.ok = False
        self.generic_visit(node)

    def visit_FuncCall(self, node: c_ast.FuncCall) -> None:
        if not isinstance(node.name, c_ast.ID) or node.name.name in self.prog.functions:
            self.ok = False
        self.generic_visit(node)


_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
_NEGATE = {"<": ">=", ">": "<=", "<=": ">", ">=": "<", "==": "!=", "!=": "=="}


def _may(op: str, x: Interval, y: Interval) -> tuple[bool, bool]:
    """Whether ``x op y`` may be true, and may be false."""
    if op == "<":
        return x.lo < y.hi, x.hi >= y.lo
    if op == "<=":
        return x.lo <= y.hi, x.hi > y.lo
    if op == ">":
        return x.hi > y.lo, x.lo <= y.hi
    if op == ">=":
        return x.hi >= y.lo, x.lo < y.hi
    same = x.is_point and y.is_point and x.lo == y.lo
    overlap = x.meet(y) is not None
    if op == "==":
        return overlap, not same
    return not same, overlap


def output_ranges(kernel) -> np.ndarray:
    """Static bounds on a kernel's outputs over its input domains, without running it.

    Arguments:
        kernel: a ``Kernel`` (or anything with ``preprocessed``, ``function``, ``signature`` and
            ``domains``, such as a corpus record's ``KernelView``); a ``program`` attribute
            (the parsed C) saves parsing it again.

    Returns:
        ``[n_outputs, 2]`` float64: each output's ``(lo, hi)``; ``-inf``/``inf`` where unknown.
    """
    n = kernel.signature.n_outputs
    unknown = np.tile([-INF, INF], (n, 1))
    try:
        prog = getattr(kernel, "program", None)
        if prog is None:
            prog = Program.from_ast(c_parser.CParser().parse(kernel.preprocessed,
                                                             filename="<stdin>"))
        out = _Analyzer(prog).run(kernel.function, kernel.signature,
                                  np.asarray(kernel.domains, dtype=np.float64))
    except (_GiveUp, RecursionError):
        return unknown
    except Exception:  # noqa: BLE001 - the analysis is advisory: any failure means "unknown"
        return unknown
    if out.shape != (n, 2):
        return unknown
    out = np.where(np.isnan(out), np.array([-INF, INF]), out)
    return out
