"""The MLP constructors written out in source agree with the parameter table
and the docstrings.

``MLPRegularizedClassifier.__init__`` and ``MLPRegularizedRegressor.__init__``
are spelled out (editors and type checkers read them), so this test keeps them
in sync with :data:`sklreg._params.MLP_PARAMS` (the shared parameters and their
defaults, in order), with each task's own parameters, and with the numpydoc
"Parameters" section of each class docstring.
"""

import ast
import inspect
import re
from pathlib import Path

import pytest
from sklearn.base import clone

from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from sklreg._params import MLP_PARAMS

#: each estimator's own parameters (name, default), inserted before ``BEFORE``
TASK_PARAMS = {
    MLPRegularizedClassifier: (("label_smoothing", 0.0), ("class_weight", None)),
    MLPRegularizedRegressor: (("loss", "squared_error"),),
}
BEFORE = "input_noise"
ESTIMATORS = list(TASK_PARAMS)
ids = [cls.__name__ for cls in ESTIMATORS]


def _expected(cls):
    """[(name, default)] in signature order: the shared table plus the task's."""
    params = list(MLP_PARAMS)
    at = [name for name, _ in params].index(BEFORE)
    params[at:at] = TASK_PARAMS[cls]
    return params


def _same_default(a, b):
    return type(a) is type(b) and (a is b or a == b or (a != a and b != b))


def test_shared_table_is_well_formed():
    names = [name for name, _ in MLP_PARAMS]
    assert len(set(names)) == len(names), "duplicate names in MLP_PARAMS"
    assert BEFORE in names
    for cls, task in TASK_PARAMS.items():
        assert not {name for name, _ in task} & set(names), cls.__name__


@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_signature_matches_table(cls):
    params = list(inspect.signature(cls.__init__).parameters.values())
    assert params[0].name == "self"
    params = params[1:]
    expected = _expected(cls)
    assert [p.name for p in params] == [name for name, _ in expected]
    # hidden_layer_sizes may be positional (as scikit-learn's MLPs); the rest
    # are keyword-only; no *args / **kwargs (scikit-learn reads the signature)
    kinds = [p.kind for p in params]
    assert kinds[0] is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert all(k is inspect.Parameter.KEYWORD_ONLY for k in kinds[1:])
    for p, (name, default) in zip(params, expected):
        assert _same_default(p.default, default), (
            f"{cls.__name__}({name}=...): the signature's default {p.default!r} differs "
            f"from the table's {default!r}"
        )
    assert [name for name in cls._get_param_names()] == sorted(n for n, _ in expected)


@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_init_source_only_stores(cls):
    """The constructor is plain source (no ``exec``) and its body only stores
    every parameter unchanged, as scikit-learn's contract requires."""
    tree = ast.parse(inspect.getsource(cls))
    init = next(node for node in ast.walk(tree)
                if isinstance(node, ast.FunctionDef) and node.name == "__init__")
    arg_names = [a.arg for a in init.args.args[1:] + init.args.kwonlyargs]
    assert arg_names == [name for name, _ in _expected(cls)]
    body = init.body
    if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    stored = []
    for stmt in body:
        assert isinstance(stmt, ast.Assign) and len(stmt.targets) == 1, ast.dump(stmt)
        target, value = stmt.targets[0], stmt.value
        assert isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
        assert target.value.id == "self" and isinstance(value, ast.Name)
        assert target.attr == value.id, f"self.{target.attr} = {value.id}"
        stored.append(target.attr)
    assert stored == arg_names
    assert inspect.getsourcefile(cls.__init__) == inspect.getsourcefile(cls)


def _documented_params(doc):
    """Names in the numpydoc "Parameters" section: the ``name : type`` lines
    at the section's indentation, up to the next section heading."""
    lines = inspect.cleandoc(doc).splitlines()
    start = next(i for i, line in enumerate(lines[:-1])
                 if line.strip() == "Parameters" and set(lines[i + 1].strip()) == {"-"})
    names = []
    for i in range(start + 2, len(lines)):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and set(nxt.strip()) == {"-"} and not line.startswith(" "):
            break  # the next section ("Attributes")
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*:", line)
        if m and not line.startswith(" "):
            names += [n.strip() for n in m.group(1).split(",")]
    return names


@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_every_parameter_is_documented(cls):
    documented = _documented_params(cls.__doc__)
    signature = [name for name, _ in _expected(cls)]
    assert len(set(documented)) == len(documented), "a parameter is documented twice"
    undocumented = [n for n in signature if n not in documented]
    assert not undocumented, f"{cls.__name__} does not document {undocumented}"
    unknown = [n for n in documented if n not in signature]
    assert not unknown, f"{cls.__name__} documents {unknown}, not constructor parameters"
    assert documented == signature, "the docstring lists the parameters in another order"


def test_docstring_parser_sees_the_section():
    """The parser stops at the next heading and reads multi-name entries."""
    doc = """Summary.

    Parameters
    ----------
    a : int
        Text ``b : not a parameter``.
    c, d : float

    Attributes
    ----------
    e_ : int
    """
    assert _documented_params(doc) == ["a", "c", "d"]


def _distinct_value(name, default):
    """A non-default value of the parameter's kind (get/set/clone need no
    validation, so any distinct object will do)."""
    if isinstance(default, bool):
        return not default
    if isinstance(default, (int, float)):
        return default + 1
    if isinstance(default, str):
        return default + "_other"
    if isinstance(default, tuple):
        return default + (7,)
    return {"marker": name}  # None defaults: a dict, deep-copied by clone


@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_clone_and_get_params_round_trip(cls):
    expected = _expected(cls)
    params = cls().get_params(deep=False)
    assert set(params) == {name for name, _ in expected}
    for name, default in expected:
        assert _same_default(params[name], default), name
    values = {name: _distinct_value(name, default) for name, default in expected}
    est = cls(**values)
    for name, value in values.items():
        assert getattr(est, name) is value, f"__init__ must store {name} unchanged"
    got = est.get_params(deep=False)
    cloned = clone(est).get_params(deep=False)
    for name, value in values.items():
        assert got[name] is value, name
        if isinstance(value, dict):
            assert cloned[name] == value and cloned[name] is not value, name
        else:
            assert cloned[name] == value, name
    # set_params reaches every parameter too
    back = cls().set_params(**values).get_params(deep=False)
    assert all(back[name] is values[name] for name in values)


def test_hidden_layer_sizes_positional_as_scikit_learn():
    est = MLPRegularizedRegressor((5, 3), alpha=0.5)
    assert est.hidden_layer_sizes == (5, 3) and est.alpha == 0.5
    with pytest.raises(TypeError):
        MLPRegularizedRegressor((5,), "relu")  # everything after it is keyword-only


def test_no_exec_in_the_package():
    root = Path(__file__).resolve().parents[1] / "sklreg"
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and isinstance(node.func, ast.Name) and node.func.id in ("exec", "eval")]
        assert not calls, f"{path.name} calls exec/eval (line {calls[0].lineno})"
