"""The public API promised by README.md is what ``sklreg`` exports.

The README's "What is inside" table lists the estimators in its "Estimators"
row; each must be importable as ``from sklreg import Name`` and be in
``sklreg.__all__``, and every name in ``__all__`` must resolve.
"""

import importlib
import re
from pathlib import Path

import pytest
from sklearn.base import BaseEstimator

import sklreg

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_estimators():
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## What is inside\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert section, f"no '## What is inside' section in {README}"
    row = re.search(r"^\|\s*Estimators\s*\|(.*)\|\s*$", section.group(1), re.M)
    assert row, "no 'Estimators' row in the README's 'What is inside' table"
    names = re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", row.group(1))
    assert names, "the README's 'Estimators' row names no estimator in backticks"
    return names


README_ESTIMATORS = _readme_estimators()


@pytest.mark.parametrize("name", README_ESTIMATORS)
def test_readme_estimators_are_exported(name):
    assert name in sklreg.__all__, f"README lists {name} but sklreg.__all__ does not"
    namespace = {}
    exec(f"from sklreg import {name}", namespace)  # the README's import form
    est = namespace[name]
    assert isinstance(est, type) and issubclass(est, BaseEstimator)
    assert isinstance(est(), BaseEstimator)


def test_every_public_name_resolves():
    assert len(set(sklreg.__all__)) == len(sklreg.__all__), "duplicates in sklreg.__all__"
    missing = [n for n in sklreg.__all__ if not hasattr(sklreg, n)]
    assert not missing, f"sklreg.__all__ names {missing}, which sklreg does not define"
    star = {}
    exec("from sklreg import *", star)
    assert set(sklreg.__all__) <= set(star)
    # the submodules in __all__ are real modules, importable by their dotted name
    for name in sklreg.__all__:
        obj = getattr(sklreg, name)
        if isinstance(obj, type(sklreg)):
            assert importlib.import_module(f"sklreg.{name}") is obj


def test_every_exported_estimator_is_in_the_readme():
    exported = {n for n in sklreg.__all__
                if isinstance(getattr(sklreg, n), type)
                and issubclass(getattr(sklreg, n), BaseEstimator)}
    assert exported, "sklreg exports no estimator"
    undocumented = sorted(exported - set(README_ESTIMATORS))
    assert not undocumented, f"exported but missing from the README's Estimators row: {undocumented}"
