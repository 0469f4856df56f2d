"""C AST -> Python source for Numba, keeping C semantics.

Every expression is typed as C types it (usual arithmetic conversions, promotions) and the generated
code converts operands explicitly, so float stays float32, integer results wrap to their C width,
division truncates toward zero and comparisons of mixed signedness behave as in C.  Loops carry an
iteration budget; errors are recorded in the control array (see ``runtime``) and unwind by return.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from pycparser import c_ast

from nsc_tune.kernel import ctype as ct
from nsc_tune.kernel import runtime
from nsc_tune.kernel.mathlib import MATH_FUNCTIONS
from nsc_tune.kernel.program import Program, TypeInfo, coord, unsupported

#: Global arrays larger than this are not translated (a table the kernel text cannot hold).
MAX_GLOBAL_ELEMENTS = 1 << 16


@dataclass
class Var:
    """A C variable as it lives in generated code."""

    py: str
    scalar: ct.CType
    dims: tuple[int | None, ...] = ()
    boxed: bool = False  # scalar whose address is taken: stored as a 1-element array


@dataclass
class Val:
    """A translated expression: code, C type, array dims (for array values), truth-value form."""

    code: str
    ctype: ct.CType
    dims: tuple[int | None, ...] = ()
    cond: bool = False
    const: bool = False  # a literal constant


@dataclass
class _Loop:
    kind: str  # "loop" or "switch"
    cont_flag: str | None = None
    used_cont: bool = False


@dataclass
class _FuncState:
    ret: ct.CType
    scopes: list[dict[str, Var]] = field(default_factory=lambda: [{}])
    boxed: set[str] = field(default_factory=set)
    breakables: list[_Loop] = field(default_factory=list)
    entry: bool = False  # the kernel itself (its outermost loops run once per call)


def float_literal(text: str, t: ct.CType) -> float:
    """The value of a decimal or hex floating constant, correctly rounded to type ``t``."""
    body = text.rstrip("fFlL")
    if body.lower().startswith("0x"):
        value = float.fromhex(body)
        return float(np.float32(value)) if t == ct.FLOAT else value
    value = float(body)
    if t != ct.FLOAT:
        return value
    exact = Fraction(body)
    with np.errstate(over="ignore"):
        f = np.float32(value)
        neighbours = [np.nextafter(f, np.float32(s * np.inf)) for s in (-1, 1)]
    best = f
    for cand in neighbours:
        if not np.isfinite(cand):
            continue
        d_best, d_cand = abs(Fraction(float(best)) - exact), abs(Fraction(float(cand)) - exact)
        if d_cand < d_best or (d_cand == d_best and int(cand.view(np.uint32)) % 2 == 0):
            best = cand
    return float(best)


def int_literal(text: str) -> tuple[int, ct.CType]:
    """Value and C type of an integer or character constant."""
    if text.startswith("'"):
        body = text[1:-1]
        escapes = {"n": 10, "t": 9, "r": 13, "0": 0, "\\": 92, "'": 39, '"': 34, "a": 7,
                   "b": 8, "f": 12, "v": 11}
        if body.startswith("\\x"):
            return int(body[2:], 16), ct.INT
        if body.startswith("\\") and body[1:].isdigit():
            return int(body[1:], 8), ct.INT
        if body.startswith("\\"):
            return escapes.get(body[1], ord(body[1])), ct.INT
        return ord(body), ct.INT
    digits = text.rstrip("uUlL")
    suffix = text[len(digits):]
    low = digits.lower()
    if low.startswith("0x"):
        value, decimal = int(low, 16), False
    elif low.startswith("0b"):
        value, decimal = int(low[2:], 2), False
    elif len(low) > 1 and low.startswith("0"):
        value, decimal = int(low, 8), False
    else:
        value, decimal = int(low), True
    return value, ct.int_literal_type(value, suffix, decimal)


def wrap_int(value: int, t: ct.CType) -> int:
    """Reduce a Python int to the range of integer type ``t`` (two's complement)."""
    if t.kind == "bool":
        return int(value != 0)
    value &= (1 << t.bits) - 1
    if t.signed and value >= 1 << (t.bits - 1):
        value -= 1 << t.bits
    return value


def literal_code(value: float | int, t: ct.CType) -> str:
    """Code for a constant of type ``t``."""
    if t.is_float:
        v = float(value)
        if np.isnan(v):
            return f"{t.np_name}(np.nan)"
        if np.isinf(v):
            return f"{t.np_name}({'-' if v < 0 else ''}np.inf)"
        return f"{t.np_name}({v!r})"
    return f"{t.np_name}({wrap_int(int(value), t)})"


#: Deepest nesting of loops and switches in one function (each becomes a Python ``while``;
#: Python allows 20 nested blocks in a function, and the loop itself may sit in one).
MAX_NESTED_LOOPS = 19
#: Deepest nesting of statements in one function, in translated levels (an ``if``, a loop or a
#: switch adds about one each; Python allows 100 levels of indentation, a loop uses 3 more).
MAX_NESTED_BLOCKS = 90


class Translator:
    """Translates the functions reachable from a kernel into one Python module's text."""

    def __init__(self, prog: Program) -> None:
        self.prog = prog
        self.lines: list[str] = []
        self.globals: dict[str, Var] = {}
        self.global_lines: list[str] = []
        self.counter = 0
        self.fn: _FuncState | None = None
        self.pending: list[str] = []  # statements an expression needs run before it (x++, x = y)
        self.ret_types: dict[str, ct.CType] = {}
        self.param_infos: dict[str, list[TypeInfo]] = {}
        self.entry: str | None = None  # the kernel's function (others are helpers)
        self.counts_work = False  # some loop counts towards the row's total work budget

    # -- helpers -----------------------------------------------------------------------
    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"_{stem}{self.counter}"

    def emit(self, depth: int, text: str) -> None:
        """Append a line, after the statements its expressions hoisted."""
        for pre in self.pending:
            self.lines.append("    " * depth + pre)
        self.pending = []
        self.lines.append("    " * depth + text)

    def pure(self, node: c_ast.Node) -> Val:
        """Translate an operand that may not run at all (short-circuit, ternary branch)."""
        before = len(self.pending)
        v = self.expr(node)
        if len(self.pending) != before:
            raise unsupported(node, "side effect (++, --, =) in an operand that C may skip",
                              "move it into a statement of its own")
        return v

    def lookup(self, name: str, node: c_ast.Node) -> Var:
        if self.fn is not None:
            for scope in reversed(self.fn.scopes):
                if name in scope:
                    return scope[name]
        if name in self.globals:
            return self.globals[name]
        raise unsupported(node, f"`{name}` is not declared", "declare it before use")

    def declare(self, name: str, info: TypeInfo, boxed: bool = False) -> Var:
        assert self.fn is not None
        taken = {v.py for s in self.fn.scopes for v in s.values()}
        py = f"v_{name}"
        n = 1
        while py in taken or py in self._all_names:
            n += 1
            py = f"v_{name}_{n}"
        self._all_names.add(py)
        var = Var(py, info.scalar, info.dims, boxed)
        self.fn.scopes[-1][name] = var
        return var

    def type_of(self, node: c_ast.Node) -> TypeInfo:
        return self.prog.resolve(node, lambda d: self.const_eval(d)[0])

    # -- constant evaluation (array sizes, case labels, global initialisers) ----------
    def const_eval(self, node: c_ast.Node) -> tuple[float | int, ct.CType]:
        """Evaluate a C constant expression with C's types."""
        if isinstance(node, c_ast.Constant):
            if node.type in ("float", "double", "long double"):
                t = ct.FLOAT if node.value[-1] in "fF" else ct.DOUBLE
                return float_literal(node.value, t), t
            if node.type == "string":
                raise unsupported(node, "string literals are not supported", "remove it")
            return int_literal(node.value)
        if isinstance(node, c_ast.ID):
            decl = self.prog.globals.get(node.name)
            if decl is not None and decl.init is not None and not self.type_of(decl.type).dims:
                value, t0 = self.const_eval(decl.init)
                t = self.type_of(decl.type).scalar
                return self._convert_const(value, t0, t), t
            raise unsupported(node, "not a constant expression", "use a literal or #define")
        if isinstance(node, c_ast.Cast):
            value, t0 = self.const_eval(node.expr)
            t = self.type_of(node.to_type.type).scalar
            return self._convert_const(value, t0, t), t
        if isinstance(node, c_ast.UnaryOp):
            if node.op == "sizeof":
                return self._sizeof(node.expr), ct.ULONG
            value, t = self.const_eval(node.expr)
            t = ct.promote(t)
            if node.op == "-":
                return (self._fop(-value, t) if t.is_float else wrap_int(-value, t)), t
            if node.op == "+":
                return value, t
            if node.op == "~":
                return wrap_int(~int(value), t), t
            if node.op == "!":
                return int(not value), ct.INT
        if isinstance(node, c_ast.BinaryOp):
            a, ta = self.const_eval(node.left)
            b, tb = self.const_eval(node.right)
            return self._const_binop(node, node.op, a, ta, b, tb)
        if isinstance(node, c_ast.TernaryOp):
            c, _ = self.const_eval(node.cond)
            return self.const_eval(node.iftrue if c else node.iffalse)
        raise unsupported(node, "not a constant expression", "use literals and #define constants")

    @staticmethod
    def _check_shift(node: c_ast.Node, count: int, t: ct.CType) -> None:
        if not 0 <= count < t.bits:
            raise unsupported(node, f"shift by {count} of a {t.bits}-bit value (undefined in C)",
                              f"shift by 0 to {t.bits - 1}")

    @staticmethod
    def _fop(value: float, t: ct.CType) -> float:
        return float(np.float32(value)) if t == ct.FLOAT else float(value)

    def _convert_const(self, value, src: ct.CType, dst: ct.CType):
        if dst.is_float:
            return self._fop(float(value), dst)
        if src.is_float:
            value = int(value)  # truncation toward zero
        return wrap_int(int(value), dst)

    def _const_binop(self, node, op, a, ta, b, tb):
        if op in ("&&", "||"):
            return int(bool(a) and bool(b)) if op == "&&" else int(bool(a) or bool(b)), ct.INT
        if op in ("<<", ">>"):
            t = ct.promote(ta)
            self._check_shift(node, int(b), t)
            return wrap_int(int(a) << int(b) if op == "<<" else int(a) >> int(b), t), t
        t = ct.common(ta, tb)
        a, b = self._convert_const(a, ta, t), self._convert_const(b, tb, t)
        cmp = {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b, "==": a == b, "!=": a != b}
        if op in cmp:
            return int(cmp[op]), ct.INT
        if t.is_float:
            fa, fb = (np.float32(a), np.float32(b)) if t == ct.FLOAT else (a, b)
            with np.errstate(all="ignore"):
                r = {"+": fa + fb, "-": fa - fb, "*": fa * fb, "/": fa / fb if fb else
                     (np.inf if fa > 0 else -np.inf if fa < 0 else np.nan)}.get(op)
            if r is None:
                raise unsupported(node, f"operator `{op}` on floating constants", "fix the C")
            return float(r), t
        if op in ("/", "%"):
            if b == 0:
                raise unsupported(node, "division by zero in a constant expression", "fix it",
                                  )
            if t.signed and b == -1 and a == -(1 << (t.bits - 1)):
                raise unsupported(node, f"`{op}` of the most negative {t.name} by -1 overflows "
                                  "(undefined in C)", "change the operands")
            q = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
            return wrap_int(q if op == "/" else a - q * b, t), t
        r = {"+": a + b, "-": a - b, "*": a * b, "&": a & b, "|": a | b, "^": a ^ b}[op]
        return wrap_int(r, t), t

    def _sizeof(self, node: c_ast.Node) -> int:
        if isinstance(node, c_ast.Typename):
            info = self.type_of(node.type)
        elif isinstance(node, c_ast.ID):
            var = self.lookup(node.name, node)
            info = TypeInfo(var.scalar, var.dims)
        else:
            return self.expr(node).ctype.bits // 8
        size = max(1, info.scalar.bits // 8)
        for d in info.dims:
            size *= d if d is not None else 1
        return size

    # -- conversions ---------------------------------------------------------------------
    def value(self, v: Val) -> str:
        """Code for the numeric value of ``v`` (truth values become int)."""
        if v.dims:
            raise ValueError("array used as a value")
        return f"np.int32({v.code})" if v.cond else v.code

    def cond(self, v: Val, node: c_ast.Node) -> str:
        """Code for ``v`` as a Python truth value."""
        if v.dims:
            raise unsupported(node, "arrays and pointers cannot be used as truth values",
                              "compare an element instead")
        return v.code if v.cond else f"({v.code} != 0)"

    def convert(self, v: Val, t: ct.CType, node: c_ast.Node) -> str:
        """Code for ``v`` converted to scalar type ``t`` as C's assignment would."""
        if v.dims:
            raise unsupported(node, "an array or pointer is used where a number is expected",
                              "index it")
        if t.kind == "bool":
            return f"np.uint8({self.cond(v, node)})"
        if v.cond:
            return f"{t.np_name}({v.code})"
        if v.ctype == t:
            return v.code
        if v.const and t.is_float:
            return literal_code(self._convert_const(eval_literal(v.code), v.ctype, t), t)
        if v.ctype.is_float and t.is_integer:
            return self._float_to_int(v, t, node)
        return f"{t.np_name}({v.code})"

    def _float_to_int(self, v: Val, t: ct.CType, node: c_ast.Node) -> str:
        """C's conversion of a float to integer type ``t``: truncation, and undefined (a runtime
        error here, a trap in the gcc build) when the value does not fit."""
        above, below = ct.conversion_bounds(t)
        if v.const:
            x = eval_literal(v.code)
            if not above < x < below:
                raise unsupported(node, f"the constant {x!r} does not fit `{t.name}` (undefined "
                                  "in C)", "use a value in range")
            return f"{t.np_name}({v.code})"
        line = coord(node)[0] or 0
        return f"{t.np_name}(runtime._f2i({v.code}, {above!r}, {below!r}, _ctl, {line}))"

    def wrap(self, code: str, t: ct.CType) -> str:
        """Wrap an integer result computed at wider precision back to its C type."""
        return f"{t.np_name}({code})" if t.is_integer and t.bits < 64 else code

    # -- expressions ---------------------------------------------------------------------
    def expr(self, node: c_ast.Node) -> Val:
        method = getattr(self, f"x_{type(node).__name__}", None)
        if method is None:
            raise unsupported(node, f"unsupported expression ({type(node).__name__})",
                              "rewrite it with supported C")
        return method(node)

    def x_Constant(self, node: c_ast.Constant) -> Val:
        value, t = self.const_eval(node)
        return Val(literal_code(value, t), t, const=True)

    def x_ID(self, node: c_ast.ID) -> Val:
        var = self.lookup(node.name, node)
        if var.dims:
            return Val(var.py, var.scalar, var.dims)
        return Val(f"{var.py}[0]" if var.boxed else var.py, var.scalar)

    def x_Cast(self, node: c_ast.Cast) -> Val:
        info = self.type_of(node.to_type.type)
        inner = self.expr(node.expr)
        if info.dims:
            if not inner.dims or inner.ctype != info.scalar:
                raise unsupported(node, "pointer casts are not supported", "remove the cast")
            return inner
        if info.scalar == ct.VOID:
            return Val("None", ct.VOID)
        return Val(self.convert(inner, info.scalar, node), info.scalar)

    def x_TernaryOp(self, node: c_ast.TernaryOp) -> Val:
        c = self.cond(self.expr(node.cond), node)
        a, b = self.pure(node.iftrue), self.pure(node.iffalse)
        if a.dims or b.dims:
            raise unsupported(node, "conditional pointers are not supported", "use an if")
        t = ct.common(a.ctype, b.ctype)
        return Val(f"({self.convert(a, t, node)} if {c} else {self.convert(b, t, node)})", t)

    def x_UnaryOp(self, node: c_ast.UnaryOp) -> Val:
        op = node.op
        if op == "sizeof":
            return Val(literal_code(self._sizeof(node.expr), ct.ULONG), ct.ULONG, const=True)
        if op in ("++", "--", "p++", "p--"):
            return self.incdec(node, as_value=True)
        if op == "&":
            return self.address_of(node)
        if op == "*":
            p = self.expr(node.expr)
            if not p.dims:
                raise unsupported(node, "dereference of a non-pointer", "fix the C")
            return self.index_value(p, [Val("np.int64(0)", ct.LONG, const=True)], node)
        v = self.expr(node.expr)
        if op == "!":
            return Val(f"(not {self.cond(v, node)})", ct.INT, cond=True)
        t = ct.promote(v.ctype)
        operand = self.convert(v, t, node)
        if op == "-":
            if v.const:
                value = self._convert_const(-eval_literal(operand), t, t)
                return Val(literal_code(value, t), t, const=True)
            return Val(self.wrap(f"(-{operand})", t), t)
        if op == "+":
            return Val(operand, t)
        if op == "~":
            if not t.is_integer:
                raise unsupported(node, "`~` needs an integer operand", "fix the C")
            return Val(self.wrap(f"(~{operand})", t), t)
        raise unsupported(node, f"unary operator `{op}`", "rewrite it")

    def x_BinaryOp(self, node: c_ast.BinaryOp) -> Val:
        op = node.op
        a = self.expr(node.left)
        b = self.pure(node.right) if op in ("&&", "||") else self.expr(node.right)
        line = coord(node)[0] or 0
        if op in ("&&", "||"):
            word = "and" if op == "&&" else "or"
            return Val(f"({self.cond(a, node)} {word} {self.cond(b, node)})", ct.INT, cond=True)
        if a.dims or b.dims:
            if op in ("+", "-") and a.dims and not b.dims and b.ctype.is_integer:
                off = self.value(b) if op == "+" else f"(-{self.value(b)})"
                dims = (None,) + a.dims[1:]
                return Val(f"{a.code}[{off}:]", a.ctype, dims)
            if op == "+" and b.dims and not a.dims and a.ctype.is_integer:
                return Val(f"{b.code}[{self.value(a)}:]", b.ctype, (None,) + b.dims[1:])
            raise unsupported(node, f"pointer arithmetic `{op}` is not supported",
                              "index the array instead")
        if op in ("<<", ">>"):
            t = ct.promote(a.ctype)
            if not (t.is_integer and b.ctype.is_integer):
                raise unsupported(node, "shift of a non-integer", "fix the C")
            count = self.convert(b, t, node)
            if b.const:
                self._check_shift(node, int(eval_literal(b.code)), t)
            else:
                count = f"runtime._shift({count}, {t.bits}, _ctl, {line})"
            code = f"({self.convert(a, t, node)} {op} {count})"
            return Val(self.wrap(code, t), t)
        t = ct.common(a.ctype, b.ctype)
        x, y = self.convert(a, t, node), self.convert(b, t, node)
        if op in ("<", ">", "<=", ">=", "==", "!="):
            return Val(f"({x} {op} {y})", ct.INT, cond=True)
        if op in ("+", "-", "*"):
            return Val(self.wrap(f"({x} {op} {y})", t), t)
        if op in ("/", "%") and t.is_integer and b.const and eval_literal(b.code) == 0:
            raise unsupported(node, f"integer `{op}` by a constant zero (undefined in C)",
                              "fix the divisor")
        if op == "/":
            if t.is_float:
                return Val(f"({x} / {y})", t)
            if t.signed:
                lo = -(1 << (t.bits - 1))
                return Val(self.wrap(f"runtime._idivs({x}, {y}, {lo}, _ctl, {line})", t), t)
            return Val(self.wrap(f"runtime._idiv({x}, {y}, _ctl, {line})", t), t)
        if op == "%":
            if t.is_float:
                raise unsupported(node, "`%` needs integer operands", "use fmod/fmodf")
            if t.signed:
                lo = -(1 << (t.bits - 1))
                return Val(self.wrap(f"runtime._imods({x}, {y}, {lo}, _ctl, {line})", t), t)
            return Val(self.wrap(f"runtime._imod({x}, {y}, _ctl, {line})", t), t)
        if op in ("&", "|", "^"):
            if t.is_float:
                raise unsupported(node, f"`{op}` needs integer operands", "fix the C")
            return Val(self.wrap(f"({x} {op} {y})", t), t)
        raise unsupported(node, f"binary operator `{op}`", "rewrite it")

    def subscripts(self, node: c_ast.ArrayRef) -> tuple[Val, list[Val]]:
        """The array and the subscripts of ``a[i][j]...``, outermost first."""
        indices: list[Val] = []
        base: c_ast.Node = node
        while isinstance(base, c_ast.ArrayRef):
            indices.insert(0, self.expr(base.subscript))
            base = base.name
        arr = self.expr(base)
        if not arr.dims:
            raise unsupported(node, "subscript of a non-array", "fix the C")
        return arr, indices

    def x_ArrayRef(self, node: c_ast.ArrayRef) -> Val:
        return self.index_value(*self.subscripts(node), node)

    def index_value(self, arr: Val, indices: list[Val], node: c_ast.Node) -> Val:
        """Index ``arr`` with ``indices``: a scalar when fully indexed, else a sub-array."""
        if len(indices) > len(arr.dims):
            raise unsupported(node, "too many subscripts", "fix the C")
        line = coord(node)[0] or 0
        parts = []
        for k, idx in enumerate(indices):
            if idx.dims or not idx.ctype.is_integer:
                raise unsupported(node, "array subscript must be an integer", "cast it to int")
            size = arr.dims[k]
            if idx.const and size is not None and 0 <= eval_literal(idx.code) < size:
                parts.append(str(int(eval_literal(idx.code))))
            else:
                parts.append(f"runtime._bc({self.value(idx)}, {arr.code}.shape[{k}], _ctl, "
                             f"{line})")
        code = f"{arr.code}[{', '.join(parts)}]"
        rest = arr.dims[len(indices):]
        return Val(code, arr.ctype, rest)

    def address_of(self, node: c_ast.UnaryOp) -> Val:
        target = node.expr
        if isinstance(target, c_ast.ID):
            var = self.lookup(target.name, target)
            if var.boxed:
                return Val(var.py, var.scalar, (1,))
            if var.dims:
                return Val(var.py, var.scalar, var.dims)
        if isinstance(target, c_ast.ArrayRef):
            arr, indices = self.subscripts(target)
            if len(indices) < len(arr.dims):  # &m[i] of a 2-D array: row i
                return self.index_value(arr, indices, node)
            head = self.index_value(arr, indices[:-1], node) if len(indices) > 1 else arr
            return Val(f"{head.code}[{self.value(indices[-1])}:]", arr.ctype, (None,))
        raise unsupported(node, "address-of is supported only for variables and array elements",
                          "pass an array or a local variable")

    def x_FuncCall(self, node: c_ast.FuncCall) -> Val:
        name = node.name.name
        args = list(node.args.exprs) if node.args is not None else []
        if name in self.prog.functions:
            return self.user_call(name, args, node)
        fn = MATH_FUNCTIONS[name]
        if len(args) != len(fn.params):
            raise unsupported(node, f"`{name}` takes {len(fn.params)} argument(s)", "fix the call")
        conv = [self.convert(self.expr(a), t, node) for a, t in zip(args, fn.params, strict=True)]
        code = f"{fn.impl}({', '.join(conv)})"
        if fn.predicate:
            return Val(f"bool({code})", ct.INT, cond=True)
        return Val(f"{fn.result.np_name}({code})", fn.result)

    def user_call(self, name: str, args: list[c_ast.Node], node: c_ast.Node) -> Val:
        params = self.param_infos[name]
        if len(args) != len(params):
            raise unsupported(node, f"`{name}` takes {len(params)} argument(s)", "fix the call")
        codes = []
        for a, info in zip(args, params, strict=True):
            v = self.expr(a)
            if info.dims:
                if not v.dims:
                    raise unsupported(a, "a number is passed where an array/pointer is expected",
                                      "pass an array or &variable")
                if v.ctype != info.scalar:
                    raise unsupported(a, f"array of {v.ctype} passed as {info.scalar} *",
                                      "use matching element types")
                codes.append(v.code)
            else:
                codes.append(self.convert(v, info.scalar, a))
        codes.append("_ctl")
        ret = self.ret_types[name]
        return Val(f"f_{name}({', '.join(codes)})", ret)

    def incdec(self, node: c_ast.UnaryOp, as_value: bool) -> Val:
        """``++``/``--``: as a statement (as_value False) or inside an expression."""
        target, t = self.lvalue(node.expr)
        delta = "+" if "++" in node.op else "-"
        one = Val(literal_code(1, ct.INT), ct.INT, const=True)
        cur = Val(target, t)
        c = ct.common(t, ct.INT)
        new = self.convert(Val(self.wrap(f"({self.convert(cur, c, node)} {delta} "
                                         f"{self.convert(one, c, node)})", c), c), t, node)
        if not as_value:
            return Val(f"{target} = {new}", t)
        if node.op.startswith("p"):
            old = self.fresh("old")
            self.pending += [f"{old} = {target}", f"{target} = {new}"]
            return Val(old, t)
        self.pending.append(f"{target} = {new}")
        return Val(target, t)

    def x_Assignment(self, node: c_ast.Assignment) -> Val:
        target, t = self.lvalue(node.lvalue)
        self.pending.append(f"{target} = {self.assign_rhs(node, target, t)}")
        return Val(target, t)

    def assign_rhs(self, node: c_ast.Assignment, target: str, t: ct.CType) -> str:
        rv = self.expr(node.rvalue)
        if node.op == "=":
            return self.convert(rv, t, node)
        op = node.op[:-1]
        fake = c_ast.BinaryOp(op, node.lvalue, node.rvalue, node.coord)
        return self.convert(self.x_BinaryOp(fake), t, node)

    def x_ExprList(self, node: c_ast.ExprList) -> Val:
        raise unsupported(node, "the comma operator is supported only in statements and for-loop "
                          "headers", "split the expression")

    def lvalue(self, node: c_ast.Node) -> tuple[str, ct.CType]:
        v = self.expr(node)
        if v.dims:
            raise unsupported(node, "assignment to an array", "assign its elements")
        if v.cond or v.const or not (isinstance(node, (c_ast.ID, c_ast.ArrayRef))
                                     or (isinstance(node, c_ast.UnaryOp) and node.op == "*")):
            raise unsupported(node, "not assignable", "assign to a variable or element")
        if isinstance(node, c_ast.ID) and node.name in self.globals and self.fn is not None \
                and not any(node.name in s for s in self.fn.scopes):
            raise unsupported(node, "assignment to a global variable",
                              "kernels must be stateless: use a local variable")
        return v.code, v.ctype

    # -- statements ------------------------------------------------------------------------
    def block(self, items: list[c_ast.Node] | None, depth: int) -> None:
        start = len(self.lines)
        for item in items or []:
            self.stmt(item, depth)
        if len(self.lines) == start:
            self.emit(depth, "pass")

    def scoped(self, node: c_ast.Node | None, depth: int) -> None:
        assert self.fn is not None
        self.fn.scopes.append({})
        if isinstance(node, c_ast.Compound):
            self.block(node.block_items, depth)
        elif node is None:
            self.emit(depth, "pass")
        else:
            self.block([node], depth)
        self.fn.scopes.pop()

    def stmt(self, node: c_ast.Node, depth: int) -> None:
        self.check_nesting(node, depth)
        method = getattr(self, f"s_{type(node).__name__}", None)
        if method is not None:
            method(node, depth)
            return
        # An expression statement.
        if isinstance(node, c_ast.Assignment):
            self.assign_stmt(node, depth)
        elif isinstance(node, c_ast.UnaryOp) and node.op in ("++", "--", "p++", "p--"):
            self.emit(depth, self.incdec(node, as_value=False).code)
        elif isinstance(node, c_ast.ExprList):
            for e in node.exprs:
                self.stmt(e, depth)
        else:
            v = self.expr(node)
            self.emit(depth, v.code)
        self.after_call_check(node, depth)

    def check_nesting(self, node: c_ast.Node, depth: int) -> None:
        """UnsupportedConstructError at a statement nested deeper than Python can compile."""
        loops = len(self.fn.breakables) if self.fn is not None else 0
        if isinstance(node, c_ast.For | c_ast.While | c_ast.DoWhile | c_ast.Switch) and (
                loops >= MAX_NESTED_LOOPS):
            raise unsupported(node, f"more than {MAX_NESTED_LOOPS} nested loops and switches",
                              "move the inner loops into a helper function")
        if depth > MAX_NESTED_BLOCKS:
            raise unsupported(node, f"statements nested more than {MAX_NESTED_BLOCKS} levels "
                              "deep", "move the inner blocks into a helper function")

    def assign_stmt(self, node: c_ast.Assignment, depth: int) -> None:
        if isinstance(node.rvalue, c_ast.Assignment) and node.op == "=":
            self.assign_stmt(node.rvalue, depth)
            rv = self.expr(node.rvalue.lvalue)
            target, t = self.lvalue(node.lvalue)
            self.emit(depth, f"{target} = {self.convert(rv, t, node)}")
            return
        target, t = self.lvalue(node.lvalue)
        self.emit(depth, f"{target} = {self.assign_rhs(node, target, t)}")

    def after_call_check(self, node: c_ast.Node, depth: int) -> None:
        """After a statement that calls a helper, unwind if the helper recorded an error."""
        finder = _CallFinder(set(self.prog.functions))
        finder.visit(node)
        if finder.found:
            self.emit(depth, f"if _ctl[0] != 0: return {self.zero_ret()}")

    def zero_ret(self) -> str:
        assert self.fn is not None
        return "" if self.fn.ret == ct.VOID else literal_code(0, self.fn.ret)

    def s_Decl(self, node: c_ast.Decl, depth: int) -> None:
        if isinstance(node.type, c_ast.FuncDecl):
            return
        if "static" in node.storage and "const" not in node.quals:
            raise unsupported(node, "static local variables keep state between calls",
                              "kernels must be stateless: drop `static` or make it const")
        if "extern" in node.storage:
            raise unsupported(node, "extern declarations are not supported", "remove it")
        info = self.type_of(node.type)
        assert self.fn is not None
        var = self.declare(node.name, info, boxed=node.name in self.fn.boxed and not info.dims)
        if info.dims:
            if any(d is None for d in info.dims):
                if isinstance(node.init, c_ast.InitList) and len(info.dims) == 1:
                    info = TypeInfo(info.scalar, (len(node.init.exprs),))
                    var.dims = info.dims
                else:
                    raise unsupported(node, "local arrays need a constant size",
                                      "give the size, e.g. float buf[16]")
            shape = info.dims[0] if len(info.dims) == 1 else tuple(info.dims)
            self.emit(depth, f"{var.py} = np.zeros({shape}, {info.scalar.np_name})")
            if node.init is not None:
                self.init_array(var, node.init, depth)
            return
        if var.boxed:
            self.emit(depth, f"{var.py} = np.zeros(1, {info.scalar.np_name})")
        init = (self.convert(self.expr(node.init), info.scalar, node) if node.init is not None
                else literal_code(0, info.scalar))
        self.emit(depth, f"{var.py}{'[0]' if var.boxed else ''} = {init}")
        if node.init is not None:
            self.after_call_check(node.init, depth)

    def init_array(self, var: Var, init: c_ast.Node, depth: int) -> None:
        if not isinstance(init, c_ast.InitList):
            raise unsupported(init, "array initialiser must be a {...} list", "fix the C")
        for flat, item in self.flatten_init(init, var.dims):
            v = self.expr(item)
            idx = ", ".join(str(i) for i in flat)
            self.emit(depth, f"{var.py}[{idx}] = {self.convert(v, var.scalar, item)}")

    def flatten_init(self, init: c_ast.InitList, dims: tuple) -> list[tuple[tuple, c_ast.Node]]:
        out: list[tuple[tuple, c_ast.Node]] = []
        inner = 1
        for d in dims[1:]:
            inner *= d
        pos = 0
        for item in init.exprs:
            if isinstance(item, c_ast.InitList):
                if len(dims) < 2:
                    raise unsupported(item, "nested initialiser for a 1-D array", "fix the C")
                row = pos // inner if pos % inner == 0 else pos // inner + 1
                for sub, node in self.flatten_init(item, dims[1:]):
                    out.append(((row,) + sub, node))
                pos = (row + 1) * inner
            else:
                idx = []
                rem = pos
                for d in reversed(dims):
                    idx.insert(0, rem % d)
                    rem //= d
                if rem:
                    raise unsupported(item, "too many initialisers", "fix the C")
                out.append((tuple(idx), item))
                pos += 1
        return out

    def s_DeclList(self, node: c_ast.DeclList, depth: int) -> None:
        for d in node.decls:
            self.s_Decl(d, depth)

    def s_Compound(self, node: c_ast.Compound, depth: int) -> None:
        self.scoped(node, depth)

    def s_EmptyStatement(self, node: c_ast.Node, depth: int) -> None:
        self.emit(depth, "pass")

    def s_Return(self, node: c_ast.Return, depth: int) -> None:
        assert self.fn is not None
        if node.expr is None:
            self.emit(depth, f"return {self.zero_ret()}")
            return
        v = self.expr(node.expr)
        if self.fn.ret == ct.VOID:
            self.emit(depth, v.code)
            self.emit(depth, "return")
            return
        code = self.convert(v, self.fn.ret, node)
        self.emit(depth, f"return {code}")

    def s_If(self, node: c_ast.If, depth: int) -> None:
        self.emit(depth, f"if {self.cond(self.expr(node.cond), node)}:")
        self.scoped(node.iftrue, depth + 1)
        if node.iffalse is not None:
            self.emit(depth, "else:")
            self.scoped(node.iffalse, depth + 1)

    def loop_guard(self, counter: str, node: c_ast.Node, depth: int) -> None:
        """Stop a loop past its own iteration budget; a loop that may run inside another loop
        (nested, or in a helper) also counts towards the input row's total work budget."""
        assert self.fn is not None
        line = coord(node)[0] or 0
        self.emit(depth, f"{counter} += 1")
        self.emit(depth, f"if {counter} > _ctl[2]:")
        self.emit(depth + 1, f"runtime._fail(_ctl, {runtime.NONTERMINATION}, {line})")
        self.emit(depth + 1, f"return {self.zero_ret()}")
        if self.fn.entry and not any(b.kind == "loop" for b in self.fn.breakables):
            return
        self.counts_work = True
        self.emit(depth, "_ctl[4] += 1")
        self.emit(depth, "if _ctl[4] > _ctl[3]:")
        self.emit(depth + 1, f"runtime._fail(_ctl, {runtime.TOTAL_WORK}, {line})")
        self.emit(depth + 1, f"return {self.zero_ret()}")

    def loop_entry(self, counter: str, depth: int) -> None:
        self.emit(depth, f"if _ctl[0] != 0: return {self.zero_ret()}")
        self.emit(depth, f"{counter} = 0")

    def loop_body(self, body: c_ast.Node | None, depth: int) -> None:
        assert self.fn is not None
        self.fn.breakables.append(_Loop("loop"))
        self.scoped(body, depth)
        self.fn.breakables.pop()

    def s_While(self, node: c_ast.While, depth: int) -> None:
        n = self.fresh("n")
        self.loop_entry(n, depth)
        self.emit(depth, "while True:")
        self.emit(depth + 1, f"if not {self.cond(self.expr(node.cond), node)}:")
        self.emit(depth + 2, "break")
        self.loop_guard(n, node, depth + 1)
        self.loop_body(node.stmt, depth + 1)

    def s_DoWhile(self, node: c_ast.DoWhile, depth: int) -> None:
        n, first = self.fresh("n"), self.fresh("first")
        self.loop_entry(n, depth)
        self.emit(depth, f"{first} = True")
        self.emit(depth, "while True:")
        self.emit(depth + 1, f"if not {first}:")
        self.emit(depth + 2, f"if not {self.cond(self.expr(node.cond), node)}:")
        self.emit(depth + 3, "break")
        self.emit(depth + 1, f"{first} = False")
        self.loop_guard(n, node, depth + 1)
        self.loop_body(node.stmt, depth + 1)

    def s_For(self, node: c_ast.For, depth: int) -> None:
        assert self.fn is not None
        self.fn.scopes.append({})
        if node.init is not None:
            self.stmt(node.init, depth)
        n, first = self.fresh("n"), self.fresh("first")
        self.loop_entry(n, depth)
        self.emit(depth, f"{first} = True")
        self.emit(depth, "while True:")
        self.emit(depth + 1, f"if {first}:")
        self.emit(depth + 2, f"{first} = False")
        if node.next is not None:
            self.emit(depth + 1, "else:")
            self.stmt(node.next, depth + 2)
        if node.cond is not None:
            self.emit(depth + 1, f"if not {self.cond(self.expr(node.cond), node)}:")
            self.emit(depth + 2, "break")
        self.loop_guard(n, node, depth + 1)
        self.loop_body(node.stmt, depth + 1)
        self.fn.scopes.pop()

    def s_Break(self, node: c_ast.Break, depth: int) -> None:
        assert self.fn is not None
        if not self.fn.breakables:
            raise unsupported(node, "break outside a loop or switch", "fix the C")
        self.emit(depth, "break")

    def s_Continue(self, node: c_ast.Continue, depth: int) -> None:
        assert self.fn is not None
        levels = self.fn.breakables
        if not any(b.kind == "loop" for b in levels):
            raise unsupported(node, "continue outside a loop", "fix the C")
        if levels[-1].kind == "loop":
            self.emit(depth, "continue")
            return
        # Inside a switch: leave each enclosing switch via a flag, then continue the loop.
        sw = levels[-1]
        sw.used_cont = True
        self.emit(depth, f"{sw.cont_flag} = True")
        self.emit(depth, "break")

    def s_Switch(self, node: c_ast.Switch, depth: int) -> None:
        assert self.fn is not None
        v = self.expr(node.cond)
        t = ct.promote(v.ctype)
        if not t.is_integer:
            raise unsupported(node, "switch on a non-integer", "switch on an int")
        sel, matched, fall, cont = (self.fresh(s) for s in ("sel", "matched", "fall", "cont"))
        items = node.stmt.block_items if isinstance(node.stmt, c_ast.Compound) else [node.stmt]
        items = items or []
        labels = []
        for item in items:
            if isinstance(item, c_ast.Case):
                value, vt = self.const_eval(item.expr)
                labels.append(self._convert_const(value, vt, t))
            elif not isinstance(item, c_ast.Default):
                raise unsupported(item, "statement before the first case label", "move it")
        self.emit(depth, f"{sel} = {self.convert(v, t, node)}")
        tests = " or ".join(f"{sel} == {literal_code(x, t)}" for x in labels) or "False"
        self.emit(depth, f"{matched} = {tests}")
        self.emit(depth, f"{fall} = False")
        self.emit(depth, f"{cont} = False")
        self.emit(depth, "while True:")
        frame = _Loop("switch", cont_flag=cont)
        self.fn.breakables.append(frame)
        self.fn.scopes.append({})
        k = 0
        for item in items:
            if isinstance(item, c_ast.Case):
                test = f"{sel} == {literal_code(labels[k], t)}"
                k += 1
            else:
                test = f"not {matched}"
            self.emit(depth + 1, f"if {fall} or {test}:")
            self.emit(depth + 2, f"{fall} = True")
            self.block(item.stmts, depth + 2)
        self.emit(depth + 1, "break")
        self.fn.scopes.pop()
        self.fn.breakables.pop()
        if frame.used_cont:
            self.emit(depth, f"if {cont}:")
            outer = self.fn.breakables[-1]
            if outer.kind == "loop":
                self.emit(depth + 1, "continue")
            else:
                outer.used_cont = True
                self.emit(depth + 1, f"{outer.cont_flag} = True")
                self.emit(depth + 1, "break")

    def s_Pragma(self, node: c_ast.Node, depth: int) -> None:
        return

    # -- functions and globals -----------------------------------------------------------------
    def declare_global(self, name: str, decl: c_ast.Decl) -> None:
        info = self.type_of(decl.type)
        py = f"g_{name}"
        if info.dims:
            if any(d is None for d in info.dims):
                if isinstance(decl.init, c_ast.InitList) and len(info.dims) == 1:
                    info = TypeInfo(info.scalar, (len(decl.init.exprs),), const=info.const)
                else:
                    raise unsupported(decl, "global arrays need a size", "give the size")
            shape = tuple(info.dims)
            if np.prod(shape, dtype=float) > MAX_GLOBAL_ELEMENTS:
                raise unsupported(decl, f"global array `{name}` has more than "
                                  f"{MAX_GLOBAL_ELEMENTS:,} elements", "use a smaller table")
            dtype = f"np.{info.scalar.dtype.name}"
            if decl.init is None:  # zeros, without listing them
                self.global_lines.append(f"{py} = np.zeros({shape}, dtype={dtype})")
                self.globals[name] = Var(py, info.scalar, info.dims)
                return
            values = np.zeros(shape, dtype=info.scalar.dtype)
            for idx, item in self.flatten_init(decl.init, info.dims):
                value, t = self.const_eval(item)
                values[idx] = self._convert_const(value, t, info.scalar)
            listing = np.array2string(values.reshape(-1), separator=", ", threshold=1 << 30,
                                      floatmode="unique", max_line_width=100)
            self.global_lines.append(
                f"{py} = np.array({listing}, dtype={dtype}).reshape({shape})")
            self.globals[name] = Var(py, info.scalar, info.dims)
        else:
            value, t = self.const_eval(decl.init) if decl.init is not None else (0, ct.INT)
            self.global_lines.append(
                f"{py} = {literal_code(self._convert_const(value, t, info.scalar), info.scalar)}")
            self.globals[name] = Var(py, info.scalar)

    def function(self, fn: c_ast.FuncDef) -> None:
        name = fn.decl.name
        ftype = fn.decl.type
        ret = self.type_of(ftype.type)
        if ret.dims:
            raise unsupported(fn.decl, "functions returning pointers are not supported",
                              "write results through an output array parameter")
        self.fn = _FuncState(ret.scalar, entry=name == self.entry)
        self.fn.boxed = _address_taken(fn.body)
        self._all_names: set[str] = set()
        params = []
        for p in _params(ftype):
            info = self.type_of(p.type)
            if p.name in self.fn.boxed and not info.dims:
                raise unsupported(p, "taking the address of a parameter is not supported",
                                  "copy it into a local variable first")
            params.append(self.declare(p.name, info).py)
        self.emit(0, "@_jit")
        self.emit(0, f"def f_{name}({', '.join(params + ['_ctl'])}):")
        self.block(fn.body.block_items, 1)
        if ret.scalar != ct.VOID:
            self.emit(1, f"return {literal_code(0, ret.scalar)}")
        self.emit(0, "")
        self.fn = None

    def signatures(self, names: list[str]) -> None:
        for name in names:
            ftype = self.prog.functions[name].decl.type
            self.ret_types[name] = self.type_of(ftype.type).scalar
            self.param_infos[name] = [self.type_of(p.type) for p in _params(ftype)]


def _params(ftype: c_ast.FuncDecl) -> list[c_ast.Decl]:
    if ftype.args is None:
        return []
    params = [p for p in ftype.args.params if not isinstance(p, c_ast.EllipsisParam)]
    if len(params) == 1 and isinstance(params[0], c_ast.Typename):
        return []  # f(void)
    for p in params:
        if not isinstance(p, c_ast.Decl) or p.name is None:
            raise unsupported(p, "every parameter needs a name", "name it")
    return params


def _address_taken(body: c_ast.Node) -> set[str]:
    """Names whose address is taken with ``&name``."""
    found: set[str] = set()

    class V(c_ast.NodeVisitor):
        def visit_UnaryOp(self, node: c_ast.UnaryOp) -> None:
            if node.op == "&" and isinstance(node.expr, c_ast.ID):
                found.add(node.expr.name)
            self.generic_visit(node)

    V().visit(body)
    return found


class _CallFinder(c_ast.NodeVisitor):
    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.found = False

    def visit_FuncCall(self, node: c_ast.FuncCall) -> None:
        if isinstance(node.name, c_ast.ID) and node.name.name in self.names:
            self.found = True
        self.generic_visit(node)


def eval_literal(code: str) -> float:
    """Value of a literal emitted by ``literal_code``."""
    inner = code[code.index("(") + 1: -1]
    if inner in ("np.nan",):
        return float("nan")
    if inner.endswith("np.inf"):
        return float("-inf") if inner.startswith("-") else float("inf")
    return float(inner) if any(c in inner for c in ".eE") else int(inner)
