"""The scipy.optimize adapter: gradients match finite differences; L-BFGS-B finds the optimum."""

from __future__ import annotations

import numpy as np
from scipy.optimize import check_grad, minimize

from nsc_tune.integrations.scipy import surrogate_objective
from nsc_tune.kernel import Kernel
from nsc_tune.surrogate import Surrogate

SRC = """
#pragma nsc_tune domain(x, -2, 2)
#pragma nsc_tune domain(z, -2, 2)
double f(double x, double z) { return (x - 0.5) * (x - 0.5) + 2.0 * (z - 0.1) * (z - 0.1); }
"""


def test_gradient_matches_finite_differences_and_optimum_is_found() -> None:
    k = Kernel.from_source(SRC)
    s = Surrogate.random(k, seed=0)
    s.fit(k, n_samples=1500, epochs=300, patience=None, progress=False)
    fun = surrogate_objective(s, lambda x, y: y[:, 0])
    x0 = np.array([-1.0, 1.0])
    err = check_grad(lambda x: fun(x)[0], lambda x: fun(x)[1], x0, epsilon=1e-3)
    assert err < 0.05 * np.linalg.norm(fun(x0)[1])
    res = minimize(fun, x0, jac=True, bounds=k.domains, method="L-BFGS-B")
    assert abs(res.x[0] - 0.5) < 0.1 and abs(res.x[1] - 0.1) < 0.1
    assert k(res.x[None])[0, 0] < 0.02  # verified on the kernel
