"""Closed-form and coordinate-descent linear baselines (book chapter 7).

Objective scaling (library-wide convention, shared with the MLP ``alpha``/``l1``):
the objective is the WEIGHTED MEAN of the per-sample loss ``1/2 ||y_i - x_i w - b||^2``
plus the penalty, so with weights ``s`` (all ones by default) and ``S = sum(s)``:

* :class:`RidgeClosedForm`:  ``J = (1/S) sum_i s_i 1/2 ||y_i - x_i w - b||^2
  + (alpha/2) ||w||_F^2``  ==  ``sklearn.linear_model.Ridge(alpha=alpha * S)``.
* :class:`LassoBaseline`:  ``J = (1/S) sum_i s_i 1/2 (y_i - x_i w - b)^2
  + alpha ||w||_1``  ==  ``sklearn.linear_model.Lasso(alpha=alpha)``.

The intercept ``b`` is never penalized (book section 7.1).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import validate_data

from ._ridge import (
    _FLOATS,
    RidgeClosedForm,
    RidgeClosedFormClassifier,
    _check_sample_weight,
    _LinearPredictMixin,
    _weighted_center,
)
from ._links import DocLinkMixin
from ._persistence import PersistenceMixin
from ._sk_callbacks import CallbackSupport, callback_fit, iteration_tasks
from ._validation import atomic_fit, check_bool, check_finite_y, check_interval

__all__ = ["RidgeClosedForm", "RidgeClosedFormClassifier", "LassoBaseline", "soft_threshold"]

# The orthogonal-design test of LassoBaseline forms the p x p Gram matrix.
_ORTHO_MAX_FEATURES = 2000


def soft_threshold(z, a):
    """Soft-thresholding operator ``S(z, a) = sign(z) max(|z| - a, 0)`` (book eq 7.23)."""
    z = np.asarray(z, dtype=float)
    return np.sign(z) * np.maximum(np.abs(z) - a, 0.0)


class LassoBaseline(_LinearPredictMixin, RegressorMixin, DocLinkMixin, PersistenceMixin,
                    CallbackSupport, BaseEstimator):
    """L1-penalized least squares (LASSO) by cyclic coordinate descent.

    Book section 7.1.2 (soft thresholding, eq 7.23) and coordinate descent
    (section 8.7.2; 8.7.1 in the draft).  Minimizes::

        J(w, b) = (1/S) sum_i s_i 1/2 (y_i - x_i w - b)^2 + alpha ||w||_1

    which is exactly ``sklearn.linear_model.Lasso(alpha=alpha)`` (sklearn rescales
    ``sample_weight`` to sum to ``n_samples``, the same objective).  The same
    ``alpha`` is the ``l1`` coefficient of the sklreg MLP estimators.

    Each coordinate step is the exact one-dimensional minimizer
    ``w_j = S(rho_j, alpha) / H_jj`` with ``rho_j = (1/S) sum_i s_i x_ij r_i^(-j)``
    (``r^(-j)`` the residual without feature j), ``H_jj = (1/S) sum_i s_i x_ij^2``
    and ``S(z, a) = sign(z) max(|z| - a, 0)`` (centered X, y when fitting the
    intercept).  Features with ``H_jj = 0`` get ``w_j = 0``.  If the weighted,
    centered Gram matrix is diagonal (to 1e-10 relative; checked when
    ``n_features <= 2000``), eq 7.23 is exact and applied in one shot
    (``solver_='orthogonal'``, ``n_iter_=1``).

    Parameters
    ----------
    alpha : float, default=1.0
        L1 strength, ``>= 0``.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept (centered X and y).
    max_iter : int, default=1000
        Maximum number of sweeps over the features.
    tol : float, default=1e-4
        Stop when the largest coefficient change in a sweep is
        ``< tol * max_j |w_j|`` (or every coefficient is zero); otherwise a
        ``ConvergenceWarning`` is emitted after ``max_iter`` sweeps.
    warm_start : bool, default=False
        Start from the previous ``coef_`` instead of zeros.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Weights; exact zeros for the features the L1 penalty removes.
    intercept_ : float
        ``y_mean - x_mean @ coef_`` (0 without ``fit_intercept``).
    n_iter_ : int
        Sweeps performed.
    solver_ : {'orthogonal', 'cd'}
        The path used: the one-shot closed form or coordinate descent.
    n_features_in_, feature_names_in_
        As in scikit-learn.

    See Also
    --------
    RidgeClosedForm : The L2 penalty instead (book 7.1.1).
    MLPRegularizedRegressor : Its ``l1`` is this ``alpha``.

    Notes
    -----
    Dense X and 1-D y only; sparse X raises ``TypeError`` (sklearn's message).

    Examples
    --------
    >>> import numpy as np
    >>> from sklreg import LassoBaseline
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(50, 5))
    >>> y = 3 * X[:, 0] + 0.1 * rng.normal(size=50)
    >>> lasso = LassoBaseline(alpha=0.1).fit(X, y)
    >>> np.flatnonzero(lasso.coef_)  # the other four weights are exactly 0
    array([0])
    """

    _sparse_ok = False

    def __init__(self, alpha=1.0, fit_intercept=True, max_iter=1000, tol=1e-4,
                 warm_start=False):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start

    @atomic_fit()
    @callback_fit("max_iter")  # scikit-learn callbacks: one subtask per sweep
    def fit(self, X, y, sample_weight=None):
        """Fit by coordinate descent (or the orthogonal closed form).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (dense).
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights ``s_i`` of the samples in the weighted mean loss; None
            gives every sample weight 1.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        alpha = float(check_interval("alpha", self.alpha, 0.0, None, closed="left"))
        check_bool("fit_intercept", self.fit_intercept)
        check_interval("max_iter", self.max_iter, 1, None, closed="left", integer=True)
        tol = float(check_interval("tol", self.tol, 0.0, None, closed="left"))
        check_bool("warm_start", self.warm_start)
        X, y = validate_data(self, X, y, accept_sparse=False, dtype=_FLOATS, y_numeric=True)
        dtype = X.dtype
        n, p = X.shape
        sw = _check_sample_weight(sample_weight, n)
        S = sw.sum()
        X, y = X.astype(np.float64), check_finite_y(y)
        x_mean, y_mean = _weighted_center(X, y[:, None], sw, self.fit_intercept)
        Xc = np.asfortranarray(X - x_mean)  # contiguous columns for the sweeps
        yc = y - y_mean[0]
        Xs = np.asfortranarray(Xc * (sw / S)[:, None])  # weighted columns: rho = Xs_j' r
        H = np.einsum("ij,ij->j", Xs, Xc)
        active = np.flatnonzero(H > 0)

        w = np.zeros(p)
        if (self.warm_start and hasattr(self, "coef_")
                and np.shape(self.coef_) == (p,)):
            w = np.asarray(self.coef_, dtype=np.float64).copy()
        w[H <= 0] = 0.0

        if p <= _ORTHO_MAX_FEATURES and active.size and self._is_orthogonal(Xs, Xc, H):
            rho = Xs.T @ yc  # = rho_j, since the other columns are orthogonal to x_j
            w = np.zeros(p)
            w[active] = soft_threshold(rho[active], alpha) / H[active]
            solver, n_iter = "orthogonal", 1
        else:
            solver = "cd"
            w, n_iter = self._coordinate_descent(Xc, Xs, yc, H, active, w, alpha, tol, lambda w: {
                "coef_": w.astype(dtype), "intercept_": float(y_mean[0] - x_mean @ w)})
        self.solver_, self.n_iter_ = solver, n_iter
        self.coef_ = w.astype(dtype)
        self.intercept_ = float(y_mean[0] - x_mean @ w)
        return self

    @staticmethod
    def _is_orthogonal(Xs, Xc, H):
        G = Xs.T @ Xc
        np.fill_diagonal(G, 0.0)
        return bool(np.abs(G).max() <= 1e-10 * H.max())

    def _coordinate_descent(self, Xc, Xs, yc, H, active, w, alpha, tol, snapshot=None):
        r = yc - Xc @ w  # full residual, updated in place after each coordinate step
        sweeps = iteration_tasks(self, "sweep")  # snapshot(w): the model's attributes
        for it in range(1, self.max_iter + 1):
            sweeps.begin()
            w_max = d_max = 0.0
            for j in active:
                w_old = w[j]
                rho = Xs[:, j] @ r + H[j] * w_old  # (1/S) sum s_i x_ij r_i^(-j)
                w_new = np.sign(rho) * max(abs(rho) - alpha, 0.0) / H[j]
                if w_new != w_old:
                    r -= (w_new - w_old) * Xc[:, j]
                    w[j] = w_new
                d_max = max(d_max, abs(w_new - w_old))
                w_max = max(w_max, abs(w_new))
            stop = sweeps.end(lambda: snapshot(w))  # True: a callback asks to stop
            if w_max == 0.0 or d_max < tol * w_max or stop:
                return w, it
        warnings.warn(
            f"LassoBaseline did not converge in max_iter={self.max_iter} sweeps "
            f"(last max coefficient change {d_max:.3g} >= tol * max|w| = "
            f"{tol * w_max:.3g}). Increase max_iter or tol.",
            ConvergenceWarning,
        )
        return w, self.max_iter

    def predict(self, X):
        """Predict ``X @ coef_ + intercept_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples (dense).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted values.
        """
        return self._linear(X)
