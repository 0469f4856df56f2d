"""Surrogates: the MLP stand-in for a kernel, compiled by CompNet or randomly initialised."""

from __future__ import annotations

from pathlib import Path

from nsc_tune.kernel import Kernel
from nsc_tune.surrogate.model import Surrogate


def compile(kernel: Kernel, weights: str | Path | None = None) -> Surrogate:  # noqa: A001
    """Compile a kernel into a surrogate with CompNet, without running the kernel.

    Arguments:
        kernel: the kernel (its text, signature and domains are what CompNet reads).
        weights: CompNet weights (default: the weights shipped in the package).

    Returns:
        A ``Surrogate`` (``torch.nn.Module``) whose outputs are in the kernel's units.
    """
    return Surrogate.compiled(kernel, weights)


__all__ = ["Surrogate", "compile"]
