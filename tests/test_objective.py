"""The Objective's derivative primitives (float64 finite-difference checks).

Input gradients, output Jacobian-vector products in the input and the mixed
second derivatives that double backprop and tangent propagation build on,
each exact (R-operator) and by the central-difference fallback of networks
with a layer without R-operator; Hessian-vector products include every term.
"""

import numpy as np
import pytest

from sklreg._objective import Objective, Term
from sklreg._testing import central_diff, rel_err
from sklreg.network import Context

from _helpers import RTOL_GRAD, layer_objective

CASES = {  # name -> layer options (batch norm has no R-operator: fallback)
    "exact": {},
    "fallback": {"batch_norm": True},
}


def _setup(case, task="softmax", seed=0):
    rng = np.random.default_rng(seed)
    obj, theta, X, Y = layer_objective(rng, (5, 4), "tanh", task, 12, 3, **CASES[case])
    w = rng.uniform(0.5, 1.5, X.shape[0])
    return obj, theta, X, Y, w / w.sum(), rng


def _ctx():
    return Context(training=True, rng=np.random.default_rng(0))


@pytest.mark.parametrize("case", list(CASES))
def test_input_grad_matches_finite_differences(case):
    obj, theta, X, Y, w, _ = _setup(case)
    dX = obj.input_grad(theta, X, Y, w, _ctx())

    def value(x):
        return obj.data_loss_grad(theta, x.reshape(X.shape), Y, w, _ctx(),
                                  np.empty_like(theta))[0]

    assert rel_err(dX.ravel(), central_diff(value, X.ravel())) < RTOL_GRAD


@pytest.mark.parametrize("case", list(CASES))
def test_output_jvp_is_the_directional_derivative(case):
    obj, theta, X, Y, w, rng = _setup(case)
    V = rng.normal(size=X.shape)
    rz = obj.output_jvp(theta, X, V)
    z = lambda r: obj.network.forward(theta, X + r * V, _ctx()).copy()  # noqa: E731
    h = 1e-5
    assert rel_err(rz, (z(h) - z(-h)) / (2 * h)) < 1e-6


@pytest.mark.parametrize("case", list(CASES))
def test_double_backprop_gradient(case):
    """grad_theta 0.5 ||dJ/dX||^2 = d/dr grad_theta J(theta, X + r dJ/dX)."""
    obj, theta, X, Y, w, _ = _setup(case, "squared")

    def penalty(t):
        return 0.5 * float(np.sum(obj.input_grad(t, X, Y, w, _ctx()) ** 2))

    dX = obj.input_grad(theta, X, Y, w, _ctx())
    g = obj.input_mixed_grad(theta, X, dX, np.empty_like(theta), Y=Y, w=w)
    assert rel_err(g, central_diff(penalty, theta)) < 1e-5


@pytest.mark.parametrize("case", list(CASES))
def test_tangent_propagation_gradient(case):
    """grad_theta 0.5 ||J_x V||^2 = d/dr grad_theta (U . f(theta, X + r V)), U = J_x V."""
    obj, theta, X, Y, w, rng = _setup(case)
    V = rng.normal(size=X.shape)

    def penalty(t):
        return 0.5 * float(np.sum(obj.output_jvp(t, X, V) ** 2))

    U = obj.output_jvp(theta, X, V)
    g = obj.input_mixed_grad(theta, X, V, np.empty_like(theta), U=U)
    assert rel_err(g, central_diff(penalty, theta)) < 1e-5


def test_input_mixed_grad_needs_one_form():
    obj, theta, X, Y, w, _ = _setup("exact")
    with pytest.raises(ValueError, match="either Y"):
        obj.input_mixed_grad(theta, X, X, np.empty_like(theta))


class _DataTerm(Term):
    """A term flagged as data-dependent, without its own curvature."""

    uses_data = True

    def __init__(self, c):
        self.c = c

    def value_grad(self, theta, grad, batch):
        grad += self.c * theta
        return 0.5 * self.c * float(theta @ theta)


def test_hessian_vp_never_drops_a_term():
    """A data term without ``hessian_vp`` switches the product to central
    differences of the whole gradient: its curvature ``c v`` is included."""
    obj, theta, X, Y, w, rng = _setup("exact")
    v = rng.normal(size=theta.shape)
    plain = obj.hessian_vp(theta, X, Y, w, v, np.empty_like(theta), method="rop")
    with_term = Objective(obj.network, obj.loss, [_DataTerm(0.3)])
    assert not with_term.supports_exact_hvp()
    hv = with_term.hessian_vp(theta, X, Y, w, v, np.empty_like(theta))
    assert rel_err(hv, plain + 0.3 * v) < 1e-6


def test_data_scale_mixes_the_clean_loss():
    class Half(Term):
        data_scale = 0.5

        def value_grad(self, theta, grad, batch):
            return 0.0

    obj, theta, X, Y, w, _ = _setup("exact")
    f, g = obj.loss_grad(theta, X, Y, w, _ctx())
    g = g.copy()
    half = Objective(obj.network, obj.loss, [Half()])
    f2, g2 = half.loss_grad(theta, X, Y, w, _ctx())
    assert f2 == pytest.approx(0.5 * f)
    np.testing.assert_allclose(g2, 0.5 * g)
