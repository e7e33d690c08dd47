"""In-place array kernels shared by the first-order optimizers.

Each writes its result into a caller-owned buffer with in-place ufuncs and
Python-float scalars, so a step allocates no array (see
:mod:`sklreg.optim.first_order`).
"""

from __future__ import annotations

import numpy as np


def _ema_sq(r, g, rho, buf):
    """``r <- rho * r + (1 - rho) * g * g`` in place, ``buf`` as scratch."""
    r *= rho
    np.multiply(g, g, out=buf)
    buf *= 1.0 - rho
    r += buf


def _rms_step_scale(r, epsilon, lr, out):
    """``out = lr / sqrt(epsilon + r[:k])`` (RMSProp's step sizes) in place."""
    np.add(r[: out.size], float(epsilon), out=out)
    np.sqrt(out, out=out)
    np.divide(float(lr), out, out=out)
    return out


def _root_step_scale(r, delta, lr, out):
    """``out = lr / (sqrt(r[:k]) + delta)`` (AdaGrad's and Adam's step sizes) in place."""
    np.sqrt(r[: out.size], out=out)
    out += float(delta)
    np.divide(float(lr), out, out=out)
    return out


def _interim_point(theta, v, momentum, out):
    """Nesterov's interim point ``theta + momentum * v`` written into ``out``."""
    np.multiply(v, momentum, out=out)
    out += theta
    return out
