"""The kernel's signature: which parameters are inputs and outputs, their shapes and domains."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from pycparser import c_ast

from nsc_tune.kernel import ctype as ct
from nsc_tune.kernel.errors import DomainError, UnboundedPointerError
from nsc_tune.kernel.program import Program, TypeInfo, coord, unsupported

#: Documented default domains, used (with a DomainWarning) when none is given.
DEFAULT_FLOAT_DOMAIN = (-1.0, 1.0)
DEFAULT_SIGNED_DOMAIN = (-100.0, 100.0)
DEFAULT_UNSIGNED_DOMAIN = (0.0, 100.0)
DEFAULT_BOOL_DOMAIN = (0.0, 1.0)


class DomainWarning(UserWarning):
    """An input has no declared domain and gets the documented default."""


@dataclass(frozen=True)
class Arg:
    """One input or output of a kernel.

    Arguments:
        name: the C parameter name (``"return"`` for the return value).
        ctype: the C element type (``"float"``, ``"unsigned int"``).
        shape: ``()`` for a scalar, ``(n,)`` or ``(n, m)`` for arrays.
        param: position among the C parameters (-1 for the return value).
    """

    name: str
    ctype: str
    shape: tuple[int, ...]
    param: int = -1

    @property
    def size(self) -> int:
        """Elements (1 for a scalar)."""
        return math.prod(self.shape)

    @property
    def c(self) -> ct.CType:
        """The C element type as an object (size, dtype, integer or not)."""
        return next(t for t in _ALL_TYPES if t.name == self.ctype)

    @property
    def is_integer(self) -> bool:
        """Whether the element type is an integer type (``_Bool`` included)."""
        return self.c.is_integer

    def labels(self) -> list[str]:
        """Flattened element names: ``x``, or ``w[0]``, ``w[1]``, ..., ``m[0][1]``."""
        if not self.shape:
            return [self.name]
        return [self.name + "".join(f"[{i}]" for i in idx) for idx in np.ndindex(*self.shape)]


_ALL_TYPES = [ct.BOOL, ct.CHAR, ct.SCHAR, ct.UCHAR, ct.SHORT, ct.USHORT, ct.INT, ct.UINT,
              ct.LONG, ct.ULONG, ct.FLOAT, ct.DOUBLE]


@dataclass(frozen=True)
class Signature:
    """Inputs and outputs of a kernel, in flattened order (signature order)."""

    inputs: tuple[Arg, ...]
    outputs: tuple[Arg, ...]

    @property
    def n_inputs(self) -> int:
        """Flattened inputs."""
        return sum(a.size for a in self.inputs)

    @property
    def n_outputs(self) -> int:
        """Flattened outputs."""
        return sum(a.size for a in self.outputs)

    def input_labels(self) -> list[str]:
        """Flattened input names in order: ``x``, ``w[0]``, ``w[1]``, ..."""
        return [lab for a in self.inputs for lab in a.labels()]

    def output_labels(self) -> list[str]:
        """Flattened output names in order: ``return``, ``out[0]``, ..."""
        return [lab for a in self.outputs for lab in a.labels()]

    def __str__(self) -> str:
        def fmt(a: Arg) -> str:
            return f"{a.ctype} {a.name}" + "".join(f"[{d}]" for d in a.shape)

        return (f"({', '.join(fmt(a) for a in self.inputs)}) -> "
                f"({', '.join(fmt(a) for a in self.outputs)})")


def written_params(prog: Program, fn: c_ast.FuncDef, memo: dict[str, set[int]] | None = None
                   ) -> set[int]:
    """Indices of ``fn``'s array/pointer parameters that it (or a helper it calls) writes."""
    memo = {} if memo is None else memo
    name = fn.decl.name
    if name in memo:
        return memo[name]
    params = _param_decls(fn)
    index = {p.name: i for i, p in enumerate(params)}
    written: set[int] = set()

    def root(node: c_ast.Node) -> str | None:
        while True:
            if isinstance(node, c_ast.ArrayRef):
                node = node.name
            elif isinstance(node, c_ast.UnaryOp) and node.op in ("*", "&"):
                node = node.expr
            elif isinstance(node, c_ast.BinaryOp) and node.op in ("+", "-"):
                node = node.left
            elif isinstance(node, c_ast.Cast):
                node = node.expr
            elif isinstance(node, c_ast.ID):
                return node.name
            else:
                return None

    class V(c_ast.NodeVisitor):
        def mark(self, node: c_ast.Node) -> None:
            if isinstance(node, c_ast.ID):
                return  # assigning the (scalar) parameter itself writes a local copy
            r = root(node)
            if r in index:
                written.add(index[r])

        def visit_Assignment(self, node: c_ast.Assignment) -> None:
            self.mark(node.lvalue)
            self.generic_visit(node)

        def visit_UnaryOp(self, node: c_ast.UnaryOp) -> None:
            if node.op in ("++", "--", "p++", "p--"):
                self.mark(node.expr)
            self.generic_visit(node)

        def visit_FuncCall(self, node: c_ast.FuncCall) -> None:
            callee = node.name.name if isinstance(node.name, c_ast.ID) else None
            if callee in prog.functions and node.args is not None:
                inner = written_params(prog, prog.functions[callee], memo)
                for i, a in enumerate(node.args.exprs):
                    r = root(a)
                    if i in inner and r in index:
                        written.add(index[r])
            self.generic_visit(node)

    memo[name] = written  # no recursion exists (checked earlier); guards cycles anyway
    V().visit(fn.body)
    return written


def _param_decls(fn: c_ast.FuncDef) -> list[c_ast.Decl]:
    args = fn.decl.type.args
    if args is None:
        return []
    params = [p for p in args.params if isinstance(p, c_ast.Decl) and p.name is not None]
    return params


def build_signature(prog: Program, fn: c_ast.FuncDef, infos: list[TypeInfo],
                    ret: ct.CType, shapes: Mapping[str, int | Sequence[int]]) -> Signature:
    """Classify the kernel's parameters into inputs and outputs (see the module docstring)."""
    params = _param_decls(fn)
    written = written_params(prog, fn)
    inputs: list[Arg] = []
    outputs: list[Arg] = [Arg("return", ret.name, (), -1)] if ret != ct.VOID else []
    for i, (p, info) in enumerate(zip(params, infos, strict=True)):
        if info.scalar == ct.VOID:
            raise unsupported(p, "void parameters are not supported", "give it a type")
        if not info.dims:
            inputs.append(Arg(p.name, info.scalar.name, (), i))
            continue
        shape = _shape(p, info, shapes, i in written, fn)
        if i in written:
            if info.const:
                raise unsupported(p, "a const parameter is written", "fix the C")
            outputs.append(Arg(p.name, info.scalar.name, shape, i))
        else:
            inputs.append(Arg(p.name, info.scalar.name, shape, i))
    if not outputs:
        raise unsupported(fn.decl, "the kernel has no outputs (returns void and writes no "
                          "pointer or array parameter)", "return a value or write an output")
    return Signature(tuple(inputs), tuple(outputs))


def _size(value: object) -> int:
    """One array size given in ``shapes=``: a whole number (TypeError otherwise)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer | float):
        raise TypeError(value)
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(value)
    return int(value)


def _shape(p: c_ast.Decl, info: TypeInfo, shapes: Mapping, written: bool,
           fn: c_ast.FuncDef) -> tuple[int, ...]:
    if p.name in shapes:
        given = shapes[p.name]
        try:
            shape = tuple(_size(s) for s in (given if isinstance(given, Sequence) else (given,)))
        except (TypeError, ValueError):
            raise DomainError(f"shapes[{p.name!r}] = {given!r} is not a size",
                              line=coord(p)[0],
                              hint=f"pass whole numbers, e.g. shapes={{'{p.name}': 16}}") from None
        known = tuple(d for d in info.dims if d is not None)
        if len(shape) == len(info.dims) - len(known) and known:
            shape = shape + known
        if len(shape) != len(info.dims) or any(s <= 0 for s in shape):
            line, col = coord(p)
            raise DomainError(f"shape {given!r} does not fit parameter `{p.name}`", line=line,
                              column=col, hint=f"give {len(info.dims)} positive size(s)")
        return shape
    if all(d is not None for d in info.dims):
        return tuple(int(d) for d in info.dims)
    if info.pointer and written and _only_deref(fn, p.name):
        return (1,)
    line, col = coord(p)
    raise UnboundedPointerError(
        f"parameter `{p.name}` has no known size", line=line, column=col,
        construct=f"{info.scalar.name} {'*' if info.pointer else ''}{p.name}",
        hint=f"pass shapes={{'{p.name}': n}} or add `#pragma nsc_tune shape({p.name}, n)`, "
        "or declare it as a fixed-size array",
    )


def _only_deref(fn: c_ast.FuncDef, name: str) -> bool:
    """True when ``name`` is used only as ``*name`` or ``name[0]``: a scalar out-parameter."""
    ok = True

    class V(c_ast.NodeVisitor):
        def visit_ArrayRef(self, node: c_ast.ArrayRef) -> None:
            nonlocal ok
            if isinstance(node.name, c_ast.ID) and node.name.name == name:
                sub = node.subscript
                if not (isinstance(sub, c_ast.Constant) and sub.value in ("0",)):
                    ok = False
                return
            self.generic_visit(node)

        def visit_UnaryOp(self, node: c_ast.UnaryOp) -> None:
            if node.op == "*" and isinstance(node.expr, c_ast.ID) and node.expr.name == name:
                return
            self.generic_visit(node)

        def visit_ID(self, node: c_ast.ID) -> None:
            nonlocal ok
            if node.name == name:
                ok = False

    V().visit(fn.body)
    return ok


def resolve_domains(sig: Signature, given: object, annotated: Mapping[str, tuple[float, float]],
                    kernel_name: str) -> np.ndarray:
    """Per flattened input ``[lo, hi]``: from ``given`` (by name or per input), else annotations,
    else the documented defaults (with a DomainWarning)."""
    n = sig.n_inputs
    out = np.full((n, 2), np.nan)
    names = {a.name for a in sig.inputs}
    by_name: dict[str, object] = dict(annotated)
    if given is not None:
        if isinstance(given, Mapping):
            for key in given:
                if key not in names:
                    raise DomainError(f"domain given for unknown input `{key}`",
                                      hint=f"inputs are: {', '.join(sorted(names))}")
            by_name.update(given)
        else:
            try:
                arr = np.asarray(given, dtype=float)
            except (TypeError, ValueError):
                raise DomainError(f"domains must be a dict {{name: (lo, hi)}} or ({n}, 2) numbers",
                                  construct=repr(given)[:80]) from None
            if arr.shape != (n, 2):
                raise DomainError(f"domains must have shape ({n}, 2), got {arr.shape}",
                                  hint="give one (lo, hi) per flattened input, or a dict by name")
            by_name = {}
            out[:] = arr
    missing = []
    pos = 0
    for a in sig.inputs:
        rows = slice(pos, pos + a.size)
        pos += a.size
        if a.name in by_name:
            try:
                spec = np.asarray(by_name[a.name], dtype=float)
                if spec.ndim == 0 or spec.shape[-1] != 2:
                    raise ValueError
                out[rows] = np.broadcast_to(spec, (a.size, 2))
            except (TypeError, ValueError):
                raise DomainError(f"domain for `{a.name}` must be a pair of numbers (lo, hi)"
                                  + (f" or {a.size} such pairs" if a.size > 1 else ""),
                                  construct=repr(by_name[a.name]),
                                  hint=f"pass e.g. domains={{'{a.name}': (0.0, 1.0)}}") from None
        elif np.isnan(out[rows]).any():
            missing.append(a.name)
            out[rows] = _default(a.c)
    if missing:
        warnings.warn(
            f"{kernel_name}: no domain for {', '.join(missing)}; using the defaults (float "
            f"{DEFAULT_FLOAT_DOMAIN}, signed int {DEFAULT_SIGNED_DOMAIN}, unsigned "
            f"{DEFAULT_UNSIGNED_DOMAIN}). Pass domains=... (command line: --domain NAME=LO,HI) "
            "or add #pragma nsc_tune domain(...)",
            DomainWarning, stacklevel=4)
    bad = ~(np.isfinite(out).all(axis=1) & (out[:, 0] <= out[:, 1]))
    if bad.any():
        i = int(np.argmax(bad))
        raise DomainError(f"domain of input {sig.input_labels()[i]} is invalid: {out[i].tolist()}",
                          hint="each domain needs finite lo <= hi")
    for a, (lo, hi) in zip(_flat_args(sig), out, strict=True):
        if a.is_integer:
            tlo, thi = ct.int_range(a.c)
            if lo < tlo or hi > thi:
                raise DomainError(f"domain [{lo}, {hi}] of `{a.name}` exceeds the range of "
                                  f"{a.ctype}", hint=f"stay within [{tlo}, {thi}]")
    return out


def _flat_args(sig: Signature) -> list[Arg]:
    return [a for a in sig.inputs for _ in range(a.size)]


def _default(t: ct.CType) -> tuple[float, float]:
    if t.is_float:
        return DEFAULT_FLOAT_DOMAIN
    if t.kind == "bool":
        return DEFAULT_BOOL_DOMAIN
    lo, hi = DEFAULT_SIGNED_DOMAIN if t.signed else DEFAULT_UNSIGNED_DOMAIN
    tlo, thi = ct.int_range(t)
    return max(lo, tlo), min(hi, thi)


def integer_mask(sig: Signature) -> np.ndarray:
    """Boolean mask over flattened inputs: True where the C type is an integer type."""
    return np.array([a.is_integer for a in _flat_args(sig)], dtype=bool)
