"""scipy.optimize adapter: objective and exact gradient from a surrogate.

Usage::

    from scipy.optimize import minimize
    from nsc_tune.integrations.scipy import surrogate_objective

    fun = surrogate_objective(surrogate, lambda x, y: (y[:, 0] - 1.5) ** 2)
    res = minimize(fun, x0, jac=True, bounds=surrogate.kernel.domains, method="L-BFGS-B")
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor


def surrogate_objective(surrogate, objective: Callable[[Tensor, Tensor], Tensor]
                        ) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """``fun(x) -> (value, gradient)`` for ``scipy.optimize.minimize(..., jac=True)``.

    Arguments:
        surrogate: a ``Surrogate``.
        objective: ``(x [1, n_in], y [1, n_out]) -> [1]`` in real units (torch).
    """
    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        xt = torch.as_tensor(np.asarray(x, dtype=np.float32)[None], dtype=torch.float32)
        xt.requires_grad_(True)
        value = objective(xt, surrogate(xt)).sum()
        (grad,) = torch.autograd.grad(value, xt)
        return float(value.detach()), grad[0].double().numpy()

    return fun
