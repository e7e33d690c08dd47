"""Public docstrings: the numpydoc sections that matter, and runnable examples.

* every estimator's class docstring documents its parameters and has an
  Examples section; its fit/predict/... methods have Parameters and Returns
  sections with descriptions (numpydoc's own validator; skipped without
  numpydoc, which the ``docs`` extra installs and CI's docs step runs);
* every estimator's Examples section runs as a doctest and prints what it
  shows (shapes, labels, booleans: outputs that do not depend on float
  rounding);
* every public class and function of the API reference has a docstring with a
  one-line summary.
"""

import doctest
import importlib
import io

import pytest

import sklreg
from sklreg._links import api_modules

ESTIMATORS = [
    "MLPRegularizedClassifier",
    "MLPRegularizedRegressor",
    "BaggingNetClassifier",
    "BaggingNetRegressor",
    "RidgeClosedForm",
    "RidgeClosedFormClassifier",
    "LassoBaseline",
]
METHODS = [
    "fit", "partial_fit", "predict", "predict_proba", "predict_log_proba",
    "decision_function", "score",
]

# numpydoc error codes checked (see numpydoc.validate.ERROR_MSGS)
CLASS_CHECKS = {
    "GL08",  # no docstring
    "PR01",  # a parameter is not documented
    "PR02",  # a documented parameter does not exist
    "PR07",  # a parameter has no description
    "EX01",  # no Examples section
}
METHOD_CHECKS = {
    "GL08",
    "PR01", "PR02", "PR07",
    "RT01",  # no Returns section
    "RT03",  # a returned value has no description
}
SUMMARY_CHECKS = {"GL08", "SS01"}  # no docstring, no summary line


def _errors(name, checks):
    validate = pytest.importorskip("numpydoc.validate")
    result = validate.validate(name)
    return [f"{code}: {msg}" for code, msg in result["errors"] if code in checks]


def test_the_estimator_list_is_sklreg_s():
    estimators = {n for n in sklreg.__all__ if isinstance(getattr(sklreg, n), type)
                  and hasattr(getattr(sklreg, n), "fit")}
    assert estimators == set(ESTIMATORS)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_estimator_docstring(name):
    assert _errors(f"sklreg.{name}", CLASS_CHECKS) == []


@pytest.mark.parametrize(
    "name, method",
    [(n, m) for n in ESTIMATORS for m in METHODS if hasattr(getattr(sklreg, n), m)],
)
def test_method_docstring(name, method):
    assert _errors(f"sklreg.{name}.{method}", METHOD_CHECKS) == []


def _api_objects():
    names = []
    for module_name in api_modules():
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if not isinstance(getattr(module, name), type(module)):
                names.append(f"{module_name}.{name}")
    return names


@pytest.mark.parametrize("name", _api_objects())
def test_public_object_has_a_summary(name):
    assert _errors(name, SUMMARY_CHECKS) == []


@pytest.mark.parametrize("name", ESTIMATORS)
def test_examples_run(name):
    cls = getattr(sklreg, name)
    assert "+SKIP" not in cls.__doc__, "examples must run, not be skipped"
    tests = doctest.DocTestFinder(recurse=False).find(cls, name, globs={})
    assert sum(len(t.examples) for t in tests) >= 3, f"{name} has no real Examples section"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    out = io.StringIO()
    for test in tests:
        runner.run(test, out=out.write)
    assert runner.failures == 0, out.getvalue()
