"""``Surrogate``: a neural stand-in for one kernel, as a ``torch.nn.Module`` in real units."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from nsc_tune.kernel import Kernel
from nsc_tune.surrogate.base import SurrogateBase
from nsc_tune.surrogate.mlp import (
    SurrogateParams,
    denormalise_outputs,
    forward_normalised,
    normalise_inputs,
    random_params,
)

DEFAULT_WIDTH = 64
DEFAULT_DEPTH = 2


class Surrogate(nn.Module, SurrogateBase):
    """An MLP surrogate of a kernel (see ``nsc_tune.surrogate.mlp`` for the architecture).

    ``surrogate(x)`` maps inputs ``[..., n_inputs]`` in the kernel's units to outputs
    ``[..., n_outputs]``; it is differentiable in its inputs and parameters. Build one with
    ``nsc_tune.compile(kernel)`` (CompNet's weights, no execution) or ``Surrogate.random(kernel)``.

    Arguments:
        kernel: the kernel it stands in for (signature and domains).
        params: unbatched surrogate parameters.
        init: how the parameters were obtained ("compiled", "random", ...).
    """

    def __init__(self, kernel: Kernel, params: SurrogateParams, init: str) -> None:
        super().__init__()
        self.kernel = kernel
        self.init = init
        #: whether the output location/scale were set from training examples (``fit`` sets
        #: them once, before the first epoch; after that they are trained like any weight)
        self.output_stats_from_data = False
        for name, value in params.tensors().items():
            setattr(self, name, nn.Parameter(value.detach().clone().float()))
        dom = torch.as_tensor(kernel.domains, dtype=torch.float32)
        self.register_buffer("lo", dom[:, 0].clone())
        self.register_buffer("hi", dom[:, 1].clone())

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def random(cls, kernel: Kernel, width: int = DEFAULT_WIDTH, depth: int = DEFAULT_DEPTH,
               seed: int | None = 0) -> Surrogate:
        """The same architecture, initialised as ``torch.nn.Linear`` initialises layers."""
        from nsc_tune.surrogate.checks import FitError

        for arg, value in (("width", width), ("depth", depth)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise FitError(f"{arg}={value!r}: pass a whole number >= 1 (default "
                               f"{DEFAULT_WIDTH if arg == 'width' else DEFAULT_DEPTH})")
        gen = torch.Generator().manual_seed(seed) if seed is not None else None
        p = random_params(kernel.n_inputs, kernel.n_outputs, width, depth, 1, gen)
        return cls(kernel, p.select(0, kernel.n_inputs, kernel.n_outputs), "random")

    @classmethod
    def compiled(cls, kernel: Kernel, weights: str | Path | None = None) -> Surrogate:
        """Compile ``kernel`` with CompNet (no execution of the kernel)."""
        from nsc_tune.compiler.compiler import default_compiler

        compiler = default_compiler(str(weights) if weights is not None else None)
        (params,) = compiler.emit([kernel])
        return cls(kernel, params, "compiled")

    # -- shape -------------------------------------------------------------------------------
    @property
    def width(self) -> int:
        """Units per hidden layer."""
        return int(self.w_in.shape[0])

    @property
    def depth(self) -> int:
        """Hidden layers."""
        return int(self.w_hidden.shape[0]) + 1

    def params(self) -> SurrogateParams:
        """The parameters with a batch dimension of one (for the batched family functions)."""
        return SurrogateParams(*(getattr(self, n)[None] for n in (
            "w_in", "b_in", "w_hidden", "b_hidden", "w_out", "b_out", "mu", "log_sigma")))

    def copy(self) -> Surrogate:
        """An independent copy (parameters and fitting state); the kernel is shared."""
        import copy

        kernel, self.kernel = self.kernel, None  # the kernel holds compiled code: not copied
        try:
            twin = copy.deepcopy(self)
        finally:
            self.kernel = kernel
        twin.kernel = kernel
        return twin

    def __repr__(self) -> str:
        return (f"Surrogate({self.kernel.name}: {self.n_inputs} -> {self.n_outputs}, "
                f"width {self.width}, depth {self.depth}, init {self.init})")

    # -- evaluation --------------------------------------------------------------------------
    def forward(self, x: Tensor) -> Tensor:
        """Outputs in real units for inputs ``x`` [..., n_inputs] in real units."""
        shape = x.shape[:-1]
        flat = x.reshape(1, -1, self.n_inputs).to(self.lo.dtype)
        p = self.params()
        yn = forward_normalised(p, normalise_inputs(flat, self.lo, self.hi))
        return denormalise_outputs(p, yn).reshape(*shape, self.n_outputs)

    def fit(self, data: Kernel | tuple[np.ndarray, np.ndarray], *, n_samples: int = 1024,
            epochs: int = 5000, lr: float = 0.01, batch_size: int = 256,
            val_fraction: float = 0.2, patience: int | None = 200, seed: int | None = 0,
            init: str | None = None, progress: bool = True):
        """Fine-tune on examples; keeps the weights of the best validation epoch.

        Arguments:
            data: a Kernel (``n_samples`` examples are drawn from its domains through the Numba
                ground truth) or ``(X, Y)`` arrays in real units.
            epochs, lr, batch_size: Adam settings (the paper: lr 0.01, 5000 epochs).
            val_fraction: share of the examples held out for validation / early stopping.
            patience: stop after this many epochs without validation improvement (None: never).
            seed: data draw, split and shuffling (and the random candidate of ``init="auto"``).
            init: ``"auto"`` also trains a random initialisation of the same architecture side
                by side and keeps whichever is better on validation (this surrogate's weights
                and ``init`` then become the winner's); None fine-tunes these weights only.

        Returns:
            A ``FitResult`` (history, best epoch, best validation error, counts, ``init``).
        """
        from nsc_tune.surrogate.fit import FitError, draw, fit_surrogate, race

        X, Y = draw(data, n_samples, seed) if isinstance(data, Kernel) else data
        kw = dict(epochs=epochs, lr=lr, batch_size=batch_size, val_fraction=val_fraction,
                  patience=patience, seed=seed, progress=progress)
        if init is None:
            return fit_surrogate(self, X, Y, **kw)
        if init != "auto":
            raise FitError(f"init={init!r}: use 'auto' (race against a random init) or None")
        if self.init == "random":
            raise FitError("init='auto' races this surrogate against a random init, but it is "
                           "random already: start from nsc_tune.compile(kernel)")
        rival = Surrogate.random(self.kernel, width=self.width, depth=self.depth, seed=seed)
        winner, result, _ = race([self, rival], X, Y, **kw)
        if winner is not self:
            self.load_state_dict(winner.state_dict())
            self.init = winner.init
            self.output_stats_from_data = True
        return result

    @torch.no_grad()
    def predict(self, X: np.ndarray) -> np.ndarray:
        """NumPy in, NumPy out: ``(N, n_inputs)`` -> ``(N, n_outputs)`` float64."""
        x = torch.as_tensor(self._inputs(X, np.float32), device=self.lo.device)
        return self(x).double().cpu().numpy()
