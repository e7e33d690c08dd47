"""The book's numerically verifiable claims (spec section D) not tested elsewhere.

One test per claim, ``test_Txx_...``, with the claim's number from the test
catalogue (T03, T06, T12, T15, T21, T23, T24, T26, T27, T30, T34, T48, T49,
T50).  Where a claim concerns the library, the test goes through sklreg's
public objects (estimators, optimizer objects, layers); the pure identities
are checked with numpy/scipy next to it.  Monte Carlo checks are seeded and
compare with a tolerance of several standard errors.
"""

import itertools
import pickle
import warnings

import numpy as np
import pytest
from scipy.stats import laplace, norm
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning

from sklreg import (
    LassoBaseline,
    MLPRegularizedClassifier,
    MLPRegularizedRegressor,
    RidgeClosedForm,
    gradient_curvature,
)
from sklreg._hessian import _estimator_oracle
from sklreg.dropout import Dropout
from sklreg.network import Context
from sklreg.noise import PerturbedDense
from sklreg.optim import SGD, Nesterov, Newton


def _orthogonal(rng, d):
    return np.linalg.qr(rng.normal(size=(d, d)))[0]


def _quiet_fit(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


def _within_se(mc_samples, expected, k=5.0):
    """|mean - expected| <= k standard errors (per entry), and the MC is not degenerate."""
    mean = mc_samples.mean(axis=0)
    se = mc_samples.std(axis=0) / np.sqrt(mc_samples.shape[0])
    assert np.all(se > 0)
    assert np.all(np.abs(mean - expected) <= k * se), (mean, expected, se)


# ----------------------------------------------------------------- chapter 7
def test_T03_effective_number_of_parameters_decreases_with_alpha():
    """gamma = sum_i lambda_i / (lambda_i + alpha) = trace of the ridge hat matrix
    (draft eq. 7.8); from rank(X) at alpha -> 0 down to 0.  sklreg's ridge
    minimizes the *mean* loss, so its ``alpha`` is the book's ``n * alpha``."""
    rng = np.random.default_rng(3)
    n = 30
    X = rng.normal(size=(n, 6))
    X[:, 5] = X[:, 0] - 2.0 * X[:, 1]  # rank 5
    lam = np.linalg.eigvalsh(X.T @ X)
    gammas = []
    for alpha in [1e-9, 1e-3, 1e-2, 0.1, 1.0, 10.0, 1e3, 1e6]:
        # one target per row (Y = I): the predictions on X are the hat matrix
        hat = RidgeClosedForm(alpha=alpha, fit_intercept=False).fit(X, np.eye(n)).predict(X)
        gamma = np.trace(hat)
        assert gamma == pytest.approx(np.sum(lam / (lam + n * alpha)), rel=1e-6, abs=1e-9)
        gammas.append(gamma)
    assert np.all(np.diff(gammas) < 0)
    assert gammas[0] == pytest.approx(5.0, abs=1e-4)  # rank(X), not n_features
    assert gammas[-1] < 1e-3


def test_T06_laplace_log_prior_and_lasso_is_its_map_estimate():
    """log p(w) = sum log Laplace(w_i; 0, 1/alpha) = -alpha ||w||_1 + n log alpha
    - n log 2 (eq. 7.24); L1-regularized least squares is MAP under it."""
    rng = np.random.default_rng(6)
    w, a = rng.normal(size=7), 0.7
    assert laplace.logpdf(w, loc=0.0, scale=1.0 / a).sum() == pytest.approx(
        -a * np.abs(w).sum() + 7 * np.log(a) - 7 * np.log(2.0), rel=1e-12)

    X, y = make_regression(40, 5, n_informative=3, noise=1.0, random_state=0)
    y = y / y.std()
    n, alpha = X.shape[0], 0.05
    est = LassoBaseline(alpha=alpha, tol=1e-12, max_iter=10_000).fit(X, y)

    def neg_log_posterior(w, b):  # unit-variance Gaussian likelihood, Laplace(0, 1/(n alpha))
        return -(norm.logpdf(y, X @ w + b, 1.0).sum()
                 + laplace.logpdf(w, 0.0, 1.0 / (n * alpha)).sum())

    def lasso_objective(w, b):  # LassoBaseline's J
        return np.mean(0.5 * (y - X @ w - b) ** 2) + alpha * np.abs(w).sum()

    # -log posterior = n J + a constant independent of (w, b)
    consts = [neg_log_posterior(w, b) - n * lasso_objective(w, b)
              for w, b in [(est.coef_, est.intercept_), (rng.normal(size=5), 1.0)]]
    assert consts[0] == pytest.approx(consts[1], rel=1e-10)
    best = neg_log_posterior(est.coef_, est.intercept_)
    for _ in range(50):
        dw, db = 1e-3 * rng.normal(size=5), 1e-3 * rng.normal()
        assert neg_log_posterior(est.coef_ + dw, est.intercept_ + db) >= best - 1e-9
    assert np.any(est.coef_ == 0.0)  # the Laplace MAP is sparse


def test_T12_weight_noise_on_linear_regression_adds_a_term_without_gradient():
    """E[((w + e)^T x + b - y)^2] = (w^T x + b - y)^2 + eta ||x||^2, e ~ N(0, eta I):
    the added term does not depend on w, so it has no gradient (book 7.5).
    Checked on sklreg's weight-noise layer (``weight_noise`` = std, eta = std^2)."""
    rng = np.random.default_rng(12)
    n, d, s = 20, 4, 0.3
    X, y = rng.normal(size=(n, d)), rng.normal(size=n)
    W, b = rng.normal(size=(d, 1)), np.array([0.2])
    layer = PerturbedDense(d, 1, weight_noise=s)
    ctx = Context(training=True, rng=np.random.default_rng(0))
    R = 4000
    losses, grads = np.empty((R, n)), np.empty((R, d))
    GW, Gb = np.empty((d, 1)), np.empty(1)
    for r in range(R):
        res = layer.forward([W, b], X, ctx)[:, 0] - y
        losses[r] = res**2
        layer.backward([W, b], [GW, Gb], (2.0 * res / n)[:, None], ctx, need_dx=False)
        grads[r] = GW[:, 0]
    clean = X @ W[:, 0] + b - y
    _within_se(losses, clean**2 + s**2 * np.sum(X**2, axis=1))
    _within_se(grads, 2.0 * X.T @ clean / n)  # the noiseless gradient: no regularization


def test_T15_early_stopping_acts_like_L2_with_alpha_one_over_tau_eps():
    """GD from 0 on a quadratic: Q^T w(tau) = [I - (I - eps Lambda)^tau] Q^T w*
    (eq. 7.40) exactly, close to the L2 solution lambda/(lambda + alpha) Q^T w*
    with alpha = 1/(tau eps) (eq. 7.45) for small eps * lambda."""
    rng = np.random.default_rng(15)
    lam = np.array([1e-3, 2e-3, 4e-3, 7e-3, 1e-2])
    Q = _orthogonal(rng, 5)
    H = Q @ np.diag(lam) @ Q.T
    w_star = rng.normal(size=5)
    eps, tau = 0.1, 200
    w = np.zeros(5)
    opt = SGD().start(w)
    for _ in range(tau):  # sklreg's SGD object (Algorithm 8.1) with the full gradient
        opt.step(w, lambda th: (0.5 * (th - w_star) @ H @ (th - w_star), H @ (th - w_star)),
                 eps)
    proj = Q.T @ w
    np.testing.assert_allclose(proj, (1 - (1 - eps * lam) ** tau) * (Q.T @ w_star),
                               rtol=1e-10)
    alpha = 1.0 / (tau * eps)
    l2 = lam / (lam + alpha) * (Q.T @ w_star)
    assert np.all(np.abs(proj / l2 - 1.0) <= 0.1)
    # exactly the ridge solution of the same quadratic: (H + alpha I)^{-1} H w*
    ridge = np.linalg.solve(H + alpha * np.eye(5), H @ w_star)
    assert np.linalg.norm(w - ridge) <= 0.1 * np.linalg.norm(ridge)


def test_T21_dropout_on_linear_regression_is_per_feature_L2():
    """E_mask ||y - ((M * X)/p) w||^2 = ||y - X w||^2 + ((1-p)/p) sum_j w_j^2 sum_i x_ij^2
    (book 7.12, Wager et al. 2013), with sklreg's input-dropout layer (drop
    probability ``1 - p``, inverted scaling)."""
    rng = np.random.default_rng(21)
    n, p = 15, 0.8
    X = rng.normal(size=(n, 4)) * np.array([0.5, 1.0, 2.0, 4.0])
    w, y = rng.normal(size=4), rng.normal(size=n)
    R = 20_000
    masked = Dropout(rate=1.0 - p).forward(
        None, np.tile(X, (R, 1)), Context(training=True, rng=np.random.default_rng(0)))
    assert 0.75 < np.mean(masked != 0) < 0.85  # the layer drops ~20% of the entries
    sq = ((np.tile(y, R) - masked @ w) ** 2).reshape(R, n).sum(axis=1)
    per_feature = (1 - p) / p * np.sum(X**2, axis=0)  # a different L2 weight per feature
    expected = np.sum((y - X @ w) ** 2) + np.sum(per_feature * w**2)
    _within_se(sq[:, None], np.array([expected]))
    assert sq.mean() == pytest.approx(expected, rel=0.02)


def test_T23_max_norm_perturbation_changes_a_linear_function_by_eps_l1():
    """max over ||eta||_inf <= eps of w^T eta = eps ||w||_1, attained at
    eta = eps sign(w) (book 7.13); for a fitted linear sklreg model the
    sign-of-the-input-gradient perturbation changes every prediction by that much."""
    rng = np.random.default_rng(23)
    w, eps = rng.normal(size=6), 0.1
    bound = eps * np.abs(w).sum()
    assert w @ (eps * np.sign(w)) == pytest.approx(bound, rel=1e-14)
    # a linear function's maximum over the box is at a vertex: enumerate all 2^6
    vertices = eps * np.array(list(itertools.product([-1.0, 1.0], repeat=6)))
    assert np.max(vertices @ w) == pytest.approx(bound, rel=1e-14)
    inside = rng.uniform(-eps, eps, size=(10_000, 6))
    assert np.all(inside @ w <= bound)

    X, y = make_regression(60, 6, noise=1.0, random_state=0)
    est = _quiet_fit(MLPRegularizedRegressor(hidden_layer_sizes=(), optimizer="lbfgs",
                                             max_iter=50, random_state=0), X, y)
    coef = est.coefs_[0][:, 0]
    change = est.predict(X[:5] + eps * np.sign(coef)) - est.predict(X[:5])
    np.testing.assert_allclose(change, eps * np.abs(coef).sum(), rtol=1e-10)


# ----------------------------------------------------------------- chapter 8
def test_T24_minibatch_gradient_is_unbiased():
    """The mean of the minibatch gradients of an equal-size partition is the
    full-batch gradient exactly; random minibatches are unbiased with a
    standard error ~ 1/sqrt(m) (book 8.1.3, eqs. 8.7-8.9).  The gradients are
    those of the objective sklreg's estimator minimizes (loss + L2 penalty)."""
    X, y = make_classification(2000, 6, n_informative=4, random_state=0)
    est = _quiet_fit(MLPRegularizedClassifier((8,), alpha=1e-3, max_iter=2, random_state=0),
                     X, y)
    theta = est._theta

    def grad(rows):
        return _estimator_oracle(est, X[rows], y[rows], None).loss_grad(theta)[1].copy()

    full = grad(np.arange(2000))
    rng = np.random.default_rng(24)
    batches = rng.permutation(2000).reshape(20, 100)
    np.testing.assert_allclose(np.mean([grad(b) for b in batches], axis=0), full,
                               rtol=1e-9, atol=1e-12)
    spread = {}
    for m in (10, 1000):
        draws = np.array([grad(rng.integers(0, 2000, size=m)) for _ in range(100)])
        _within_se(draws, full)
        spread[m] = np.sqrt(np.sum(draws.var(axis=0)))
    assert 7.0 < spread[10] / spread[1000] < 14.0  # sqrt(1000 / 10) = 10


def _fitted_relu_regressor():
    X, y = make_regression(80, 4, noise=5.0, random_state=0)
    y = y / y.std()
    est = _quiet_fit(MLPRegularizedRegressor((6,), activation="relu", alpha=0.05,
                                             max_iter=30, random_state=0), X, y)
    return est, X, y


def _copy(est):  # pickle rebuilds coefs_/intercepts_ as views of the copy's parameters
    return pickle.loads(pickle.dumps(est))


def _l2(est):
    return sum(float(np.sum(W**2)) for W in est.coefs_)


def test_T26_relu_rescaling_symmetry_broken_by_weight_decay():
    """Scaling a ReLU unit's incoming weights and bias by a > 0 and its outgoing
    weights by 1/a leaves the function unchanged (book 8.2.2); the L2 penalty
    value changes (weight decay breaks the symmetry)."""
    est, X, y = _fitted_relu_regressor()
    twin, a, j = _copy(est), 3.0, 2
    twin.coefs_[0][:, j] *= a
    twin.intercepts_[0][j] *= a
    twin.coefs_[1][j, :] /= a
    assert not np.allclose(twin._theta, est._theta)
    np.testing.assert_allclose(twin.predict(X), est.predict(X), rtol=1e-10, atol=1e-12)
    # the objective changes by exactly the change of alpha/2 sum ||W||^2
    d_penalty = 0.5 * est.alpha * (_l2(twin) - _l2(est))
    assert abs(d_penalty) > 1e-3
    d_objective = gradient_curvature(twin, X, y)["loss"] - gradient_curvature(est, X, y)["loss"]
    assert d_objective == pytest.approx(d_penalty, rel=1e-8)
    # the copy's coefs_ are live: an asymmetric change does change the function
    broken = _copy(est)
    broken.coefs_[1][j, :] /= a
    assert not np.allclose(broken.predict(X), est.predict(X))


def test_T27_permuting_hidden_units_leaves_the_function_unchanged():
    """Permuting the hidden units (columns of W1 and b1, rows of W2) gives the
    same function (weight-space symmetry, book 8.2.2), and the same L2 penalty."""
    est, X, y = _fitted_relu_regressor()
    perm = np.array([3, 0, 5, 1, 4, 2])
    twin = _copy(est)
    twin.coefs_[0][...] = est.coefs_[0][:, perm]
    twin.intercepts_[0][...] = est.intercepts_[0][perm]
    twin.coefs_[1][...] = est.coefs_[1][perm, :]
    assert not np.allclose(twin._theta, est._theta)
    np.testing.assert_allclose(twin.predict(X), est.predict(X), rtol=1e-10, atol=1e-12)
    assert gradient_curvature(twin, X, y)["loss"] == pytest.approx(
        gradient_curvature(est, X, y)["loss"], rel=1e-12)


def test_T30_batch_gradient_descent_converges_linearly():
    """On a quadratic with Hessian eigenvalues in [mu, L], full-batch GD with
    eps = 1/L multiplies the excess error by at most 1 - mu/L per step
    (draft 8.3.1); sklreg's SGD object with the full gradient."""
    rng = np.random.default_rng(30)
    mu, L = 0.1, 2.0
    lam = np.linspace(mu, L, 8)
    Q = _orthogonal(rng, 8)
    H, c = Q @ np.diag(lam) @ Q.T, rng.normal(size=8)

    def f(x):
        return 0.5 * (x - c) @ H @ (x - c)  # minimum 0 at c

    x = c + rng.normal(size=8)
    opt = SGD().start(x)
    ratios = []
    for _ in range(60):
        before = f(x)
        opt.step(x, lambda th: (f(th), H @ (th - c)), 1.0 / L)
        ratios.append(f(x) / before)
    assert max(ratios) <= 1.0 - mu / L
    # the slowest direction dominates: the ratio tends to (1 - mu/L)^2
    assert ratios[-1] == pytest.approx((1.0 - mu / L) ** 2, rel=1e-3)


def test_T34_nesterov_schedule_accelerates_convex_batch_problems():
    """Smooth convex, not strongly convex (rank-deficient least squares), full
    batch, eps = 1/L: with Nesterov's momentum schedule 1 - 3/(t+5) the excess
    error obeys k^2 (f_k - f*) <= 2 L ||x0 - x*||^2 (O(1/k^2), book 8.3.3);
    gradient descent only k (f_k - f*) <= L ||x0 - x*||^2 / 2 (O(1/k)), and
    Nesterov is lower after equal numbers of steps."""
    rng = np.random.default_rng(34)
    n, d, r = 40, 30, 10
    U = np.linalg.qr(rng.normal(size=(n, r)))[0]
    V = np.linalg.qr(rng.normal(size=(d, r)))[0]
    A = U @ np.diag(np.logspace(0, -3, r)) @ V.T  # rank 10 < d
    b = rng.normal(size=n)

    def f(x):
        return 0.5 * np.sum((A @ x - b) ** 2)

    def fg(x):
        return f(x), A.T @ (A @ x - b)

    L = np.linalg.eigvalsh(A.T @ A).max()
    x_star = np.linalg.lstsq(A, b, rcond=None)[0]  # the minimizer closest to x0 = 0
    f_star, R2 = f(x_star), float(x_star @ x_star)
    K = 2000
    k = np.arange(1, K + 1)
    excess = {}
    for name, opt in [("gd", SGD()), ("nesterov", Nesterov(momentum_schedule="nesterov"))]:
        x = np.zeros(d)
        opt.start(x)
        gaps = []
        for _ in range(K):
            opt.step(x, fg, 1.0 / L)
            gaps.append(f(x) - f_star)
        excess[name] = np.maximum(np.array(gaps), 0.0)
    assert np.max((k + 1) ** 2 * excess["nesterov"]) <= 2.0 * L * R2
    assert np.max(k * excess["gd"]) <= 0.5 * L * R2
    assert K**2 * excess["gd"][-1] > 2.0 * L * R2  # GD is not O(1/k^2) here
    for steps in (100, 500, 1000, 2000):
        assert excess["nesterov"][steps - 1] < excess["gd"][steps - 1]
    assert excess["nesterov"][-1] < 0.5 * excess["gd"][-1]


def test_T48_the_score_has_zero_mean_under_the_model():
    """sum_x p_theta(x) grad log p_theta(x) = 0 (draft eq. 8.27).  For a fitted
    classifier at any theta: weighting every class of every row by the model's
    own predict_proba makes the gradient of the data term vanish."""
    rng = np.random.default_rng(48)
    z = rng.normal(size=5)
    p = np.exp(z - z.max())
    p /= p.sum()
    scores = np.eye(5) - p  # row x: grad_z log softmax(z)_x
    np.testing.assert_allclose(p @ scores, 0.0, atol=1e-15)

    X, y = make_classification(60, 4, n_informative=3, n_redundant=0, n_classes=3,
                               random_state=0)
    est = _quiet_fit(MLPRegularizedClassifier((5,), alpha=0.0, max_iter=3, random_state=0),
                     X, y)
    k = len(est.classes_)
    P = est.predict_proba(X)
    expected_label = gradient_curvature(
        est, np.repeat(X, k, axis=0), np.tile(est.classes_, len(X)), sample_weight=P.ravel())
    observed_label = gradient_curvature(est, X, y)
    assert observed_label["gTg"] > 1e-6  # not a stationary point of the data
    assert expected_label["gTg"] <= 1e-20 * max(1.0, observed_label["gTg"])


def test_T49_coordinate_descent_stalls_where_newton_takes_one_step():
    """f = (x1 - x2)^2 + a (x1^2 + x2^2): each exact coordinate-descent sweep
    multiplies x2 by 1/(1 + a)^2 (a = 0.01: ~0.82 after 10 sweeps), while
    Newton's method reaches the minimum in one step (draft 8.7.1)."""
    a = 0.01
    # (1/2n) ||X w - y||^2 with these rows is f(w - w_t) / (2n): LassoBaseline
    # with alpha=0 runs exact cyclic coordinate descent on it from w = 0
    X = np.array([[1.0, -1.0], [np.sqrt(a), 0.0], [0.0, np.sqrt(a)]])
    w_t = np.array([0.3, 1.0])
    e0 = -w_t[1]  # the error of x2 at the start (w = 0)
    for sweeps in (1, 5, 10):
        est = _quiet_fit(LassoBaseline(alpha=0.0, fit_intercept=False, max_iter=sweeps,
                                       tol=0.0), X, X @ w_t)
        assert est.solver_ == "cd"
        err = est.coef_[1] - w_t[1]
        assert err == pytest.approx(e0 / (1 + a) ** (2 * sweeps), rel=1e-10)
    assert (1 + a) ** -20 == pytest.approx(0.82, abs=0.005)

    class Oracle:  # f itself, for sklreg's Newton object
        n_evals = 0

        def loss_grad(self, x):
            self.n_evals += 1
            diff = x[0] - x[1]
            return diff**2 + a * (x @ x), 2.0 * np.array([diff, -diff]) + 2.0 * a * x

        def hvp(self, x, v):
            return np.array([[2 + 2 * a, -2.0], [-2.0, 2 + 2 * a]]) @ v

    x = np.array([0.7, 1.0])
    opt = Newton(damping=0.0, solver="dense", gtol=1e-12).start(x)
    opt.minimize(Oracle(), x, max_iter=1)
    np.testing.assert_allclose(x, 0.0, atol=1e-14)


def test_T50_blurring_the_objective():
    """J^(sigma)(theta) = E_{theta' ~ N(theta, sigma^2 I)} J(theta') (draft 8.7.5):
    for J = -theta^T theta it is -theta^T theta - d sigma^2 (never convex); for a
    quadratic with Hessian H it is J + (sigma^2/2) tr(H) (same minimizer).  sklreg
    blurs with weight noise (``continuation={'weight_noise': (sigma, 0)}``): the
    expected loss of its weight-noise layer is the blurred objective."""
    rng = np.random.default_rng(50)
    d, sigma = 3, 0.4
    theta = rng.normal(size=d)
    draws = theta + sigma * rng.normal(size=(100_000, d))
    _within_se(-np.sum(draws**2, axis=1)[:, None], np.array([-theta @ theta - d * sigma**2]))
    # the blurred -theta^T theta has Hessian -2I for every sigma: never convex

    M = rng.normal(size=(d, d))
    H, c = M @ M.T + np.eye(d), rng.normal(size=d)

    def J(x):  # rows of x
        return 0.5 * np.einsum("ij,jk,ik->i", x - c, H, x - c)

    _within_se(J(draws)[:, None], J(theta[None])[0] + 0.5 * sigma**2 * np.trace(H))
    # J + constant: the gradient, hence the minimizer c, is unchanged

    n = 25
    X, y = rng.normal(size=(n, d)), rng.normal(size=n)
    W, b = rng.normal(size=(d, 1)), np.zeros(1)
    layer = PerturbedDense(d, 1, weight_noise=sigma)
    ctx = Context(training=True, rng=np.random.default_rng(1))
    losses = np.array([np.mean(0.5 * (layer.forward([W, b], X, ctx)[:, 0] - y) ** 2)
                       for _ in range(4000)])
    H_W = X.T @ X / n  # Hessian of the mean 1/2 squared error in the weights
    blurred = np.mean(0.5 * (X @ W[:, 0] - y) ** 2) + 0.5 * sigma**2 * np.trace(H_W)
    _within_se(losses[:, None], np.array([blurred]))
