"""The GP surrogate against closed forms, gcc, and its own files; the default fit's choice."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nsc_tune
from nsc_tune import Kernel, suite
from nsc_tune.kernel import native
from nsc_tune.surrogate import GPSurrogate, Surrogate, fit_gp
from nsc_tune.surrogate.checks import FitError
from nsc_tune.surrogate.io import SurrogateFileError

QUADRATIC = """
#pragma nsc_tune domain(a, -1, 1)
#pragma nsc_tune domain(b, -2, 2)
double quad(double a, double b) { return a * a - 0.5 * a * b + 0.25 * b + 1.0; }
"""

# A power law: deflection of a cantilever, ~1/(w h^3); positive, spanning two decades.
POWER = """
#pragma nsc_tune domain(w, 0.02, 0.1)
#pragma nsc_tune domain(h, 0.05, 0.2)
void power(double w, double h, double *d, double *s)
{
    *d = 1e-6 / (w * h * h * h);
    *s = w - h;
}
"""


def closed_quad(X: np.ndarray) -> np.ndarray:
    a, b = X[:, 0], X[:, 1]
    return (a * a - 0.5 * a * b + 0.25 * b + 1.0)[:, None]


@pytest.mark.parametrize("cov", ["rbf", "matern52"])
def test_gp_recovers_a_quadratic(cov: str) -> None:
    k = Kernel.from_source(QUADRATIC)
    X = k.sample(50, seed=0)
    gp = fit_gp(k, X, k(X), covariance=cov)
    Xt = k.sample(2000, seed=1)
    mse = float(np.mean((gp.predict(Xt) - closed_quad(Xt)) ** 2))
    # RBF: smooth enough to reproduce a quadratic from 50 points to MSE 1e-6 (seen: ~1e-9);
    # Matern-5/2 is twice differentiable only, and converges more slowly.
    assert mse < (1e-6 if cov == "rbf" else 1e-3), mse
    assert np.allclose(gp.predict(X), k(X), atol=1e-3)  # (nearly) interpolates its examples


def test_log_outputs_fit_a_power_law_better() -> None:
    k = Kernel.from_source(POWER)
    X, Xt = k.sample(40, seed=0), k.sample(1000, seed=1)
    Y, Yt = k(X), k(Xt)
    plain = fit_gp(k, X, Y, covariance="rbf")
    logged = fit_gp(k, X, Y, covariance="rbf", log_outputs=True)
    assert logged.log.tolist() == [True, False]  # s changes sign: kept as it is
    e_plain = np.mean((plain.predict(Xt)[:, 0] - Yt[:, 0]) ** 2)
    e_log = np.mean((logged.predict(Xt)[:, 0] - Yt[:, 0]) ** 2)
    assert e_log < 0.1 * e_plain, (e_log, e_plain)
    assert np.allclose(logged.predict(Xt)[:, 1], Yt[:, 1], atol=1e-4)  # linear: exact


def test_gp_gradient_matches_finite_differences() -> None:
    k = Kernel.from_source(QUADRATIC)
    X = k.sample(30, seed=0)
    gp = fit_gp(k, X, k(X), covariance="matern52")
    x = torch.tensor([[0.3, -0.7]], dtype=torch.float64, requires_grad=True)
    gp(x).sum().backward()
    eps = 1e-3  # the near-polynomial fit has huge weights: predictions carry ~1e-7 noise
    fd = [(gp.predict(np.array([[0.3 + eps * (i == 0), -0.7 + eps * (i == 1)]]))
           - gp.predict(np.array([[0.3 - eps * (i == 0), -0.7 - eps * (i == 1)]])))[0, 0]
          / (2 * eps) for i in range(2)]
    assert np.allclose(x.grad.numpy()[0], fd, rtol=1e-3, atol=1e-3)
    # and at a training input (d = 0 in the Matern kernel): finite, not NaN
    xt = torch.tensor(X[:1], dtype=torch.float64, requires_grad=True)
    gp(xt).sum().backward()
    assert torch.isfinite(xt.grad).all()


def test_gp_on_the_residual_of_a_network() -> None:
    k = Kernel.from_source(QUADRATIC)
    X = k.sample(40, seed=0)
    mean = Surrogate.random(k, width=8, seed=0)
    gp = fit_gp(k, X, k(X), mean=mean, covariance="rbf")
    assert gp.init == "gp+random"
    Xt = k.sample(500, seed=1)
    assert np.mean((gp.predict(Xt) - closed_quad(Xt)) ** 2) < 1e-4
    with pytest.raises(nsc_tune.NscTuneError, match="constant mean"):
        fit_gp(k, X, k(X), mean=mean, log_outputs=True)


def test_gp_files_round_trip(tmp_path) -> None:
    k = Kernel.from_source(POWER)
    X = k.sample(30, seed=0)
    Xt = k.sample(200, seed=1)
    for gp in (fit_gp(k, X, k(X), log_outputs=True),
               fit_gp(k, X, k(X), mean=Surrogate.random(k, width=8, seed=1))):
        back = Surrogate.load(gp.save(tmp_path / "gp.safetensors"))
        assert isinstance(back, GPSurrogate) and back.init == gp.init
        assert np.array_equal(back.predict(Xt), gp.predict(Xt))
    from safetensors.torch import load_file, save_file

    t = load_file(str(tmp_path / "gp.safetensors"))
    from safetensors import safe_open

    with safe_open(str(tmp_path / "gp.safetensors"), framework="pt") as f:
        meta = f.metadata()
    t["alpha"][0, 0] = float("nan")
    save_file(t, str(tmp_path / "nan.safetensors"), metadata=meta)
    with pytest.raises(SurrogateFileError, match="NaN or inf"):
        Surrogate.load(tmp_path / "nan.safetensors")
    t["alpha"] = t["alpha"][:, :5].contiguous()
    save_file(t, str(tmp_path / "short.safetensors"), metadata=meta)
    with pytest.raises(SurrogateFileError, match="alpha"):
        Surrogate.load(tmp_path / "short.safetensors")


@pytest.mark.parametrize("with_mean", [False, True])
def test_gp_export_matches_predict_through_gcc(with_mean: bool) -> None:
    k = suite.load("inversek2j")
    X = k.sample(40, seed=0)
    mean = Surrogate.random(k, width=8, seed=1) if with_mean else None
    gp = fit_gp(k, X, k(X), mean=mean, covariance="matern52")
    Xt = k.sample(200, seed=1).astype(np.float32).astype(np.float64)
    sig = k.signature
    exe = native.build(gp.to_c(), f"{k.function}_surrogate", "void", sig)
    got = native.run(exe, Xt, k.n_outputs, timeout=30.0)
    # float outputs: the C converts to float, so agreement is float rounding
    assert np.allclose(got, gp.predict(Xt), rtol=1e-6, atol=1e-6)


def test_fit_keeps_the_best_on_validation() -> None:
    k = Kernel.from_source(QUADRATIC)
    s = nsc_tune.fit(k, n_samples=40, epochs=100, seed=0)
    c = s.choice
    assert c.candidate == min(c.scores, key=c.scores.get)
    assert c.method == "5-fold cross-validation"
    cov = c.candidate.split()[1]
    assert {"mlp", "gp rbf", "gp matern52", f"gp+compiled {cov}"} \
        <= set(c.scores)
    assert isinstance(s, GPSurrogate) and c.kind == "gp"  # a quadratic: a GP wins
    assert s.n_train == 40  # refitted on every example
    only = nsc_tune.fit(k, n_samples=20, epochs=20, kinds=("mlp",), seed=0)
    assert isinstance(only, Surrogate) and set(only.choice.scores) == {"mlp"}


@pytest.mark.parametrize("bad, match", [
    (dict(X=np.full((10, 2), np.nan)), "X has 20 NaN"),
    (dict(Y=np.r_[np.ones((9, 1)), [[np.inf]]]), r"Y has 1 NaN or inf value\(s\), first at row 9"),
    (dict(Y=np.ones((10, 1))), "every output is constant"),
    (dict(X=np.zeros((10, 3))), r"expected X \(N, 2\)"),
    (dict(n=2), "at least 3"),
])
def test_fit_rejects_bad_examples(bad: dict, match: str) -> None:
    k = Kernel.from_source(QUADRATIC)
    X = k.sample(bad.get("n", 10), seed=0)
    X, Y = bad.get("X", X), bad.get("Y", k(X))
    with pytest.raises(FitError, match=match):
        nsc_tune.fit((X, Y), kernel=k, epochs=5)


@pytest.mark.parametrize("kw, match", [
    (dict(epochs=0), "epochs=0"), (dict(lr=float("nan")), "lr=nan"),
    (dict(val_fraction=1.0), "val_fraction=1.0"), (dict(kinds=("svm",)), "kinds="),
])
def test_fit_rejects_bad_settings(kw: dict, match: str) -> None:
    k = Kernel.from_source(QUADRATIC)
    with pytest.raises(FitError, match=match):
        nsc_tune.fit(k, n_samples=10, **kw)


def test_surrogate_fit_rejects_bad_settings() -> None:
    k = Kernel.from_source(QUADRATIC)
    s = Surrogate.random(k, width=4)
    for kw in (dict(epochs=0), dict(batch_size=0), dict(val_fraction=1.5), dict(lr=-1.0)):
        with pytest.raises(FitError):
            s.fit(k, n_samples=10, **kw)
    with pytest.raises(FitError, match="NaN"):
        s.fit((np.full((4, 2), np.nan), np.ones((4, 1))))


def test_fit_survives_folds_whose_outputs_are_constant() -> None:
    # one example in ten is non-zero: the folds without it train on constant outputs
    k = Kernel.from_source(QUADRATIC)
    X = k.sample(10, seed=0)
    Y = np.zeros((10, 1))
    Y[3] = 1.0
    s = nsc_tune.fit((X, Y), kernel=k, epochs=20, kinds=("gp",), seed=0)
    assert np.isfinite(s.predict(X)).all() and s.choice.method == "5-fold cross-validation"


def test_sparse_gp_approximates_the_exact_mean(tmp_path) -> None:
    k = Kernel.from_source(QUADRATIC)
    X = k.sample(300, seed=0)
    exact = fit_gp(k, X, k(X), covariance="rbf")
    Xt = k.sample(2000, seed=1)
    sparse = exact.sparse(40)
    # pivoting stops once the chosen points explain the kernel to 1e-12 (the smooth RBF's
    # numerical rank on this domain is small)
    assert 1 < sparse.n_train <= 40 and exact.n_train == 300
    # a quadratic is (nearly) in the span of 40 well-spread RBF bumps
    assert float(np.mean((sparse.predict(Xt) - closed_quad(Xt)) ** 2)) < 1e-6
    assert np.allclose(exact.sparse(300).predict(Xt), exact.predict(Xt))
    sparse.save(tmp_path / "s.nsc")
    assert np.allclose(GPSurrogate.load(tmp_path / "s.nsc").predict(Xt), sparse.predict(Xt))
    with pytest.raises(nsc_tune.NscTuneError, match="m must be at least 1"):
        exact.sparse(0)


def test_gp_prediction_without_autograd_matches_with_it() -> None:
    k = Kernel.from_source(POWER)
    X = k.sample(60, seed=0)
    for cov in ("rbf", "matern52"):
        gp = fit_gp(k, X, k(X), covariance=cov, warp_inputs=True)
        Xt = torch.as_tensor(k.sample(700, seed=1)).requires_grad_(True)
        with_grad = gp(Xt).detach().numpy()
        # the same float64 sums in another order: |alpha| ~ 1e5 leaves ~1e-10 of rounding
        assert np.allclose(gp.predict(Xt.detach().numpy()), with_grad, rtol=0, atol=1e-8)


def test_fit_speed_modes() -> None:
    from nsc_tune.surrogate.choose import FAST_TOLERANCE, PARITY_TERMS

    k = Kernel.from_source(QUADRATIC)
    X = k.sample(200, seed=0)
    common = dict(kernel=k, kinds=("gp", "mlp"), epochs=30, seed=0)
    exact = nsc_tune.fit((X, k(X)), speed="exact", **common)
    assert isinstance(exact, GPSurrogate) and exact.n_train == 200  # a quadratic: a GP wins
    fast = nsc_tune.fit((X, k(X)), speed="fast", **common)
    if isinstance(fast, GPSurrogate):
        assert fast.mean is None and fast.n_train * fast.n_outputs <= PARITY_TERMS
    balanced = nsc_tune.fit((X, k(X)), **common)
    c = balanced.choice
    best = min(c.scores.values())
    assert c.scores[c.candidate] <= FAST_TOLERANCE * best
    if c.scores[c.candidate] > best:  # a faster candidate was preferred: it is one
        assert c.candidate == "mlp" or "sparse" in c.candidate
    # few examples: no sparse copies needed, but a network plus a GP still costs more than the MLP
    few = nsc_tune.fit((X[:40], k(X[:40])), speed="fast", kernel=k, kinds=("gp+compiled", "mlp"),
                       epochs=30, seed=0)
    assert isinstance(few, Surrogate) and few.choice.candidate == "mlp"
    with pytest.raises(FitError, match="speed='slow'"):
        nsc_tune.fit((X, k(X)), speed="slow", **common)
