"""``Kernel``: a C function as a batched, trusted ground truth."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

import numpy as np
from pycparser.c_generator import CGenerator

from nsc_tune.kernel import ctype as ct
from nsc_tune.kernel import native, numba_backend, parrot
from nsc_tune.kernel.errors import (
    CSyntaxError,
    DomainError,
    FunctionNotFoundError,
    KernelError,
    UnsupportedConstructError,
)
from nsc_tune.kernel.parse import Parsed, expand, sliced, whole
from nsc_tune.kernel.program import Program
from nsc_tune.kernel.signature import (
    Signature,
    build_signature,
    integer_mask,
    resolve_domains,
)
from nsc_tune.kernel.structs import flat_domains, flatten, native_wrapper, split_reached
from nsc_tune.kernel.translate import MAX_NESTED_BLOCKS, MAX_NESTED_LOOPS, Translator

#: Iterations one loop may run per call before the kernel is declared non-terminating.
DEFAULT_MAX_ITERATIONS = 1 << 24


class Kernel:
    """A C kernel: its signature, its input domains and two ways to evaluate it.

    Build one with :meth:`from_source` or :meth:`from_file`.  ``k(X)`` evaluates a batch through
    the Numba translation (parallel, cached on disk); ``k.native(X)`` through the system C
    compiler, as an independent cross-check.
    """

    def __init__(self, source: str, function: str | None = None, *,
                 domains: Mapping[str, object] | Sequence | None = None,
                 shapes: Mapping[str, int | Sequence[int]] | None = None,
                 max_iterations: int = DEFAULT_MAX_ITERATIONS, name: str | None = None,
                 base_dir: str | Path | Sequence[str | Path] | None = None) -> None:
        _check_arguments(source, function, shapes, max_iterations)
        try:
            self._build(source, function, domains, shapes, max_iterations, name, base_dir)
        except RecursionError:  # pycparser or the translator, on absurdly deep nesting
            raise UnsupportedConstructError(
                "the kernel nests expressions or statements too deeply to parse or translate",
                hint=f"keep nesting within {MAX_NESTED_LOOPS} loops and {MAX_NESTED_BLOCKS} "
                "blocks: split the code into helper functions") from None

    def _build(self, source: str, function: str | None, domains, shapes, max_iterations: int,
               name: str | None, base_dir) -> None:
        """Preprocess, parse and load (the whole file first, then only the kernel's part)."""
        ex = expand(source, base_dir or None)  # preprocessed once for both attempts
        settings = (function, domains, shapes, max_iterations, name)
        # A source that must be rewritten anyway (headers inlined or dropped) is rewritten to
        # the kernel's part only: gcc then never sees the rest (a `main`, C++).
        first = sliced(ex, function) if ex.prep.changed and function is not None else None
        try:  # else the whole file first; warnings held back until it loads
            with warnings.catch_warnings(record=True) as held:
                warnings.simplefilter("always")
                self._load(first or whole(ex), *settings)
        except (CSyntaxError, UnsupportedConstructError):
            # only the kernel and what it reaches: an error in code the kernel never calls is
            # not the kernel's (an error in that part is raised as it is)
            part = sliced(ex, function) if function is not None and first is None else None
            if part is None:  # no kernel to slice to: the whole file's error
                raise
            self._load(part, *settings)
            return
        for w in held:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)

    def _load(self, parsed: Parsed, function: str | None, domains, shapes, max_iterations: int,
              name: str | None) -> None:
        """Everything after parsing: signature, domains, translation."""
        prog = Program.from_ast(parsed.ast)
        notes, self.preprocessed = parsed.notes, parsed.expanded
        #: what was done to the source to load it (inlined headers, sliced, ...)
        self.changes: list[str] = list(parsed.changes)
        region = None
        try:
            original = prog.kernel(function)
        except FunctionNotFoundError:
            built = parrot.build(prog, function) if function else None
            if built is None:
                raise
            original, region = built
            self.changes.append(f"loaded the Parrot region `{function}`")
        #: output bounds declared in the source (Parrot's ``<lo; hi>``), by output name
        self.declared_bounds: dict[str, tuple[float, float]] = {
            v.name: v.bounds for v in (region.outputs if region else []) if v.bounds}
        # local structs: one variable a field, in the kernel and the helpers it calls
        fn, structs = flatten(prog, split_reached(prog, original))
        prog.functions[fn.decl.name] = fn
        self.program = prog  # the parsed C (read by the static range analysis)
        #: the kernel's self-contained C: the source as given, or (when headers had to be
        #: inlined or only the kernel's part of the file parses) what was extracted from it
        self.source = parsed.c_source
        self.function = fn.decl.name
        self.name = name or self.function
        self.max_iterations = int(max_iterations)
        helpers = prog.check(fn)
        self._translator = Translator(prog)
        ftype = fn.decl.type
        infos = [self._translator.type_of(p.type) for p in _params(ftype)]
        ret = self._translator.type_of(ftype.type)
        if ret.dims:
            from nsc_tune.kernel.program import unsupported

            raise unsupported(fn.decl, "the kernel returns a pointer", "write to an output array")
        self._ret = ret.scalar.name
        if structs:  # pragmas and domains= may name a struct (`p`) or a field (`p.r`, `p->r`)
            notes.domains = flat_domains(notes.domains, structs)
            notes.lines = {f"{key.split(':', 1)[0]}:{flat}": line
                           for key, line in notes.lines.items()
                           for flat in flat_domains({key.split(":", 1)[1]: None}, structs)}
            if isinstance(domains, Mapping):
                domains = flat_domains(domains, structs)
        _check_annotated_names(fn, notes)
        _check_shape_names(fn, shapes)
        merged_shapes = {**notes.shapes, **(shapes or {})}
        self.signature: Signature = build_signature(prog, fn, infos, ret.scalar, merged_shapes)
        self.domains: np.ndarray = resolve_domains(self.signature, domains, notes.domains,
                                                   self.name)
        self.integer_inputs: np.ndarray = integer_mask(self.signature)
        self.numba_source: str = numba_backend.generate(
            self._translator, self.function, helpers, self.signature, len(infos))
        self._native_function, self._native_extra = self.function, ""
        if region is not None:  # gcc compiles the region's function too
            self._native_extra = "\n" + CGenerator().visit(original) + "\n"
        if structs:  # gcc runs the original function behind a wrapper with the flat signature
            order = [p.name for p in _params(original.decl.type)]
            self._native_function, wrapper = native_wrapper(
                self.function, self._ret, _params(ftype), structs, order)
            self._native_extra += wrapper
            used = ", ".join(f"`{x.name}` ({len(x.slots)} of {len(x.fields)} fields used)"
                             for x in structs)
            self.changes.append(f"flattened struct parameter(s) {used}")

    @property
    def native_function(self) -> str:
        """The C function gcc runs with the kernel's (flat) signature: the kernel itself, or a
        generated wrapper for struct parameters."""
        return self._native_function

    @property
    def native_extra(self) -> str:
        """C text gcc compiles after the source (struct wrappers, a Parrot region's function)."""
        return self._native_extra

    # -- construction --------------------------------------------------------------------
    @classmethod
    def from_source(cls, source: str, function: str | None = None, **kwargs) -> Kernel:
        """Build a kernel from C text.

        Arguments:
            source: the C source (may hold helpers, constants and ``#pragma nsc_tune`` lines).
            function: the kernel's name; optional when the source defines one non-static function.
            domains: ``{name: (lo, hi)}`` (or per-element pairs), or one (lo, hi) per flattened
                input; overrides ``#pragma nsc_tune domain(name, lo, hi)``.
            shapes: sizes of pointer parameters, ``{name: n}``.
            max_iterations: per-loop iteration budget before NonTerminationError.
            base_dir: folder (or list of folders, searched in order) in which ``#include "x.h"``
                headers are looked up (``from_file``: the file's folder); never outside them.

        Returns:
            The Kernel. Raises a KernelError subclass naming the line for unsupported input.
        """
        return cls(source, function, **kwargs)

    @classmethod
    def from_parsed(cls, parsed: Parsed, function: str, *, domains=None, shapes=None,
                    max_iterations: int = DEFAULT_MAX_ITERATIONS, name: str | None = None
                    ) -> Kernel:
        """A kernel from C already parsed (``kernel.parse.sliced``: mining slices many functions
        of one file, each parsed once); ``from_source(k.source)`` loads the same kernel."""
        k = cls.__new__(cls)
        k._load(parsed, function, domains, shapes, max_iterations, name)
        return k

    @classmethod
    def from_file(cls, path: str | Path, function: str | None = None, **kwargs) -> Kernel:
        """Build a kernel from a ``.c`` file (see :meth:`from_source`)."""
        path = Path(path)
        kwargs.setdefault("name", path.stem if function is None else function)
        kwargs.setdefault("base_dir", path.parent)
        return cls(decode_source(path.read_bytes(), path), function, **kwargs)

    # -- shape ------------------------------------------------------------------------------
    @property
    def n_inputs(self) -> int:
        """Flattened inputs (array elements count one each)."""
        return self.signature.n_inputs

    @property
    def n_outputs(self) -> int:
        """Flattened outputs (return value, then pointer and array outputs)."""
        return self.signature.n_outputs

    def __repr__(self) -> str:
        return f"Kernel({self.name}: {self.signature})"

    # -- evaluation -------------------------------------------------------------------------
    @functools.cached_property
    def _module(self) -> ModuleType:
        return numba_backend.load_module(self.numba_source)

    @functools.cached_property
    def _exe(self) -> Path:
        return native.build(self.source + self._native_extra, self._native_function, self._ret,
                            self.signature)

    def _check(self, X: np.ndarray | Sequence) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 1 and X.shape[0] == self.n_inputs:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise KernelError(f"{self.name} expects a batch of shape (N, {self.n_inputs}), got "
                              f"{X.shape}", hint=f"inputs in order: "
                              f"{', '.join(self.signature.input_labels()[:8])}"
                              + (" ..." if self.n_inputs > 8 else ""))
        self._check_integer_inputs(X)
        return np.ascontiguousarray(X)

    @functools.cached_property
    def _integer_columns(self) -> list[tuple[int, int, float, float, str]]:
        """``(first, last + 1, above, below, C type)`` of each integer input's columns: values
        convert (truncating) only from the open interval (above, below)."""
        out, pos = [], 0
        for a in self.signature.inputs:
            t = a.c
            if t.is_integer and t.kind != "bool":
                above, below = ct.conversion_bounds(t)
                out.append((pos, pos + a.size, above, below, t.name))
            pos += a.size
        return out

    def _check_integer_inputs(self, X: np.ndarray) -> None:
        """An integer input given a value its C type cannot hold (NaN, a negative value for an
        ``unsigned``, ...) is an error here: converting it is undefined in C."""
        labels = self.signature.input_labels()
        for first, last, above, below, name in self._integer_columns:
            cols = X[:, first:last]
            bad = ~((cols > above) & (cols < below))
            if bad.any():
                row, col = (int(v[0]) for v in np.nonzero(bad))
                raise KernelError(
                    f"input `{labels[first + col]}` (row {row}) is {float(cols[row, col])!r}, "
                    f"which C's `{name}` cannot hold",
                    hint="keep integer inputs finite and within their type's range (a domain of "
                    "the parameter keeps sampled inputs inside it)")

    def __call__(self, X: np.ndarray | Sequence, *, parallel: bool = True) -> np.ndarray:
        """Evaluate a batch ``(N, n_inputs)`` -> ``(N, n_outputs)`` with the Numba translation."""
        X = self._check(X)
        return numba_backend.run(self._module, X, self.n_outputs, self.max_iterations, parallel)

    def native(self, X: np.ndarray | Sequence, *, timeout: float | None = None) -> np.ndarray:
        """Evaluate a batch through the system C compiler (the cross-check).

        Arguments:
            X: inputs ``(N, n_inputs)``.
            timeout: seconds before the run counts as non-terminating (default 30 + 1 ms/row).
        """
        X = self._check(X)
        limit = timeout if timeout is not None else 30.0 + 1e-3 * X.shape[0]
        return native.run(self._exe, X, self.n_outputs, limit)

    def output_ranges(self) -> np.ndarray:
        """Bounds on every output over the input domains, proven without running the kernel.

        Returns ``[n_outputs, 2]`` (lo, hi), infinite where the static interval analysis cannot
        bound an output (see ``nsc_tune.kernel.ranges``)."""
        from nsc_tune.kernel.ranges import output_ranges

        return output_ranges(self)

    def sample(self, n: int, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """Draw ``n`` inputs uniformly from the domains (integers for integer-typed inputs)."""
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise KernelError(f"sample(n={n!r}): pass a whole number of inputs >= 0")
        rng = np.random.default_rng(seed)
        lo, hi = self.domains[:, 0], self.domains[:, 1]
        X = rng.uniform(lo, hi, size=(n, self.n_inputs))
        ints = self.integer_inputs
        if ints.any():
            ilo, ihi = np.ceil(lo[ints]), np.floor(hi[ints])
            X[:, ints] = rng.integers(ilo.astype(np.int64), ihi.astype(np.int64) + 1,
                                      size=(n, int(ints.sum())))
        return X


def decode_source(data: bytes, path: str | Path = "the source") -> str:
    """``data`` as UTF-8 text, or a CSyntaxError naming the line and column of the first byte
    that is not UTF-8 (a Latin-1 comment, a binary file)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[:exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise CSyntaxError(f"byte 0x{data[exc.start]:02x} of {path} is not UTF-8",
                           line=line, column=column,
                           hint="save the file as UTF-8 (or ASCII) text") from None


def _check_arguments(source: object, function: object, shapes: object,
                     max_iterations: object) -> None:
    """KernelError for arguments of the wrong kind, before anything is parsed."""
    if not isinstance(source, str):
        raise KernelError(f"source must be the C text as a str, got {type(source).__name__}",
                          hint="pass the text, or use Kernel.from_file(path) for a file")
    if function is not None and not isinstance(function, str):
        raise KernelError(f"function must be the kernel's name as a str, got {function!r}",
                          hint="pass e.g. function='k', or None when the source defines one")
    if shapes is not None and not isinstance(shapes, Mapping):
        raise DomainError(f"shapes must be a dict {{name: n}}, got {shapes!r}",
                          hint="pass e.g. shapes={'a': 16}")
    if (isinstance(max_iterations, bool) or not isinstance(max_iterations, int | np.integer)
            or max_iterations < 1):
        raise KernelError(f"max_iterations={max_iterations!r}: pass a whole number >= 1",
                          hint=f"the default is {DEFAULT_MAX_ITERATIONS} iterations per loop")


def _check_shape_names(fn, shapes: Mapping | None) -> None:
    """Every ``shapes=`` key must name a parameter of the kernel."""
    names = {p.name for p in _params(fn.decl.type)}
    for key in shapes or {}:
        if key not in names:
            raise DomainError(f"shapes names `{key}`, which is not a parameter of "
                              f"`{fn.decl.name}`",
                              hint=f"parameters are: {', '.join(sorted(names)) or 'none'}")


def _check_annotated_names(fn, notes) -> None:
    """Every ``#pragma nsc_tune`` must name a parameter of the kernel, and a domain must be a
    finite ``lo <= hi`` (the error names the pragma's line)."""
    names = {p.name for p in _params(fn.decl.type)}
    for key, line in notes.lines.items():
        verb, name = key.split(":", 1)
        if name not in names:
            raise DomainError(f"#pragma nsc_tune {verb} names `{name}`, which is not a parameter "
                              f"of `{fn.decl.name}`", line=line,
                              hint=f"parameters are: {', '.join(sorted(names)) or 'none'}")
        if verb != "domain":
            continue
        lo, hi = np.asarray(notes.domains[name], dtype=float).reshape(-1, 2)[0]
        if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi):
            raise DomainError(f"#pragma nsc_tune domain of `{name}` is [{lo:g}, {hi:g}]",
                              line=line, hint="write finite bounds with lo <= hi, e.g. "
                              f"domain({name}, 0, 1)")


def _params(ftype):
    from nsc_tune.kernel.translate import _params as params

    return params(ftype)
