"""Finite-difference checks of the one forward/backward pass (``Objective.loss_grad``).

Every hidden activation x every output/loss pairing (softmax + CE multiclass,
sigmoid + CE binary and multilabel, identity + squared error single and
multi-output, exponential + Poisson deviance single and multi-output), with
and without sample weights, with a uniform and a per-layer
L2 coefficient, for a network without hidden layer and one with two hidden
layers.  Central differences in float64; relative error <= 1e-6 (observed
~1e-9).  The objective value itself is compared with a plain numpy reference
of the library convention: weighted MEAN loss + sum_l alpha_l/2 ||W_l||^2 with
biases never penalized.
"""

import numpy as np
import pytest
from scipy.special import expit, log_softmax, xlogy

import sklreg  # noqa: F401  (registers the components)
from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from sklreg._objective import Objective
from sklreg._registry import ACTIVATIONS
from sklreg._testing import central_diff, rel_err
from sklreg.losses import (
    PoissonDeviance,
    SigmoidCrossEntropy,
    SoftmaxCrossEntropy,
    SquaredError,
)
from sklreg.network import build_network
from sklreg.penalties import L2Penalty

RTOL_GRAD = 1e-6
KINK_MARGIN = 1e-3  # |pre-activation| kept away from relu/leaky_relu kinks

# plain numpy references of the activations (independent of sklreg.activations)
REF_ACT = {
    "identity": lambda z: z,
    "logistic": expit,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "softplus": lambda z: np.logaddexp(0.0, z),
}
KINKED = {"relu", "leaky_relu"}
TASKS = [
    "softmax_multiclass", "sigmoid_binary", "sigmoid_multilabel", "squared_1", "squared_3",
    "poisson_1", "poisson_3",
]
HIDDEN = [(), (5, 4)]


def test_every_activation_is_covered():
    assert set(REF_ACT) <= set(ACTIVATIONS.names())
    assert set(ACTIVATIONS.names()) <= set(REF_ACT), "new activation: add a reference"


def make_task(task, rng, n=13, d=3):
    X = rng.normal(size=(n, d))
    if task == "softmax_multiclass":
        Y = np.eye(3)[np.r_[0, 1, 2, rng.integers(0, 3, n - 3)]]
        return X, Y, SoftmaxCrossEntropy()
    if task == "sigmoid_binary":
        Y = np.r_[0, 1, rng.integers(0, 2, n - 2)].astype(float)[:, None]
        return X, Y, SigmoidCrossEntropy()
    if task == "sigmoid_multilabel":
        return X, rng.integers(0, 2, (n, 3)).astype(float), SigmoidCrossEntropy()
    if task == "squared_1":
        return X, rng.normal(size=(n, 1)), SquaredError()
    if task == "squared_3":
        return X, rng.normal(size=(n, 3)), SquaredError()
    if task in ("poisson_1", "poisson_3"):
        k = 1 if task == "poisson_1" else 3
        # counts 0, 1, 2, ... (about half zeros: xlogy(0, 0) = 0); the same draws
        # as the squared-error tasks, so theta (and the kink margins) are theirs
        Y = np.floor(np.exp(rng.normal(size=(n, k))))
        return X, Y, PoissonDeviance()
    raise AssertionError(task)


def ref_forward(coefs, intercepts, X, act):
    """Raw outputs and the hidden pre-activations, plain numpy."""
    f = REF_ACT[act]
    h, pre = X, []
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        z = h @ W + b
        if i < len(coefs) - 1:
            pre.append(z)
            h = f(z)
        else:
            h = z
    return h, pre


def ref_objective(coefs, intercepts, X, Y, w, act, loss, alpha):
    z, _ = ref_forward(coefs, intercepts, X, act)
    if isinstance(loss, SoftmaxCrossEntropy):
        per = -(Y * log_softmax(z, axis=1)).sum(axis=1)
    elif isinstance(loss, SigmoidCrossEntropy):
        # -[y log p + (1-y) log(1-p)] with p = sigmoid(z), in the stable form
        per = (np.logaddexp(0.0, z) - Y * z).sum(axis=1)
    elif isinstance(loss, PoissonDeviance):
        # half Poisson deviance y log(y / mu) - y + mu with mu = exp(z)
        mu = np.exp(z)
        per = (xlogy(Y, Y / mu) - Y + mu).sum(axis=1)
    else:
        per = 0.5 * ((Y - z) ** 2).sum(axis=1)
    n = X.shape[0]
    w = np.full(n, 1.0 / n) if w is None else w
    data = float(per @ w)
    return data + sum(0.5 * a * float((W**2).sum()) for a, W in zip(alpha, coefs))




def _build(task, hidden, act, alpha_mode, weighted, seed):
    rng = np.random.default_rng(seed)
    X, Y, loss = make_task(task, rng)
    sizes = [X.shape[1], *hidden, Y.shape[1]]
    net = build_network(sizes, ACTIVATIONS[act]())
    n_layers = len(sizes) - 1
    alpha = [0.3] * n_layers if alpha_mode == "uniform" else list(0.1 + 0.4 * rng.random(n_layers))
    obj = Objective(net, loss, [L2Penalty(alpha).bind(net.layout)])
    theta = rng.normal(size=net.n_params)
    w = None
    if weighted:
        w = rng.uniform(0.1, 3.0, X.shape[0])
        w[1] = 0.0  # a zero weight is a legal weight
        w /= w.sum()
    return X, Y, loss, net, obj, theta, w, alpha


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("alpha_mode", ["uniform", "per_layer"])
@pytest.mark.parametrize("hidden", HIDDEN, ids=["no_hidden", "two_hidden"])
@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("act", sorted(REF_ACT))
def test_gradient_matches_central_differences(act, task, hidden, alpha_mode, weighted):
    X, Y, loss, net, obj, theta, w, alpha = _build(task, hidden, act, alpha_mode, weighted, 0)
    coefs, intercepts = net.coefs(theta)
    z_ref, pre = ref_forward(coefs, intercepts, X, act)
    if act in KINKED:
        for z in pre:
            assert np.abs(z).min() > KINK_MARGIN, "seed hits a kink: pick another seed"

    value, grad = obj.loss_grad(theta, X, Y, w)
    grad = grad.copy()  # internal buffer, reused by the next call
    assert grad.shape == theta.shape

    # the value is the library convention (weighted mean + alpha/2 ||W||^2)
    expected = ref_objective(coefs, intercepts, X, Y, w, act, loss, alpha)
    assert value == pytest.approx(expected, rel=1e-12, abs=1e-12)

    fd = central_diff(lambda t: obj.loss_grad(t, X, Y, w)[0], theta)
    assert rel_err(grad, fd) <= RTOL_GRAD
    # per-block check too, so a wrong small block (biases) is not hidden by a big one
    n_w = net.layout.n_weights
    assert rel_err(grad[n_w:], fd[n_w:]) <= RTOL_GRAD


@pytest.mark.parametrize("hidden", HIDDEN, ids=["no_hidden", "two_hidden"])
def test_penalty_acts_on_weights_only(hidden):
    """alpha adds exactly alpha_l * W_l to the weight gradient, nothing to biases."""
    rng = np.random.default_rng(1)
    X, Y, loss = make_task("squared_3", rng)
    sizes = [X.shape[1], *hidden, Y.shape[1]]
    net = build_network(sizes, ACTIVATIONS["tanh"]())
    alpha = list(0.5 + np.arange(len(sizes) - 1))
    theta = rng.normal(size=net.n_params)
    plain = Objective(net, loss, [L2Penalty([0.0] * len(alpha)).bind(net.layout)])
    pen = Objective(net, loss, [L2Penalty(alpha).bind(net.layout)])
    v0, g0 = plain.loss_grad(theta, X, Y)
    g0 = g0.copy()
    v1, g1 = pen.loss_grad(theta, X, Y)
    coefs, intercepts = net.coefs(theta)
    gW1, gb1 = net.coefs(g1)
    gW0, gb0 = net.coefs(g0)
    for a, W, d1, d0 in zip(alpha, coefs, gW1, gW0):
        np.testing.assert_allclose(d1 - d0, a * W, rtol=1e-12, atol=1e-12)
    for d1, d0 in zip(gb1, gb0):
        np.testing.assert_array_equal(d1, d0)
    expected_pen = sum(0.5 * a * (W**2).sum() for a, W in zip(alpha, coefs))
    assert v1 - v0 == pytest.approx(expected_pen, rel=1e-12)


def test_uniform_weights_equal_none():
    """w=None is the plain mean: same value and gradient as w = 1/n."""
    rng = np.random.default_rng(2)
    X, Y, loss = make_task("softmax_multiclass", rng)
    net = build_network([X.shape[1], 4, 3], ACTIVATIONS["tanh"]())
    obj = Objective(net, loss, [L2Penalty([0.1, 0.1]).bind(net.layout)])
    theta = rng.normal(size=net.n_params)
    v0, g0 = obj.loss_grad(theta, X, Y, None)
    g0 = g0.copy()
    v1, g1 = obj.loss_grad(theta, X, Y, np.full(X.shape[0], 1.0 / X.shape[0]))
    assert v0 == pytest.approx(v1, rel=1e-13)
    np.testing.assert_allclose(g0, g1, rtol=1e-12, atol=1e-15)


def test_weighted_mean_is_scale_free_in_duplicates():
    """Weight 2 on a row == that row duplicated (weighted MEAN, book eq. 8.1)."""
    rng = np.random.default_rng(3)
    X, Y, loss = make_task("sigmoid_multilabel", rng)
    net = build_network([X.shape[1], 4, 3], ACTIVATIONS["softplus"]())
    obj = Objective(net, loss, [L2Penalty([0.2, 0.2]).bind(net.layout)])
    theta = rng.normal(size=net.n_params)
    w = np.ones(X.shape[0])
    w[0] = 2.0
    v0, g0 = obj.loss_grad(theta, X, Y, w / w.sum())
    g0 = g0.copy()
    v1, g1 = obj.loss_grad(theta, np.vstack([X, X[:1]]), np.vstack([Y, Y[:1]]), None)
    assert v0 == pytest.approx(v1, rel=1e-12)
    np.testing.assert_allclose(g0, g1, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize(
    "est, y_kind",
    [
        (MLPRegularizedClassifier(hidden_layer_sizes=(4, 3), activation="tanh",
                                  alpha=[0.1, 0.2, 0.3]), "multiclass"),
        (MLPRegularizedClassifier(hidden_layer_sizes=(4,), activation="logistic",
                                  alpha=0.05), "binary"),
        (MLPRegularizedRegressor(hidden_layer_sizes=(4, 3), activation="softplus",
                                 alpha=0.1), "multioutput"),
        (MLPRegularizedRegressor(hidden_layer_sizes=(4,), activation="tanh", alpha=0.1,
                                 loss="poisson"), "counts"),
    ],
)
def test_fitted_estimator_objective_gradient(est, y_kind):
    """The estimator's own objective (with its alpha bound) has a correct gradient."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(20, 3))
    if y_kind == "multiclass":
        y = np.r_[0, 1, 2, rng.integers(0, 3, 17)]
    elif y_kind == "binary":
        y = np.r_[0, 1, rng.integers(0, 2, 18)]
    elif y_kind == "counts":
        y = rng.poisson(2.0, size=(20, 2)).astype(float)
    else:
        y = rng.normal(size=(20, 2))
    est.set_params(max_iter=2, random_state=0).fit(X, y)
    if y_kind in ("multioutput", "counts"):
        Y = y
    else:
        Y = est._label_binarizer.transform(y).astype(float)
    obj, theta = est._objective, est._theta.copy()
    value, grad = obj.loss_grad(theta, X, Y)
    grad = grad.copy()
    fd = central_diff(lambda t: obj.loss_grad(t, X, Y)[0], theta)
    assert rel_err(grad, fd) <= RTOL_GRAD
    # the bound penalty is the estimator's alpha (uniform float -> every layer)
    alpha = est.alpha if np.ndim(est.alpha) else [est.alpha] * len(est.coefs_)
    data = obj.data_loss(theta, X, Y)
    pen = sum(0.5 * a * (W**2).sum() for a, W in zip(alpha, est.coefs_))
    assert value == pytest.approx(data + pen, rel=1e-12)
