"""Draft 8.7.3-8.7.5: skip connections, auxiliary heads, greedy supervised
pretraining and continuation."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from sklreg._trainer import HelperSpec, Trainer, helper_spec
from sklreg.features.continuation import Continuation
from sklreg.features.pretraining import greedy_pretrain
from sklreg.architecture import AuxiliaryHead
from sklreg.network import Context

from _helpers import RTOL_GRAD, fd_rel_error, frozen_loss_grad


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X)[:300], y[:300]


def _fit(est, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **kw)


def _layer_names(est):
    return [type(l).__name__ for l in est._objective.network.layers]


def _fd_check(est, X, Y, seed=0):
    """Relative error of the training objective's gradient against central
    differences (float64, one frozen noise draw), at a perturbed theta."""
    rng = np.random.default_rng(seed)
    theta = est._theta + rng.normal(scale=0.2, size=est._theta.shape)
    return fd_rel_error(frozen_loss_grad(est._objective, X, Y, None, seed=123), theta)[0]


OPTIONS = [
    dict(skip_connections=True),
    dict(auxiliary_heads=True),
    dict(skip_connections=True, auxiliary_heads=True, auxiliary_weight=0.7),
    dict(skip_connections=True, auxiliary_heads=True, batch_norm=True, dropout=0.2),
]


@pytest.mark.parametrize("kw", OPTIONS)
@pytest.mark.parametrize("task", ["classifier", "regressor"])
def test_gradients_skip_and_auxiliary(kw, task, digits):
    X, y = digits
    X = X[:20, :10]
    if task == "classifier":
        est = MLPRegularizedClassifier(hidden_layer_sizes=(6, 6, 6), max_iter=1, random_state=0, **kw)
        est = _fit(est, X, y[:20] % 3)
        Y = est._label_binarizer.transform(y[:20] % 3).astype(float)
    else:
        est = MLPRegularizedRegressor(hidden_layer_sizes=(6, 6, 6), max_iter=1, random_state=0, **kw)
        Y = np.column_stack([X[:, 0] - X[:, 1], X[:, 2]])
        est = _fit(est, X, Y)
    assert _fd_check(est, X, Y) <= RTOL_GRAD


def test_skip_connection_layout_and_forward(digits):
    X, y = digits
    est = _fit(MLPRegularizedClassifier(hidden_layer_sizes=(8, 8, 5), max_iter=2, random_state=0,
                                        skip_connections=True), X, y)
    names = _layer_names(est)
    # a skip only around the second hidden layer (8 -> 8); not 8 -> 5, not the input
    assert names.count("SkipStart") == 1 and names.count("SkipEnd") == 1
    assert names.index("SkipStart") > names.index("Dense")
    # forward: h2 = relu(h1 W2 + b2) + h1 by hand
    W, b = est.coefs_, est.intercepts_
    h1 = np.maximum(X @ W[0] + b[0], 0)
    h2 = np.maximum(h1 @ W[1] + b[1], 0) + h1
    h3 = np.maximum(h2 @ W[2] + b[2], 0)
    z = h3 @ W[3] + b[3]
    p = np.exp(z - z.max(1, keepdims=True))
    np.testing.assert_allclose(est.predict_proba(X), p / p.sum(1, keepdims=True), rtol=1e-10)


def test_auxiliary_heads_train_but_do_not_predict(digits):
    X, y = digits
    est = _fit(MLPRegularizedClassifier(hidden_layer_sizes=(8, 8, 8), max_iter=3, random_state=0,
                                        auxiliary_heads=True), X, y)
    heads = [l for l in est._objective.network.layers if isinstance(l, AuxiliaryHead)]
    assert len(heads) == 2  # every hidden layer but the last
    assert len(est.coefs_) == 4  # heads are not part of coefs_
    # heads were initialized (non-zero) and trained
    aux = est._theta[est._objective.layout.n_params - sum(h.fan_in * h.n_outputs + h.n_outputs
                                                         for h in heads):]
    assert np.abs(aux).max() > 0
    # prediction = the main path only (the plain forward by hand)
    h = X
    for W, b in zip(est.coefs_[:-1], est.intercepts_[:-1]):
        h = np.maximum(h @ W + b, 0)
    z = h @ est.coefs_[-1] + est.intercepts_[-1]
    np.testing.assert_array_equal(est.predict(X), est.classes_[z.argmax(1)])
    # the training objective includes the weighted head losses
    Y = est._label_binarizer.transform(y).astype(float)
    obj = est._objective
    with_heads = obj.value(est._theta, X, Y, None, Context(training=True))
    plain = obj.value(est._theta, X, Y, None, Context(training=False))
    assert with_heads > plain


def test_auxiliary_weight_zero_equals_no_heads_objective(digits):
    X, y = digits
    kw = dict(hidden_layer_sizes=(8, 8), max_iter=3, random_state=0)
    a = _fit(MLPRegularizedClassifier(**kw), X, y)
    b = _fit(MLPRegularizedClassifier(**kw, auxiliary_heads=True, auxiliary_weight=0.0), X, y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-12)


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(hidden_layer_sizes=(8, 4), skip_connections=True), "skip_connections"),
        (dict(hidden_layer_sizes=(8,), auxiliary_heads=True), "auxiliary_heads"),
        (dict(auxiliary_weight=-1.0), "auxiliary_weight"),
        (dict(skip_connections="yes"), "skip_connections"),
        (dict(pretraining="layerwise"), "pretraining"),
        (dict(hidden_layer_sizes=(8,), pretraining="greedy"), "pretraining"),
        (dict(pretraining_epochs=0), "pretraining_epochs"),
        (dict(pretraining_freeze=1), "pretraining_freeze"),
        (dict(continuation={"l1": (1.0, 0.0)}), "continuation"),
        (dict(continuation={"dropout": (0.5,)}), "continuation"),
        (dict(continuation={"dropout": (0.5, 1.0)}), "continuation"),
        (dict(continuation=[("alpha", (1, 0))]), "continuation"),
        (dict(continuation={"alpha": (1.0, 0.0)}, weight_decay_mode="decoupled"), "alpha"),
        (dict(continuation_epochs=0), "continuation_epochs"),
        (dict(optimizer="lbfgs", continuation={"alpha": (1.0, 0.0)}), "continuation"),
    ],
)
def test_invalid_parameters(kw, match, digits):
    X, y = digits
    with pytest.raises(ValueError, match=match):
        MLPRegularizedClassifier(**{"hidden_layer_sizes": (8, 8), "max_iter": 2, **kw}).fit(X, y)


def test_toggling_auxiliary_heads_under_warm_start_is_an_error(digits):
    X, y = digits
    est = _fit(MLPRegularizedClassifier(hidden_layer_sizes=(8, 8), max_iter=2, warm_start=True,
                                        random_state=0), X, y)
    with pytest.raises(ValueError, match="auxiliary_heads"):
        _fit(est.set_params(auxiliary_heads=True), X, y)


# ------------------------------------------------------- greedy pretraining (8.7.3)
def test_freezing_keeps_initial_layers_fixed(digits):
    """A helper fit (Trainer.fit_helper) starts from given first layers and
    keeps the frozen ones fixed."""
    X, y = digits
    est = MLPRegularizedClassifier(hidden_layer_sizes=(8, 8), max_iter=5, random_state=0)
    rng = np.random.default_rng(0)
    W0, b0 = rng.normal(size=(64, 8)), rng.normal(size=8)
    trainer = Trainer(est, None, first=True, incremental=False, spec=HelperSpec())
    stage = trainer.fit_helper(X, y, initial_hidden=[(W0, b0)], frozen_layers=1)
    np.testing.assert_array_equal(stage.coefs_[0], W0)  # frozen
    np.testing.assert_array_equal(stage.intercepts_[0], b0)
    assert stage.loss_curve_[-1] < stage.loss_curve_[0]  # the upper layers trained
    free = trainer.fit_helper(X, y, initial_hidden=[(W0, b0)])
    np.testing.assert_array_equal(free.coefs_[1].shape, (8, 8))
    assert not np.allclose(free.coefs_[0], W0)  # fine-tuned
    assert helper_spec() == HelperSpec()  # the spec only applied to the helpers' fits


@pytest.mark.parametrize("freeze", [False, True])
def test_greedy_pretraining_stages(freeze, digits):
    X, y = digits
    est = MLPRegularizedClassifier(hidden_layer_sizes=(8, 6, 4), max_iter=6, random_state=0,
                                   pretraining="greedy", pretraining_freeze=freeze,
                                   pretraining_epochs=3)
    trained = greedy_pretrain(
        Trainer(est, None, first=True, incremental=False, spec=HelperSpec()), X, y, None
    )
    assert [W.shape for W, _ in trained] == [(64, 8), (8, 6)]  # first L-1 hidden layers
    # stage 1 alone: a one-hidden-layer net trained for pretraining_epochs epochs
    stage1 = _fit(clone(est).set_params(hidden_layer_sizes=(8,), pretraining=None, max_iter=3),
                  X, y)
    if freeze:
        np.testing.assert_array_equal(trained[0][0], stage1.coefs_[0])
    else:
        assert not np.array_equal(trained[0][0], stage1.coefs_[0])


def test_pretrained_layers_initialize_the_final_network(digits):
    X, y = digits
    est = MLPRegularizedClassifier(hidden_layer_sizes=(8, 6), max_iter=1, learning_rate=1e-12,
                                   optimizer="sgd", random_state=0, pretraining="greedy",
                                   pretraining_epochs=4)
    _fit(est, X, y)
    # the only stage of (8, 6): a one-hidden-layer net trained pretraining_epochs epochs
    stage1 = _fit(clone(est).set_params(hidden_layer_sizes=(8,), pretraining=None, max_iter=4),
                  X, y)
    # one negligible fine-tuning step: the first layer is the pretrained one
    np.testing.assert_allclose(est.coefs_[0], stage1.coefs_[0], atol=1e-9)
    np.testing.assert_allclose(est.intercepts_[0], stage1.intercepts_[0], atol=1e-9)


# ------------------------------------------------------------ continuation (8.7.5)
def test_continuation_schedule_values():
    cont = Continuation(None, {"alpha": (1.0, 0.0)}, n_epochs=4, epoch0=2)
    assert [cont.value("alpha", e) for e in range(2, 9)] == [1.0, 0.75, 0.5, 0.25, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("name", ["alpha", "input_noise", "weight_noise", "dropout"])
def test_constant_continuation_equals_fixed_parameter(name, digits):
    X, y = digits
    value = 0.05
    kw = dict(hidden_layer_sizes=(8,), max_iter=4, random_state=0)
    fixed = _fit(MLPRegularizedClassifier(**kw, **{name: value}), X, y)
    cont = _fit(MLPRegularizedClassifier(**kw, continuation={name: (value, value)}), X, y)
    np.testing.assert_allclose(cont.coefs_[0], fixed.coefs_[0], rtol=1e-12, atol=1e-14)


def test_continuation_anneals_during_training(digits):
    """input_noise 0.4 -> 0.0 over 4 epochs is 0.4, 0.3, 0.2, 0.1, 0.0: a schedule
    that agrees on epochs 0..e and then stays at its end value (0.4 - 0.1 e after
    e epochs) gives the same training losses up to epoch e and others after."""
    X, y = digits
    kw = dict(hidden_layer_sizes=(8,), max_iter=5, tol=0, n_iter_no_change=99, random_state=0)
    est = _fit(MLPRegularizedClassifier(**kw, continuation={"input_noise": (0.4, 0.0)},
                                        continuation_epochs=4), X, y)
    curve = np.array(est.loss_curve_)
    fixed = _fit(MLPRegularizedClassifier(**kw, input_noise=0.4), X, y)
    for e in range(4):
        end = 0.4 - 0.1 * e
        other = fixed if e == 0 else _fit(MLPRegularizedClassifier(
            **kw, continuation={"input_noise": (0.4, end)}, continuation_epochs=e), X, y)
        np.testing.assert_allclose(other.loss_curve_[: e + 1], curve[: e + 1], rtol=1e-10)
        assert np.all(np.abs(np.array(other.loss_curve_[e + 1:]) - curve[e + 1:]) > 1e-6)
    names = _layer_names(est)
    assert "GaussianNoise" not in names  # strength 0 at the end: plain stack again


def test_continuation_of_alpha_changes_the_penalty(digits):
    X, y = digits
    kw = dict(hidden_layer_sizes=(8,), max_iter=6, random_state=0)
    strong = _fit(MLPRegularizedRegressor(**kw, continuation={"alpha": (1.0, 1.0)}), X, y * 1.0)
    weak = _fit(MLPRegularizedRegressor(**kw, continuation={"alpha": (1.0, 0.0)},
                                        continuation_epochs=2), X, y * 1.0)
    norm = lambda e: sum((W ** 2).sum() for W in e.coefs_)  # noqa: E731
    assert norm(weak) > norm(strong)


def test_parameters_unchanged_by_fit(digits):
    X, y = digits
    spec = {"dropout": (0.3, 0.0)}
    est = MLPRegularizedClassifier(hidden_layer_sizes=(8, 8), max_iter=2, continuation=spec,
                                   pretraining="greedy", skip_connections=True,
                                   auxiliary_heads=True, random_state=0)
    before = est.get_params()
    _fit(est, X, y)
    assert est.get_params() == before and est.continuation is spec
