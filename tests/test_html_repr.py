"""The notebook representation of an estimator links to sklreg's own API pages.

``est._repr_html_()`` links the estimator (scikit-learn's ``?`` button) and,
with scikit-learn >= 1.8, each parameter to its documentation.  Every link must
point to sklreg's documentation site (:data:`sklreg._links.DOCS_URL`) and to a
page the docs build generates: autosummary writes ``generated/<name>.html``
for every public name of the API modules (docs/conf.py), and scikit-learn's
parameter link is a text fragment ``#:~:text=<param>,-<type>`` that lands on
numpydoc's ``<param> : <type>`` entry.  With ``SKLREG_DOCS_HTML`` set to a
built site (CI's docs step), the pages and entries are checked in the HTML.
"""

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

import sklreg
from sklreg._links import API_PAGE, DOCS_URL, api_modules, public_name

try:  # scikit-learn >= 1.8 links every parameter of the HTML representation
    from sklearn.utils._repr_html.common import generate_link_to_param_doc  # noqa: F401
    PARAM_LINKS = True
except ImportError:
    PARAM_LINKS = False

ROOT = Path(__file__).resolve().parents[1]
ESTIMATORS = [n for n in sklreg.__all__
              if isinstance(getattr(sklreg, n), type) and hasattr(getattr(sklreg, n), "fit")]
BUILT = os.environ.get("SKLREG_DOCS_HTML")


def _links(est):
    return re.findall(r'href="([^"]*)"', est._repr_html_())


def _split(url):
    """URL -> (documented name, parameter or None, its type or None)."""
    assert url.startswith(DOCS_URL), f"{url} is not on {DOCS_URL}"
    page, _, fragment = url[len(DOCS_URL):].partition("#")
    m = re.fullmatch(API_PAGE.format(name="(?P<name>[\\w.]+)").replace(".html", r"\.html"), page)
    assert m, f"{page} is not an API page ({API_PAGE})"
    if not fragment:
        return m["name"], None, None
    text = re.fullmatch(r":~:text=([^,]+),-(.+)", fragment)
    assert text, f"unexpected fragment #{fragment}"
    return m["name"], unquote(text[1]), unquote(text[2])


def _documented_params(cls):
    """``name : type`` entries of the class docstring's Parameters section."""
    params = cls.__doc__.split("Parameters\n    ----------\n", 1)[1]
    params = re.split(r"\n    (?:Attributes|See Also|Notes|Examples)\n    -+\n", params)[0]
    return dict(re.findall(r"^    (\w+) : (.+)$", params, re.M))


def test_one_documentation_url():
    """pyproject.toml's Documentation URL is sklreg._links.DOCS_URL."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    urls = re.search(r"^\[project\.urls\]\n(.*?)(?:^\[|\Z)", pyproject, re.M | re.S)
    assert urls, "no [project.urls] table in pyproject.toml"
    assert f'Documentation = "{DOCS_URL}"' in urls[1]


@pytest.mark.parametrize("name", ESTIMATORS)
def test_estimator_links_to_its_api_page(name):
    est = getattr(sklreg, name)()
    links = _links(est)
    assert links, f"{name}'s HTML representation has no documentation link"
    pages = {_split(url)[0] for url in links}
    # its page, under the name autosummary gives it (the sklreg API module's member)
    assert pages == {f"sklreg.{name}"}
    assert "sklreg" in api_modules() and name in sklreg.__all__
    assert public_name(type(est)) == f"sklreg.{name}"


@pytest.mark.skipif(not PARAM_LINKS, reason="this scikit-learn links no parameter")
@pytest.mark.parametrize("name", ESTIMATORS)
def test_every_parameter_links_to_its_entry(name):
    cls = getattr(sklreg, name)
    documented = _documented_params(cls)
    linked = {}
    for url in _links(cls()):
        _, param, ptype = _split(url)
        if param is not None:
            linked[param] = ptype
    assert set(linked) == set(cls().get_params(deep=False))
    for param, ptype in linked.items():
        assert documented[param].replace("`", "") == ptype, param


def test_no_link_without_an_api_page():
    class MyClassifier(sklreg.MLPRegularizedClassifier):
        pass

    MyClassifier.__module__ = "my_project.models"
    assert public_name(MyClassifier) is None
    assert MyClassifier()._get_doc_link() == ""
    assert not [url for url in _links(MyClassifier()) if "scikit-learn.org" in url]


class _Entries(HTMLParser):
    """numpydoc's entries ``<dt><strong>name</strong><span class="classifier">type``."""

    def __init__(self):
        super().__init__()
        self.entries, self._tags, self._name, self._type = set(), [], None, None

    def handle_starttag(self, tag, attrs):
        self._tags.append(tag)
        if tag == "span" and dict(attrs).get("class") == "classifier" and self._name:
            self._type = []

    def handle_endtag(self, tag):
        if tag == "span" and self._type is not None and self._tags[-1] == "span":
            self.entries.add((self._name, "".join(self._type)))
            self._name = self._type = None
        while self._tags and self._tags.pop() != tag:
            pass

    def handle_data(self, data):
        if self._type is not None:
            self._type.append(data)
        elif self._tags[-2:] == ["dt", "strong"]:
            self._name = data


@pytest.mark.skipif(not BUILT, reason="set SKLREG_DOCS_HTML to a built docs site")
@pytest.mark.parametrize("name", ESTIMATORS)
def test_links_resolve_in_the_built_docs(name):
    site = Path(BUILT)
    for url in _links(getattr(sklreg, name)()):
        page = site / url[len(DOCS_URL):].partition("#")[0]
        assert page.is_file(), f"{url}: the build has no {page}"
        _, param, ptype = _split(url)
        if param is not None:
            parser = _Entries()
            parser.feed(page.read_text(encoding="utf-8"))
            assert (param, ptype) in parser.entries, f"{url}: no '{param} : {ptype}' entry"
