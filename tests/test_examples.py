"""The examples follow one convention (examples/README.txt), checked statically.

Nothing here runs an example or plots: the scripts are parsed.

* each starts with a docstring whose first lines are an rst title (the
  gallery's page title);
* matplotlib is optional: imported only inside ``try`` / ``except ImportError``,
  never switched to a backend by the script, and ``quickstart.py`` (the
  README's first command) does not use it;
* a script that draws ends with ``plt.show()``;
* no script writes a file unless asked: ``savefig`` only under
  ``if len(sys.argv) > 1`` and into ``sys.argv[1]``, and no other writer.
"""

import ast
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))
# calls that write files (besides savefig, which has its own rule)
WRITERS = {"to_csv", "to_parquet", "to_pickle", "dump", "save", "savez", "savetxt",
           "write_text", "write_bytes"}


def _parse(path):
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports_matplotlib(node):
    if isinstance(node, ast.Import):
        return any(a.name.split(".")[0] == "matplotlib" for a in node.names)
    return isinstance(node, ast.ImportFrom) and (node.module or "").startswith("matplotlib")


DRAWING = [p for p in SCRIPTS if any(_imports_matplotlib(n) for n in ast.walk(_parse(p)))]


def _parents(tree):
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    return parents


def _ancestors(node, parents):
    while node in parents:
        node = parents[node]
        yield node


def _catches_import_error(try_node):
    names = {ast.unparse(h.type) for h in try_node.handlers if h.type is not None}
    return bool(names & {"ImportError", "ModuleNotFoundError"})


def _call_name(call):
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def test_there_are_examples_and_a_gallery_header():
    assert (EXAMPLES / "quickstart.py") in SCRIPTS
    assert len(DRAWING) >= 5
    readme = (EXAMPLES / "README.txt").read_text(encoding="utf-8").splitlines()
    assert readme[1] == "=" * len(readme[0])  # sphinx-gallery's gallery title


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_docstring_title(path):
    doc = ast.get_docstring(_parse(path), clean=False)
    assert doc, f"{path.name} has no docstring"
    lines = doc.lstrip("\n").splitlines()
    assert len(lines) > 2 and lines[1] == "=" * len(lines[0]) and lines[0].strip(), (
        f"{path.name}: the docstring must start with a title underlined by '='"
    )


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_matplotlib_is_optional(path):
    tree = _parse(path)
    parents = _parents(tree)
    for node in ast.walk(tree):
        if _imports_matplotlib(node):
            guards = [a for a in _ancestors(node, parents) if isinstance(a, ast.Try)]
            assert any(_catches_import_error(t) for t in guards), (
                f"{path.name}:{node.lineno} imports matplotlib outside try/except ImportError"
            )
        if isinstance(node, ast.Call):
            assert ast.unparse(node.func) not in {"matplotlib.use", "plt.switch_backend"}, (
                f"{path.name}:{node.lineno}: the reader's backend decides (MPLBACKEND)"
            )


def test_quickstart_needs_no_matplotlib():
    tree = _parse(EXAMPLES / "quickstart.py")
    assert not [n for n in ast.walk(tree) if _imports_matplotlib(n)]


@pytest.mark.parametrize("path", DRAWING, ids=lambda p: p.name)
def test_a_figure_ends_with_show(path):
    last = _parse(path).body[-1]
    assert isinstance(last, ast.Expr) and ast.unparse(last) == "plt.show()", (
        f"{path.name} must end with plt.show()"
    )


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_files_are_written_only_when_asked(path):
    tree = _parse(path)
    parents = _parents(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _call_name(node) == "savefig":
            guards = [ast.unparse(a.test) for a in _ancestors(node, parents)
                      if isinstance(a, ast.If)]
            assert "len(sys.argv) > 1" in guards, (
                f"{path.name}:{node.lineno}: savefig outside `if len(sys.argv) > 1:`"
            )
            assert node.args and ast.unparse(node.args[0]) == "sys.argv[1]", (
                f"{path.name}:{node.lineno}: the figure goes where the command line says"
            )
        elif isinstance(node, ast.Call):
            assert _call_name(node) not in WRITERS, f"{path.name}:{node.lineno} writes a file"
            if _call_name(node) == "open":
                mode = node.args[1] if len(node.args) > 1 else next(
                    (k.value for k in node.keywords if k.arg == "mode"), None)
                assert mode is None or not set(ast.literal_eval(mode)) & set("wax+"), (
                    f"{path.name}:{node.lineno} opens a file for writing"
                )
