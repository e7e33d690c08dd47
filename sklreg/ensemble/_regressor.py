"""Bagging of regressors (book section 7.11): mean of the members' predictions."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils import get_tags

from .._validation import check_finite_y
from ..mlp import MLPRegularizedRegressor
from ._base import _ATTRS_DOC, _PARAMS_DOC, _BaseBagging


class BaggingNetRegressor(RegressorMixin, _BaseBagging):
    __doc__ = (
        """Bagging (bootstrap aggregating) of regressors, book section 7.11.

    Trains ``n_estimators`` clones of ``estimator``, each on its own bootstrap
    resample of the rows (or, with ``bootstrap=False``, the same rows and a
    different seed), and predicts the mean of the members' predictions.  Its
    squared error is at most the members' average squared error (convexity);
    :func:`ensemble_error_decomposition` splits it into the book's
    ``v/k + (k-1)c/k`` (eq 7.50).  Multi-output targets are supported when the
    estimator supports them.
"""
        + _PARAMS_DOC.format(
            default="MLPRegularizedRegressor",
            oob_what="(``oob_prediction_``), and ``oob_score_`` is the R^2 over the rows "
            "with at least one out-of-bag member (unweighted).",
            oob_es_extra="",
        )
        + _ATTRS_DOC.format(
            extra="""    oob_score_ : float
        Only with ``oob_score=True``.
    oob_prediction_ : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Out-of-bag prediction of each training row (NaN for rows no member left out).
"""
        )
        + """
    See Also
    --------
    BaggingNetClassifier : Bagging of classifiers.
    ensemble_error_decomposition : The book's ensemble error formula, measured.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklreg import BaggingNetRegressor, MLPRegularizedRegressor
    >>> X, y = make_regression(n_samples=100, n_features=4, noise=1.0, random_state=0)
    >>> member = MLPRegularizedRegressor(hidden_layer_sizes=(8,), max_iter=10)
    >>> bag = BaggingNetRegressor(member, n_estimators=3, random_state=0).fit(X, y)
    >>> len(bag.estimators_), bag.predict(X[:3]).shape
    (3, (3,))
"""
    )

    @staticmethod
    def _default_estimator():
        return MLPRegularizedRegressor()

    def _y_validation(self, tags):
        return {"y_numeric": True, "multi_output": tags.target_tags.multi_output}

    def _prepare_y(self, y):
        check_finite_y(y)  # also None, which y_numeric turned into NaN
        return y

    @staticmethod
    def _member_predict(est, X):
        return np.asarray(est.predict(X), dtype=np.float64)

    def predict(self, X):
        """Mean of the members' predictions.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples (sparse only if the members accept it).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The average prediction.
        """
        X = self._predict_input(X)
        return sum(self._member_predict(est, X) for est in self.estimators_) / len(
            self.estimators_
        )

    def _set_oob_score(self, X, y, oob):
        acc, count = self._oob_accumulate(X, oob, self._member_predict, np.shape(y))
        with np.errstate(invalid="ignore"):
            self.oob_prediction_ = acc / count.reshape((-1,) + (1,) * (acc.ndim - 1))
        has = count > 0
        self.oob_score_ = (
            float(r2_score(y[has], self.oob_prediction_[has])) if has.any() else np.nan
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        base = get_tags(self._get_estimator())
        tags.target_tags.multi_output = base.target_tags.multi_output
        if base.regressor_tags is not None:
            tags.regressor_tags.poor_score = base.regressor_tags.poor_score
        return tags
