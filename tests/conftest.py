"""Shared test configuration.

The test problems are tiny, so multi-threaded BLAS only adds overhead (and,
with several processes on a 2-core machine, heavy oversubscription: the
digits test goes from ~0.5 s to ~20 s).  Limit BLAS to one thread for the whole
session, as ``.ci/run`` does through ``OPENBLAS_NUM_THREADS=1``.
"""

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(scope="session", autouse=True)
def _single_threaded_blas():
    with threadpool_limits(limits=1, user_api="blas"):
        yield
