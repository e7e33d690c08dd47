"""Tests for sklreg.linear: RidgeClosedForm(+Classifier), LassoBaseline.

Book checks: T02 (ridge normal equations, eq 7.17), T05 (L1 soft thresholding under an
orthogonal design, eq 7.23), T10 (pseudoinverse as the ridge limit, section 7.3).
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, Ridge, RidgeClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

import sklreg.linear as linear
from sklreg.linear import (
    LassoBaseline,
    RidgeClosedForm,
    RidgeClosedFormClassifier,
    soft_threshold,
)


@parametrize_with_checks(
    [
        RidgeClosedForm(),
        RidgeClosedForm(solver="svd"),
        RidgeClosedForm(solver="cholesky"),
        RidgeClosedFormClassifier(),
        LassoBaseline(),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _data(n=40, p=5, k=None, seed=0, corr=False):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p)
    if corr:  # correlated columns: coordinate descent needs many sweeps
        X[:, 1] = X[:, 0] + 0.1 * X[:, 1]
    X = X * rng.uniform(0.5, 3.0, size=p) + rng.randn(p)
    w = rng.randn(p) if k is None else rng.randn(p, k)
    y = X @ w + 1.5 + 0.3 * rng.randn(*((n,) if k is None else (n, k)))
    return X, y, rng.uniform(0.1, 3.0, size=n)


# --------------------------------------------------------------------------- ridge
@pytest.mark.parametrize("solver", ["cholesky", "svd", "auto"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("k", [None, 1, 3])
def test_ridge_matches_sklearn(solver, fit_intercept, weighted, k):
    X, y, sw = _data(k=k)
    sw = sw if weighted else None
    alpha = 0.7
    S = X.shape[0] if sw is None else sw.sum()
    ours = RidgeClosedForm(alpha, fit_intercept=fit_intercept, solver=solver)
    ours.fit(X, y, sample_weight=sw)
    ref = Ridge(alpha=alpha * S, fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    # y of shape (n, 1): sklreg keeps the target axis (coef_ (1, p), predict (n, 1)) like
    # LinearRegression; sklearn's Ridge ravels it.  Otherwise shapes agree.
    assert ours.coef_.shape == ((1, 5) if k == 1 else ref.coef_.shape)
    assert ours.predict(X).shape == y.shape
    assert_allclose(ours.coef_.ravel(), ref.coef_.ravel(), rtol=1e-8, atol=1e-10)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-8, atol=1e-10)
    assert_allclose(ours.predict(X).ravel(), ref.predict(X).ravel(), rtol=1e-8, atol=1e-10)
    assert ours.solver_ == ("cholesky" if solver == "auto" else solver)


@pytest.mark.parametrize("solver", ["cholesky", "svd"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_ridge_sparse_equals_dense(solver, fit_intercept, fmt):
    X, y, sw = _data(n=30, p=4, k=2)
    X[np.abs(X) < 1.0] = 0.0
    dense = RidgeClosedForm(0.3, fit_intercept=fit_intercept, solver=solver)
    dense.fit(X, y, sample_weight=sw)
    sp = RidgeClosedForm(0.3, fit_intercept=fit_intercept, solver=solver)
    sp.fit(sparse.csr_matrix(X).asformat(fmt), y, sample_weight=sw)
    assert_allclose(sp.coef_, dense.coef_, rtol=1e-9, atol=1e-12)
    assert_allclose(sp.intercept_, dense.intercept_, rtol=1e-9, atol=1e-12)
    assert_allclose(sp.predict(sparse.csr_array(X)), dense.predict(X), rtol=1e-9)


def test_ridge_normal_equations_T02():
    """Eq 7.17: w = (X'X + a I)^-1 X'y minimizes 0.5||Xw - y||^2 + 0.5 a ||w||^2."""
    X, y, _ = _data(n=50, p=4, seed=1)
    n, a = X.shape[0], 3.0
    w_closed = np.linalg.solve(X.T @ X + a * np.eye(4), X.T @ y)
    # sklreg's mean scaling: alpha = a / n (equivalently sklearn Ridge(alpha=a)).
    ours = RidgeClosedForm(alpha=a / n, fit_intercept=False).fit(X, y)
    assert_allclose(ours.coef_, w_closed, rtol=1e-10)
    assert_allclose(Ridge(alpha=a, fit_intercept=False).fit(X, y).coef_, w_closed, rtol=1e-8)
    # Gradient descent on the sum objective converges to the same point.
    w, lr = np.zeros(4), 1.0 / (np.linalg.eigvalsh(X.T @ X).max() + a)
    for _ in range(5000):
        w -= lr * (X.T @ (X @ w - y) + a * w)
    assert_allclose(w, w_closed, rtol=1e-8)
    # Factor-2 caveat: ||Xw - y||^2 + 0.5 a ||w||^2 is minimized by (X'X + a/2 I)^-1 X'y.
    half = RidgeClosedForm(alpha=a / (2 * n), fit_intercept=False).fit(X, y).coef_
    assert_allclose(half, np.linalg.solve(X.T @ X + a / 2 * np.eye(4), X.T @ y), rtol=1e-10)


def test_pseudoinverse_limit_wide_T10():
    rng = np.random.RandomState(2)
    X, y = rng.randn(3, 6), rng.randn(3)
    est = RidgeClosedForm(alpha=1e-12, fit_intercept=False, solver="svd").fit(X, y)
    w_pinv = np.linalg.pinv(X) @ y
    assert_allclose(est.coef_, w_pinv, rtol=1e-8, atol=1e-10)
    assert est.rank_ == 3 and est.solver_ == "svd"
    assert_allclose(X @ est.coef_, y, atol=1e-9)  # an exact solution ...
    null = np.linalg.svd(X)[2][3:]  # ... of minimum norm among all exact solutions
    for v in null:
        assert np.linalg.norm(est.coef_ + 0.1 * v) > np.linalg.norm(est.coef_)
    # (X'X + a I)^-1 X' -> X^+ as a -> 0 (eq 7.29), matching the estimator.
    a = 1e-9
    assert_allclose(np.linalg.solve(X.T @ X + a * np.eye(6), X.T), np.linalg.pinv(X), atol=1e-6)


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_alpha_zero_rank_deficient_gives_pinv(fit_intercept):
    rng = np.random.RandomState(3)
    X = rng.randn(20, 3)
    X = np.column_stack([X, X[:, 0] - 2 * X[:, 1]])  # rank 3, tall
    y = rng.randn(20)
    est = RidgeClosedForm(alpha=0.0, fit_intercept=fit_intercept).fit(X, y)
    assert est.solver_ == "svd" and est.rank_ == 3
    Xc, yc = (X - X.mean(0), y - y.mean()) if fit_intercept else (X, y)
    assert_allclose(est.coef_, np.linalg.pinv(Xc) @ yc, rtol=1e-8, atol=1e-10)
    if fit_intercept:
        assert_allclose(est.intercept_, y.mean() - X.mean(0) @ est.coef_)
    with pytest.raises(np.linalg.LinAlgError, match="solver='svd'"):
        RidgeClosedForm(alpha=0.0, fit_intercept=fit_intercept, solver="cholesky").fit(X, y)
    # 'auto' with a tiny alpha: Cholesky is too ill-conditioned -> SVD fallback.
    tiny = RidgeClosedForm(alpha=1e-15, fit_intercept=fit_intercept).fit(X, y)
    assert tiny.solver_ == "svd"
    assert_allclose(tiny.coef_, est.coef_, rtol=1e-6, atol=1e-8)


def test_ridge_float32_and_shapes():
    X, y, _ = _data(k=2)
    est = RidgeClosedForm().fit(X.astype(np.float32), y)
    assert est.coef_.dtype == np.float32 and est.coef_.shape == (2, 5)
    assert est.predict(X.astype(np.float32)).dtype == np.float32
    ref = RidgeClosedForm().fit(X, y)
    assert_allclose(est.coef_, ref.coef_, rtol=1e-5)
    one = RidgeClosedForm().fit(X, y[:, :1])
    assert one.coef_.shape == (1, 5) and one.predict(X).shape == (40, 1)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_ridge_classifier_matches_sklearn(n_classes, weighted):
    X, _, sw = _data(n=60, p=4, seed=4)
    labels = np.array(["ant", "bee", "cat"])[:n_classes]
    y = labels[(X[:, 0] > 0).astype(int) + (n_classes == 3) * (X[:, 1] > 1)]
    sw = sw if weighted else None
    S = X.shape[0] if sw is None else sw.sum()
    ours = RidgeClosedFormClassifier(alpha=0.05).fit(X, y, sample_weight=sw)
    ref = RidgeClassifier(alpha=0.05 * S).fit(X, y, sample_weight=sw)
    assert_array_equal(ours.classes_, ref.classes_)
    # Binary: coef_ is (1, p) like LogisticRegression (sklearn 1.9 RidgeClassifier: (p,)).
    assert ours.coef_.shape == (1 if n_classes == 2 else 3, 4)
    assert_allclose(ours.coef_.ravel(), ref.coef_.ravel(), rtol=1e-8, atol=1e-10)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-8, atol=1e-10)
    assert_allclose(ours.decision_function(X), ref.decision_function(X), rtol=1e-8, atol=1e-10)
    assert_array_equal(ours.predict(X), ref.predict(X))


# --------------------------------------------------------------------------- lasso
@pytest.mark.parametrize(
    "seed,alpha,corr", [(0, 0.1, False), (1, 0.5, False), (2, 0.05, True), (3, 0.02, True)]
)
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_lasso_matches_sklearn(seed, alpha, corr, fit_intercept, weighted):
    X, y, sw = _data(n=50, p=8, seed=seed, corr=corr)
    sw = sw if weighted else None
    ours = LassoBaseline(alpha, fit_intercept=fit_intercept, tol=1e-12, max_iter=100000)
    ours.fit(X, y, sample_weight=sw)
    ref = Lasso(alpha, fit_intercept=fit_intercept, tol=1e-12, max_iter=100000)
    ref.fit(X, y, sample_weight=sw)
    assert ours.solver_ == "cd"
    assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6)
    assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)


def _orthogonal_design(n=60, seed=5):
    """Centered X with X'X/n = diag(H) and y whose OLS solution is w_star."""
    rng = np.random.RandomState(seed)
    Z = rng.randn(n, 6)
    Q, _ = np.linalg.qr(Z - Z.mean(0))  # orthonormal AND centered columns
    H = np.array([4.0, 1.0, 0.25, 2.0, 9.0, 0.5])
    X = Q * np.sqrt(n * H) + rng.randn(6)  # column offsets do not matter with intercept
    w_star = np.array([1.0, -0.15, 2.0, 0.04, -0.05, 0.6])
    y = X @ w_star - 0.7
    return X, y, H, w_star


def test_lasso_orthogonal_soft_threshold_T05(monkeypatch):
    X, y, H, w_star = _orthogonal_design()
    alpha = 0.2
    expected = np.sign(w_star) * np.maximum(np.abs(w_star) - alpha / H, 0)
    est = LassoBaseline(alpha=alpha).fit(X, y)
    assert est.solver_ == "orthogonal" and est.n_iter_ == 1
    assert_allclose(est.coef_, expected, rtol=1e-10, atol=1e-12)
    zero = np.abs(w_star) <= alpha / H
    assert zero.sum() >= 2 and np.all(est.coef_[zero] == 0.0)  # exact zeros
    assert np.all(est.coef_[~zero] != 0.0)
    assert_allclose(soft_threshold(w_star, alpha / H), expected)
    ref = Lasso(alpha=alpha, tol=1e-12, max_iter=100000).fit(X, y)
    assert_allclose(est.coef_, ref.coef_, atol=1e-8)
    assert_allclose(est.intercept_, ref.intercept_, atol=1e-8)
    # Coordinate descent (fast path disabled) reaches the same answer.
    monkeypatch.setattr(linear, "_ORTHO_MAX_FEATURES", 0)
    cd = LassoBaseline(alpha=alpha, tol=1e-12).fit(X, y)
    assert cd.solver_ == "cd"
    assert_allclose(cd.coef_, expected, rtol=1e-9, atol=1e-12)
    assert np.all(cd.coef_[zero] == 0.0)


def test_lasso_more_alpha_more_zeros():
    X, y, H, w_star = _orthogonal_design()
    n_zero = [np.sum(LassoBaseline(alpha=a).fit(X, y).coef_ == 0) for a in
              [0.0, 0.05, 0.2, 0.5, 1.0, 5.0, 50.0]]
    assert n_zero == sorted(n_zero) and n_zero[0] == 0 and n_zero[-1] == 6
    Xr, yr, _ = _data(n=50, p=8, seed=1, corr=True)
    n_zero = [np.sum(LassoBaseline(alpha=a, tol=1e-8).fit(Xr, yr).coef_ == 0) for a in
              [0.001, 0.1, 1.0, 100.0]]
    assert n_zero == sorted(n_zero) and n_zero[-1] == 8


def test_lasso_convergence_warning_and_warm_start():
    X, y, _ = _data(n=50, p=8, seed=2, corr=True)
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        est = LassoBaseline(alpha=0.001, max_iter=2, tol=1e-12).fit(X, y)
    assert est.n_iter_ == 2
    est = LassoBaseline(alpha=0.05, tol=1e-10, max_iter=100000).fit(X, y)
    assert est.n_iter_ > 2
    est.set_params(warm_start=True).fit(X, y)
    assert est.n_iter_ <= 2


def test_lasso_zero_variance_column_and_float32():
    X, y, _ = _data(n=30, p=4, seed=6)
    X[:, 2] = 3.0
    est = LassoBaseline(alpha=0.01).fit(X.astype(np.float32), y)
    assert est.coef_[2] == 0.0
    assert est.coef_.dtype == np.float32 and est.predict(X.astype(np.float32)).dtype == np.float32
    with pytest.raises(TypeError, match="[Ss]parse"):
        LassoBaseline().fit(sparse.csr_matrix(X), y)


# --------------------------------------------------------------------------- params
@pytest.mark.parametrize(
    "est,name",
    [
        (RidgeClosedForm(alpha=-1), "alpha"),
        (RidgeClosedForm(solver="qr"), "solver"),
        (RidgeClosedForm(fit_intercept="yes"), "fit_intercept"),
        (RidgeClosedFormClassifier(alpha=-1), "alpha"),
        (RidgeClosedFormClassifier(solver="qr"), "solver"),
        (LassoBaseline(alpha=-1), "alpha"),
        (LassoBaseline(max_iter=0), "max_iter"),
        (LassoBaseline(max_iter=2.5), "max_iter"),
        (LassoBaseline(tol=-1e-3), "tol"),
        (LassoBaseline(warm_start=None), "warm_start"),
    ],
)
def test_bad_parameters(est, name):
    X, y, _ = _data(n=10, p=2)
    y = (y > y.mean()).astype(int) if isinstance(est, RidgeClosedFormClassifier) else y
    with pytest.raises(ValueError, match=f"'{name}'"):
        est.fit(X, y)


def test_bad_sample_weight():
    X, y, _ = _data(n=10, p=2)
    for est in (RidgeClosedForm(), LassoBaseline()):
        with pytest.raises(ValueError, match="Negative"):
            est.fit(X, y, sample_weight=-np.ones(10))
        with pytest.raises(ValueError, match="shape"):
            est.fit(X, y, sample_weight=np.ones(9))


# ------------------------------------------- MLP without hidden layer == ridge
@pytest.mark.parametrize("optimizer", ["lbfgs", "newton", "cg", "bfgs"])
@pytest.mark.parametrize("weighted", [False, True])
def test_linear_mlp_with_full_batch_optimizer_matches_ridge(optimizer, weighted):
    """Issue 5 / book 7.1.1: an MLPRegularizedRegressor without hidden layer,
    identity output, L2 ``alpha`` and a full-batch optimizer minimizes the same
    objective as RidgeClosedForm(alpha) (mean 1/2 squared loss + alpha/2 ||w||^2)."""
    from sklreg import MLPRegularizedRegressor
    from sklreg._registry import OPTIMIZERS

    optimizer = OPTIMIZERS[optimizer](gtol=1e-10)  # converge well below 1e-6
    if hasattr(optimizer, "ftol"):
        optimizer.set_params(ftol=1e-15)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 5)) * [1.0, 2.0, 0.5, 1.0, 3.0]
    y = X @ rng.normal(size=5) + 0.3 * rng.normal(size=80) + 1.5
    sw = rng.uniform(0.5, 2.0, size=80) if weighted else None
    alpha = 0.05
    mlp = MLPRegularizedRegressor(
        hidden_layer_sizes=(), activation="identity", optimizer=optimizer, alpha=alpha,
        max_iter=500, tol=0.0, n_iter_no_change=500, random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y, sample_weight=sw)
    ridge = RidgeClosedForm(alpha=alpha).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(mlp.coefs_[0].ravel(), ridge.coef_, atol=1e-6, rtol=0)
    np.testing.assert_allclose(mlp.intercepts_[0][0], ridge.intercept_, atol=1e-6, rtol=0)
