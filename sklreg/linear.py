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
from scipy import linalg, sparse
from scipy.linalg import lapack
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MultiOutputMixin,
    RegressorMixin,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._validation import (
    atomic_fit, check_bool, check_finite_y, check_interval, check_no_missing_labels,
    check_options, check_sample_weight,
)

__all__ = ["RidgeClosedForm", "RidgeClosedFormClassifier", "LassoBaseline", "soft_threshold"]

_FLOATS = [np.float64, np.float32]
_SPARSE = ("csr", "csc", "coo")
# 'auto' falls back from Cholesky to SVD below this reciprocal condition number
# of the regularized Gram matrix (Cholesky loses ~log10(1/rcond) digits).
_AUTO_RCOND = 1e-8
# The orthogonal-design test of LassoBaseline forms the p x p Gram matrix.
_ORTHO_MAX_FEATURES = 2000


def soft_threshold(z, a):
    """Soft-thresholding operator ``S(z, a) = sign(z) max(|z| - a, 0)`` (book eq 7.23)."""
    z = np.asarray(z, dtype=float)
    return np.sign(z) * np.maximum(np.abs(z) - a, 0.0)


def _check_sample_weight(sample_weight, n_samples):
    """Float64 weights of shape (n_samples,); ones when not given."""
    sw = check_sample_weight(sample_weight, n_samples)
    return np.ones(n_samples) if sw is None else sw


def _weighted_center(X, Y, sw, fit_intercept):
    """Weighted means ``x_mean`` (p,), ``y_mean`` (k,) (zeros without intercept)."""
    if not fit_intercept:
        return np.zeros(X.shape[1]), np.zeros(Y.shape[1])
    S = sw.sum()
    x_mean = np.asarray(X.T @ sw).ravel() / S
    return x_mean, sw @ Y / S


def _svd_solve(U, s, Vt, B, lam, rcond):
    """``w = V diag(s / (s^2 + lam)) U' B`` with ``s <= rcond * s_max`` treated as 0."""
    cutoff = rcond * (s.max() if s.size else 0.0)
    keep = s > cutoff
    d = np.zeros_like(s)
    d[keep] = s[keep] / (s[keep] ** 2 + lam)
    return Vt.T @ (d[:, None] * (U.T @ B)), int(keep.sum())


def _solve_ridge(X, Y, alpha, sw, fit_intercept=True, solver="auto"):
    """Minimize ``(1/S) sum_i s_i 1/2 ||y_i - x_i W - b||^2 + (alpha/2) ||W||_F^2``.

    Shared by :class:`RidgeClosedForm` and :class:`RidgeClosedFormClassifier`.
    ``X`` is (n, p) float64 dense or sparse, ``Y`` is (n, k) float64.
    Returns ``W`` (p, k), ``b`` (k,), the solver actually used and the rank
    (``None`` for Cholesky).
    """
    n, p = X.shape
    S = sw.sum()
    x_mean, y_mean = _weighted_center(X, Y, sw, fit_intercept)
    rcond_svd = np.finfo(float).eps * max(n, p)
    Yc = Y - y_mean
    if sparse.issparse(X):
        # Centered weighted Gram matrix without densifying X:  Xc'SXc = X'SX - S m m'.
        Xw = sparse.csr_matrix(X.multiply(sw[:, None]))
        G = np.asarray((X.T @ Xw).todense()) - S * np.outer(x_mean, x_mean)
        rhs = np.asarray(Xw.T @ Yc) - np.outer(x_mean, sw @ Yc)
        A, G, rhs = None, G / S, rhs / S
    else:
        root = np.sqrt(sw)[:, None]
        A, B = (X - x_mean) * root, Yc * root  # sqrt(s)-scaled centered data

    if solver == "cholesky" or (solver == "auto" and alpha > 0):
        if A is not None:
            G, rhs = A.T @ A / S, A.T @ B / S
        M = G + alpha * np.eye(p)
        try:
            c, lower = linalg.cho_factor(M, lower=True, check_finite=False)
            rc, _ = lapack.dpocon(c, np.abs(M).sum(axis=0).max(), uplo="L")
        except linalg.LinAlgError:
            rc = 0.0
        if solver == "cholesky" and rc <= np.finfo(float).eps:
            raise np.linalg.LinAlgError(
                "solver='cholesky' failed: X'X + alpha*I is singular (alpha="
                f"{alpha!r} on a rank-deficient design). Use solver='svd' or "
                "solver='auto' for the minimum-norm (pseudoinverse) solution, or "
                "alpha > 0."
            )
        if solver == "cholesky" or rc >= _AUTO_RCOND:
            W = linalg.cho_solve((c, lower), rhs, check_finite=False)
            return W, y_mean - x_mean @ W, "cholesky", None

    if A is not None:
        U, s, Vt = linalg.svd(A, full_matrices=False, check_finite=False)
        W, rank = _svd_solve(U, s, Vt, B, alpha * S, rcond_svd)
    else:
        # Sparse X: eigendecomposition of the Gram matrix, G = V diag(sigma^2/S) V'.
        ev, V = linalg.eigh(G, check_finite=False)
        keep = ev > max(n, p) * np.finfo(float).eps * max(ev.max(), 0.0)
        inv = np.zeros_like(ev)
        inv[keep] = 1.0 / (ev[keep] + alpha)
        W, rank = V @ (inv[:, None] * (V.T @ rhs)), int(keep.sum())
    return W, y_mean - x_mean @ W, "svd", rank


def _ridge_validate_params(est):
    check_interval("alpha", est.alpha, 0.0, None, closed="left")
    check_bool("fit_intercept", est.fit_intercept)
    check_options("solver", est.solver, ("auto", "cholesky", "svd"))


class _LinearPredictMixin:
    """``X @ coef_.T + intercept_`` with validation (dense or sparse X)."""

    def _linear(self, X):
        check_is_fitted(self)
        X = validate_data(
            self, X, reset=False, accept_sparse=_SPARSE if self._sparse_ok else False,
            dtype=_FLOATS,
        )
        return X @ self.coef_.T + self.intercept_


class RidgeClosedForm(_LinearPredictMixin, RegressorMixin, MultiOutputMixin, BaseEstimator):
    """Ridge regression (L2 / weight decay / Tikhonov) solved in closed form.

    Book section 7.1.1, normal equations eq 7.17 ``w = (X'X + alpha I)^-1 X'y``,
    and section 7.3 (Moore-Penrose pseudoinverse as the ``alpha -> 0`` limit, eq 7.29).

    Minimizes the weighted MEAN loss plus the penalty (sklreg convention)::

        J(w, b) = (1/S) sum_i s_i 1/2 ||y_i - x_i w - b||^2 + (alpha/2) ||w||_F^2

    with ``S = sum_i s_i`` (``S = n_samples`` without ``sample_weight``).

    .. important:: ``RidgeClosedForm(alpha=a)`` equals
       ``sklearn.linear_model.Ridge(alpha=a * S)``, i.e. ``Ridge(alpha=a * n_samples)``
       without weights (sklearn uses the SUM of squared errors).  The same ``alpha``
       is the L2 coefficient of the sklreg MLP estimators.

    Parameters
    ----------
    alpha : float, default=1.0
        L2 strength, ``>= 0``.  The intercept is never penalized.
    fit_intercept : bool, default=True
        Center X and y by their weighted means; ``intercept_ = y_mean - x_mean @ w``.
    solver : {'auto', 'cholesky', 'svd'}, default='auto'
        'cholesky' solves ``(Xc'SXc/S + alpha I) w = Xc'S yc / S`` with
        ``scipy.linalg.cho_factor``; it raises ``LinAlgError`` if the matrix is
        singular (``alpha=0`` on a rank-deficient design).
        'svd' writes ``sqrt(s) Xc = U diag(sigma) V'`` and returns
        ``w = V diag(sigma / (sigma^2 + alpha S)) U' sqrt(s) yc``; singular values
        ``<= max(n, p) * eps * sigma_max`` are treated as zero, so ``alpha=0`` gives
        the minimum-norm least-squares (pseudoinverse) solution (book 7.3).
        For sparse X, 'svd' uses the eigendecomposition of the centered Gram matrix
        (same formula, eigenvalue cutoff ``max(n, p) * eps * lambda_max``).
        'auto' uses 'svd' when ``alpha == 0`` and 'cholesky' otherwise, falling back
        to 'svd' when Cholesky fails or the reciprocal condition number is < 1e-8.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        ``(n_features,)`` for 1-D y only; y of shape (n, 1) keeps its target axis
        (``coef_`` (1, n_features), predictions (n, 1)) like ``LinearRegression``.
    intercept_ : float or ndarray of shape (n_targets,)
    solver_ : str
        'cholesky' or 'svd', the path actually used.
    rank_ : int or None
        Numerical rank of the (weighted, centered) design for 'svd', else None.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when X has string feature names.

    Notes
    -----
    Sparse X is supported: the p x p Gram matrix is formed densely (intended for
    moderate ``n_features``).  Computation is in float64; coefficients and
    predictions are cast to float32 for float32 X.
    """

    _sparse_ok = True

    def __init__(self, alpha=1.0, fit_intercept=True, solver="auto"):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    @atomic_fit()
    def fit(self, X, y, sample_weight=None):
        """Fit by the closed form. ``y`` is (n,) or (n, n_targets). Returns self."""
        _ridge_validate_params(self)
        X, y = validate_data(
            self, X, y, accept_sparse=_SPARSE, dtype=_FLOATS, multi_output=True,
            y_numeric=True,
        )
        dtype = X.dtype
        sw = _check_sample_weight(sample_weight, X.shape[0])
        Y = check_finite_y(y)
        Y2 = Y.reshape(-1, 1) if Y.ndim == 1 else Y
        W, b, solver, rank = _solve_ridge(
            X.astype(np.float64), Y2, float(self.alpha), sw, self.fit_intercept,
            self.solver,
        )
        if Y.ndim == 1:
            self.coef_, self.intercept_ = W[:, 0].astype(dtype), float(b[0])
        else:
            self.coef_, self.intercept_ = W.T.astype(dtype), b.astype(dtype)
        self.solver_, self.rank_ = solver, rank
        return self

    def predict(self, X):
        """Predict ``X @ coef_.T + intercept_``."""
        return self._linear(X)


class RidgeClosedFormClassifier(_LinearPredictMixin, ClassifierMixin, BaseEstimator):
    """Classifier twin of :class:`RidgeClosedForm` (like ``sklearn RidgeClassifier``).

    Each class gets a {-1, +1} target column (``LabelBinarizer(neg_label=-1)``;
    one column for binary problems) and the columns are fitted jointly by the
    closed-form ridge of :class:`RidgeClosedForm` (book 7.1.1, eq 7.17).  Same
    objective scaling: ``alpha`` here equals ``sklearn RidgeClassifier(alpha=alpha * S)``.

    Parameters
    ----------
    alpha : float, default=1.0
    fit_intercept : bool, default=True
    solver : {'auto', 'cholesky', 'svd'}, default='auto'
        See :class:`RidgeClosedForm`.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) if binary else (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    solver_, rank_, n_features_in_, feature_names_in_
        As in :class:`RidgeClosedForm`.
    """

    _sparse_ok = True

    def __init__(self, alpha=1.0, fit_intercept=True, solver="auto"):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = False
        return tags

    @atomic_fit()
    def fit(self, X, y, sample_weight=None):
        """Fit the {-1, +1} indicator targets by ridge regression. Returns self."""
        _ridge_validate_params(self)
        X, y = validate_data(self, X, y, accept_sparse=_SPARSE, dtype=_FLOATS)
        check_no_missing_labels(y)
        kind = type_of_target(y, input_name="y")
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                f"Unknown label type: {kind!r}. RidgeClosedFormClassifier needs binary "
                "or multiclass targets."
            )
        sw = _check_sample_weight(sample_weight, X.shape[0])
        lb = LabelBinarizer(pos_label=1, neg_label=-1)
        Y = lb.fit_transform(y).astype(np.float64)
        W, b, solver, rank = _solve_ridge(
            X.astype(np.float64), Y, float(self.alpha), sw, self.fit_intercept,
            self.solver,
        )
        self.classes_, self.solver_, self.rank_ = lb.classes_, solver, rank
        self.coef_, self.intercept_ = W.T.astype(X.dtype), b.astype(X.dtype)
        return self

    def decision_function(self, X):
        """Scores, shape (n_samples,) for binary problems else (n_samples, n_classes)."""
        scores = self._linear(X)
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X):
        """Class with the largest score (sign of the score for binary problems)."""
        scores = self.decision_function(X)
        idx = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[idx]


class LassoBaseline(_LinearPredictMixin, RegressorMixin, BaseEstimator):
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
    intercept_ : float
    n_iter_ : int
        Sweeps performed.
    solver_ : {'orthogonal', 'cd'}
    n_features_in_, feature_names_in_

    Notes
    -----
    Dense X and 1-D y only; sparse X raises ``TypeError`` (sklearn's message).
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
    def fit(self, X, y, sample_weight=None):
        """Fit by coordinate descent (or the orthogonal closed form). Returns self."""
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
            w, n_iter = self._coordinate_descent(Xc, Xs, yc, H, active, w, alpha, tol)
        self.solver_, self.n_iter_ = solver, n_iter
        self.coef_ = w.astype(dtype)
        self.intercept_ = float(y_mean[0] - x_mean @ w)
        return self

    @staticmethod
    def _is_orthogonal(Xs, Xc, H):
        G = Xs.T @ Xc
        np.fill_diagonal(G, 0.0)
        return bool(np.abs(G).max() <= 1e-10 * H.max())

    def _coordinate_descent(self, Xc, Xs, yc, H, active, w, alpha, tol):
        r = yc - Xc @ w  # full residual, updated in place after each coordinate step
        for it in range(1, self.max_iter + 1):
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
            if w_max == 0.0 or d_max < tol * w_max:
                return w, it
        warnings.warn(
            f"LassoBaseline did not converge in max_iter={self.max_iter} sweeps "
            f"(last max coefficient change {d_max:.3g} >= tol * max|w| = "
            f"{tol * w_max:.3g}). Increase max_iter or tol.",
            ConvergenceWarning,
        )
        return w, self.max_iter

    def predict(self, X):
        """Predict ``X @ coef_ + intercept_``."""
        return self._linear(X)
