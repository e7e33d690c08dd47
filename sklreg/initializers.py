"""Weight initialization (book section 8.4).

An initializer is a small picklable object following the scikit-learn
parameter protocol, called as ``init(fan_in, fan_out, rng, dtype)``.  It
returns a weight matrix of shape ``(fan_in, fan_out)`` -- the layout of
sklearn's ``coefs_``: column ``j`` holds the incoming weights of unit ``j`` --
and draws only from the given :class:`numpy.random.Generator` (never the
global RNG), so the same seed gives the same weights.  Values are drawn in
float64 and cast to ``dtype``, so float32 and float64 draws agree up to
rounding.

The six Glorot/He/LeCun schemes are one parametric rule,
:func:`variance_scaling` (Keras' ``VarianceScaling``): ``Var(W_ij) =
gain**2 * scale / n`` with ``n`` the fan-in, the fan-out or their mean.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator

from ._registry import INITIALIZERS
from ._validation import check_interval, check_options

__all__ = [
    "variance_scaling",
    "Initializer",
    "GlorotUniform",
    "GlorotNormal",
    "HeUniform",
    "HeNormal",
    "LecunUniform",
    "LecunNormal",
    "Orthogonal",
    "SparseInit",
    "LSUV",
]


def _check_call_args(fan_in, fan_out, rng, owner):
    check_interval("fan_in", fan_in, 1, integer=True, owner=owner)
    check_interval("fan_out", fan_out, 1, integer=True, owner=owner)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"Invalid value for {owner} 'rng': {rng!r}. It must be a "
            "numpy.random.Generator (e.g. numpy.random.default_rng(seed))."
        )
    return int(fan_in), int(fan_out)


def variance_scaling(fan_in, fan_out, rng, *, scale=1.0, mode="fan_in",
                     distribution="normal", dtype=np.float64):
    r"""Draw a ``(fan_in, fan_out)`` matrix with ``Var(W_ij) = scale / n``.

    ``n`` is ``fan_in`` (``mode='fan_in'``), ``fan_out`` (``'fan_out'``) or
    ``(fan_in + fan_out) / 2`` (``'fan_avg'``).  ``distribution='uniform'``
    draws ``U(-limit, limit)`` with ``limit = sqrt(3 * scale / n)``;
    ``'normal'`` draws ``N(0, scale / n)``.

    Parameters
    ----------
    fan_in, fan_out : int >= 1
        Number of inputs and outputs (units) of the layer.
    rng : numpy.random.Generator
        The only source of randomness.
    scale : float > 0, default=1.0
    mode : {'fan_in', 'fan_out', 'fan_avg'}, default='fan_in'
    distribution : {'uniform', 'normal'}, default='normal'
    dtype : numpy dtype, default=float64

    Returns
    -------
    W : ndarray of shape (fan_in, fan_out)
    """
    owner = "variance_scaling()"
    fan_in, fan_out = _check_call_args(fan_in, fan_out, rng, owner)
    check_interval("scale", scale, 0.0, closed="neither", owner=owner)
    check_options("mode", mode, ["fan_in", "fan_out", "fan_avg"], owner=owner)
    check_options("distribution", distribution, ["uniform", "normal"], owner=owner)
    n = {"fan_in": fan_in, "fan_out": fan_out,
         "fan_avg": 0.5 * (fan_in + fan_out)}[mode]
    var = float(scale) / n
    shape = (fan_in, fan_out)
    if distribution == "uniform":
        limit = np.sqrt(3.0 * var)
        W = rng.uniform(-limit, limit, size=shape)
    else:
        W = rng.standard_normal(shape)
        W *= np.sqrt(var)
    return W.astype(dtype, copy=False)


class Initializer(BaseEstimator):
    """Base class of weight initializers (book section 8.4).

    Subclasses implement ``_draw(fan_in, fan_out, rng) -> float64 ndarray``
    and, when they have knobs, ``_validate``.
    """

    def __call__(self, fan_in, fan_out, rng, dtype=np.float64):
        """Return a new ``(fan_in, fan_out)`` weight matrix of type ``dtype``.

        Parameters
        ----------
        fan_in : int >= 1
            Number of inputs ``m`` of the layer (rows).
        fan_out : int >= 1
            Number of units ``n`` of the layer (columns).
        rng : numpy.random.Generator
            The only source of randomness.
        dtype : numpy dtype, default=float64
        """
        owner = type(self).__name__
        fan_in, fan_out = _check_call_args(fan_in, fan_out, rng, owner)
        self._validate()
        return np.asarray(self._draw(fan_in, fan_out, rng)).astype(dtype, copy=False)

    def _validate(self):
        """Check the knobs; raise ValueError naming the bad one."""

    def _draw(self, fan_in, fan_out, rng):
        raise NotImplementedError

    def _check(self, name, low=None, high=None, closed="left", integer=False):
        check_interval(name, getattr(self, name), low, high, closed=closed,
                       integer=integer, owner=type(self).__name__)


class _GainInit(Initializer):
    """Initializers with a single knob ``gain`` > 0."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def _validate(self):
        self._check("gain", 0.0, closed="neither")


_GAIN_DOC = """
    Parameters
    ----------
    gain : float > 0, default=1.0
        Multiplier of the scale (standard deviation).
"""


class _VarianceScalingInit(_GainInit):
    """Shared body of the Glorot/He/LeCun classes: ``variance_scaling`` times ``gain``.

    Subclasses only set the class attributes ``_scale``, ``_mode`` and
    ``_distribution`` and a docstring, to which the ``gain`` documentation
    is appended.
    """

    _scale = 1.0
    _mode = "fan_in"
    _distribution = "normal"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__doc__ and "gain :" not in cls.__doc__:
            cls.__doc__ = cls.__doc__.rstrip() + "\n" + _GAIN_DOC

    def _draw(self, fan_in, fan_out, rng):
        return variance_scaling(fan_in, fan_out, rng, scale=self.gain**2 * self._scale,
                                mode=self._mode, distribution=self._distribution)


@INITIALIZERS.register("glorot_uniform")
class GlorotUniform(_VarianceScalingInit):
    r"""Normalized initialization (Glorot & Bengio 2010; book 8.4, eq 8.23).

    ``W_ij ~ U(-g sqrt(6 / (m + n)), g sqrt(6 / (m + n)))``, variance
    ``g**2 * 2 / (m + n)``, with ``m = fan_in``, ``n = fan_out``, ``g = gain``.
    A compromise between equal activation variance and equal gradient
    variance across layers.
    """

    _mode, _distribution = "fan_avg", "uniform"


@INITIALIZERS.register("glorot_normal")
class GlorotNormal(_VarianceScalingInit):
    r"""Normal variant of eq 8.23 (book 8.4): ``W_ij ~ N(0, g**2 * 2 / (m + n))``.
    """

    _mode, _distribution = "fan_avg", "normal"


@INITIALIZERS.register("he_uniform")
class HeUniform(_VarianceScalingInit):
    r"""He et al. (2015) uniform: ``W_ij ~ U(-g sqrt(6 / m), g sqrt(6 / m))``.

    Variance ``g**2 * 2 / m`` (``m = fan_in``), suited to ReLU units (book 8.4
    discusses choosing the scale per nonlinearity).
    """

    _scale, _mode, _distribution = 2.0, "fan_in", "uniform"


@INITIALIZERS.register("he_normal")
class HeNormal(_VarianceScalingInit):
    r"""He et al. (2015) normal: ``W_ij ~ N(0, g**2 * 2 / m)``, ``m = fan_in``.
    """

    _scale, _mode, _distribution = 2.0, "fan_in", "normal"


@INITIALIZERS.register("lecun_uniform")
class LecunUniform(_VarianceScalingInit):
    r"""The book's fan-in heuristic (section 8.4): ``W_ij ~ U(-g / sqrt(m), g / sqrt(m))``.

    Variance ``g**2 / (3 m)`` with ``m = fan_in``.  Note: Keras'
    ``lecun_uniform`` uses the limit ``sqrt(3 / m)`` (variance ``1 / m``);
    this class follows the book, i.e. Keras' value times ``1 / sqrt(3)``
    (pass ``gain=sqrt(3)`` to get Keras').
    """

    _scale, _mode, _distribution = 1.0 / 3.0, "fan_in", "uniform"


@INITIALIZERS.register("lecun_normal")
class LecunNormal(_VarianceScalingInit):
    r"""LeCun normal: ``W_ij ~ N(0, g**2 / m)``, ``m = fan_in`` (book 8.4).

    With a user-set gain this is also Sussillo's (2014) random-walk
    initialization.
    """

    _scale, _mode, _distribution = 1.0, "fan_in", "normal"


@INITIALIZERS.register("orthogonal")
class Orthogonal(_GainInit):
    r"""Random (semi-)orthogonal matrix times a gain (Saxe et al. 2013; book 8.4).

    ``W = g Q`` where ``Q`` comes from the QR decomposition of a Gaussian
    matrix of shape ``(max(m, n), min(m, n))``, with the columns multiplied by
    ``sign(diag(R))`` so that ``Q`` is Haar-distributed; it is transposed when
    ``m < n``.  Hence ``W^T W = g**2 I`` if ``fan_in >= fan_out`` and
    ``W W^T = g**2 I`` otherwise; a square ``W`` with ``g = 1`` preserves
    Euclidean norms exactly.

    Parameters
    ----------
    gain : float > 0, default=1.0
        Multiplier; all singular values of ``W`` equal ``gain``.
    """

    def _draw(self, fan_in, fan_out, rng):
        a = rng.standard_normal((max(fan_in, fan_out), min(fan_in, fan_out)))
        q, r = np.linalg.qr(a)
        d = np.sign(np.diag(r))
        d[d == 0] = 1.0
        q *= d
        if fan_in < fan_out:
            q = q.T
        return float(self.gain) * q


@INITIALIZERS.register("sparse")
class SparseInit(Initializer):
    r"""Sparse initialization (Martens 2010; book 8.4).

    Each unit (column) gets exactly ``min(k, fan_in)`` nonzero incoming
    weights, at rows chosen uniformly without replacement, with values
    ``N(0, scale**2)``; all other weights are 0.  The total input of a unit is
    then independent of ``fan_in`` without shrinking the individual weights.

    Parameters
    ----------
    k : int >= 1, default=15
        Number of nonzero incoming weights per unit (Martens used 15).
    scale : float > 0, default=1.0
        Standard deviation of the nonzero weights.
    """

    def __init__(self, k=15, scale=1.0):
        self.k = k
        self.scale = scale

    def _validate(self):
        self._check("k", 1, integer=True)
        self._check("scale", 0.0, closed="neither")

    def _draw(self, fan_in, fan_out, rng):
        k = min(int(self.k), fan_in)
        # the first k rows of a random permutation of each column
        rows = np.argsort(rng.random((fan_in, fan_out)), axis=0)[:k]
        W = np.zeros((fan_in, fan_out))
        W[rows, np.arange(fan_out)] = float(self.scale) * rng.standard_normal((k, fan_out))
        return W


@INITIALIZERS.register("lsuv")
class LSUV(Initializer):
    r"""Layer-sequential unit-variance initialization (Mishkin & Matas 2015; book 8.4).

    A data-driven initial scale: the weights are first drawn as
    :class:`Orthogonal` (gain 1); then, at the start of the first ``fit``
    (:mod:`sklreg.features.lsuv`), each hidden layer in turn, from the input
    up, has its weight matrix divided by the standard deviation of its
    pre-activations on a batch of training rows, until their variance is
    within ``tol`` of 1 (at most ``max_iter`` rescalings per layer).  The
    output layer keeps its orthogonal draw; biases are set as usual
    (``hidden_bias_init``).  Book 8.4's rule of thumb -- look at the
    standard deviation of the activations on a single minibatch and fix the
    first layer whose activations are too small, layer after layer -- made
    automatic, as the book notes Mishkin & Matas did.

    Called directly (``init(fan_in, fan_out, rng)``, without data) it only
    draws the orthogonal start.

    Parameters
    ----------
    batch_size : int >= 1, default=500
        Rows of the training data (drawn without replacement by the fit's
        random generator, all rows if fewer) on which the variances are
        measured.
    tol : float > 0, default=0.1
        Accepted distance of each pre-activation variance to 1.
    max_iter : int >= 1, default=10
        Maximum number of rescalings per layer.
    """

    def __init__(self, batch_size=500, tol=0.1, max_iter=10):
        self.batch_size = batch_size
        self.tol = tol
        self.max_iter = max_iter

    def _validate(self):
        self._check("batch_size", 1, integer=True)
        self._check("tol", 0.0, closed="neither")
        self._check("max_iter", 1, integer=True)

    def _draw(self, fan_in, fan_out, rng):
        return Orthogonal()._draw(fan_in, fan_out, rng)


INITIALIZERS.base = Initializer


def is_lsuv(init):
    """``init`` asks for the data-driven LSUV initialization (book 8.4)."""
    return (isinstance(init, str) and init == "lsuv") or isinstance(init, LSUV)
