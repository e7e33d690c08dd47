"""Shared fitting of the bagging ensembles: validation, row sampling, seeding,
metadata routing and the joblib members (book section 7.11)."""

from __future__ import annotations

import os
import warnings
from contextlib import nullcontext
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from joblib import effective_n_jobs
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils import get_tags
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted, has_fit_parameter, validate_data
from threadpoolctl import threadpool_limits

from .._links import DocLinkMixin
from .._persistence import PersistenceMixin
from .._rng import make_rng
from .._sk_callbacks import CallbackSupport, callback_fit, member_fit, member_tasks
from .._validation import atomic_fit, check_bool, check_interval, check_sample_weight


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


def _fit_member(template, X, y, rows, oob, fit_params, seed, val_set, parent_pid, limit,
                task=None):
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
    with ctx, member_fit(task, est):  # task: the member's scikit-learn callback subtask
        est.fit(X[rows], y[rows], **params)
    return est


# --------------------------------------------------------------- base class
class _BaseBagging(DocLinkMixin, PersistenceMixin, CallbackSupport, BaseEstimator):
    """Shared fitting: validation, row sampling, seeding, routing, joblib.

    Its ``__init__`` holds the parameters common to both ensembles (the
    regressor's whole signature); subclasses add theirs.
    """

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

    def _predict_input(self, X):
        """Validated ``X`` at predict time, with the member prototype's input tags."""
        check_is_fitted(self)
        tags = get_tags(self.estimator_)
        return validate_data(
            self, X, reset=False, dtype=None, ensure_all_finite=not tags.input_tags.allow_nan,
            accept_sparse=["csr", "csc"] if tags.input_tags.sparse else False,
        )

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
    @callback_fit("n_estimators", sequential=False)  # member fits are its subtasks
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit ``n_estimators`` clones of ``estimator`` on resampled rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Sparse input only if the estimator accepts it.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels, or targets ((n_samples, n_outputs) for a
            multi-output regressor).
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to every member, resampled together with the rows (a row drawn
            twice is fitted twice with its weight).
        **fit_params : dict
            Further fit metadata for the members; only with metadata routing
            enabled (``sklearn.set_config(enable_metadata_routing=True)``).
            Parameters with one value per sample are resampled with the rows.

        Returns
        -------
        self : object
            The fitted ensemble.  If fit raises, the estimator is left as it
            was (unfitted, or the previous model after a failed refit).
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

        rng = make_rng(self.random_state)
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
        tasks = member_tasks(self, self.n_estimators)
        with threadpool_limits(limits=1) if limit else nullcontext():
            return Parallel(n_jobs=self.n_jobs, verbose=self.verbose)(
                delayed(_fit_member)(
                    template, X, y, rows[i], oob[i], fit_params, int(seeds[i]), val_set,
                    os.getpid(), limit, tasks[i],
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
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Only when X has string feature names.
"""
