"""Scaling out through joblib's dask backend (anchors section 5).

Needs ``pip install -e ".[distributed]"``; skipped otherwise.  The cluster runs
in-process (``processes=False``: two single-threaded workers), which exercises
the same joblib -> dask task path as a remote cluster, starts in well under a
second and needs no pickling of the test module.
"""

import numpy as np
import pytest
from joblib import parallel_config
from numpy.testing import assert_array_equal
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV

from sklreg import BaggingNetClassifier, MLPRegularizedClassifier

from _helpers import MEMBER_FIT as FAST

distributed = pytest.importorskip("distributed")


pytestmark = pytest.mark.filterwarnings("ignore:Some inputs do not have OOB scores")


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def data():
    return make_classification(200, 8, n_informative=5, n_classes=3, random_state=0)


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_bagging_on_dask_matches_default_backend(client, data, n_jobs):
    X, y = data
    est = BaggingNetClassifier(
        MLPRegularizedClassifier(**FAST), n_estimators=4, oob_score=True, random_state=0
    )
    local = clone(est).fit(X, y)  # default backend, sequential
    local_proba, local_rows = local.predict_proba(X), local.estimators_samples_
    with parallel_config(backend="dask"):
        remote = clone(est).set_params(n_jobs=n_jobs).fit(X, y)
    for r1, r2 in zip(local_rows, remote.estimators_samples_):
        assert_array_equal(r1, r2)
    assert_array_equal(remote.predict_proba(X), local_proba)
    assert remote.oob_score_ == local.oob_score_
    assert len(client.scheduler_info()["workers"]) == 2


class _WhereClassifier(ClassifierMixin, BaseEstimator):
    """Records the dask worker that fitted it (None outside a worker)."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y):
        try:
            self.worker_ = distributed.get_worker().address
        except ValueError:
            self.worker_ = None
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), 1.0 / len(self.classes_))


def test_members_are_fitted_on_the_dask_workers(client, data):
    X, y = data
    with parallel_config(backend="dask"):
        b = BaggingNetClassifier(_WhereClassifier(), n_estimators=6, n_jobs=2).fit(X, y)
    workers = {m.worker_ for m in b.estimators_}
    assert None not in workers and workers <= set(client.scheduler_info()["workers"])


def test_grid_search_on_dask_matches_default_backend(client, data):
    X, y = data
    grid = {"alpha": [1e-4, 1e-1], "hidden_layer_sizes": [(4,), (8,)]}
    search = GridSearchCV(MLPRegularizedClassifier(**FAST, random_state=0), grid, cv=3)
    local = search.fit(X, y).cv_results_
    with parallel_config(backend="dask"):
        remote = GridSearchCV(
            MLPRegularizedClassifier(**FAST, random_state=0), grid, cv=3, n_jobs=-1
        ).fit(X, y)
    for key in ("mean_test_score", "split0_test_score", "split2_test_score"):
        assert_array_equal(np.asarray(remote.cv_results_[key]), np.asarray(local[key]))
    assert remote.best_params_ == search.best_params_
