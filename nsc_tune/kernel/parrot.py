"""Parrot's region annotations, as AxBench's sources carry them, loaded as a kernel.

::

    #pragma parrot(input, "kmeans", [6]dataIn)
    ... statements ...
    #pragma parrot(output, "kmeans", [1]<0.0; 1.0>dataOut)

The statements between the two pragmas (in one block of one function) become a function named
after the region: the input variables are its parameters (``[N]`` arrays of N), the output
variables its outputs (arrays as output parameters; one scalar output is returned, several are
written through pointers named ``<var>_out``), and the ``<lo; hi>`` ranges are kept as declared
output bounds. Locals of the enclosing function that the region uses are declared in it; a
region that reads a parameter of the enclosing function it was not given as an input is reported.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from pycparser import c_ast

from nsc_tune.kernel.errors import UnsupportedConstructError
from nsc_tune.kernel.program import Program, coord, nodes, unsupported

_PRAGMA = re.compile(r'^\s*parrot\s*\(\s*(input|output)\s*,\s*"([^"]+)"\s*,(.*)\)\s*$', re.S)
_SPEC = re.compile(r"^\s*(?:\[\s*(\d+)\s*\])?\s*(?:<\s*([^;>]+);\s*([^>]+)>)?\s*([A-Za-z_]\w*)\s*$")


@dataclass
class Var:
    name: str
    size: int | None  # [N]var, or None for a scalar
    bounds: tuple[float, float] | None


@dataclass
class Region:
    """A Parrot region: its variables and the statements between its pragmas."""

    name: str
    inputs: list[Var] = field(default_factory=list)
    outputs: list[Var] = field(default_factory=list)


def _pragma(node: c_ast.Node) -> tuple[str, str, list[Var]] | None:
    if not isinstance(node, c_ast.Pragma):
        return None
    m = _PRAGMA.match(node.string)
    if not m:
        return None
    specs = []
    for part in m.group(3).split(","):
        s = _SPEC.match(part)
        if not s:
            raise unsupported(node, f"cannot read the Parrot variable `{part.strip()}`",
                              'write e.g. `[6]dataIn` or `<0.0; 1.0>r`')
        bounds = (float(s.group(2)), float(s.group(3))) if s.group(2) else None
        specs.append(Var(s.group(4), int(s.group(1)) if s.group(1) else None, bounds))
    return m.group(1), m.group(2), specs


def find(prog: Program, name: str) -> tuple[c_ast.FuncDef, c_ast.Compound, int, int, Region] | None:
    """The function, block and statement span of region ``name`` (None when there is none)."""
    for fn in prog.functions.values():
        for block in (n for n in nodes(fn.body) if isinstance(n, c_ast.Compound)):
            items = block.block_items or []
            start = None
            region = Region(name)
            for i, item in enumerate(items):
                p = _pragma(item)
                if p and p[1] == name and p[0] == "input":
                    start = i if start is None else start
                    region.inputs += p[2]
                elif p and p[1] == name and p[0] == "output" and start is not None:
                    end = i
                    while end + 1 < len(items) and (q := _pragma(items[end + 1])) \
                            and q[1] == name and q[0] == "output":
                        end += 1
                    for j in range(i, end + 1):
                        region.outputs += _pragma(items[j])[2]
                    return fn, block, start, i, region
    return None


def build(prog: Program, name: str) -> tuple[c_ast.FuncDef, Region] | None:
    """A function for region ``name`` (added to ``prog``), or None when there is no region."""
    hit = find(prog, name)
    if hit is None:
        return None
    fn, block, start, end, region = hit
    body = [s for s in block.block_items[start:end] if not _pragma(s)]
    decls = _declarations(fn)
    params = {p.name for p in (fn.decl.type.args.params if fn.decl.type.args else [])
              if isinstance(p, c_ast.Decl)}
    mine = {v.name for v in region.inputs + region.outputs}
    inside = {d.name for s in body for d in nodes(s) if isinstance(d, c_ast.Decl)}
    used = [n.name for s in body for n in nodes(s) if isinstance(n, c_ast.ID)]
    locals_needed = []
    for n in dict.fromkeys(used):
        if n in mine or n in inside or n in prog.globals or n in prog.functions:
            continue
        if n in params:
            raise UnsupportedConstructError(
                f"Parrot region `{name}` reads `{n}`, a parameter of `{fn.decl.name}` that is not "
                "one of its inputs", line=coord(fn.decl)[0],
                hint=f"name it in `#pragma parrot(input, \"{name}\", ...)` or compute the region "
                "from its inputs")
        if n in decls:
            locals_needed.append(_without_init(decls[n]))
    new_params = [_as_param(decls, v, False, name) for v in region.inputs]
    scalar_out = [v for v in region.outputs if v.size is None]
    returned = scalar_out[0] if len(scalar_out) == 1 and len(region.outputs) == 1 else None
    tail: list[c_ast.Node] = []
    for v in region.outputs:
        if v is returned:
            locals_needed.append(_without_init(_decl_of(decls, v, name)))
            tail.append(c_ast.Return(c_ast.ID(v.name)))
        elif v.size is None:
            locals_needed.append(_without_init(_decl_of(decls, v, name)))
            out = _as_param(decls, Var(f"{v.name}_out", 1, None), True, name, like=v.name)
            new_params.append(out)
            tail.append(c_ast.Assignment("=", c_ast.ArrayRef(c_ast.ID(out.name),
                                                             c_ast.Constant("int", "0")),
                                         c_ast.ID(v.name)))
        else:
            new_params.append(_as_param(decls, v, True, name))
    ret_type = (copy.deepcopy(_decl_of(decls, returned, name).type) if returned
                else c_ast.TypeDecl(name, [], None, c_ast.IdentifierType(["void"])))
    _rename(ret_type, name)
    fdecl = c_ast.FuncDecl(c_ast.ParamList(new_params), ret_type)
    decl = c_ast.Decl(name, [], [], [], [], fdecl, None, None, coord=block.coord)
    new = c_ast.FuncDef(decl, None, c_ast.Compound(locals_needed + copy.deepcopy(body) + tail,
                                                   coord=block.coord))
    prog.functions[name] = new
    prog.ast.ext.append(new)
    return new, region


def _declarations(fn: c_ast.FuncDef) -> dict[str, c_ast.Decl]:
    out = {}
    for node in nodes(fn):
        if isinstance(node, c_ast.Decl) and node.name and not isinstance(node.type, c_ast.FuncDecl):
            out.setdefault(node.name, node)
    return out


def _decl_of(decls: dict, v: Var, region: str) -> c_ast.Decl:
    if v.name not in decls:
        raise UnsupportedConstructError(f"Parrot region `{region}` names `{v.name}`, which the "
                                        "function does not declare", hint="declare it before "
                                        "the region")
    return decls[v.name]


def _without_init(d: c_ast.Decl) -> c_ast.Decl:
    d = copy.deepcopy(d)
    d.init = None
    return d


def _as_param(decls: dict, v: Var, output: bool, region: str, like: str | None = None
              ) -> c_ast.Decl:
    """A parameter declaration for ``v`` (its element type from the enclosing function)."""
    d = _decl_of(decls, Var(like or v.name, None, None), region)
    t = d.type
    while isinstance(t, (c_ast.ArrayDecl, c_ast.PtrDecl)):
        t = t.type
    elem = copy.deepcopy(t)
    elem.declname = v.name
    typ: c_ast.Node = elem
    if v.size is not None:
        typ = c_ast.ArrayDecl(elem, c_ast.Constant("int", str(v.size)), [])
    return c_ast.Decl(v.name, [], [], [], [], typ, None, None, coord=d.coord)


def _rename(t: c_ast.Node, name: str) -> None:
    while not isinstance(t, c_ast.TypeDecl):
        t = t.type
    t.declname = name
