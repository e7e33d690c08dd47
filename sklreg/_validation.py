"""Small parameter checks with messages that name the parameter and the allowed values.

scikit-learn's ``sklearn.utils._param_validation`` is private, so sklreg keeps
its own ~100 lines.  Every check raises ``ValueError`` (``TypeError`` is not
used, to keep one exception type for "bad parameter value").
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import functools
from numbers import Integral, Real

import numpy as np
from sklearn.utils.validation import check_array

from .exceptions import InvalidParameterError

__all__ = [
    "check_interval", "check_options", "check_bool", "check_per_layer", "param_error",
    "param_owner",
]


#: the class whose parameters are being validated (set by :func:`param_owner`)
_OWNER = contextvars.ContextVar("sklreg_param_owner", default=None)


@contextlib.contextmanager
def param_owner(name):
    """Name the estimator in the parameter errors raised inside the block."""
    token = _OWNER.set(name)
    try:
        yield
    finally:
        _OWNER.reset(token)


def param_error(name, expected, value, owner=None, hint=""):
    """scikit-learn's parameter-error wording: "The 'alpha' parameter of
    MLPRegularizedClassifier must be a real number in [0.0, inf). Got -1
    instead." (an :class:`~sklreg.exceptions.InvalidParameterError`)."""
    owner = owner or _OWNER.get() or "this estimator"
    msg = f"The {name!r} parameter of {owner} must be {expected}. Got {value!r} instead."
    return InvalidParameterError(f"{msg} {hint}" if hint else msg)


def hidden_sizes(value):
    """``hidden_layer_sizes`` -> tuple of positive ints (``()`` allowed)."""
    scalar = isinstance(value, Integral) and not isinstance(value, bool)
    try:
        sizes = (value,) if scalar else tuple(value)
    except TypeError:
        sizes = None
    ints = sizes is not None and all(
        isinstance(s, Integral) and not isinstance(s, bool) for s in sizes
    )
    if scalar and value < 1:
        ints = False  # scikit-learn's parameter-error wording for a scalar
    elif ints and any(s < 1 for s in sizes):  # scikit-learn's wording for a sequence
        raise ValueError(
            f"hidden_layer_sizes must be > 0, got {value!r}. Use positive layer sizes; () "
            "gives a linear (or logistic) model with no hidden layer."
        )
    if not ints:
        raise param_error(
            "hidden_layer_sizes", "a positive integer or a sequence of positive integers "
            "(hidden_layer_sizes must be > 0)", value,
            hint="() gives a linear (or logistic) model with no hidden layer.",
        )
    return tuple(int(s) for s in sizes)


def _is_real(value):
    return isinstance(value, Real) and not isinstance(value, bool)


def check_interval(
    name, value, low=None, high=None, *, closed="left", integer=False, owner=None
):
    """Check ``low <(=) value <(=) high``; return ``value`` unchanged.

    ``closed`` is one of 'left', 'right', 'both', 'neither'.  With
    ``integer=True`` the value must be an integral number.
    """
    kind = "an integer" if integer else "a real number"
    ok = isinstance(value, Integral) if integer else _is_real(value)
    ok = ok and not isinstance(value, bool)
    if ok:
        v = float(value)
        ok = not np.isnan(v)
        if low is not None:
            ok = ok and (v >= low if closed in ("left", "both") else v > low)
        elif not np.isfinite(v) and v < 0:
            ok = False
        if high is not None:
            ok = ok and (v <= high if closed in ("right", "both") else v < high)
        elif v == np.inf:
            ok = False
    if not ok:
        lb = "[" if closed in ("left", "both") else "("
        rb = "]" if closed in ("right", "both") else ")"
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise param_error(name, f"{kind} in the range {lb}{lo}, {hi}{rb}", value, owner)
    return value


def check_options(name, value, options, owner=None):
    """Check that ``value`` is one of ``options`` (compared with ==)."""
    for opt in options:
        if type(value) is type(opt) and value == opt:
            return value
    raise param_error(name, f"one of {sorted(options, key=repr)}", value, owner)


def check_bool(name, value, owner=None):
    if not isinstance(value, (bool, np.bool_)):
        raise param_error(name, "an instance of 'bool' (True or False)", value, owner)
    return bool(value)


def check_per_layer(
    name, value, n_layers, low=0.0, high=None, closed="left", allow_none=False
):
    """A float, or a sequence with one float per layer -> list of n_layers floats.

    With ``allow_none`` a sequence may hold None for "off in this layer"
    (kept as None in the result).
    """
    if _is_real(value):
        check_interval(name, value, low, high, closed=closed)
        return [float(value)] * n_layers
    try:
        values = list(value)
    except TypeError:
        values = None
    if values is None or len(values) != n_layers:
        each = "a float or None (off)" if allow_none else "a float"
        raise param_error(
            name, f"a float or a sequence of {n_layers} values (one per layer, each {each})",
            value,
        )
    for i, v in enumerate(values):
        if not (allow_none and v is None):
            check_interval(f"{name}[{i}]", v, low, high, closed=closed)
    return [None if v is None else float(v) for v in values]


def check_sample_weight(sample_weight, n, dtype=np.float64, name="sample_weight"):
    """Validated weights of shape (n,) in ``dtype``, or None when not given.

    A scalar is broadcast.  Weights must be finite and non-negative with a
    positive sum; errors name the parameter.
    """
    if sample_weight is None:
        return None
    sw = np.asarray(sample_weight, dtype=dtype)
    if sw.ndim == 0:
        sw = np.full(n, float(sw), dtype=dtype)
    if sw.shape != (n,):
        raise ValueError(f"{name}.shape == {sw.shape}, expected ({n},)! One weight per sample.")
    if not np.all(np.isfinite(sw)):
        raise ValueError(f"{name} must be finite (got NaN or infinite values).")
    if np.any(sw < 0):
        raise ValueError(f"Negative values in {name} are not allowed.")
    if not sw.sum() > 0:
        raise ValueError(f"{name} must have a positive sum (not all zero): nothing to fit.")
    return sw


# ------------------------------------------------------------ fit as a transaction
#: kept by reference, never copied: scikit-learn's callbacks and the callback
#: context a meta-estimator handed down (sklreg._sk_callbacks)
_BY_REFERENCE = frozenset({"_skl_callbacks", "_parent_callback_ctx"})


def _deep_copy_state(est, state):
    """Deep copy of the fitted state without the views it can rebuild
    (``_NOT_PICKLED``, see :mod:`sklreg._persistence`)."""
    views = getattr(type(est), "_NOT_PICKLED", ())
    return copy.deepcopy({k: v for k, v in state.items() if k not in views})


def atomic_fit(deep=False):
    """Decorate ``fit``/``partial_fit``: if it raises, the estimator is left
    exactly as it was -- unfitted after a failed first fit (``predict`` raises
    NotFittedError), the previous model after a failed refit.

    Every attribute that is not a constructor parameter is saved before the
    call and restored if the call raises: a shallow copy for fits that only
    assign new attributes, a deep copy (``deep=True``) for fits that update
    arrays in place, without the views ``_NOT_PICKLED`` names, which
    ``_rebuild_after_load()`` re-derives after the restore.
    """

    def copy_state(est, state):
        return _deep_copy_state(est, state) if deep else dict(state)

    def decorate(fit):
        @functools.wraps(fit)
        def wrapper(self, *args, **kwargs):
            params = _param_names(type(self))
            saved = copy_state(self, {k: v for k, v in vars(self).items()
                                      if k not in params and k not in _BY_REFERENCE})
            saved.update({k: v for k, v in vars(self).items() if k in _BY_REFERENCE})
            try:
                return fit(self, *args, **kwargs)
            except BaseException:
                for k in [k for k in vars(self) if k not in params]:
                    delattr(self, k)
                vars(self).update(saved)
                if deep and hasattr(self, "_rebuild_after_load"):
                    self._rebuild_after_load()
                raise

        return wrapper

    return decorate


@functools.lru_cache(maxsize=None)
def _param_names(cls):
    """Constructor parameter names of an estimator class (cached: reading the
    signature costs more than a small partial_fit's bookkeeping)."""
    return frozenset(cls._get_param_names())


def check_finite_y(y):
    """Float64 ``y`` with NaN/inf rejected by scikit-learn's own check and wording.

    ``validate_data(..., y_numeric=True)`` converts an object ``y`` holding None
    to float NaN after its finiteness check, so the check is repeated here.
    """
    return check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")


def check_no_missing_labels(y):
    """Reject None labels (object ``y``), which ``type_of_target`` calls 'unknown'."""
    if y.dtype == object and any(v is None for v in y.ravel()):
        raise ValueError(
            "Input y contains None (missing labels). Drop or impute the samples with "
            "missing labels before fitting."
        )


def resolve_batch_size(batch_size, n):
    """``batch_size`` ('auto' is ``min(200, n)``) capped at the ``n`` rows."""
    return min(200 if batch_size == "auto" else int(batch_size), n)


def check_per_sample(name, value, n, meaning):
    """A fit argument with one finite value per training row -> float64 array
    of shape (n,), or None; ``meaning`` completes the error message."""
    if value is None:
        return None
    d = np.asarray(value, dtype=np.float64)
    if d.shape != (n,) or not np.all(np.isfinite(d)):
        raise ValueError(
            f"{name} must be a finite array of shape ({n},) (one value per training "
            f"sample, {meaning}); got shape {d.shape}."
        )
    return d
