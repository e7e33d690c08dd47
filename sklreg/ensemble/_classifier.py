"""Bagging of classifiers (book section 7.11): soft vote over the members."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.utils import get_tags
from sklearn.utils.multiclass import check_classification_targets

from .._validation import check_no_missing_labels, check_options
from ..mlp import MLPRegularizedClassifier
from ._base import _ATTRS_DOC, _PARAMS_DOC, _BaseBagging

_TINY = np.finfo(np.float64).tiny  # floor of the probabilities in the geometric vote
_MAX_DRAWS = 100  # resamples tried per classifier member to get >= 2 classes


class BaggingNetClassifier(ClassifierMixin, _BaseBagging):
    __doc__ = (
        """Bagging (bootstrap aggregating) of classifiers, book section 7.11.

    Trains ``n_estimators`` clones of ``estimator``, each on its own bootstrap
    resample of the rows (or, with ``bootstrap=False``, the same rows and a
    different seed), and averages their class distributions (soft vote).

    The members are fitted on the original labels (so a member's
    ``class_weight`` dict is keyed by them, as for the member alone); a member
    whose resample lacks a class gives it probability 0.  Members without
    ``predict_proba`` vote with one-hot predictions.

    Rare classes: a resample holding a single class (which most classifiers,
    ``MLPRegularizedClassifier`` included, cannot be fitted on) is redrawn from
    the same random stream, so each member's rows are a resample conditioned on
    holding at least 2 classes (other resamples are kept as drawn).  fit raises
    ``ValueError`` if 100 draws in a row hold a single class.
"""
        + _PARAMS_DOC.format(
            default="MLPRegularizedClassifier",
            oob_what="(``oob_decision_function_``), and ``oob_score_`` is the accuracy "
            "over the rows with at least one out-of-bag member (unweighted).",
            oob_es_extra="  Out-of-bag rows of a class the member's resample lacks "
            "are left out of its validation set.",
        )
        + """
    voting : {'arithmetic', 'geometric'}, default='arithmetic'
        How the members' distributions ``p_i(y|x)`` are combined:
        'arithmetic' -- ``(1/k) sum_i p_i`` (book eq 7.52);
        'geometric' -- ``prod_i p_i^(1/k)`` renormalized over the classes (the
        combination dropout's weight scaling approximates, book 7.12), computed
        as ``softmax(mean_i log max(p_i, tiny))`` with ``tiny`` the smallest
        positive float64.
"""
        + _ATTRS_DOC.format(
            extra="""    classes_ : ndarray of shape (n_classes,)
        Class labels.
    oob_score_ : float
        Only with ``oob_score=True``.
    oob_decision_function_ : ndarray of shape (n_samples, n_classes)
        Out-of-bag vote of each training row (NaN for rows no member left out).
"""
        )
        + """
    See Also
    --------
    BaggingNetRegressor : Bagging of regressors.
    MLPRegularizedClassifier : The default member.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklreg import BaggingNetClassifier, MLPRegularizedClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> member = MLPRegularizedClassifier(hidden_layer_sizes=(8,), max_iter=10)
    >>> bag = BaggingNetClassifier(member, n_estimators=3, voting="geometric",
    ...                            random_state=0).fit(X, y)
    >>> len(bag.estimators_), bag.predict_proba(X[:2]).shape
    (3, (2, 3))
    >>> bool(np.allclose(bag.predict_proba(X).sum(axis=1), 1.0))
    True
"""
    )

    def __init__(
        self, estimator=None, n_estimators=10, *, max_samples=1.0, bootstrap=True,
        voting="arithmetic", oob_score=False, oob_early_stopping=False, n_jobs=None,
        random_state=None, verbose=0,
    ):
        super().__init__(
            estimator, n_estimators, max_samples=max_samples, bootstrap=bootstrap,
            oob_score=oob_score, oob_early_stopping=oob_early_stopping, n_jobs=n_jobs,
            random_state=random_state, verbose=verbose,
        )
        self.voting = voting

    @staticmethod
    def _default_estimator():
        return MLPRegularizedClassifier()

    def _check_params(self):
        super()._check_params()
        check_options("voting", self.voting, ("arithmetic", "geometric"))

    def _y_validation(self, tags):
        return {}

    def _prepare_y(self, y):
        check_no_missing_labels(y)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(
                "The classifier needs samples of at least 2 classes in the data, but the "
                f"data contain only one class: {self.classes_[0]!r}."
            )
        return y

    def _draw_member_rows(self, rng, n, n_draw, y):
        """Rows of one member, redrawn while they hold a single class."""
        for _ in range(_MAX_DRAWS):
            rows = self._draw_rows(rng, n, n_draw)
            if np.any(y[rows] != y[rows[0]]):
                return rows
        raise ValueError(
            f"max_samples={self.max_samples!r} draws {n_draw} rows per member, and "
            f"{_MAX_DRAWS} resamples in a row held a single class, which a member "
            "cannot be trained on: increase max_samples."
        )

    def _member_proba(self, est, X):
        """Member distribution over ALL classes_ (zero for classes it never saw)."""
        K = len(self.classes_)
        labels = np.asarray(est.classes_)
        cols = np.minimum(np.searchsorted(self.classes_, labels), K - 1)
        if not np.array_equal(self.classes_[cols], labels):
            raise ValueError(f"member classes_ {labels} not in classes_ {self.classes_}.")
        if hasattr(est, "predict_proba"):
            p = np.asarray(est.predict_proba(X), dtype=np.float64)
        else:
            p = (np.asarray(est.predict(X))[:, None] == labels[None, :]).astype(np.float64)
        if np.array_equal(cols, np.arange(K)):
            return p
        full = np.zeros((p.shape[0], K))
        full[:, cols] = p
        return full

    def _vote_input(self, est, X):
        p = self._member_proba(est, X)
        return p if self.voting == "arithmetic" else np.log(np.maximum(p, _TINY))

    def _combine(self, acc, count, log=False):
        """Finish the vote from per-row sums over ``count`` members."""
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = acc / count[:, None]
            if self.voting == "arithmetic":
                return np.log(mean) if log else mean
            mean = mean - mean.max(axis=1, keepdims=True)
            logp = mean - np.log(np.exp(mean).sum(axis=1, keepdims=True))
            return logp if log else np.exp(logp)

    def _vote(self, X, log=False):
        X = self._predict_input(X)
        acc = sum(self._vote_input(est, X) for est in self.estimators_)
        return self._combine(acc, np.full(X.shape[0], float(len(self.estimators_))), log)

    def predict_proba(self, X):
        """Ensemble class distribution (the members' vote, see ``voting``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples (sparse only if the members accept it).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class, columns in the order of ``classes_``.
        """
        return self._vote(X)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba` (computed in log space for 'geometric').

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples (sparse only if the members accept it).

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probability of each class.
        """
        return self._vote(X, log=True)

    def predict(self, X):
        """Class with the largest ensemble probability.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples (sparse only if the members accept it).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted class labels.
        """
        proba = self._vote(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def _set_oob_score(self, X, y, oob):
        acc, count = self._oob_accumulate(
            X, oob, self._vote_input, (X.shape[0], len(self.classes_))
        )
        self.oob_decision_function_ = self._combine(acc, count)
        has = count > 0
        pred = self.classes_[np.argmax(self.oob_decision_function_[has], axis=1)]
        self.oob_score_ = float(accuracy_score(y[has], pred)) if has.any() else np.nan

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        base = get_tags(self._get_estimator())
        tags.classifier_tags.multi_label = False
        if base.classifier_tags is not None:
            tags.classifier_tags.poor_score = base.classifier_tags.poor_score
        return tags
