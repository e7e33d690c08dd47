"""Greedy pretraining with per-layer lists, and curvature diagnostics of
networks without an exact R-operator (continuation, noise, dropout).

* ``pretraining='greedy'`` trains networks with the first ``k`` hidden layers;
  per-layer parameters given for the full network are cut to each stage
  (draft 8.7.3).
* ``curvature_diagnostics=True`` with ``continuation`` (which rebuilds the
  network with noise/dropout layers during training) and
  ``hessian_vector_product`` on noisy networks use central differences of
  gradients under one frozen noise draw (book 8.2.1).
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklreg import (
    MLPRegularizedClassifier,
    MLPRegularizedRegressor,
    gradient_curvature,
    hessian_vector_product,
)
from sklreg._hessian import FullBatchOracle
from sklreg.features.pretraining import _stage_layer_params
from sklreg._objective import Objective
from sklreg._registry import ACTIVATIONS
from sklreg.dropout import Dropout
from sklreg.losses import SquaredError
from sklreg.network import Layer, Network, build_network


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = X @ np.array([1.0, 2.0, -1.0]) + 0.1 * rng.normal(size=60)
    return X, y


def _fit(est, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **kw)


# ------------------------------------------------------ greedy pretraining
HIDDEN = (6, 5, 4)  # 3 hidden layers, 4 weight layers: stages with 1 and 2 hidden layers
PER_LAYER = [
    ("alpha", [1e-3, 1e-2, 1e-1, 1e-4]),
    ("l1", [0.0, 1e-3, 0.0, 1e-3]),
    ("max_norm", [2.0, None, 3.0, 1.0]),
    ("dropout", [0.1, 0.2, 0.0]),
    ("hidden_noise", [0.1, 0.0, 0.2]),
    ("activity_l1", [1e-3, 0.0, 1e-2]),
    ("activity_kl", [1e-3, 0.0, 1e-2]),
]


@pytest.mark.parametrize("name, value", PER_LAYER, ids=[p[0] for p in PER_LAYER])
def test_greedy_pretraining_accepts_full_network_per_layer_lists(data, name, value):
    X, y = data
    kw = {name: value}
    if name == "activity_kl":
        kw["activation"] = "logistic"
    est = _fit(MLPRegularizedRegressor(hidden_layer_sizes=HIDDEN, pretraining="greedy",
                                       max_iter=6, random_state=0, **kw), X, y)
    assert [W.shape[1] for W in est.coefs_] == [*HIDDEN, 1]
    assert np.all(np.isfinite(est.predict(X)))


def test_greedy_pretraining_classifier_with_several_lists(data):
    X, y = data
    est = _fit(MLPRegularizedClassifier(
        hidden_layer_sizes=HIDDEN, pretraining="greedy", pretraining_freeze=True,
        alpha=[1e-3, 1e-2, 1e-1, 1e-4], dropout=[0.1, 0.2, 0.0], max_norm=[2.0, None, 3.0, 1.0],
        max_iter=6, random_state=0), X, y > 0)
    assert np.all(np.isfinite(est.predict_proba(X)))


@pytest.mark.parametrize("name, value, n", [
    ("dropout", [0.1, 0.2], 3), ("alpha", [1e-3, 1e-2, 1e-1], 4),
    ("hidden_noise", [0.1, 0.0, 0.2, 0.1], 3), ("max_norm", [2.0, None], 4),
])
def test_greedy_pretraining_still_refuses_wrong_lengths(data, name, value, n):
    X, y = data
    est = MLPRegularizedRegressor(hidden_layer_sizes=HIDDEN, pretraining="greedy",
                                  max_iter=3, **{name: value})
    with pytest.raises(ValueError, match=rf"'{name}' parameter .*sequence of {n} values"):
        est.fit(X, y)


def test_stage_lists_are_cut_to_the_stage_architecture():
    est = MLPRegularizedRegressor(
        hidden_layer_sizes=HIDDEN, alpha=[1, 2, 3, 4], l1=0.5, max_norm=[5, None, 7, 8],
        dropout=[0.1, 0.2, 0.3], hidden_noise=0.4, activity_l1=(1, 2, 3),
    )
    assert _stage_layer_params(est, 1) == {
        "alpha": [1, 4], "max_norm": [5, 8], "dropout": [0.1], "activity_l1": [1],
    }
    assert _stage_layer_params(est, 2) == {
        "alpha": [1, 2, 4], "max_norm": [5, None, 8], "dropout": [0.1, 0.2],
        "activity_l1": [1, 2],
    }


@pytest.mark.parametrize("kind", ["estimator", "coefs", "flat"])
def test_greedy_pretraining_with_an_l2_reference(data, kind):
    X, y = data
    ref = _fit(MLPRegularizedRegressor(hidden_layer_sizes=HIDDEN, max_iter=3, random_state=1),
               X, y)
    value = {"estimator": ref, "coefs": ref.coefs_,
             "flat": np.concatenate([W.ravel() for W in ref.coefs_])}[kind]
    est = _fit(MLPRegularizedRegressor(hidden_layer_sizes=HIDDEN, pretraining="greedy",
                                       l2_reference=value, alpha=0.1, max_iter=6,
                                       random_state=0), X, y)
    assert np.all(np.isfinite(est.predict(X)))


# ------------------------------------- curvature without an exact R-operator
CONTINUATIONS = [
    {"dropout": (0.5, 0.0)}, {"input_noise": (0.3, 0.0)}, {"hidden_noise": (0.2, 0.0)},
    {"weight_noise": (0.05, 0.0)}, {"input_dropout": (0.2, 0.0)},
]


@pytest.mark.parametrize("continuation", CONTINUATIONS, ids=lambda c: next(iter(c)))
def test_continuation_with_curvature_diagnostics(data, continuation):
    X, y = data
    kw = dict(hidden_layer_sizes=(8,), continuation=continuation, dropout=0.0, max_iter=6,
              random_state=0)
    plain = _fit(MLPRegularizedRegressor(**kw), X, y)
    est = _fit(MLPRegularizedRegressor(curvature_diagnostics=True, **kw), X, y)
    hist = est.curvature_history_
    assert len(hist) == est.n_iter_
    for h in hist:
        assert all(np.isfinite(h[key]) for key in ("loss", "gTg", "gTHg"))
    np.testing.assert_array_equal(est._theta, plain._theta)  # diagnostics change nothing


def test_hessian_vector_product_through_dropout(data):
    X, y = data
    est = _fit(MLPRegularizedRegressor(hidden_layer_sizes=(6,), dropout=0.3, input_noise=0.1,
                                       max_iter=5, random_state=0), X, y)
    rng = np.random.default_rng(1)
    u, v = rng.normal(size=(2, est._theta.size))
    hv = hessian_vector_product(est, X, y, v)
    assert np.all(np.isfinite(hv)) and np.linalg.norm(hv) > 0
    # one frozen draw: reproducible, linear and symmetric up to the O(h^2) error
    np.testing.assert_array_equal(hessian_vector_product(est, X, y, v), hv)
    np.testing.assert_allclose(hessian_vector_product(est, X, y, 2 * v), 2 * hv, rtol=1e-5,
                               atol=1e-8)
    uhv, vhu = u @ hv, v @ hessian_vector_product(est, X, y, u)
    assert abs(uhv - vhu) <= 1e-5 * (abs(uhv) + abs(vhu))
    assert np.isfinite(gradient_curvature(est, X, y)["gTHg"])


def test_diagnostics_leave_batch_norm_statistics_alone(data):
    X, y = data
    kw = dict(hidden_layer_sizes=(6,), batch_norm=True, batch_size=20, max_iter=5,
              random_state=0)
    plain = _fit(MLPRegularizedRegressor(**kw), X, y)
    est = _fit(MLPRegularizedRegressor(curvature_diagnostics=True, **kw), X, y)
    np.testing.assert_array_equal(est.predict(X), plain.predict(X))
    before = est.predict(X)
    gradient_curvature(est, X[:30], y[:30])
    hessian_vector_product(est, X[:30], y[:30], np.ones(est._theta.size))
    np.testing.assert_array_equal(est.predict(X), before)


def test_exact_products_refused_with_a_message_naming_the_layer(data):
    X, y = data
    rng = np.random.default_rng(2)
    net = build_network([3, 4, 1], ACTIVATIONS["tanh"]())
    net = Network([net.layers[0], net.layers[1], Dropout(0.3), net.layers[2]])
    obj = Objective(net, SquaredError())
    with pytest.raises(ValueError, match="Dropout.*hvp='fd'"):
        FullBatchOracle(obj, X, y[:, None], hvp="rop")
    oracle = FullBatchOracle(obj, X, y[:, None], seed=0)
    assert oracle.hvp_method == "fd"
    theta, v = rng.normal(size=(2, net.n_params))
    assert np.all(np.isfinite(oracle.hvp(theta, v)))
    with pytest.raises(ValueError, match="Dropout"):
        oracle.fisher_vp(theta, v)


class _ClaimsROp(Layer):
    """Declares R-operator methods that only defer to the (raising) base class."""

    def forward(self, P, x, ctx):
        return x

    def backward(self, P, G, dy, ctx, need_dx):
        return dy

    def r_forward(self, P, V, rx, ctx):
        return super().r_forward(P, V, rx, ctx)

    def r_backward(self, P, V, G, dy, rdy, ctx, need_dx):
        return super().r_backward(P, V, G, dy, rdy, ctx, need_dx)


def test_a_missing_r_operator_raises_with_a_message(data):
    X, y = data
    net = build_network([3, 4, 1], ACTIVATIONS["tanh"]())
    net = Network([net.layers[0], _ClaimsROp(), net.layers[1], net.layers[2]])
    oracle = FullBatchOracle(Objective(net, SquaredError()), X, y[:, None])
    assert oracle.hvp_method == "rop"
    theta, v = np.random.default_rng(3).normal(size=(2, net.n_params))
    with pytest.raises(NotImplementedError, match="R-operator.*hvp='fd'"):
        oracle.hvp(theta, v)
