"""Helpers shared by the test modules (``from _helpers import ...``; pytest puts
``tests/`` on ``sys.path``).  Fixtures live in ``conftest.py``."""

from types import SimpleNamespace

import numpy as np

from sklreg._objective import Objective
from sklreg._registry import ACTIVATIONS
from sklreg._testing import central_diff, rel_err
from sklreg.features import FEATURES
from sklreg._params import validate_layer_params
from sklreg.losses import SigmoidCrossEntropy, SoftmaxCrossEntropy, SquaredError
from sklreg.network import Context, build_network

# ------------------------------------------------------ shared estimator settings
#: a few epochs of a small network: layer/regularizer tests (batch norm, noise, dropout)
SHORT_FIT = dict(max_iter=5, learning_rate=0.01, random_state=0)
#: the configuration run through scikit-learn's estimator checks
CHECKS_FIT = dict(hidden_layer_sizes=(16,), max_iter=100, learning_rate=0.01, random_state=0)
#: an ensemble member (the ensemble sets its random_state)
MEMBER_FIT = dict(hidden_layer_sizes=(8,), max_iter=30, learning_rate=0.01)

#: float64 gradient checks: rel_err(analytic, central differences) <= RTOL_GRAD / 2,
#: i.e. ||g - fd|| <= RTOL_GRAD * max(||g||, ||fd||) at least
RTOL_GRAD = 1e-6


def layer_objective(rng, hidden, activation, task, n, d, *, x_scale=1.0, x_shift=0.0,
                    bias_scale=0.1, **params):
    """An Objective over a network with the layer options ``params`` (estimator
    parameter names), random float64 data and random parameters (batch-norm
    gamma/beta perturbed by ``bias_scale``).  ``task``: 'softmax', 'sigmoid' or
    'squared'."""
    act = ACTIVATIONS.resolve(activation, "activation")
    defaults = {p.name: p.default for f in FEATURES for p in f.params}
    est = SimpleNamespace(**{**defaults, "activation": activation, **params})
    cfg = validate_layer_params(est, hidden, act)
    X = rng.normal(size=(n, d)) * x_scale + x_shift
    if task == "softmax":
        Y, loss = np.eye(3)[np.r_[0, 1, 2, rng.integers(0, 3, n - 3)]], SoftmaxCrossEntropy()
    elif task == "sigmoid":
        Y, loss = rng.integers(0, 2, (n, 1)).astype(float), SigmoidCrossEntropy()
    else:
        Y, loss = rng.normal(size=(n, 2)), SquaredError()
    net = build_network([d, *hidden, Y.shape[1]], act, cfg.plan())
    theta = rng.normal(scale=0.7, size=net.n_params)
    net.init_params(theta, rng)
    n_extra = net.n_params - net.layout.n_weights
    theta[net.layout.n_weights:] += rng.normal(scale=bias_scale, size=n_extra)
    return Objective(net, loss), theta, X, Y


def frozen_loss_grad(obj, X, Y, w, seed=0):
    """loss_grad with the same noise/masks at every call (fresh generator, same seed)."""

    def f(theta):
        ctx = Context(training=True, rng=np.random.default_rng(seed))
        return obj.loss_grad(theta, X, Y, w, ctx)

    return f


def fd_rel_error(f, theta):
    """``rel_err`` between the gradient of ``f(theta) -> (value, grad)`` and
    ``central_diff`` of its value (sklreg._testing); returns (error, grad)."""
    grad = f(theta)[1].copy()
    return rel_err(grad, central_diff(lambda t: f(t)[0], theta)), grad


def fd_hvp(grad, theta, v):
    """Finite-difference Hessian-vector product: ``central_diff`` of the
    directional derivative ``grad(theta) @ v`` (the Hessian is symmetric)."""
    return central_diff(lambda t: float(grad(t) @ v), theta)


def fd_directional(f, x, v, h=1e-6):
    """Central difference of ``f`` along ``v`` at ``x``: ``(f(x + h v) - f(x - h v)) / 2h``."""
    return (f(x + h * v) - f(x - h * v)) / (2 * h)
