"""Shared test configuration.

The test problems are tiny, so multi-threaded BLAS only adds overhead (and,
with several processes on a 2-core machine, heavy oversubscription: the
digits test goes from ~0.5 s to ~20 s).  Limit BLAS to one thread for the whole
session, as ``.ci/run`` does through ``OPENBLAS_NUM_THREADS=1``.

Shared data sets are session fixtures here; shared settings and helper
functions are in ``_helpers.py``.
"""

import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits


@pytest.fixture(scope="session", autouse=True)
def _single_threaded_blas():
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="session")
def cancer():
    """Breast cancer, standardized (binary classification, 569 x 30)."""
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    X.setflags(write=False)  # shared across modules: a test must not modify it
    y.setflags(write=False)
    return X, y
