"""Property-based tests (hypothesis) of invariants the book states."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sklreg._layout import ParamLayout, ParamSpec
from sklreg.activations import Tanh
from sklreg.linear import soft_threshold
from sklreg.losses import SoftmaxCrossEntropy, SquaredError
from sklreg.network import build_network
from sklreg._objective import Objective
from sklreg.optim import LinearDecay, clip_by_global_norm, clip_by_value
from sklreg.penalties import L1Prox, L2Penalty

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
vectors = arrays(np.float64, st.integers(1, 30), elements=finite)
positive = st.floats(1e-3, 1e3)

SETTINGS = settings(max_examples=60, deadline=None)


@SETTINGS
@given(vectors, positive)
def test_clip_by_global_norm_keeps_direction_and_bounds_norm(g, v):
    """T29 (book 10.11.1): ||g'|| = min(||g||, v), g' parallel to g."""
    norm = np.linalg.norm(g)
    out = clip_by_global_norm(g.copy(), v)
    np.testing.assert_allclose(np.linalg.norm(out), min(norm, v), rtol=1e-12, atol=1e-300)
    if norm > 0:
        np.testing.assert_allclose(out * norm, g * np.linalg.norm(out), rtol=1e-9, atol=1e-9)


@SETTINGS
@given(vectors, positive)
def test_clip_by_value_bounds_components(g, v):
    out = clip_by_value(g.copy(), v)
    assert np.all(np.abs(out) <= v)
    inside = np.abs(g) <= v
    np.testing.assert_array_equal(out[inside], g[inside])


@SETTINGS
@given(vectors, st.floats(0, 1e3))
def test_soft_threshold(z, a):
    """Eq. 7.23: |S(z, a)| = max(|z| - a, 0) with the sign of z; exact zeros inside."""
    s = soft_threshold(z, a)
    np.testing.assert_allclose(np.abs(s), np.maximum(np.abs(z) - a, 0.0), rtol=1e-12)
    assert np.all(s * z >= 0)
    assert np.all(s[np.abs(z) <= a] == 0.0)


@SETTINGS
@given(vectors, st.floats(0, 10), st.floats(1e-3, 1.0))
def test_l1_prox_is_the_soft_threshold_of_the_weights(w, l1, lr):
    """The proximal L1 step soft-thresholds weights by lr * l1, biases untouched."""
    n = w.size
    layout = ParamLayout([ParamSpec(0, "W", (n, 1), "weight"), ParamSpec(0, "b", (1,), "bias")])
    theta = np.concatenate([w, [5.0]])
    L1Prox([l1], layout)(theta, lr)
    np.testing.assert_allclose(theta[:n], soft_threshold(w, lr * l1), rtol=1e-12, atol=1e-300)
    assert theta[n] == 5.0


@SETTINGS
@given(st.integers(1, 500), st.floats(0.0, 1.0), st.integers(1, 50))
def test_linear_decay_is_monotone_and_bounded(tau, final_ratio, spe):
    """Eq. 8.14: from 1 at k=0 to final_ratio at k=tau, linear, constant after."""
    sched = LinearDecay(tau=tau, final_ratio=final_ratio).start(spe, 10)
    f = [sched(k, k // spe) for k in range(tau + 5)]
    assert f[0] == 1.0
    np.testing.assert_allclose(f[tau:], final_ratio, rtol=1e-12, atol=1e-15)
    assert all(a >= b - 1e-15 for a, b in zip(f, f[1:]))
    mid = tau // 2
    np.testing.assert_allclose(f[mid], 1 - mid / tau * (1 - final_ratio), rtol=1e-12)


@SETTINGS
@given(st.integers(2, 12), st.floats(1e-3, 1e3), st.integers(0, 2**32 - 1),
       st.sampled_from(["softmax", "squared"]))
def test_objective_is_the_weighted_mean_of_row_losses(n, scale, seed, loss):
    """Book eq. 8.1 as a weighted mean: J = sum_i w_i L_i / sum_i w_i + penalty,
    where L_i is the loss of row i alone; the loop's batch weights do not
    depend on the weights' overall scale."""
    from sklreg._training import _batch_weights

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    Y = np.eye(3)[rng.integers(0, 3, n)] if loss == "softmax" else rng.normal(size=(n, 3))
    net = build_network([3, 4, 3], Tanh())
    penalty = L2Penalty([0.1, 0.2]).bind(net.layout)
    obj = Objective(net, SoftmaxCrossEntropy() if loss == "softmax" else SquaredError(), [penalty])
    theta = rng.normal(size=net.n_params)
    sw = rng.uniform(0.1, 2.0, n)
    idx = np.arange(n)
    w, total = _batch_weights(sw, idx)
    w_scaled, total_scaled = _batch_weights(scale * sw, idx)
    np.testing.assert_allclose(w, w_scaled, rtol=1e-12)
    np.testing.assert_allclose(total_scaled, scale * total, rtol=1e-12)
    value, _ = obj.loss_grad(theta, X, Y, w)
    rows = [Objective(net, obj.loss).loss_grad(theta, X[i:i + 1], Y[i:i + 1])[0] for i in range(n)]
    pen = penalty.value_grad(theta, np.zeros_like(theta))
    np.testing.assert_allclose(value, np.dot(sw, rows) / sw.sum() + pen, rtol=1e-10)
