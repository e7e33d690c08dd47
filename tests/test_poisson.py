"""Poisson regression: ``MLPRegularizedRegressor(loss='poisson')`` (log link).

The loss is half the Poisson deviance, as scikit-learn's
``MLPRegressor(loss='poisson')``; a linear model (no hidden layer) minimizes
the same objective as ``PoissonRegressor`` (mean half deviance + alpha/2
||w||^2, see docs/conventions.md), so their coefficients agree.  Gradients of
the loss are checked in tests/test_gradients.py; here its exact
Hessian-vector product against finite differences of gradients.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import PoissonRegressor
from sklearn.metrics import mean_poisson_deviance
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklreg import MLPRegularizedRegressor, gradient_curvature, hessian_vector_product
from sklreg._hessian import FullBatchOracle
from sklreg._objective import Objective
from sklreg._registry import ACTIVATIONS
from sklreg._testing import rel_err
from sklreg.losses import PoissonDeviance
from sklreg.network import build_network
from sklreg.penalties import L2Penalty

from _helpers import CHECKS_FIT as FAST, fd_directional, fd_hvp


def counts(n=200, d=4, seed=0, k=None):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    coef = np.linspace(-0.4, 0.5, d)
    mu = np.exp(X @ coef + 0.3)
    if k is not None:
        mu = mu[:, None] * np.linspace(0.5, 2.0, k)
    return X, rng.poisson(mu).astype(float)


# ------------------------------------------------------------------ the loss
@pytest.mark.parametrize("weighted", [False, True])
def test_output_hvp_matches_finite_differences_of_the_output_gradient(weighted):
    rng = np.random.default_rng(1)
    n, k = 9, 3
    z = rng.normal(size=(n, k))
    Y = np.floor(np.exp(rng.normal(size=(n, k))))  # counts with zeros
    w = None
    if weighted:
        w = rng.uniform(0.1, 2.0, n)
        w /= w.sum()
    loss = PoissonDeviance()
    rz = rng.normal(size=(n, k))

    def grad(zz):
        zz = zz.copy()
        loss.forward_backward(zz, Y, w)
        return zz

    hv = loss.output_hvp(loss.link(z.copy()), rz, w)
    assert rel_err(hv, fd_directional(grad, z, rz)) <= 1e-7
    # and the gradient is the derivative of the value
    g = grad(z)
    fd = fd_directional(lambda zz: np.array(loss.forward_backward(zz.copy(), Y, w)), z, rz)
    assert float(np.sum(g * rz)) == pytest.approx(float(fd), rel=1e-7)


def test_value_is_half_the_poisson_deviance_as_scikit_learn():
    X, y = counts(50)
    z = np.random.default_rng(2).normal(size=(50, 1))
    value = PoissonDeviance().forward_backward(z.copy(), y[:, None], None)
    assert value == pytest.approx(0.5 * mean_poisson_deviance(y, np.exp(z.ravel())), rel=1e-12)
    assert PoissonDeviance().forward_backward(np.log(np.c_[[1.0, 2.0, 3.0]]), np.c_[[1.0, 2.0, 3.0]],
                                   None) == pytest.approx(0.0, abs=1e-15)


def test_network_hvp_and_fisher_match_finite_differences():
    X, Y = counts(30, 3, seed=3, k=2)
    net = build_network([3, 5, 2], ACTIVATIONS["tanh"]())
    obj = Objective(net, PoissonDeviance(), [L2Penalty([0.1, 0.2]).bind(net.layout)])
    w = np.random.default_rng(4).random(30)
    oracle = FullBatchOracle(obj, X, Y, w / w.sum())
    assert oracle.hvp_method == "rop"
    rng = np.random.default_rng(5)
    theta = 0.3 * rng.normal(size=net.n_params)
    v = rng.normal(size=net.n_params)
    fd = fd_hvp(lambda t: oracle.loss_grad(t)[1], theta, v)
    assert rel_err(oracle.hvp(theta, v), fd) <= 1e-6
    # without hidden layers the Fisher (Gauss-Newton) matrix is the Hessian
    lin = build_network([3, 2], None)
    obj = Objective(lin, PoissonDeviance(), [L2Penalty([0.1]).bind(lin.layout)])
    o = FullBatchOracle(obj, X, Y)
    theta, v = 0.3 * rng.normal(size=(2, lin.n_params))
    np.testing.assert_allclose(o.fisher_vp(theta, v), o.hvp(theta, v), rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------ the estimator
@pytest.mark.parametrize("optimizer", ["lbfgs", "newton"])
@pytest.mark.parametrize("alpha", [1e-3, 0.1])
@pytest.mark.parametrize("weighted", [False, True])
def test_linear_poisson_matches_poisson_regressor(optimizer, alpha, weighted):
    X, y = counts()
    sw = np.random.default_rng(6).uniform(0.2, 2.0, len(y)) if weighted else None
    ref = PoissonRegressor(alpha=alpha, tol=1e-10, max_iter=1000).fit(X, y, sample_weight=sw)
    est = MLPRegularizedRegressor(
        hidden_layer_sizes=(), loss="poisson", optimizer=optimizer, alpha=alpha,
        max_iter=300, tol=1e-10, random_state=0,
    ).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(est.coefs_[0].ravel(), ref.coef_, rtol=0, atol=1e-4)
    assert est.intercepts_[0][0] == pytest.approx(ref.intercept_, abs=1e-4)
    np.testing.assert_allclose(est.predict(X), ref.predict(X), rtol=1e-3)


def test_objective_and_curvature_through_the_public_api():
    X, y = counts(80)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = MLPRegularizedRegressor(
            hidden_layer_sizes=(6,), loss="poisson", alpha=0.0, max_iter=30,
            curvature_diagnostics=True, random_state=0,
        ).fit(X, y)
    pred = est.predict(X)
    assert pred.shape == y.shape and np.all(pred > 0)
    d = gradient_curvature(est, X, y)
    assert d["loss"] == pytest.approx(0.5 * mean_poisson_deviance(y, pred), rel=1e-9)
    assert d["gTHg"] > 0  # convex in the output: positive curvature along g here
    assert all(np.isfinite(h["gTHg"]) for h in est.curvature_history_)
    v = np.random.default_rng(7).normal(size=est._theta.size)
    assert np.all(np.isfinite(hessian_vector_product(est, X, y, v)))


def test_marginal_output_bias_is_the_log_of_the_weighted_mean():
    X, y = counts(100)
    sw = np.random.default_rng(8).uniform(0.5, 1.5, len(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = MLPRegularizedRegressor(
            hidden_layer_sizes=(), loss="poisson", optimizer="sgd", learning_rate=1e-12,
            max_iter=1, random_state=0,
        ).fit(X, y, sample_weight=sw)
    assert est.intercepts_[0][0] == pytest.approx(np.log(np.average(y, weights=sw)), rel=1e-8)


def test_an_all_zero_output_gets_a_finite_bias_and_fits():
    X, Y = counts(60, k=2)
    Y[:, 1] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = MLPRegularizedRegressor(
            hidden_layer_sizes=(4,), loss="poisson", max_iter=5, random_state=0
        ).fit(X, Y)
    assert np.all(np.isfinite(est.intercepts_[-1]))
    pred = est.predict(X)
    assert np.all(np.isfinite(pred)) and pred[:, 1].max() < pred[:, 0].min()


# ----------------------------------------------------------------- errors
def test_negative_targets_and_zero_sum_are_refused_with_sklearns_wording():
    X, y = counts(40)
    est = MLPRegularizedRegressor(hidden_layer_sizes=(3,), loss="poisson", max_iter=2)
    bad = y.copy()
    bad[3] = -1.0
    with pytest.raises(ValueError, match="Some value.s. of y are negative which is not allowed "
                                         "for Poisson regression"):
        est.fit(X, bad)
    with pytest.raises(ValueError, match="Sum of y is not strictly positive"):
        est.fit(X, np.zeros_like(y))
    with pytest.raises(ValueError, match="y_val are negative"):
        est.fit(X, y, X_val=X[:5], y_val=bad[:5])
    with pytest.raises(ValueError, match="y are negative"):
        est.partial_fit(X, bad)
    # squared error accepts the same targets
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPRegularizedRegressor(hidden_layer_sizes=(3,), max_iter=2).fit(X, bad)


@pytest.mark.parametrize("loss", ["huber", "Poisson", None, 1])
def test_invalid_loss_lists_the_allowed_values(loss):
    X, y = counts(20)
    with pytest.raises(ValueError, match=r"'loss'.*\['poisson', 'squared_error'\]"):
        MLPRegularizedRegressor(loss=loss, max_iter=2).fit(X, y)


def test_loss_parameter_and_positive_only_tag():
    est = MLPRegularizedRegressor()
    assert est.get_params()["loss"] == "squared_error"
    assert not get_tags(est).target_tags.positive_only
    assert get_tags(est.set_params(loss="poisson")).target_tags.positive_only
    assert "poisson" in MLPRegularizedRegressor.__doc__


def test_out_activation_is_exp_for_poisson():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = rng.poisson(np.exp(X[:, 0] * 0.5))
    est = MLPRegularizedRegressor(loss="poisson", hidden_layer_sizes=(4,), max_iter=20,
                                  random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    assert est.out_activation_ == "exp"
    assert np.all(est.predict(X) > 0)  # the log link's exp output


# ------------------------------------------------ scikit-learn's estimator checks


def _expected_failed(estimator):
    return {
        # scikit-learn 1.9's check_regressor_multioutput fits make_regression targets
        # without applying the positive_only target tag (every other check applies it)
        "check_regressor_multioutput": (
            "the check does not honour target_tags.positive_only and passes negative "
            "targets, which loss='poisson' refuses"
        ),
    }


@parametrize_with_checks(
    [MLPRegularizedRegressor(**FAST, loss="poisson"),
     MLPRegularizedRegressor(**FAST, loss="poisson", optimizer="lbfgs")],
    expected_failed_checks=_expected_failed,
)
def test_sklearn_compatible_poisson(estimator, check):
    check(estimator)


def test_curriculum_difficulty_uses_the_poisson_deviance():
    from sklreg.curriculum import per_sample_loss

    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    y = rng.poisson(np.exp(0.5 * X[:, 0])).astype(float)
    est = MLPRegularizedRegressor(loss="poisson", hidden_layer_sizes=(4,), max_iter=20,
                                  random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    d = per_sample_loss(est, X, y)
    expected = mean_poisson_deviance(y, est.predict(X)) / 2  # half deviance, averaged
    np.testing.assert_allclose(d.mean(), expected, rtol=1e-10)
    # the curriculum runs with the Poisson loss and fits finite predictions
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cur = MLPRegularizedRegressor(loss="poisson", hidden_layer_sizes=(4,), max_iter=10,
                                      curriculum="deterministic", random_state=0).fit(X, y)
    assert np.all(np.isfinite(cur.predict(X)))
