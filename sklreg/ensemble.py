"""Bagging and other ensemble methods for neural networks (book section 7.11).

* :class:`BaggingNetClassifier` / :class:`BaggingNetRegressor` -- k members
  (default: sklreg MLPs), each trained on its own bootstrap resample of the rows
  (really resampled index arrays) or, with ``bootstrap=False``, all on the same
  rows with different random seeds only; the classifier averages the members'
  distributions (arithmetic mean, eq 7.52, or the renormalized geometric mean),
  the regressor their predictions.
* :func:`ensemble_error_decomposition` -- the book's expected squared error of
  an average of k models, ``v/k + (k-1)c/k`` (eq 7.50-7.51), measured on data.
"""

from __future__ import annotations

import os
import warnings
from contextlib import nullcontext
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from joblib import effective_n_jobs
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils import Bunch, get_tags
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted, has_fit_parameter, validate_data
from threadpoolctl import threadpool_limits

from ._base_mlp import _make_rng
from ._validation import (
    atomic_fit, check_bool, check_finite_y, check_interval, check_no_missing_labels,
    check_options, check_sample_weight,
)
from .mlp import MLPRegularizedClassifier, MLPRegularizedRegressor

__all__ = ["BaggingNetClassifier", "BaggingNetRegressor", "ensemble_error_decomposition"]

_TINY = np.finfo(np.float64).tiny  # floor of the probabilities in the geometric vote
_MAX_DRAWS = 100  # resamples tried per classifier member to get >= 2 classes


# ------------------------------------------------------------------ helpers
def _take_rows(value, idx, n):
    """Rows ``idx`` of a sample-aligned fit parameter; other values unchanged."""
    if hasattr(value, "iloc") and len(value) == n:
        return value.iloc[idx]
    shape = getattr(value, "shape", None)
    if shape is not None and len(shape) >= 1 and shape[0] == n:
        return value[idx]
    if isinstance(value, (list, tuple)) and len(value) == n:
        return np.asarray(value)[idx]
    return value


def _seed_params(estimator, seed):
    """``{name: int}`` for every (nested) ``random_state`` of ``estimator``."""
    names = sorted(
        k for k in estimator.get_params(deep=True)
        if k == "random_state" or k.endswith("__random_state")
    )
    extra = np.random.default_rng(seed).integers(np.iinfo(np.int32).max, size=len(names))
    return {k: int(seed) if i == 0 else int(extra[i]) for i, k in enumerate(names)}


def _fit_member(template, X, y, rows, oob, fit_params, seed, val_set, parent_pid, limit):
    """Clone, seed and fit one member on ``rows`` (runs inside a joblib worker).

    ``val_set``: pass the out-of-bag rows ``oob`` as ``X_val``/``y_val``
    (classifiers: only OOB rows whose label occurs in ``rows``).
    """
    est = clone(template)
    est.set_params(**_seed_params(est, seed))
    n = X.shape[0]
    params = {k: _take_rows(v, rows, n) for k, v in fit_params.items()}
    if val_set is not None:
        val = oob if val_set == "all" else oob[np.isin(y[oob], y[rows])]
        if val.size == 0:
            raise ValueError(
                "oob_early_stopping=True: a member has no out-of-bag rows to validate on; "
                "use more samples, a smaller max_samples or oob_early_stopping=False."
            )
        params["X_val"], params["y_val"] = X[val], y[val]
        if fit_params.get("sample_weight") is not None:
            params["sample_weight_val"] = _take_rows(fit_params["sample_weight"], val, n)
    # BLAS limits are process-wide and threadpoolctl's context is not thread-safe:
    # the parent limits BLAS for workers sharing its process (threading backend,
    # in-process dask) and such a worker only sets its own (per-thread) OpenMP
    # limit; a worker in another process limits everything itself.
    if not limit:
        ctx = nullcontext()
    elif os.getpid() != parent_pid:
        ctx = threadpool_limits(limits=1)
    else:
        ctx = threadpool_limits(limits=1, user_api="openmp")
    with ctx:
        est.fit(X[rows], y[rows], **params)
    return est


# --------------------------------------------------------------- base class
class _BaseBagging(BaseEstimator):
    """Shared fitting: validation, row sampling, seeding, routing, joblib."""

    _doc_link_module = "sklreg"

    def _get_estimator(self):
        return self._default_estimator() if self.estimator is None else self.estimator

    def _check_params(self):
        check_interval("n_estimators", self.n_estimators, 1, None, integer=True)
        if isinstance(self.max_samples, Integral) and not isinstance(self.max_samples, bool):
            check_interval("max_samples", self.max_samples, 1, None, integer=True)
        else:
            check_interval("max_samples", self.max_samples, 0.0, 1.0, closed="right")
        check_bool("bootstrap", self.bootstrap)
        check_bool("oob_score", self.oob_score)
        check_bool("oob_early_stopping", self.oob_early_stopping)
        if self.n_jobs is not None:
            check_interval("n_jobs", self.n_jobs, None, None, integer=True)
        check_interval("verbose", self.verbose, 0, None, integer=True)
        if not hasattr(self._get_estimator(), "fit"):
            raise ValueError(f"estimator={self.estimator!r} has no fit method.")

    def _template(self):
        """The unfitted member prototype (``early_stopping=True`` for OOB stopping)."""
        est = clone(self._get_estimator())
        if self.oob_early_stopping:
            if not (has_fit_parameter(est, "X_val") and has_fit_parameter(est, "y_val")):
                raise ValueError(
                    "oob_early_stopping=True needs an estimator whose fit accepts a "
                    f"validation set as fit(X, y, ..., X_val=, y_val=); {est!r} does not."
                )
            if "early_stopping" in est.get_params():
                est.set_params(early_stopping=True)
        return est

    def _n_draw(self, n):
        if isinstance(self.max_samples, Integral) and not isinstance(self.max_samples, bool):
            if not self.bootstrap and self.max_samples > n:
                raise ValueError(
                    f"max_samples={self.max_samples} must be <= n_samples={n} when "
                    "bootstrap=False (rows are drawn without replacement)."
                )
            return int(self.max_samples)
        return max(1, int(round(self.max_samples * n)))

    def _draw_member_rows(self, rng, n, n_draw, y):
        """Rows of one member (the classifier redraws single-class resamples)."""
        return self._draw_rows(rng, n, n_draw)

    def _draw_rows(self, rng, n, n_draw):
        if self.bootstrap:
            return rng.integers(0, n, size=n_draw)  # with replacement (book 7.11)
        if n_draw == n:
            return np.arange(n)  # same data, different seeds
        return np.sort(rng.choice(n, size=n_draw, replace=False))  # pasting

    def _member_fit_params(self, estimator, sample_weight, fit_params):
        if get_config()["enable_metadata_routing"]:
            if sample_weight is not None:
                fit_params = {"sample_weight": sample_weight, **fit_params}
            return dict(process_routing(self, "fit", **fit_params).estimator.fit)
        if fit_params:
            raise ValueError(
                f"Passing extra keyword arguments {sorted(fit_params)} to "
                f"{type(self).__name__}.fit is only supported with metadata routing: "
                "sklearn.set_config(enable_metadata_routing=True)."
            )
        if sample_weight is None:
            return {}
        if not has_fit_parameter(estimator, "sample_weight"):
            raise ValueError(f"The estimator {estimator!r} does not support sample_weight.")
        return {"sample_weight": sample_weight}

    @atomic_fit()
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit ``n_estimators`` clones of ``estimator`` on resampled rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Sparse input only if the estimator accepts it.
        y : array-like of shape (n_samples,) (or (n_samples, n_outputs) for a
            multi-output regressor)
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to every member, resampled together with the rows (a row drawn
            twice is fitted twice with its weight).
        **fit_params : dict
            Further fit metadata for the members; only with metadata routing
            enabled (``sklearn.set_config(enable_metadata_routing=True)``).
            Parameters with one value per sample are resampled with the rows.

        Returns
        -------
        self

        If fit raises, the estimator is left as it was (unfitted, or the previous
        model after a failed refit).
        """
        self._check_params()
        template = self._template()
        tags = get_tags(template)
        X, y = validate_data(
            self, X, y, accept_sparse=["csr", "csc"] if tags.input_tags.sparse else False,
            dtype=None, ensure_all_finite=not tags.input_tags.allow_nan,
            **self._y_validation(tags),
        )
        if sp.issparse(X) and X.format != "csr":
            X = X.tocsr()
        y_fit = self._prepare_y(y)
        n = X.shape[0]
        sw = check_sample_weight(sample_weight, n)
        member_params = self._member_fit_params(template, sw, fit_params)
        n_draw = self._n_draw(n)
        if (self.oob_score or self.oob_early_stopping) and not self.bootstrap and n_draw == n:
            raise ValueError(
                "Out-of-bag estimation needs out-of-bag rows: use bootstrap=True or "
                "max_samples < n_samples."
            )

        rng = _make_rng(self.random_state)
        seeds = rng.integers(np.iinfo(np.int32).max, size=self.n_estimators)
        rows = [
            self._draw_member_rows(rng, n, n_draw, y_fit) for _ in range(self.n_estimators)
        ]
        oob = [np.setdiff1d(np.arange(n), r) for r in rows]
        self.estimators_ = self._fit_members(template, X, y_fit, rows, oob, member_params, seeds)
        self.estimator_ = template
        self.estimators_samples_ = rows
        if self.oob_score:
            self._set_oob_score(X, y, oob)
        return self

    def _fit_members(self, template, X, y, rows, oob, fit_params, seeds):
        """One joblib task per member, BLAS limited to one thread when parallel."""
        val_set = None
        if self.oob_early_stopping:
            val_set = "seen" if isinstance(self, ClassifierMixin) else "all"
        limit = effective_n_jobs(self.n_jobs) != 1
        with threadpool_limits(limits=1) if limit else nullcontext():
            return Parallel(n_jobs=self.n_jobs, verbose=self.verbose)(
                delayed(_fit_member)(
                    template, X, y, rows[i], oob[i], fit_params, int(seeds[i]), val_set,
                    os.getpid(), limit,
                )
                for i in range(self.n_estimators)
            )

    def _oob_accumulate(self, X, oob, transform, shape):
        """Sum of ``transform(member output)`` over the members each row is OOB for."""
        acc, count = np.zeros(shape), np.zeros(X.shape[0])
        for est, rows in zip(self.estimators_, oob):
            if rows.size == 0:
                continue
            acc[rows] += transform(est, X[rows]).reshape((rows.size,) + shape[1:])
            count[rows] += 1
        if np.any(count == 0):
            warnings.warn(
                "Some inputs do not have OOB scores. This probably means too few "
                "estimators were used to compute any reliable oob estimates; they are "
                "NaN and left out of oob_score_.",
                UserWarning,
            )
        return acc, count

    def get_metadata_routing(self):
        """Routing of fit metadata to the members (``estimator``'s fit requests)."""
        return MetadataRouter(owner=type(self).__name__).add(
            estimator=self._get_estimator(),
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        base = get_tags(self._get_estimator())
        tags.input_tags.sparse = base.input_tags.sparse
        tags.input_tags.allow_nan = base.input_tags.allow_nan
        return tags


_PARAMS_DOC = """
    Parameters
    ----------
    estimator : estimator object, default=None
        The member prototype, cloned for every member; any scikit-learn estimator
        (a Pipeline too).  None means ``{default}()``.

    n_estimators : int, default=10
        Number of members k.  The book (7.11): typical neural-network ensembles
        use 5-10 members.

    max_samples : float or int, default=1.0
        Rows drawn for each member: a fraction of n_samples (float in (0, 1]) or
        a count (int).  1.0 with ``bootstrap=True`` is the book's bagging:
        each resample is as large as the data set.

    bootstrap : bool, default=True
        True: draw the rows WITH replacement (bagging, book 7.11); each member
        sees ~63.2% distinct rows (``1 - (1 - 1/n)^n``), some several times.
        False: draw WITHOUT replacement; with ``max_samples=1.0`` every member
        trains on the same rows and the members differ only by their random
        seeds (initialization, minibatch order, noise), which the book notes is
        already enough for neural networks to gain from averaging.

    oob_score : bool, default=False
        Score the ensemble on the out-of-bag rows: each row is predicted by the
        members that did not see it {oob_what}

    oob_early_stopping : bool, default=False
        Use each member's out-of-bag rows as its early-stopping validation set
        (book 7.8, Algorithm 7.1): the member is fitted with
        ``early_stopping=True`` and ``fit(..., X_val=X[oob], y_val=y[oob],
        sample_weight_val=...)``, so it trains on ALL of its bootstrap rows
        instead of holding out ``validation_fraction`` of them.  The estimator's
        fit must accept ``X_val``/``y_val`` (the sklreg MLPs do).{oob_es_extra}

    n_jobs : int, default=None
        Members trained in parallel through joblib (``None`` means 1 unless in a
        ``joblib.parallel_config`` context; -1 all cores).  Works with any joblib
        backend, e.g. ``parallel_config(backend="dask")``.  When more than one job
        runs, BLAS is limited to one thread per worker (threadpoolctl) to avoid
        oversubscription.  Results do not depend on ``n_jobs``.

    random_state : int, RandomState instance, Generator or None, default=None
        Seeds one generator per fit that draws every member's rows and seed; the
        seed is set on every ``random_state`` parameter of the member (nested
        ones too, e.g. in a Pipeline), overriding the prototype's value.

    verbose : int, default=0
        joblib verbosity while fitting the members.
"""

_ATTRS_DOC = """
    Attributes
    ----------
    estimator_ : estimator
        The unfitted member prototype.
    estimators_ : list of estimators
        The fitted members.
    estimators_samples_ : list of ndarray of int
        Row indices each member was trained on (with repeats when
        ``bootstrap=True``).  The out-of-bag rows are the complement.
{extra}    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when X has string feature names.
"""


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
    oob_score_ : float
        Only with ``oob_score=True``.
    oob_decision_function_ : ndarray of shape (n_samples, n_classes)
        Out-of-bag vote of each training row (NaN for rows no member left out).
"""
        )
    )

    def __init__(
        self, estimator=None, n_estimators=10, *, max_samples=1.0, bootstrap=True,
        voting="arithmetic", oob_score=False, oob_early_stopping=False, n_jobs=None,
        random_state=None, verbose=0,
    ):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.bootstrap = bootstrap
        self.voting = voting
        self.oob_score = oob_score
        self.oob_early_stopping = oob_early_stopping
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

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
        check_is_fitted(self)
        tags = get_tags(self.estimator_)
        X = validate_data(
            self, X, reset=False, dtype=None, ensure_all_finite=not tags.input_tags.allow_nan,
            accept_sparse=["csr", "csc"] if tags.input_tags.sparse else False,
        )
        acc = sum(self._vote_input(est, X) for est in self.estimators_)
        return self._combine(acc, np.full(X.shape[0], float(len(self.estimators_))), log)

    def predict_proba(self, X):
        """Ensemble class distribution, shape (n_samples, n_classes)."""
        return self._vote(X)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba` (computed in log space for 'geometric')."""
        return self._vote(X, log=True)

    def predict(self, X):
        """Class with the largest ensemble probability."""
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
    )

    def __init__(
        self, estimator=None, n_estimators=10, *, max_samples=1.0, bootstrap=True,
        oob_score=False, oob_early_stopping=False, n_jobs=None, random_state=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.bootstrap = bootstrap
        self.oob_score = oob_score
        self.oob_early_stopping = oob_early_stopping
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

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
        """Mean of the members' predictions."""
        check_is_fitted(self)
        tags = get_tags(self.estimator_)
        X = validate_data(
            self, X, reset=False, dtype=None, ensure_all_finite=not tags.input_tags.allow_nan,
            accept_sparse=["csr", "csc"] if tags.input_tags.sparse else False,
        )
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


# ------------------------------------------------------------- diagnostics
def ensemble_error_decomposition(y_true, member_predictions, *, sample_weight=None):
    """Book eq 7.50: squared error of the average of k models from v and c.

    With the members' raw errors ``e_i = pred_i - y`` (not centered) and means
    over the samples (and outputs; weighted by ``sample_weight`` if given):

    * ``v = (1/k) sum_i mean(e_i^2)`` -- the members' average squared error
      (the book's error variance ``E[eps_i^2]``);
    * ``c = 1/(k(k-1)) sum_{i != j} mean(e_i e_j)`` -- their average pairwise
      error covariance ``E[eps_i eps_j]``;
    * ``predicted_mse = v/k + (k-1) c/k``;
    * ``ensemble_mse = mean(((1/k) sum_i e_i)^2)``, the squared error of the
      mean prediction.

    The identity ``ensemble_mse == predicted_mse`` holds exactly (up to
    rounding) on any data, since ``(sum_i e_i)^2 = sum_i e_i^2 + sum_{i != j} e_i e_j``.
    ``c = v`` (perfectly correlated errors) means no gain; ``c = 0`` gives ``v/k``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
    member_predictions : array-like of shape (k, n_samples) or (k, n_samples, n_outputs)
        One row per member, e.g. ``[m.predict(X) for m in bagging.estimators_]``.
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    result : sklearn.utils.Bunch
        ``v``, ``c`` (NaN when k == 1), ``k``, ``predicted_mse``,
        ``ensemble_mse``, ``member_mse`` (ndarray (k,), each member's mean
        squared error; their mean is ``v``) and ``correlation = c / v``.
    """
    y = np.asarray(y_true, dtype=np.float64)
    P = np.asarray(member_predictions, dtype=np.float64)
    if P.ndim == y.ndim:
        P = P[None]  # a single member
    if P.shape[1:] != y.shape:
        raise ValueError(
            f"member_predictions has shape {P.shape}; expected (k,) + y_true.shape = "
            f"(k,) + {y.shape}."
        )
    k, n = P.shape[0], y.shape[0]
    E = (P - y).reshape(k, n, -1)  # (k, n, q)
    w = np.ones(n) if sample_weight is None else check_sample_weight(sample_weight, n)
    w = np.repeat(w / (w.sum() * E.shape[2]), E.shape[2])  # weights over the n*q entries
    E = E.reshape(k, -1)
    S = (E * w) @ E.T  # S_ij = mean(e_i e_j)
    member_mse = np.diag(S).copy()
    v = float(member_mse.mean())
    c = float((S.sum() - np.trace(S)) / (k * (k - 1))) if k > 1 else np.nan
    predicted = v / k + ((k - 1) * c / k if k > 1 else 0.0)
    ensemble_mse = float(w @ E.mean(axis=0) ** 2)
    return Bunch(
        v=v, c=c, k=k, predicted_mse=predicted, ensemble_mse=ensemble_mse,
        member_mse=member_mse, correlation=c / v if v > 0 else np.nan,
    )
