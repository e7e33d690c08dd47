"""Packaging metadata: one version source, the license, the typed marker, the
changelog (pyproject.toml is read with tomllib: skipped on Python 3.10)."""

import ast
import importlib.metadata
import re
from pathlib import Path

import pytest

import sklreg

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pyproject():
    tomllib = pytest.importorskip("tomllib")
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_one_version_source(pyproject):
    assert "version" not in pyproject["project"]
    assert "version" in pyproject["project"]["dynamic"]
    attr = pyproject["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "sklreg._version.__version__"
    # setuptools reads it without importing sklreg: a docstring and one literal
    body = ast.parse((ROOT / "sklreg" / "_version.py").read_text(encoding="utf-8")).body
    assigns = [n for n in body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    assert len(assigns) == 1 and ast.unparse(assigns[0].targets[0]) == "__version__"
    assert ast.literal_eval(assigns[0].value) == sklreg.__version__


def test_installed_metadata_has_the_package_version():
    try:
        installed = importlib.metadata.version("sklreg")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("sklreg is not installed")
    assert installed == sklreg.__version__, "stale install: pip install -e . again"


def test_license(pyproject):
    project = pyproject["project"]
    assert project["license"] == "BSD-3-Clause"  # SPDX expression (PEP 639)
    assert project["license-files"] == ["LICENSE"]
    assert not [c for c in project["classifiers"] if c.startswith("License ::")]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("BSD 3-Clause License")
    assert "Copyright (c) 2026, sklreg developers" in text
    setuptools = [r for r in pyproject["build-system"]["requires"] if r.startswith("setuptools")]
    assert setuptools == ["setuptools>=77"]  # the first to read license-files


def test_typed_marker_is_shipped(pyproject):
    assert (ROOT / "sklreg" / "py.typed").is_file()
    assert "py.typed" in pyproject["tool"]["setuptools"]["package-data"]["sklreg"]


def test_changelog():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings[0] == "Unreleased" or headings[0] == sklreg.__version__
    assert "0.1.0" in headings
    assert "../CHANGELOG.md" in (ROOT / "docs" / "changelog.md").read_text(encoding="utf-8")
