"""Curvature of the training objective (book 8.2.1, draft 8.5-8.6).

:class:`FullBatchOracle` is the deterministic full-batch objective
``J~(theta) = sum_i w_i L_i + Omega(theta)`` on fixed data, as the full-batch
optimizers (:mod:`sklreg.optim.batch`) see it: value and gradient, the exact
Hessian-vector product ``H v`` and the Fisher-vector product ``F v``.

Hessian-vector products
    Exact, with the R-operator of Pearlmutter (1994): a forward pass, the
    directional derivative of every layer's output along ``v``
    (``Network.r_forward``), the output-loss curvature (``Loss.output_hvp``)
    and a second backward sweep that differentiates back-propagation itself
    (``Network.r_backward``).  Each layer keeps its R-operator next to its
    forward/backward.  Cost: about three gradient evaluations.
    *Fallback* when a layer or activation has no R-operator (e.g. batch
    normalization, activity penalties, noise layers): central differences of
    exact gradients, ``(g(theta + h v) - g(theta - h v)) / 2h`` with
    ``h = eps^(1/3) max(1, |theta|_inf) / |v|_inf``; the error is ``O(h^2)``,
    about 1e-10 relative in float64.  Noise and dropout layers draw the same
    noise for both gradients (a fixed seed), so the product is that of one
    frozen draw -- the curvature of the noisy objective the optimizer sees,
    not of the inference-mode network.  The choice is made for the network
    at each call: ``continuation`` rebuilds it during training, adding or
    removing noise and dropout layers.

Fisher-vector products
    ``F v = sum_i w_i J_i^T A_i J_i v`` with ``J_i`` the Jacobian of the raw
    outputs and ``A_i`` the Fisher information of the output distribution in
    its natural parameters.  For the canonical links used here (softmax,
    independent sigmoids, unit-variance Gaussian) ``A_i`` is the Hessian of
    the per-sample loss with respect to the outputs, so this Fisher is exact
    (no sampling of labels) and equals the generalized Gauss-Newton matrix;
    without hidden layers it equals the Hessian of the data term
    (``tests/test_second_order.py::test_fisher_equals_hessian_without_hidden_layers``).

Penalties add their own curvature: ``alpha`` on the weights for L2 (with or
without a reference point), zero for L1 (piecewise linear), central
differences of the penalty gradient for any other penalty kind.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._early_stopping import check_validation
from .callbacks import CurvatureMonitor
from .network import Context

__all__ = [
    "FullBatchOracle",
    "curvature_along_gradient",
    "make_curvature_monitor",
    "hessian_vector_product",
    "gradient_curvature",
]

#: largest number of rows the per-epoch curvature diagnostics use
CURVATURE_MAX_SAMPLES = 10_000


class FullBatchOracle:
    """The full-batch objective on fixed data and its first and second derivatives.

    Parameters
    ----------
    objective : Objective
    X, Y : arrays
        Inputs and encoded targets (all rows are used in every evaluation).
    w : ndarray or None
        Sample weights normalized to sum to one (None: uniform mean).
    ctx : Context or None
        Training context of the evaluations (None: a deterministic one).
    seed : int or None
        When given, every evaluation gets a fresh ``Context`` whose generator
        is seeded with it, so stochastic layers draw the same noise each time.
    hvp : {'auto', 'rop', 'fd'}
        How to compute ``H v``: the R-operator, central differences of
        gradients, or the R-operator when every layer supports it.
    name : str
        Who evaluates (used in error messages).
    dtype : dtype or None
        Dtype of the parameters (None: that of X); scipy's float64 points are
        cast to it.

    Attributes
    ----------
    n_evals : int
        Objective/gradient evaluations so far.
    n_products : int
        Hessian- or Fisher-vector products so far.
    """

    def __init__(self, objective, X, Y, w=None, *, ctx=None, seed=None, hvp="auto",
                 name="optimizer", dtype=None):
        self.objective = objective
        self.dtype = np.dtype(X.dtype if dtype is None else dtype)
        self.X, self.Y, self.w = X, Y, w
        self._ctx = ctx if ctx is not None else Context(training=True)
        self.seed = seed
        if hvp not in ("auto", "rop", "fd"):
            raise ValueError(f"hvp must be 'auto', 'rop' or 'fd', got {hvp!r}.")
        self._hvp_request = hvp
        self._rop_cache = None
        self.name = name
        if hvp == "rop":
            self._require_rop("Exact Hessian-vector products (hvp='rop')")
        self.n_evals = 0
        self.n_products = 0
        self._g = None
        self._memo = None

    # The network can be rebuilt between evaluations (``continuation`` swaps
    # noise/dropout layers in and out of ``objective.network`` during training),
    # so R-operator support is looked up for the current network, not once.
    @property
    def supports_rop(self):
        """Whether every layer, activation and the output loss have an R-operator."""
        net = self.objective.network
        if self._rop_cache is None or self._rop_cache[0] is not net:
            ok = self.objective.supports_exact_hvp()
            self._rop_cache = (net, ok)
        return self._rop_cache[1]

    @property
    def hvp_method(self):
        """'rop' or 'fd': how the next ``H v`` is computed."""
        if self._hvp_request == "auto":
            return "rop" if self.supports_rop else "fd"
        return self._hvp_request

    def _without_rop(self):
        """Names of the current network's components without an R-operator."""
        names = [type(l).__name__ for l in self.objective.network.layers
                 if not l.supports_r_op()]
        if not hasattr(self.objective.loss, "output_hvp"):
            names.append(type(self.objective.loss).__name__)
        names += [  # objective terms on the data without their own curvature
            type(t).__name__ for t in self.objective.terms
            if t.gradient and t.uses_data and not hasattr(t, "hessian_vp")
        ]
        return sorted(set(names))

    def _require_rop(self, what):
        if not self.supports_rop:
            raise ValueError(
                f"{what} need the R-operator of every layer, activation and output "
                f"loss; this network has component(s) without one: "
                f"{', '.join(self._without_rop())} (noise, dropout, batch "
                "normalization, activity penalties, a data term without its own "
                "curvature or a custom layer). Use hvp='fd' "
                "(central differences of gradients under one frozen noise draw) or "
                "turn those regularizers off."
            )

    # ------------------------------------------------------------ plumbing
    def _context(self):
        if self.seed is None:
            return self._ctx
        return Context(training=True, rng=np.random.default_rng(self.seed))

    def _buf(self, name, like):
        b = getattr(self, name)
        if b is None or b.shape != like.shape or b.dtype != like.dtype:
            b = np.empty_like(like)
            setattr(self, name, b)
        return b

    def _gradient_into(self, theta, out):
        return self.objective.loss_grad(theta, self.X, self.Y, self.w, self._context(), grad=out)

    # ------------------------------------------------------- first order
    def loss_grad(self, theta):
        """``(J~(theta), grad)``; ``grad`` is a buffer reused by the next call.

        Raises ValueError when the value or the gradient is not finite."""
        f, g = self._gradient_into(theta, self._buf("_g", theta))
        self.n_evals += 1
        f = float(f)
        if not (np.isfinite(f) and np.isfinite(g).all()):
            what = "objective" if not np.isfinite(f) else "gradient"
            raise ValueError(
                f"The full-batch {what} became non-finite (objective = {f}) at function "
                f"evaluation {self.n_evals} of {self.name}. Standardize the inputs (e.g. "
                "StandardScaler in a Pipeline), increase alpha, or start from a few "
                "epochs of a first-order method (warmup='adam')."
            )
        return f, g

    def memo_loss_grad(self, theta):
        """Like :meth:`loss_grad` but remembers the last point: ``(f, g copy)``.

        Line searches ask for ``f`` and ``g`` at the same point in separate
        calls; this evaluates once."""
        m = self._memo
        if m is not None and m[0].shape == theta.shape and np.array_equal(m[0], theta):
            return m[1], m[2]
        f, g = self.loss_grad(theta)
        self._memo = (np.array(theta, copy=True), f, g.copy())
        return f, self._memo[2]

    def scipy_fun(self, x):
        """``fun(x) -> (f, g)`` for ``scipy.optimize.minimize(jac=True)``.

        ``x`` (float64, scipy's own copy) is used directly for float64 models,
        cast for float32 ones; the gradient is returned as a float64 copy."""
        theta = x if x.dtype == self.dtype else x.astype(self.dtype)
        f, g = self.loss_grad(theta)
        return f, g.astype(np.float64, copy=True)

    # ------------------------------------------------------ second order
    def hvp(self, theta, v, out=None):
        """Exact ``H v`` of ``J~`` at ``theta`` (see the module docstring);
        :meth:`Objective.hessian_vp` adds every term's curvature."""
        out = np.empty_like(theta) if out is None else out
        self.n_products += 1
        method = self.hvp_method
        if method == "rop":
            self._require_rop("Exact Hessian-vector products (hvp='rop')")
        with self._named_r_op_errors("Hessian-vector product"):
            return self.objective.hessian_vp(
                theta, self.X, self.Y, self.w, v, out, method=method, seed=self.seed,
                ctx=self._ctx,
            )

    def fisher_vp(self, theta, v, out=None):
        """``F v`` (Fisher of the predictive distribution, plus penalty curvature)."""
        if not self.objective._exact_input_ops():  # terms: Objective.fisher_vp says
            raise ValueError(
                "The Fisher-vector product needs the R-operator of every layer; this "
                f"network has component(s) without one: {', '.join(self._without_rop())} "
                "(batch normalization, activity penalty, noise or dropout). Use "
                "optimizer='newton' or 'lbfgs', or turn those regularizers off."
            )
        out = np.empty_like(theta) if out is None else out
        self.n_products += 1
        with self._named_r_op_errors("Fisher-vector product"):
            return self.objective.fisher_vp(
                theta, self.X, self.Y, self.w, v, out, seed=self.seed
            )

    @contextmanager
    def _named_r_op_errors(self, what):
        """A layer that claims an R-operator but raises NotImplementedError
        (a bare one from the Layer base class) gets a message naming it."""
        try:
            yield
        except NotImplementedError as exc:
            if str(exc):
                raise
            raise NotImplementedError(
                f"The exact {what} ({self.name}) hit a network component without an "
                f"R-operator ({', '.join(self._without_rop()) or 'a custom layer'}). "
                "Construct FullBatchOracle with hvp='fd' (central differences of "
                "gradients), or give the layer r_forward/r_backward methods."
            ) from exc


# ------------------------------------------------------------------ diagnostics
@contextmanager
def _unchanged_statistics(network):
    """Restore the batch-norm running statistics after diagnostic evaluations.

    The oracle evaluates in training mode (batch statistics, the noise the
    optimizer sees), and a training-mode batch-norm forward pass updates the
    running statistics that predictions use; diagnostics must not."""
    saved = [
        (layer, layer.running_mean, layer.running_var, layer.n_batches)
        for layer in network.layers if hasattr(layer, "running_mean")
    ]
    saved = [
        (layer, None if m is None else m.copy(), None if v is None else v.copy(), n)
        for layer, m, v, n in saved
    ]
    try:
        yield
    finally:
        for layer, m, v, n in saved:
            layer.running_mean, layer.running_var, layer.n_batches = m, v, n


def _diagnose(oracle, theta):
    with _unchanged_statistics(oracle.objective.network):
        return curvature_along_gradient(oracle, theta)


def curvature_along_gradient(oracle, theta):
    """Book 8.2.1: ``g^T g`` and ``g^T H g`` at ``theta``.

    A gradient step ``-eps g`` changes the objective by about
    ``0.5 eps^2 g^T H g - eps g^T g`` (eq. 8.10): it increases it as soon as
    ``eps > 2 g^T g / g^T H g`` (``critical_lr``).  A growing ``gTHg`` with a
    flat ``gTg`` is the book's sign of ill-conditioning.

    Returns a dict with keys ``loss``, ``gTg``, ``gTHg``, ``critical_lr``
    (``inf`` when ``g^T H g <= 0``).
    """
    f, g = oracle.loss_grad(theta)
    g = g.copy()
    hg = oracle.hvp(theta, g)
    gg, ghg = float(g @ g), float(g @ hg)
    return {"loss": f, "gTg": gg, "gTHg": ghg,
            "critical_lr": 2.0 * gg / ghg if ghg > 0 else np.inf}


def make_curvature_monitor(objective, X, Y, sw, rng, history=None):
    """Per-epoch curvature callback for ``curvature_diagnostics=True``.

    Uses all training rows, or a fixed random subset of
    :data:`CURVATURE_MAX_SAMPLES` rows (drawn once per fit from ``rng``) when
    there are more."""
    n = X.shape[0]
    if n > CURVATURE_MAX_SAMPLES:
        idx = np.sort(rng.choice(n, CURVATURE_MAX_SAMPLES, replace=False))
        X, Y = X[idx], Y[idx]
        sw = None if sw is None else sw[idx]
    w = None
    if sw is not None and sw.sum() > 0:
        w = sw / sw.sum()
    oracle = FullBatchOracle(
        objective, X, Y, w, seed=int(rng.integers(2**31)), name="curvature_diagnostics"
    )
    return CurvatureMonitor(lambda theta: _diagnose(oracle, theta), history)


def _estimator_oracle(estimator, X, y, sample_weight):
    check_is_fitted(estimator, "_theta")
    dtype = estimator._theta.dtype
    X, Y, sw, y = check_validation(estimator, (X, y, sample_weight), dtype)
    sw = estimator._apply_class_weight(y, sw, dtype)
    w = None if sw is None else sw / sw.sum()
    return FullBatchOracle(
        estimator._objective, X, Y, w, seed=0, name=type(estimator).__name__
    )


def hessian_vector_product(estimator, X, y, v, sample_weight=None):
    """Exact Hessian-vector product of a fitted MLP estimator's objective.

    The objective is the one ``fit`` minimizes -- the weighted mean loss on
    ``(X, y)`` plus the penalties -- at the fitted parameters ``theta``, which
    are ordered as in the flat parameter vector (all weight matrices row-major
    in layer order, then all biases).  Computed with the R-operator
    (Pearlmutter, 1994), or with central differences of exact gradients for
    networks with a layer that has no R-operator (batch normalization,
    activity penalties, noise and dropout).  Stochastic layers (dropout,
    input/hidden/weight noise) are evaluated in training mode with one frozen
    draw (seed 0) for every gradient, so ``H v`` is the Hessian of that one
    sample of the noisy objective; batch normalization uses the statistics
    of ``X`` and its running statistics are left unchanged.

    Parameters
    ----------
    estimator : fitted MLPRegularizedClassifier or MLPRegularizedRegressor
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    v : array-like of shape (n_params,)
        Direction; ``n_params = sum(W.size for W in coefs_) + sum(b.size ...)``.
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    Hv : ndarray of shape (n_params,)
    """
    oracle = _estimator_oracle(estimator, X, y, sample_weight)
    theta = estimator._theta
    v = np.asarray(v, dtype=theta.dtype)
    if v.shape != theta.shape:
        raise ValueError(
            f"v must have shape {theta.shape} (one entry per parameter), got {v.shape}."
        )
    with _unchanged_statistics(estimator._objective.network):
        return oracle.hvp(theta, v)


def gradient_curvature(estimator, X, y, sample_weight=None):
    """Book 8.2.1 diagnostics of a fitted estimator on ``(X, y)``.

    Returns ``{'loss', 'gTg', 'gTHg', 'critical_lr'}`` at the fitted
    parameters: the objective, the squared gradient norm, the curvature along
    the gradient and the largest gradient-descent step ``2 g^T g / g^T H g``
    that still decreases the second-order model (eq. 8.10).  The per-epoch
    history of the same numbers is ``curvature_history_`` when the estimator
    is fitted with ``curvature_diagnostics=True``.
    """
    oracle = _estimator_oracle(estimator, X, y, sample_weight)
    return _diagnose(oracle, estimator._theta)
