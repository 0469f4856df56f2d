"""Typed errors for C kernels: each names the place, the construct and what to do."""

from __future__ import annotations

from nsc_tune.errors import NscTuneError


class KernelError(NscTuneError):
    """A C kernel could not be accepted or run.

    Arguments:
        what: one sentence saying what is wrong.
        line, column: position in the kernel's source (1-based), when known.
        construct: the offending C text or construct name, when known.
        hint: what the user can do about it.
    """

    def __init__(
        self,
        what: str,
        *,
        line: int | None = None,
        column: int | None = None,
        construct: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.what = what
        self.line = line
        self.column = column
        self.construct = construct
        self.hint = hint
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        if self.line is not None:
            where = f"line {self.line}"
            if self.column:
                where += f", column {self.column}"
            where += ": "
        text = where + self.what
        if self.construct:
            text += f" (`{self.construct}`)"
        if self.hint:
            text += f". {self.hint}"
        return text


class CSyntaxError(KernelError):
    """The source is not valid C (as far as the parser can tell)."""


class IncludeNotSupportedError(KernelError):
    """An `#include` names a header other than the supported standard ones."""


class FunctionNotFoundError(KernelError):
    """The requested kernel function is not defined in the source."""


class UnsupportedConstructError(KernelError):
    """The kernel uses C that the translator does not support."""


class GotoNotSupportedError(UnsupportedConstructError):
    """`goto` and labels are not supported."""


class RecursionNotSupportedError(UnsupportedConstructError):
    """A function calls itself, directly or through other functions."""


class HeapAllocationError(UnsupportedConstructError):
    """The kernel allocates or frees heap memory (malloc, calloc, free, ...)."""


class IOCallError(UnsupportedConstructError):
    """The kernel performs I/O (printf, fopen, ...); kernels must be pure."""


class UnknownFunctionError(UnsupportedConstructError):
    """A called function is neither defined in the source nor a supported math.h function."""


class UnboundedPointerError(KernelError):
    """A pointer parameter has no known size; pass `shapes={name: n}`."""


class SourceTooLargeError(KernelError):
    """The kernel's source, or what its macros expand to, is too large to translate."""


class DomainError(KernelError):
    """An input domain is missing, malformed or names an unknown input."""


class KernelRuntimeError(KernelError):
    """The kernel failed while running (integer division by zero, out-of-bounds index, ...)."""


class NonTerminationError(KernelRuntimeError):
    """A loop exceeded the iteration budget: the kernel probably does not terminate."""


class NativeBuildError(KernelError):
    """The system C compiler could not build the native reference."""
