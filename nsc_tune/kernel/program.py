"""The checked program: functions, globals and types of one source, validated for the subset."""

from __future__ import annotations

from dataclasses import dataclass, field

from pycparser import c_ast

from nsc_tune.kernel import ctype as ct
from nsc_tune.kernel.errors import (
    FunctionNotFoundError,
    GotoNotSupportedError,
    HeapAllocationError,
    IOCallError,
    KernelError,
    RecursionNotSupportedError,
    UnknownFunctionError,
    UnsupportedConstructError,
)
from nsc_tune.kernel.mathlib import MATH_FUNCTIONS

HEAP_FUNCTIONS = {"malloc", "calloc", "realloc", "free", "aligned_alloc", "alloca"}
IO_FUNCTIONS = {
    "printf", "fprintf", "sprintf", "snprintf", "puts", "putchar", "fputs", "fputc", "putc",
    "scanf", "fscanf", "sscanf", "getchar", "fgets", "gets", "fopen", "fclose", "fread", "fwrite",
    "fflush", "perror", "exit", "abort", "system", "rand", "srand", "time", "clock",
}


def nodes(node: c_ast.Node):
    """``node`` and every node below it, depth first."""
    yield node
    for _, child in node.children():
        yield from nodes(child)


def enum_constants(decl: c_ast.Node) -> list[c_ast.Decl]:
    """The constants of the enums a top-level declaration defines, as ``static const int``
    globals (a constant without a value is one more than the one before)."""
    found = []
    for enum in nodes(decl):
        if not isinstance(enum, c_ast.Enum) or enum.values is None:
            continue
        before = None
        for e in enum.values.enumerators:
            one = c_ast.Constant("int", "1")
            value = e.value if e.value is not None else c_ast.Constant("int", "0") \
                if before is None else c_ast.BinaryOp("+", c_ast.ID(before), one)
            kind = c_ast.TypeDecl(e.name, ["const"], None, c_ast.IdentifierType(["int"]))
            found.append(c_ast.Decl(e.name, ["const"], [], ["static"], [], kind, value, None,
                                    coord=e.coord))
            before = e.name
    return found


def coord(node: c_ast.Node) -> tuple[int | None, int | None]:
    """(line, column) of a node, when pycparser knows it."""
    c = getattr(node, "coord", None)
    return (c.line, c.column) if c is not None else (None, None)


def unsupported(node: c_ast.Node, what: str, hint: str,
                cls: type[KernelError] | None = None) -> KernelError:
    """Build a typed error (UnsupportedConstructError unless ``cls``) naming ``node``'s place."""
    line, col = coord(node)
    from pycparser import c_generator

    try:
        text = c_generator.CGenerator().visit(node).strip().split("\n")[0][:80]
    except Exception:  # noqa: BLE001 - the text is decoration only
        text = type(node).__name__
    error = cls or UnsupportedConstructError
    return error(what, line=line, column=col, construct=text, hint=hint)


@dataclass
class TypeInfo:
    """A declared type: scalar element, array dimensions (None = unknown), pointer-ness, const."""

    scalar: ct.CType
    dims: tuple[int | None, ...] = ()
    pointer: bool = False
    const: bool = False

    @property
    def is_scalar(self) -> bool:
        return not self.dims


@dataclass
class Program:
    """Functions and globals of a parsed source."""

    ast: c_ast.FileAST
    functions: dict[str, c_ast.FuncDef] = field(default_factory=dict)
    globals: dict[str, c_ast.Decl] = field(default_factory=dict)
    typedefs: dict[str, c_ast.Typedef] = field(default_factory=dict)
    prototypes: set[str] = field(default_factory=set)

    @classmethod
    def from_ast(cls, ast: c_ast.FileAST) -> Program:
        prog = cls(ast)
        for ext in ast.ext:
            if isinstance(ext, (c_ast.Decl, c_ast.Typedef)):
                prog.globals.update((d.name, d) for d in enum_constants(ext))
            if isinstance(ext, c_ast.FuncDef):
                prog.functions[ext.decl.name] = ext
            elif isinstance(ext, c_ast.Typedef):
                prog.typedefs[ext.name] = ext
            elif isinstance(ext, c_ast.Decl):
                if isinstance(ext.type, c_ast.FuncDecl):
                    prog.prototypes.add(ext.name)
                elif ext.name is None and isinstance(ext.type, c_ast.Struct):
                    continue  # a struct definition: kernel parameters of its type are flattened
                elif ext.name is None and isinstance(ext.type, c_ast.Enum):
                    continue  # its constants are globals (above)
                elif ext.name is None:
                    raise unsupported(ext, "struct, union and enum declarations are not supported",
                                      "use scalars and arrays")
                else:
                    prog.globals[ext.name] = ext
            elif isinstance(ext, (c_ast.Pragma, c_ast.StaticAssert)):
                continue  # (gcc checks a static assertion when it builds the native reference)
            else:
                raise unsupported(ext, "unsupported top-level construct", "remove it")
        return prog

    def kernel(self, name: str | None) -> c_ast.FuncDef:
        """The kernel function: ``name``, or the only non-static function when name is None."""
        if name is None:
            public = [n for n, f in self.functions.items() if "static" not in f.decl.storage]
            if len(public) == 1:
                return self.functions[public[0]]
            raise FunctionNotFoundError(
                "cannot tell which function is the kernel",
                hint=f"pass function=... (defined: {', '.join(self.functions) or 'none'})",
            )
        if name not in self.functions:
            raise FunctionNotFoundError(
                f"function `{name}` is not defined in the source",
                hint=f"defined functions: {', '.join(self.functions) or 'none'}",
            )
        return self.functions[name]

    # -- types -------------------------------------------------------------------------
    def resolve(self, node: c_ast.Node, dims_eval=None) -> TypeInfo:
        """The TypeInfo of a declaration's type node."""
        dims: list[int | None] = []
        pointer = False
        const = False
        t = node
        while True:
            if isinstance(t, c_ast.ArrayDecl):
                if t.dim is None:
                    dims.append(None)
                else:
                    dims.append(int(dims_eval(t.dim)) if dims_eval else None)
                const = const or "const" in (t.dim_quals or [])
                t = t.type
            elif isinstance(t, c_ast.PtrDecl):
                if pointer or dims:
                    raise unsupported(t, "pointers to pointers and arrays of pointers are not "
                                      "supported", "use a flat array")
                pointer = True
                dims.append(None)
                t = t.type
            elif isinstance(t, c_ast.TypeDecl):
                const = const or "const" in t.quals
                t = t.type
            elif isinstance(t, c_ast.Enum):  # an enum is an int
                return TypeInfo(ct.INT, tuple(dims), pointer, const)
            elif isinstance(t, c_ast.IdentifierType):
                names = list(t.names)
                if len(names) == 1 and names[0] in self.typedefs:
                    inner = self.resolve(self.typedefs[names[0]].type, dims_eval)
                    return TypeInfo(inner.scalar, tuple(dims) + inner.dims,
                                    pointer or inner.pointer, const or inner.const)
                scalar = ct.from_specifiers(names)
                if scalar is None:
                    raise unsupported(node, f"type `{' '.join(names)}` is not supported",
                                      "use float, double, int, unsigned, long, short, char or "
                                      "bool")
                return TypeInfo(scalar, tuple(dims), pointer, const)
            else:
                raise unsupported(node, "only scalar, array and pointer types are supported",
                                  "structs, unions, enums and function pointers are not")

    # -- validation --------------------------------------------------------------------
    def check(self, entry: c_ast.FuncDef) -> list[str]:
        """Validate everything reachable from ``entry``; return reachable helpers callee-first."""
        order: list[str] = []
        state: dict[str, str] = {}

        def visit(fn: c_ast.FuncDef, stack: list[str]) -> None:
            name = fn.decl.name
            state[name] = "active"
            for call in _Walker(self).walk(fn):
                callee = call.name.name
                if callee not in self.functions:
                    continue
                if state.get(callee) == "active":
                    raise unsupported(
                        call, f"recursive call: {' -> '.join(stack + [name, callee])}",
                        "rewrite the recursion as a loop", RecursionNotSupportedError)
                if callee not in state:
                    visit(self.functions[callee], stack + [name])
            state[name] = "done"
            order.append(name)

        visit(entry, [])
        return order


class _Walker(c_ast.NodeVisitor):
    """Finds calls and rejects unsupported statements in one function."""

    def __init__(self, prog: Program) -> None:
        self.prog = prog
        self.calls: list[c_ast.FuncCall] = []

    def walk(self, fn: c_ast.FuncDef) -> list[c_ast.FuncCall]:
        self.visit(fn.body)
        return self.calls

    def visit_Goto(self, node: c_ast.Goto) -> None:
        raise unsupported(node, "goto is not supported", "use loops with break/continue",
                          GotoNotSupportedError)

    def visit_Label(self, node: c_ast.Label) -> None:
        raise unsupported(node, "labels (goto targets) are not supported",
                          "use loops with break/continue", GotoNotSupportedError)

    def visit_StructRef(self, node: c_ast.Node) -> None:
        raise unsupported(node, "structs are not supported", "use separate scalars or arrays")

    def visit_Struct(self, node: c_ast.Node) -> None:
        self.visit_StructRef(node)

    def visit_CompoundLiteral(self, node: c_ast.Node) -> None:
        raise unsupported(node, "compound literals are not supported", "declare a local array")

    def visit_Decl(self, node: c_ast.Decl) -> None:
        if _function_pointer(node.type, self.prog.typedefs):
            raise unsupported(node, f"`{node.name}` is a function pointer; function pointers are "
                              "not supported", "call the function by name (an `if` or `switch` "
                              "can choose between several)")
        self.generic_visit(node)

    def visit_Switch(self, node: c_ast.Switch) -> None:
        seen: dict[object, int] = {}
        for case in _cases(node.stmt):
            value = _case_value(case.expr)
            if value in seen:
                raise unsupported(case, f"duplicate case label (first at line {seen[value]})",
                                  "C forbids two equal labels in one switch; remove one")
            seen[value] = coord(case)[0] or 0
        self.generic_visit(node)

    def visit_FuncCall(self, node: c_ast.FuncCall) -> None:
        if not isinstance(node.name, c_ast.ID):
            raise unsupported(node, "calls through function pointers are not supported",
                              "call the function by name")
        name = node.name.name
        if name in HEAP_FUNCTIONS:
            raise unsupported(node, f"heap allocation (`{name}`) is not supported",
                              "use fixed-size local arrays", HeapAllocationError)
        if name in IO_FUNCTIONS:
            raise unsupported(node, f"`{name}` performs I/O or has side effects outside the "
                              "kernel", "kernels must be pure functions of their arguments; "
                              "remove the call", IOCallError)
        if name not in self.prog.functions and name not in MATH_FUNCTIONS:
            hint = ("define it in the source" if name not in self.prog.prototypes
                    else "it is declared but never defined: add its body to the source")
            raise unsupported(node, f"unknown function `{name}`", hint, UnknownFunctionError)
        self.calls.append(node)
        self.generic_visit(node)


def _function_pointer(t: c_ast.Node, typedefs: dict, depth: int = 0) -> bool:
    """Whether a declared type is (an array of) pointer(s) to a function, through typedefs."""
    while isinstance(t, c_ast.ArrayDecl | c_ast.PtrDecl | c_ast.TypeDecl):
        if isinstance(t, c_ast.PtrDecl) and isinstance(t.type, c_ast.FuncDecl):
            return True
        t = t.type
    if isinstance(t, c_ast.IdentifierType) and len(t.names) == 1 and depth < 32:
        target = typedefs.get(t.names[0])
        return target is not None and _function_pointer(target.type, typedefs, depth + 1)
    return False


def _cases(stmt: c_ast.Node | None) -> list[c_ast.Case]:
    """The case labels of one switch body (not those of switches nested in it)."""
    found: list[c_ast.Case] = []
    todo = [stmt] if stmt is not None else []
    while todo:
        n = todo.pop()
        if isinstance(n, c_ast.Switch):
            continue
        if isinstance(n, c_ast.Case):
            found.append(n)
        todo.extend(child for _, child in n.children())
    return sorted(found, key=lambda c: tuple(v or 0 for v in coord(c)))


def _case_value(expr: c_ast.Node) -> object:
    """A case label's value when it is a literal (possibly negated), else its C text."""
    from nsc_tune.kernel.translate import int_literal

    sign = 1
    while isinstance(expr, c_ast.UnaryOp) and expr.op in ("-", "+"):
        sign = -sign if expr.op == "-" else sign
        expr = expr.expr
    if isinstance(expr, c_ast.Constant) and expr.type in ("int", "char"):
        try:
            return sign * int_literal(expr.value)[0]
        except (ValueError, IndexError):
            pass
    from pycparser import c_generator

    return ("text", sign, c_generator.CGenerator().visit(expr))
