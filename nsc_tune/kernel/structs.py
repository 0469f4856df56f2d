"""Struct parameters flattened into slots: ``f(Pixel *p)`` becomes ``f(float p__r, ...)``.

A kernel parameter whose type is a struct (by value or by pointer) with scalar and fixed-size
array fields is replaced by one parameter per field the kernel uses, named ``<param>__<field>``
(fields it never mentions get no slot; natively they are zero). Fields the kernel
writes through a pointer become outputs (``p->d = ...`` -> ``p__d[0] = ...``), the others inputs.
The kernel may only use the struct through its fields (``p->f``, ``p.f``, ``p->v[i]``).

The Numba backend translates the rewritten function; the native backend compiles the original
function behind a generated C wrapper with the flat signature that fills the structs, calls it
and copies the written fields out (:func:`native_wrapper`), so gcc checks the rewrite.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

from pycparser import c_ast, c_generator

from nsc_tune.kernel.program import Program, nodes, unsupported

SEP = "__"


@dataclass
class Field:
    name: str
    type_text: str  # the C type of the field's element, e.g. "float"
    dims: tuple[int, ...]


@dataclass
class StructParam:
    """One flattened parameter: its struct's fields and which of them the kernel writes."""

    name: str
    type_text: str  # the struct's type as written (e.g. "RgbPixel")
    pointer: bool
    fields: list[Field]
    written: set[str]
    used: set[str]  # fields the kernel reads or writes (the others get no slot)

    @property
    def slots(self) -> list[Field]:
        return [f for f in self.fields if f.name in self.used]

    def flat(self, f: Field) -> str:
        return f"{self.name}{SEP}{f.name}"

    def is_output(self, f: Field) -> bool:
        return self.pointer and f.name in self.written


def _struct_of(prog: Program, node: c_ast.Node) -> tuple[c_ast.Struct, bool, str] | None:
    """``(struct, is_pointer, type text)`` of a struct parameter or a pointer to one."""
    pointer = False
    t = node
    if isinstance(t, c_ast.PtrDecl):
        pointer, t = True, t.type
    if not isinstance(t, c_ast.TypeDecl):
        return None
    inner = t.type
    text = c_generator.CGenerator().visit(inner)
    seen = 0
    while isinstance(inner, c_ast.IdentifierType) and len(inner.names) == 1 \
            and inner.names[0] in prog.typedefs and seen < 16:
        target = prog.typedefs[inner.names[0]].type
        if not isinstance(target, c_ast.TypeDecl):
            return None
        inner, seen = target.type, seen + 1
    if isinstance(inner, c_ast.Struct):
        if inner.decls is None:  # `struct tag`: find its definition
            inner = _tagged(prog, inner.name) or inner
        return (inner, pointer, text) if inner.decls is not None else None
    return None


def _tagged(prog: Program, tag: str | None) -> c_ast.Struct | None:
    for ext in prog.ast.ext:
        for node in (getattr(ext, "type", None), getattr(getattr(ext, "type", None), "type", None)):
            if isinstance(node, c_ast.Struct) and node.name == tag and node.decls is not None:
                return node
    return None


def _fields(prog: Program, struct: c_ast.Struct, param: c_ast.Decl, used: set[str]
            ) -> list[Field]:
    """The fields that can be slots; a field the kernel uses must be one (a field it never
    mentions - a pointer, a nested struct - is left out: natively it is zero)."""
    gen = c_generator.CGenerator()
    out = []
    for d in struct.decls:
        t, dims = d.type, []
        while isinstance(t, c_ast.ArrayDecl) and isinstance(t.dim, c_ast.Constant):
            dims.append(int(t.dim.value.rstrip("uUlL"), 0))
            t = t.type
        if isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.IdentifierType):
            out.append(Field(d.name, gen.visit(t.type), tuple(dims)))
        elif isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.Enum):
            out.append(Field(d.name, "int", tuple(dims)))  # an enum is an int
        elif d.name in used and isinstance(t, c_ast.ArrayDecl):
            raise unsupported(d, f"struct field `{d.name}` has no constant size",
                              "give the array field a numeric size")
        elif d.name in used:
            raise unsupported(d, f"struct field `{d.name}` of parameter `{param.name}` is not a "
                              "scalar or array", "only structs of scalars and fixed arrays are "
                              "flattened into slots")
    return out


def _member(node: c_ast.Node) -> tuple[str, str] | None:
    """``(param, field)`` of ``p->f`` / ``p.f``."""
    if isinstance(node, c_ast.StructRef) and isinstance(node.name, c_ast.ID) \
            and isinstance(node.field, c_ast.ID):
        return node.name.name, node.field.name
    return None


def _used(fn: c_ast.FuncDef, names: set[str]) -> dict[str, set[str]]:
    """Fields of ``names`` that the function mentions at all."""
    out: dict[str, set[str]] = {n: set() for n in names}

    class V(c_ast.NodeVisitor):
        def visit_StructRef(self, node):
            m = _member(node)
            if m and m[0] in out:
                out[m[0]].add(m[1])
            self.generic_visit(node)

    V().visit(fn.body)
    return out


def _written(fn: c_ast.FuncDef, names: set[str]) -> dict[str, set[str]]:
    """Fields of ``names`` that the function assigns (or increments)."""
    out: dict[str, set[str]] = {n: set() for n in names}

    def target(node):
        while isinstance(node, c_ast.ArrayRef):
            node = node.name
        m = _member(node)
        if m and m[0] in out:
            out[m[0]].add(m[1])

    class V(c_ast.NodeVisitor):
        def visit_Assignment(self, node):
            target(node.lvalue)
            self.generic_visit(node)

        def visit_UnaryOp(self, node):
            if node.op in ("++", "--", "p++", "p--"):
                target(node.expr)
            self.generic_visit(node)

    V().visit(fn.body)
    return out


def flatten(prog: Program, fn: c_ast.FuncDef) -> tuple[c_ast.FuncDef, list[StructParam]]:
    """The kernel with struct parameters flattened (``fn`` itself when it has none)."""
    params = fn.decl.type.args.params if fn.decl.type.args else []
    found: list[tuple[int, c_ast.Decl, c_ast.Struct, bool, str]] = []
    for i, p in enumerate(params):
        if isinstance(p, c_ast.Decl):
            hit = _struct_of(prog, p.type)
            if hit:
                found.append((i, p, *hit))
    if not found:
        return fn, []
    written = _written(fn, {p.name for _, p, *_ in found})
    used = _used(fn, {p.name for _, p, *_ in found})
    structs = [StructParam(p.name, text, ptr, _fields(prog, s, p, used[p.name]), written[p.name],
                           used[p.name])
               for _, p, s, ptr, text in found]
    by_name = {s.name: s for s in structs}
    new = copy.deepcopy(fn)
    new_params = []
    old = new.decl.type.args.params
    for p in old:
        s = by_name.get(getattr(p, "name", None))
        if s is None:
            new_params.append(p)
            continue
        for f in s.slots:
            new_params.append(_param_decl(s.flat(f), f, s.is_output(f)))
    new.decl.type.args.params = new_params
    _Rewrite(by_name).visit(new.body)
    return new, structs


def _param_decl(name: str, f: Field, output: bool) -> c_ast.Decl:
    t: c_ast.Node = c_ast.TypeDecl(name, [], None, c_ast.IdentifierType(f.type_text.split()))
    dims = f.dims or ((1,) if output else ())
    for d in reversed(dims):
        t = c_ast.ArrayDecl(t, c_ast.Constant("int", str(d)), [])
    return c_ast.Decl(name, [], [], [], [], t, None, None)


class _Rewrite(c_ast.NodeVisitor):
    """``p->f`` -> ``p__f`` (or ``p__f[0]`` for a written field); any other use of ``p`` is an
    error."""

    def __init__(self, structs: dict[str, StructParam], what: str = "struct parameter") -> None:
        self.structs, self.what = structs, what

    def generic_visit(self, node: c_ast.Node) -> None:
        for name, child in node.children():
            replacement = self._replace(child)
            if replacement is not None:
                _set_child(node, name, replacement)
            else:
                self.visit(child)

    def _replace(self, node: c_ast.Node) -> c_ast.Node | None:
        m = _member(node)
        if m and m[0] in self.structs:
            s = self.structs[m[0]]
            f = next((f for f in s.fields if f.name == m[1]), None)
            if f is None:
                raise unsupported(node, f"`{m[0]}` has no field `{m[1]}`", "fix the C")
            ref: c_ast.Node = c_ast.ID(s.flat(f), node.coord)
            if s.is_output(f) and not f.dims:
                ref = c_ast.ArrayRef(ref, c_ast.Constant("int", "0"), node.coord)
            return ref
        if isinstance(node, c_ast.ID) and node.name in self.structs:
            raise unsupported(node, f"{self.what} `{node.name}` is used other than through "
                              "its fields", "read and write `p->field`; pass fields, not the "
                              "struct, to helpers")
        return None


def _set_child(node: c_ast.Node, name: str, value: c_ast.Node) -> None:
    if "[" in name:
        attr, index = name[:-1].split("[")
        getattr(node, attr)[int(index)] = value
    else:
        setattr(node, name, value)


def flat_domains(domains, structs: list[StructParam]) -> dict:
    """Domains keyed by flat names: ``p`` (every input field of ``p``), ``p.f`` and ``p->f``
    (that field) become ``p__f``; other keys are kept."""
    by_name = {s.name: s for s in structs}
    out = {}
    for key, value in domains.items():
        base, _, field = key.replace("->", ".").partition(".")
        s = by_name.get(base.strip())
        if s is None:
            out[key] = value
        elif field:
            out[f"{s.name}{SEP}{field.strip()}"] = value
        else:
            for f in s.slots:
                if not s.is_output(f):
                    out.setdefault(s.flat(f), value)
    return out


def native_wrapper(function: str, ret: str, flat_params: list[c_ast.Decl],
                   structs: list[StructParam], order: list[str]) -> tuple[str, str]:
    """C text of ``<function>__flat`` with the flattened signature, calling the original
    ``function``; returns ``(name, text)``. ``order`` lists the original parameter names."""
    gen = c_generator.CGenerator()
    name = f"{function}{SEP}flat"
    by_name = {s.name: s for s in structs}
    proto = ", ".join(gen.visit(p) for p in flat_params) or "void"
    body = []
    for s in structs:
        body.append(f"  {s.type_text} {s.name} = {{0}};")
        for f in s.slots:  # in: field <- its slot (an output's slot holds its start value)
            body.append(_copy(f"{s.name}.{f.name}", _slot(s, f), f))
    args = [(f"&{n}" if by_name[n].pointer else n) if n in by_name else n for n in order]
    call = f"{function}({', '.join(args)})"
    body.append(f"  {ret} r = {call};" if ret != "void" else f"  {call};")
    for s in structs:
        for f in (f for f in s.slots if s.is_output(f)):  # out: written fields -> their slots
            body.append(_copy(_slot(s, f), f"{s.name}.{f.name}", f))
    if ret != "void":
        body.append("  return r;")
    return name, f"\n{ret} {name}({proto})\n{{\n" + "\n".join(body) + "\n}\n"


def _slot(s: StructParam, f: Field) -> str:
    """The C lvalue of a field's slot: ``p__f``, or ``p__f[0]`` for a scalar output."""
    return s.flat(f) + ("[0]" if s.is_output(f) and not f.dims else "")


def _copy(dst: str, src: str, f: Field) -> str:
    """One C statement copying a field (arrays element-wise)."""
    if not f.dims:
        return f"  {dst} = {src};"
    t, n = f.type_text, math.prod(f.dims)
    return f"  for (int i = 0; i < {n}; i++) (({t} *){dst})[i] = (({t} *){src})[i];"


# -- local struct variables ----------------------------------------------------------------
def split_locals(prog: Program, fn: c_ast.FuncDef) -> c_ast.FuncDef:
    """``fn`` with its local struct variables split into one variable per field (``v.f`` ->
    ``v__f``; ``T v = {...}``, ``T v = w`` and ``v = w`` field by field), for the Numba
    translation (gcc compiles the C as written). ``fn`` itself when it has none, or when one is
    used otherwise (passed, returned, its address taken): translating it then reports that."""
    found = _struct_locals(prog, fn)
    if not found:
        return fn
    from nsc_tune.kernel.errors import KernelError

    new = copy.deepcopy(fn)
    try:
        for block in (n for n in nodes(new.body) if isinstance(n, c_ast.Compound)):
            block.block_items = [x for item in block.block_items or []
                                 for x in _split_item(item, found)]
        _Rewrite(found, "local struct").visit(new.body)
    except KernelError:
        return fn
    return new


def split_reached(prog: Program, fn: c_ast.FuncDef) -> c_ast.FuncDef:
    """:func:`split_locals` for ``fn`` and every function of ``prog`` it calls, directly or
    not (those are replaced in ``prog.functions``); returns ``fn`` split."""
    seen, todo = {fn.decl.name}, [fn]
    while todo:
        for node in nodes(todo.pop().body):
            name = node.name.name if isinstance(node, c_ast.FuncCall) \
                and isinstance(node.name, c_ast.ID) else None
            if name in prog.functions and name not in seen:
                seen.add(name)
                todo.append(prog.functions[name])
                prog.functions[name] = split_locals(prog, prog.functions[name])
    return split_locals(prog, fn)


def _struct_locals(prog: Program, fn: c_ast.FuncDef) -> dict[str, StructParam]:
    """Local variables of struct type (by value, scalar and fixed-array fields) by name."""
    from nsc_tune.kernel.errors import KernelError

    found: dict[str, StructParam] = {}
    for d in nodes(fn.body):
        hit = _struct_of(prog, d.type) if isinstance(d, c_ast.Decl) and d.name else None
        if hit is None or hit[1]:
            continue
        try:
            fields = _fields(prog, hit[0], d, {x.name for x in hit[0].decls})
        except KernelError:
            return {}
        if d.name in found and found[d.name].type_text != hit[2]:
            return {}  # two structs of one name in different scopes
        names = {f.name for f in fields}
        found[d.name] = StructParam(d.name, hit[2], False, fields, set(), names)
    return found


def _split_item(item: c_ast.Node, found: dict[str, StructParam]) -> list[c_ast.Node]:
    """One block item, split when it declares or assigns a whole local struct."""
    from nsc_tune.kernel.errors import UnsupportedConstructError

    if isinstance(item, c_ast.Decl) and item.name in found:
        s = found[item.name]
        inits = _field_inits(item.init, s, found)
        out = []
        for f in s.fields:
            d = _param_decl(s.flat(f), f, False)
            d.init, d.coord = inits.get(f.name), item.coord
            out.append(d)
        return out
    if isinstance(item, c_ast.Assignment) and item.op == "=" \
            and isinstance(item.lvalue, c_ast.ID) and item.lvalue.name in found:
        s = found[item.lvalue.name]
        if not (isinstance(item.rvalue, c_ast.ID) and item.rvalue.name in found
                and found[item.rvalue.name].type_text == s.type_text) \
                or any(f.dims for f in s.fields):
            raise UnsupportedConstructError("struct assigned from an expression")
        src = found[item.rvalue.name]
        return [c_ast.Assignment("=", c_ast.ID(s.flat(f)), c_ast.ID(src.flat(f)), item.coord)
                for f in s.fields]
    return [item]


def _field_inits(init: c_ast.Node | None, s: StructParam, found: dict[str, StructParam]
                 ) -> dict[str, c_ast.Node]:
    """Initialisers of a local struct's fields: from ``{a, b}``, ``{.f = a}`` or another local."""
    from nsc_tune.kernel.errors import UnsupportedConstructError

    if init is None:
        return {}
    if isinstance(init, c_ast.ID) and init.name in found \
            and found[init.name].type_text == s.type_text and not any(f.dims for f in s.fields):
        return {f.name: c_ast.ID(found[init.name].flat(f)) for f in s.fields}
    if not isinstance(init, c_ast.InitList):
        raise UnsupportedConstructError("struct initialised from an expression")
    out, at = {}, 0
    zero = c_ast.Constant("int", "0")
    for e in init.exprs:
        if isinstance(e, c_ast.NamedInitializer):
            if len(e.name) != 1 or not isinstance(e.name[0], c_ast.ID):
                raise UnsupportedConstructError("nested designated initialiser")
            at = next(i for i, f in enumerate(s.fields) if f.name == e.name[0].name)
            e = e.expr
        if at >= len(s.fields):
            raise UnsupportedConstructError("too many initialisers")
        out[s.fields[at].name] = e
        at += 1
    for f in s.fields:  # C: the fields not named are zero
        out.setdefault(f.name, zero if not f.dims else c_ast.InitList([zero]))
    return out
