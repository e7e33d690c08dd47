"""Tangent propagation and double backprop (book 7.14): float64 gradient checks
of their objective terms (sample weights, several and per-row tangents,
multi-output regression, softmax, dropout's frozen-draw fallback), parameter
checks, full-batch optimizers, and their effect on data."""

import numpy as np

from sklreg._objective import Objective, Term
from sklreg.network import Context

from _helpers import layer_objective


class _Recorder(Term):
    """Records the input gradient it is given."""

    uses_data = needs_input_grad = True

    def value_grad(self, theta, grad, batch):
        self.seen = batch.input_grad.copy()
        return 0.0


class _Clobber(Term):
    """Runs the network again (as the input-derivative terms do)."""

    uses_data = True

    def value_grad(self, theta, grad, batch):
        batch.objective.input_grad(theta, batch.X + 1.0, batch.Y, batch.w)
        return 0.0


def test_every_term_sees_the_input_gradient_of_the_evaluation():
    """dJ/dX is a layer buffer: a term that runs the network must not change
    what the next term sees (Objective copies it into the Batch)."""
    rng = np.random.default_rng(0)
    obj, theta, X, Y = layer_objective(rng, (5,), "tanh", "squared", 10, 3)
    rec = _Recorder()
    both = Objective(obj.network, obj.loss, [_Clobber(), rec])
    both.loss_grad(theta, X, Y, None, Context(training=True))
    expected = obj.input_grad(theta, X, Y, None)
    np.testing.assert_allclose(rec.seen, expected, rtol=1e-12)


# ---------------------------------------------------------------- gradient checks
import pickle  # noqa: E402
import warnings  # noqa: E402

import pytest  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor  # noqa: E402
from sklreg._testing import central_diff, rel_err, training_objective  # noqa: E402
from sklreg.features.double_backprop import InputGradientPenalty  # noqa: E402
from sklreg.features.tangent import TangentPropTerm, frozen_seed  # noqa: E402

from _helpers import RTOL_GRAD  # noqa: E402


def per_row_tangents(X):
    """Two tangents per row (module level: picklable): a row-dependent
    direction and a global one."""
    X = np.asarray(X)
    return np.stack([np.roll(X, 1, axis=1), np.ones_like(X)], axis=1)


LAYERS = {"exact": {}, "dropout": {"dropout": 0.3}, "batch_norm": {"batch_norm": True}}


def _problem(task, layers="exact", n=12, d=4, seed=0, zero_weight=False):
    rng = np.random.default_rng(seed)
    obj, theta, X, Y = layer_objective(rng, (5, 4), "tanh", task, n, d, **LAYERS[layers])
    w = rng.uniform(0.2, 2.0, n)
    if zero_weight:
        w[3] = 0.0
    return obj, theta, X, Y, w / w.sum(), rng


def _term_value_grad(obj, term, theta, X, Y, w, seed=0):
    """The term's own value and gradient (the objective with the term minus
    the objective without it, both under the same frozen draw)."""
    with_term = Objective(obj.network, obj.loss, [term])
    ctx = lambda: Context(training=True, rng=np.random.default_rng(seed))  # noqa: E731
    f1, g1 = with_term.loss_grad(theta, X, Y, w, ctx(), grad=np.empty_like(theta))
    f0, g0 = obj.loss_grad(theta, X, Y, w, ctx(), grad=np.empty_like(theta))
    return f1 - f0, g1 - g0


def _check_term_gradient(obj, term, theta, X, Y, w, tol=RTOL_GRAD, h=1e-6):
    value, grad = _term_value_grad(obj, term, theta, X, Y, w)
    fd = central_diff(lambda t: _term_value_grad(obj, term, t, X, Y, w)[0], theta, h=h)
    assert value > 0 and np.linalg.norm(grad) > 0
    assert rel_err(grad, fd) < tol


TANGENT_CASES = [  # task, layers, tangents
    ("softmax", "exact", "two"),
    ("squared", "exact", "callable"),
    ("sigmoid", "exact", "two"),
    ("softmax", "dropout", "callable"),
    ("squared", "dropout", "two"),
    ("squared", "batch_norm", "two"),
]


@pytest.mark.parametrize("task, layers, tangents", TANGENT_CASES)
def test_tangent_prop_gradient(task, layers, tangents):
    """float64: sample weights, two global or per-row (callable) tangents,
    multi-output regression, softmax; dropout and batch norm take the
    central-difference fallback (one frozen draw), whose value is itself a
    difference quotient: the check differentiates it with a larger step
    (its rounding noise divided by 1e-6 would swamp the comparison)."""
    obj, theta, X, Y, w, rng = _problem(task, layers)
    vectors = per_row_tangents if tangents == "callable" else rng.normal(size=(2, X.shape[1]))
    h = 1e-6 if layers == "exact" else 1e-4
    _check_term_gradient(obj, TangentPropTerm(0.7, vectors), theta, X, Y, w, h=h)


@pytest.mark.parametrize("task, layers", [("softmax", "exact"), ("squared", "exact"),
                                          ("sigmoid", "exact"), ("softmax", "dropout"),
                                          ("squared", "dropout"), ("squared", "batch_norm")])
def test_double_backprop_gradient_with_sample_weights(task, layers):
    """float64, non-uniform weights with a zero weight: the gradient of
    lam sum_i ||G_i||^2 / w_i (G = dJ/dX) is exact, also under dropout."""
    obj, theta, X, Y, w, _ = _problem(task, layers, zero_weight=True)
    _check_term_gradient(obj, InputGradientPenalty(0.7), theta, X, Y, w)
    if layers == "exact":  # uniform weights (w=None: 1/n)
        _check_term_gradient(obj, InputGradientPenalty(0.7), theta, X, Y, None)


@pytest.mark.parametrize("task", ["softmax", "squared"])
def test_tangent_prop_value_is_eq_7_67(task):
    """lam sum_j w_j sum_i ||J(x_j) v_i||^2 on the raw outputs, checked with
    difference quotients of the inference network (independent of the
    R-operator)."""
    obj, theta, X, Y, w, rng = _problem(task)
    V = rng.normal(size=(2, X.shape[1]))
    value, _ = _term_value_grad(obj, TangentPropTerm(0.7, V), theta, X, Y, w)
    f = lambda x: obj.network.forward(theta, x, Context()).copy()  # noqa: E731
    h = 1e-5
    expected = 0.7 * sum(
        w @ np.sum(((f(X + h * v) - f(X - h * v)) / (2 * h)) ** 2, axis=1) for v in V
    )
    assert value == pytest.approx(expected, rel=1e-7)


@pytest.mark.parametrize("task", ["softmax", "squared"])
def test_double_backprop_value_is_the_weighted_mean_per_sample_norm(task):
    """lam sum_i w_i ||dL_i/dx_i||^2, each row's loss differentiated alone."""
    obj, theta, X, Y, w, _ = _problem(task, zero_weight=True)
    value, _ = _term_value_grad(obj, InputGradientPenalty(0.7), theta, X, Y, w)
    norms = []
    for i in range(X.shape[0]):
        loss_i = lambda x, i=i: obj.data_loss(theta, x[None], Y[i:i + 1])  # noqa: E731
        norms.append(np.sum(central_diff(loss_i, X[i].copy()) ** 2))
    assert value == pytest.approx(0.7 * float(w @ np.array(norms)), rel=1e-7)


def test_tangents_add_and_callable_equals_array():
    """Two tangents give the sum of the one-tangent terms; a callable
    returning the same directions for every row equals the array."""
    obj, theta, X, Y, w, rng = _problem("softmax")
    V = rng.normal(size=(2, X.shape[1]))
    both = _term_value_grad(obj, TangentPropTerm(0.5, V), theta, X, Y, w)
    one = [_term_value_grad(obj, TangentPropTerm(0.5, V[i:i + 1]), theta, X, Y, w)
           for i in range(2)]
    assert both[0] == pytest.approx(one[0][0] + one[1][0], rel=1e-10)
    np.testing.assert_allclose(both[1], one[0][1] + one[1][1], rtol=1e-9, atol=1e-14)
    as_callable = TangentPropTerm(0.5, lambda Z: np.broadcast_to(V, (len(Z), *V.shape)))
    call = _term_value_grad(obj, as_callable, theta, X, Y, w)
    assert call[0] == pytest.approx(both[0], rel=1e-12)
    np.testing.assert_allclose(call[1], both[1], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("term", ["tangent", "double_backprop"])
def test_sparse_input_gives_the_dense_result(term):
    obj, theta, X, Y, w, rng = _problem("softmax")
    X[np.abs(X) < 0.7] = 0.0
    t = TangentPropTerm(0.5, rng.normal(size=(2, 4))) if term == "tangent" \
        else InputGradientPenalty(0.5)
    dense = _term_value_grad(obj, t, theta, X, Y, w)
    sparse = _term_value_grad(obj, t, theta, sp.csr_matrix(X), Y, w)
    assert sparse[0] == pytest.approx(dense[0], rel=1e-10)
    np.testing.assert_allclose(sparse[1], dense[1], rtol=1e-9, atol=1e-14)


def test_frozen_draw_is_new_per_minibatch_and_only_for_stochastic_networks():
    exact, *_ = _problem("softmax", "exact")
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    assert frozen_seed(exact, Context(training=True, rng=rng)) == 0
    assert rng.bit_generator.state == state  # deterministic network: no draw
    noisy, theta, X, Y, w, _ = _problem("softmax", "dropout")
    ctx = Context(training=True, rng=np.random.default_rng(0))
    assert frozen_seed(noisy, ctx) != frozen_seed(noisy, ctx)
    obj = Objective(noisy.network, noisy.loss, [InputGradientPenalty(1.0)])
    values = [obj.loss_grad(theta, X, Y, w, ctx)[0] for _ in range(2)]
    assert values[0] != values[1]


# ------------------------------------------------------------------ estimators
TANGENT = {"tangent_prop": 0.5, "tangent_vectors": [[1.0, 1.0, 0.0]]}
DOUBLE = {"input_gradient_penalty": 0.5}
SMALL = dict(hidden_layer_sizes=(4,), activation="tanh", max_iter=5, random_state=0)


def _data(n=30, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.3 * rng.normal(size=n)
    return X, y, (y > 0).astype(int)


def _fit(Est, X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Est(**params).fit(X, y)


def test_tangent_prop_needs_tangent_vectors():
    X, _, yc = _data()
    with pytest.raises(ValueError, match=r"tangent_prop=0\.5 needs tangent_vectors"):
        MLPRegularizedClassifier(tangent_prop=0.5, **SMALL).fit(X, yc)


@pytest.mark.parametrize("vectors, match", [
    ([1.0, 1.0, 0.0], r"'tangent_vectors' .* shape \(k, n_features\).*shape \(3,\)"),
    ([[np.nan, 1.0, 0.0]], r"'tangent_vectors' .* non-finite"),
    ([[1.0, 1.0]], r"tangent_vectors has shape \(1, 2\).*\(k, 3\) for this X"),
    (lambda X: np.ones((len(X), 3)), r"callable tangent_vectors returned an array of shape"),
    (lambda X: np.full((len(X), 1, 3), np.nan), r"callable tangent_vectors returned non-finite"),
    (lambda X: "abc", r"callable tangent_vectors must return a numeric array"),
])
def test_bad_tangent_vectors_are_refused(vectors, match):
    X, _, yc = _data()
    est = MLPRegularizedClassifier(tangent_prop=0.5, tangent_vectors=vectors, **SMALL)
    with pytest.raises(ValueError, match=match):
        est.fit(X, yc)
    assert not hasattr(est, "coefs_")  # the fit left the estimator unfitted


def test_tangent_vectors_without_tangent_prop_are_ignored():
    """Checked (a bad value is still an error) but unused, without a warning:
    a grid over tangent_prop may include 0."""
    X, _, yc = _data()
    plain = _fit(MLPRegularizedClassifier, X, yc, **SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=5
        ignored = MLPRegularizedClassifier(tangent_vectors=[[1.0, 1.0, 0.0]], **SMALL).fit(X, yc)
    np.testing.assert_allclose(ignored.predict_proba(X), plain.predict_proba(X), rtol=1e-12)
    assert not any(isinstance(t, TangentPropTerm) for t in ignored._objective.terms)
    with pytest.raises(ValueError, match="tangent_vectors"):
        MLPRegularizedClassifier(tangent_vectors=[[np.inf, 0, 0]], **SMALL).fit(X, yc)


@pytest.mark.parametrize("params", [TANGENT, DOUBLE], ids=["tangent", "double_backprop"])
def test_natural_gradient_is_refused_naming_the_parameter(params):
    X, _, yc = _data()
    name = next(iter(params))
    est = MLPRegularizedClassifier(optimizer="natural_gradient", **{**SMALL, **params})
    with pytest.raises(ValueError, match=f"{name}=0.5 .* no Fisher matrix.*'newton'"):
        est.fit(X, yc)


@pytest.mark.parametrize("Est", [MLPRegularizedRegressor, MLPRegularizedClassifier])
@pytest.mark.parametrize("params", [TANGENT, DOUBLE], ids=["tangent", "double_backprop"])
def test_full_batch_optimizers_reach_the_penalized_optimum(Est, params):
    """L-BFGS and Newton (curvature by central differences of the whole
    gradient: the terms have no exact Hessian product) reach the same
    stationary point of the penalized objective (linear model)."""
    X, y, yc = _data()
    target = y if Est is MLPRegularizedRegressor else yc
    thetas = []
    for opt, it in [("lbfgs", 200), ("newton", 50)]:
        est = _fit(Est, X, target, hidden_layer_sizes=(), optimizer=opt, max_iter=it,
                   random_state=0, **params)
        obj, theta, Xv, Y, w = training_objective(est, X, target)
        assert not obj.supports_exact_hvp()
        _, grad = obj.loss_grad(theta, Xv, Y, w, Context(training=True))
        assert np.linalg.norm(grad) < 1e-4
        thetas.append(theta.copy())
    np.testing.assert_allclose(thetas[0], thetas[1], atol=1e-3)


@pytest.mark.parametrize("params", [
    {"tangent_prop": 0.5, "tangent_vectors": per_row_tangents}, DOUBLE,
], ids=["tangent", "double_backprop"])
def test_clone_pickle_partial_fit_and_float32(params):
    """A module-level tangent function clones and pickles; float32 stays
    float32; partial_fit keeps the term."""
    X, _, yc = _data()
    est = _fit(MLPRegularizedClassifier, X.astype(np.float32), yc, **SMALL, **params)
    assert est.coefs_[0].dtype == np.float32
    assert clone(est).get_params()[next(iter(params))] == params[next(iter(params))]
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_allclose(again.predict_proba(X), est.predict_proba(X), rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.partial_fit(X, yc)
    assert np.all(np.isfinite(est.coefs_[0]))
    kinds = (TangentPropTerm, InputGradientPenalty)
    assert sum(isinstance(t, kinds) for t in est._objective.terms) == 1


# ------------------------------------------------------------- effect on data
def _invariant_problem(seed, n=30):
    """y depends on x1 - x2 only: invariant along v = (1, 1, 0, 0)."""
    rng = np.random.default_rng(seed)
    target = lambda X: np.sin(1.5 * (X[:, 0] - X[:, 1])) + 0.3 * X[:, 2]  # noqa: E731
    X = rng.normal(size=(n, 4))
    y = target(X) + 0.05 * rng.normal(size=n)
    X_test = rng.normal(size=(1000, 4))
    X_shift = X_test + rng.uniform(-2, 2, (1000, 1)) * np.array([1.0, 1.0, 0, 0])
    return X, y, X_test, X_shift, target(X_shift)


def _slope_along(model, X, v, h=1e-4):
    u = np.asarray(v, dtype=float) / np.linalg.norm(v)
    return np.mean(np.abs(model.predict(X + h * u) - model.predict(X - h * u))) / (2 * h)


def test_tangent_prop_learns_the_invariance_from_few_rows():
    """30 rows: the learned function is ~flat along the tangent and predicts
    points shifted along it much better (docs/tangent_double_backprop.md)."""
    X, y, X_test, X_shift, y_shift = _invariant_problem(seed=1)
    V = [[1.0, 1.0, 0.0, 0.0]]
    res = {}
    for lam in (0.0, 1.0):
        m = _fit(MLPRegularizedRegressor, X, y, hidden_layer_sizes=(32,), activation="tanh",
                 optimizer="lbfgs", max_iter=200, random_state=0, tangent_prop=lam,
                 tangent_vectors=V)
        res[lam] = _slope_along(m, X_test, V[0]), np.mean((m.predict(X_shift) - y_shift) ** 2)
    assert res[1.0][0] < 0.2 * res[0.0][0]  # observed ~0.02
    assert res[1.0][1] < 0.6 * res[0.0][1]  # observed ~0.37


def test_tangent_prop_with_dropout_trains():
    """Dropout has no R-operator: the frozen-draw central-difference fallback
    still reduces the slope along the tangent."""
    X, y, X_test, *_ = _invariant_problem(seed=0)
    V = [[1.0, 1.0, 0.0, 0.0]]
    slopes = [
        _slope_along(_fit(MLPRegularizedRegressor, X, y, hidden_layer_sizes=(32,),
                          activation="tanh", dropout=0.1, learning_rate=0.01, max_iter=200,
                          random_state=0, tangent_prop=lam, tangent_vectors=V), X_test, V[0])
        for lam in (0.0, 1.0)
    ]
    assert slopes[1] < 0.5 * slopes[0]  # observed ~0.2


def test_double_backprop_flattens_the_loss_and_resists_fgsm():
    """Smaller input gradients of the loss on test points and higher accuracy
    under an FGSM perturbation (eps = 0.2, standardized inputs)."""
    X, y = make_classification(1300, 20, n_informative=10, n_redundant=0, random_state=0,
                               flip_y=0.05)
    X = StandardScaler().fit_transform(X)
    Xtr, ytr, Xte, yte = X[:300], y[:300], X[300:], y[300:]
    res = {}
    for lam in (0.0, 3.0):
        m = _fit(MLPRegularizedClassifier, Xtr, ytr, hidden_layer_sizes=(64,),
                 activation="tanh", learning_rate=0.003, max_iter=150, random_state=0,
                 input_gradient_penalty=lam)
        obj, theta, Xv, Y, _ = training_objective(m, Xte, yte)
        G = obj.input_grad(theta, Xv, Y) * len(Xv)  # rows dL_i/dx_i
        fgsm = np.mean(m.predict(Xte + 0.2 * np.sign(G)) == yte)
        res[lam] = np.linalg.norm(G, axis=1).mean(), fgsm
    assert res[3.0][0] < 0.6 * res[0.0][0]  # observed ~0.33
    assert res[3.0][1] > res[0.0][1] + 0.04  # observed +0.10
