"""What every surrogate kind shares: its shape from the kernel, export to C, one-file save."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nsc_tune.errors import NscTuneError


class SurrogateInputError(NscTuneError):
    """A surrogate was given inputs it cannot evaluate (wrong shape, not numbers)."""


class SurrogateBase:
    """Mixed into each kind (a ``torch.nn.Module`` with a ``kernel`` attribute)."""

    kernel: object

    @property
    def n_inputs(self) -> int:
        """The kernel's flattened inputs."""
        return self.kernel.n_inputs

    @property
    def n_outputs(self) -> int:
        """The kernel's flattened outputs."""
        return self.kernel.n_outputs

    def _inputs(self, X: object, dtype: type) -> np.ndarray:
        """``X`` as an array ``(..., n_inputs)``, or SurrogateInputError naming what is wrong."""
        try:
            arr = np.asarray(X, dtype=dtype)
        except (TypeError, ValueError):
            raise SurrogateInputError(f"predict(X): X must be numbers of shape (N, "
                                      f"{self.n_inputs}), got {type(X).__name__}") from None
        if arr.ndim == 0 or arr.shape[-1] != self.n_inputs:
            labels = ", ".join(self.kernel.signature.input_labels()[:8])
            raise SurrogateInputError(f"predict(X): X must have shape (N, {self.n_inputs}) for "
                                      f"{self.kernel.name}, got {arr.shape}; pass one column "
                                      f"per input ({labels})")
        return arr

    def to_c(self, name: str | None = None, path: str | Path | None = None) -> str:
        """Export to C: a function with the kernel's prototype (see ``surrogate.export``).

        Arguments:
            name: the C function's name (default ``<kernel function>_surrogate``).
            path: also write the text to this file.

        Returns:
            The C source (only ``<math.h>``, double arithmetic).
        """
        from nsc_tune.surrogate.export import export_c

        text = export_c(self, name if name is not None else f"{self.kernel.function}_surrogate")
        if path is not None:
            Path(path).write_text(text)
        return text

    def save(self, path: str | Path) -> Path:
        """Write the surrogate and its kernel (source, function, domains) to one safetensors
        file; ``load`` reads it back."""
        from nsc_tune.surrogate.io import save

        return save(self, path)

    @classmethod
    def load(cls, path: str | Path):
        """A surrogate written by :meth:`save` (of whichever kind the file holds: ``Surrogate``
        or ``GPSurrogate``); its kernel is rebuilt from the file alone."""
        from nsc_tune.surrogate.io import load

        return load(path)
