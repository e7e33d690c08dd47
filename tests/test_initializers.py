"""Tests of the weight initializers (sklreg.initializers); book 8.4, T35-T37."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone

from sklreg._registry import INITIALIZERS
from sklreg.initializers import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    Initializer,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    SparseInit,
    variance_scaling,
)

M, N = 600, 1400  # large fan_in, fan_out for the moment checks


def _rng(seed=0):
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- #
# T35: bounds and variances
# --------------------------------------------------------------------------- #
# class, gain, expected variance, uniform bound (None for normal)
MOMENTS = [
    (GlorotUniform, 1.0, 2 / (M + N), np.sqrt(6 / (M + N))),
    (GlorotUniform, 2.0, 4 * 2 / (M + N), 2 * np.sqrt(6 / (M + N))),
    (LecunUniform, 1.0, 1 / (3 * M), 1 / np.sqrt(M)),
    (LecunUniform, 0.5, 0.25 / (3 * M), 0.5 / np.sqrt(M)),
    (HeUniform, 1.0, 2 / M, np.sqrt(6 / M)),
    (GlorotNormal, 1.0, 2 / (M + N), None),
    (HeNormal, 1.0, 2 / M, None),
    (HeNormal, 3.0, 9 * 2 / M, None),
    (LecunNormal, 1.0, 1 / M, None),
]


@pytest.mark.parametrize("cls,gain,var,bound", MOMENTS)
def test_variance_and_bounds(cls, gain, var, bound):
    W = cls(gain=gain)(M, N, _rng(1))
    assert W.shape == (M, N) and W.dtype == np.float64
    assert abs(W.mean()) < 0.01 * np.sqrt(var)
    assert W.var() == pytest.approx(var, rel=0.02)
    if bound is not None:
        assert np.abs(W).max() <= bound
        assert np.abs(W).max() > 0.999 * bound  # the whole interval is used
    else:
        # Gaussian: kurtosis 3 tells it apart from a uniform (1.8)
        kurt = np.mean(W**4) / np.mean(W**2) ** 2
        assert kurt == pytest.approx(3.0, rel=0.03)


def test_book_lecun_uniform_differs_from_keras():
    # book: U(-1/sqrt(m), 1/sqrt(m)); Keras: U(-sqrt(3/m), sqrt(3/m))
    a = LecunUniform()(M, 10, _rng(3))
    b = LecunUniform(gain=np.sqrt(3.0))(M, 10, _rng(3))
    np.testing.assert_allclose(b, np.sqrt(3.0) * a)
    assert np.abs(b).max() <= np.sqrt(3 / M) + 1e-15


@pytest.mark.parametrize("mode,n", [("fan_in", M), ("fan_out", N), ("fan_avg", (M + N) / 2)])
@pytest.mark.parametrize("distribution", ["uniform", "normal"])
def test_variance_scaling_function(mode, n, distribution):
    W = variance_scaling(M, N, _rng(2), scale=2.0, mode=mode, distribution=distribution)
    assert W.var() == pytest.approx(2.0 / n, rel=0.02)
    if distribution == "uniform":
        assert np.abs(W).max() <= np.sqrt(3 * 2.0 / n)


@pytest.mark.parametrize("kw,param", [({"mode": "fan"}, "mode"),
                                      ({"distribution": "truncated"}, "distribution"),
                                      ({"scale": 0.0}, "scale")])
def test_variance_scaling_bad_arguments(kw, param):
    with pytest.raises(ValueError, match=f"'{param}'"):
        variance_scaling(3, 4, _rng(), **kw)


# --------------------------------------------------------------------------- #
# T36: orthogonal
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("shape", [(50, 20), (20, 50), (40, 40), (1, 7), (7, 1)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal(shape, gain):
    m, n = shape
    W = Orthogonal(gain=gain)(m, n, _rng(4))
    assert W.shape == shape
    G = W.T @ W if m >= n else W @ W.T
    np.testing.assert_allclose(G, gain**2 * np.eye(min(m, n)), atol=1e-12)
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), gain, rtol=1e-12)


def test_orthogonal_chain_preserves_norm():
    rng = _rng(5)
    init = Orthogonal()
    x = rng.standard_normal((3, 64))
    h = x
    for _ in range(50):
        h = h @ init(64, 64, rng)
    np.testing.assert_allclose(np.linalg.norm(h, axis=1), np.linalg.norm(x, axis=1),
                               rtol=1e-12)


def test_orthogonal_sign_correction_makes_it_unbiased():
    # without the sign(diag(R)) correction numpy's QR has diag(R) <= 0 so
    # the diagonal of Q would be biased; with it E[W_ii] = 0
    diag = np.array([np.diag(Orthogonal()(8, 8, _rng(s))) for s in range(400)])
    assert abs(diag.mean()) < 0.05


# --------------------------------------------------------------------------- #
# T37: sparse
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("fan_in,fan_out,k", [(1000, 300, 15), (10, 40, 15), (15, 3, 15),
                                              (50, 20, 1), (200, 5, 199)])
def test_sparse_exact_nonzeros_per_unit(fan_in, fan_out, k):
    W = SparseInit(k=k)(fan_in, fan_out, _rng(6))
    assert W.shape == (fan_in, fan_out)
    np.testing.assert_array_equal((W != 0).sum(axis=0), min(k, fan_in))


def test_sparse_values_and_random_rows():
    fan_in, fan_out, k = 400, 2000, 15
    W = SparseInit(k=k, scale=2.0)(fan_in, fan_out, _rng(7))
    nz = W[W != 0]
    assert nz.std() == pytest.approx(2.0, rel=0.03)
    # rows are spread over the whole input: each row gets ~ k * fan_out / fan_in hits
    hits = (W != 0).sum(axis=1)
    assert hits.min() > 0 and abs(hits.mean() - k * fan_out / fan_in) < 1e-9
    # different units get different supports
    supports = {tuple(np.flatnonzero(W[:, j])) for j in range(fan_out)}
    assert len(supports) == fan_out


# --------------------------------------------------------------------------- #
# Generic contract, registry meta-test
# --------------------------------------------------------------------------- #
# one row per registered name: non-default knobs, and bad knobs
ROWS = {
    "glorot_uniform": ({"gain": 2.0}, [("gain", 0.0), ("gain", -1.0), ("gain", "x")]),
    "glorot_normal": ({"gain": 0.5}, [("gain", 0.0)]),
    "he_uniform": ({"gain": 0.5}, [("gain", -2.0)]),
    "he_normal": ({"gain": 1.5}, [("gain", np.nan)]),
    "lecun_uniform": ({"gain": 3.0}, [("gain", np.inf)]),
    "lecun_normal": ({"gain": 0.1}, [("gain", None)]),
    "orthogonal": ({"gain": 2.0}, [("gain", 0.0), ("gain", -1.0)]),
    "sparse": ({"k": 5, "scale": 0.5}, [("k", 0), ("k", 2.5), ("scale", 0.0),
                                        ("scale", -1.0)]),
    "lsuv": ({"batch_size": 64, "tol": 0.05, "max_iter": 3},
             [("batch_size", 0), ("tol", 0.0), ("max_iter", 1.5)]),
}
NAMES = sorted(ROWS)


def test_every_registered_initializer_has_a_test_row():
    assert NAMES == INITIALIZERS.names()
    assert INITIALIZERS.base is Initializer
    for name in NAMES:
        assert issubclass(INITIALIZERS[name], Initializer)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [(30, 17), (17, 30), (1, 1)])
def test_reproducible_and_rng_only(name, shape):
    knobs, _ = ROWS[name]
    init = INITIALIZERS[name](**knobs)
    np.random.seed(0)
    state = np.random.get_state()[1].copy()
    a = init(*shape, _rng(11))
    b = init(*shape, _rng(11))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # global RNG untouched
    assert a.shape == shape and a.dtype == np.float64 and np.all(np.isfinite(a))
    if shape != (1, 1):
        assert not np.array_equal(a, init(*shape, _rng(12)))
        rng = _rng(11)
        assert not np.array_equal(init(*shape, rng), init(*shape, rng))  # rng advances


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, "float32"])
def test_dtype_honoured(name, dtype):
    init = INITIALIZERS[name]()
    W = init(40, 20, _rng(13), dtype=dtype)
    assert W.dtype == np.dtype(dtype)
    W64 = init(40, 20, _rng(13))
    np.testing.assert_array_equal(W, W64.astype(dtype))


@pytest.mark.parametrize("name", NAMES)
def test_params_clone_pickle(name):
    knobs, _ = ROWS[name]
    cls = INITIALIZERS[name]
    init = cls(**knobs)
    assert init.get_params() == {**cls().get_params(), **knobs}
    for other in (clone(init), pickle.loads(pickle.dumps(init))):
        assert type(other) is cls and other.get_params() == init.get_params()
        np.testing.assert_array_equal(other(9, 4, _rng(1)), init(9, 4, _rng(1)))


@pytest.mark.parametrize("name", NAMES)
def test_registry_resolve_name(name):
    init = INITIALIZERS.resolve(name, "init")
    assert type(init) is INITIALIZERS[name]


def test_registry_resolve_instance_is_cloned():
    assert isinstance(INITIALIZERS.resolve("orthogonal", "init"), Orthogonal)
    user = Orthogonal(gain=2.0)
    r = INITIALIZERS.resolve(user, "init")
    assert isinstance(r, Orthogonal) and r is not user and r.gain == 2.0


def test_registry_unknown_name_lists_names():
    with pytest.raises(ValueError, match="init") as exc:
        INITIALIZERS.resolve("glorot", "init")
    msg = str(exc.value)
    assert all(repr(n) in msg for n in INITIALIZERS.names())
    with pytest.raises(ValueError, match="allowed initializer names"):
        INITIALIZERS.resolve(3, "init")


@pytest.mark.parametrize(
    "name,param,value",
    [(n, p, v) for n, (_, bad) in sorted(ROWS.items()) for p, v in bad],
)
def test_bad_knobs_raise_naming_parameter(name, param, value):
    cls = INITIALIZERS[name]
    init = cls(**{param: value})
    with pytest.raises(ValueError, match=f"'{param}' parameter of {cls.__name__}"):
        init(5, 4, _rng())


@pytest.mark.parametrize("args,param", [((0, 3, _rng()), "fan_in"),
                                        ((3, 2.5, _rng()), "fan_out"),
                                        ((3, 3, 0), "rng"),
                                        ((3, 3, np.random.RandomState(0)), "rng")])
def test_bad_call_arguments(args, param):
    with pytest.raises(ValueError, match=f"'{param}'"):
        GlorotUniform()(*args)
