"""Closed-form ridge regression and classification (book 7.1.1, 7.3), and the
helpers shared with :class:`sklreg.linear.LassoBaseline`.

Public names are imported from :mod:`sklreg.linear`.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg, sparse
from scipy.linalg import lapack
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MultiOutputMixin,
    RegressorMixin,
)
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from ._links import DocLinkMixin
from ._persistence import PersistenceMixin
from ._sk_callbacks import CallbackSupport, callback_fit
from ._validation import (
    atomic_fit, check_bool, check_finite_y, check_interval, check_no_missing_labels,
    check_options, check_sample_weight,
)

_FLOATS = [np.float64, np.float32]
_SPARSE = ("csr", "csc", "coo")
# 'auto' falls back from Cholesky to SVD below this reciprocal condition number
# of the regularized Gram matrix (Cholesky loses ~log10(1/rcond) digits).
_AUTO_RCOND = 1e-8


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


class _RidgeBase(
    _LinearPredictMixin, DocLinkMixin, PersistenceMixin, CallbackSupport, BaseEstimator
):
    """Parameters, tags and solve shared by the ridge regressor and classifier."""

    _sparse_ok = True

    def __init__(self, alpha=1.0, fit_intercept=True, solver="auto"):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _solve(self, X, Y, sw):
        """:func:`_solve_ridge` with the estimator's (validated) parameters."""
        return _solve_ridge(
            X.astype(np.float64), Y, float(self.alpha), sw, self.fit_intercept, self.solver,
        )


class RidgeClosedForm(RegressorMixin, MultiOutputMixin, _RidgeBase):
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
        ``y_mean - x_mean @ w`` (0 without ``fit_intercept``).
    solver_ : str
        'cholesky' or 'svd', the path actually used.
    rank_ : int or None
        Numerical rank of the (weighted, centered) design for 'svd', else None.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Only when X has string feature names.

    See Also
    --------
    RidgeClosedFormClassifier : The same solve for classification.
    LassoBaseline : The L1 penalty instead (book 7.1.2).
    MLPRegularizedRegressor : Its ``alpha`` is this L2 coefficient.

    Notes
    -----
    Sparse X is supported: the p x p Gram matrix is formed densely (intended for
    moderate ``n_features``).  Computation is in float64; coefficients and
    predictions are cast to float32 for float32 X.

    Examples
    --------
    >>> import numpy as np
    >>> from sklreg import RidgeClosedForm
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [2.0, 1.0]])
    >>> y = np.array([1.0, 0.0, 1.0, 2.0])
    >>> ridge = RidgeClosedForm(alpha=0.1).fit(X, y)
    >>> ridge.coef_.shape, ridge.solver_
    ((2,), 'cholesky')
    >>> bool(np.isclose(ridge.intercept_, y.mean() - X.mean(axis=0) @ ridge.coef_))
    True
    """

    @atomic_fit()
    @callback_fit()  # one step: scikit-learn callbacks see one task
    def fit(self, X, y, sample_weight=None):
        """Fit by the closed form (eq 7.17, or the SVD for ``alpha=0``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights ``s_i`` of the samples in the weighted mean loss; None
            gives every sample weight 1.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        _ridge_validate_params(self)
        X, y = validate_data(
            self, X, y, accept_sparse=_SPARSE, dtype=_FLOATS, multi_output=True,
            y_numeric=True,
        )
        dtype = X.dtype
        sw = _check_sample_weight(sample_weight, X.shape[0])
        Y = check_finite_y(y)
        Y2 = Y.reshape(-1, 1) if Y.ndim == 1 else Y
        W, b, solver, rank = self._solve(X, Y2, sw)
        if Y.ndim == 1:
            self.coef_, self.intercept_ = W[:, 0].astype(dtype), float(b[0])
        else:
            self.coef_, self.intercept_ = W.T.astype(dtype), b.astype(dtype)
        self.solver_, self.rank_ = solver, rank
        return self

    def predict(self, X):
        """Predict ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predicted values, shaped as the ``y`` of ``fit``.
        """
        return self._linear(X)


class RidgeClosedFormClassifier(ClassifierMixin, _RidgeBase):
    """Classifier twin of :class:`RidgeClosedForm` (like ``sklearn RidgeClassifier``).

    Each class gets a {-1, +1} target column (``LabelBinarizer(neg_label=-1)``;
    one column for binary problems) and the columns are fitted jointly by the
    closed-form ridge of :class:`RidgeClosedForm` (book 7.1.1, eq 7.17).  Same
    objective scaling: ``alpha`` here equals ``sklearn RidgeClassifier(alpha=alpha * S)``.

    Parameters
    ----------
    alpha : float, default=1.0
        L2 strength, ``>= 0``, as in :class:`RidgeClosedForm`.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept per column (centered X and targets).
    solver : {'auto', 'cholesky', 'svd'}, default='auto'
        See :class:`RidgeClosedForm`.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coef_ : ndarray of shape (1, n_features) if binary else (n_classes, n_features)
        Weights of the score of each class (one column for binary problems).
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts of the scores.
    solver_, rank_, n_features_in_, feature_names_in_
        As in :class:`RidgeClosedForm`.

    See Also
    --------
    RidgeClosedForm : The regressor and the solvers.
    MLPRegularizedClassifier : A network with the same ``alpha``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklreg import RidgeClosedFormClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = RidgeClosedFormClassifier(alpha=1e-2).fit(X, y)
    >>> clf.coef_.shape
    (3, 4)
    >>> clf.decision_function(X[:2]).shape, clf.predict(X[:2]).shape
    ((2, 3), (2,))
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        return tags

    @atomic_fit()
    @callback_fit()  # one step: scikit-learn callbacks see one task
    def fit(self, X, y, sample_weight=None):
        """Fit the {-1, +1} indicator targets by ridge regression.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels (binary or multiclass).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights ``s_i`` of the samples in the weighted mean loss; None
            gives every sample weight 1.

        Returns
        -------
        self : object
            The fitted estimator.
        """
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
        W, b, solver, rank = self._solve(X, Y, sw)
        self.classes_, self.solver_, self.rank_ = lb.classes_, solver, rank
        self.coef_, self.intercept_ = W.T.astype(X.dtype), b.astype(X.dtype)
        return self

    def decision_function(self, X):
        """Ridge scores of the classes.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            One column per class, or for binary problems the score of
            ``classes_[1]`` (positive means that class).
        """
        scores = self._linear(X)
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X):
        """Class with the largest score (sign of the score for binary problems).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted class labels.
        """
        scores = self.decision_function(X)
        idx = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[idx]
