"""Minibatch (first-order) optimizers of the Deep Learning book, chapter 8.

One class per algorithm box: SGD (8.1), momentum (8.2), Nesterov momentum
(8.3), AdaGrad (8.4), RMSProp (8.5), RMSProp with Nesterov momentum (8.6),
Adam (8.7) and the draft's AdaDelta (draft 8.8).  Each follows its box
literally (no algebraic reformulation); where the usual libraries differ, the
class docstring says how.  The book's ``epsilon`` is the learning rate ``lr``
passed to :meth:`~sklreg.optim.base.FirstOrderOptimizer.step` and its ``delta``
is the ``epsilon`` knob (scikit-learn's name).

Hot-loop conventions (one step per minibatch, on ~1e5 parameters):

* every state array and a scratch buffer are allocated once in ``start``, with
  the dtype of ``theta`` (float32 parameters keep float32 state);
* updates use in-place ufuncs (``out=``, ``*=``, ``+=``) and Python-float
  scalars, so a step allocates no array;
* ``grad_fn(point) -> (loss, grad)`` is called once per step.  ``grad`` may be
  a buffer that the caller reuses on its next call: it is consumed before
  ``grad_fn`` is called again and no reference to it is kept.  The caller gives
  up ``grad`` to the optimizer, which **may overwrite it** (the optimizers of
  this module only read it, but callers must not rely on that).  The point
  passed to ``grad_fn`` is ``theta`` itself or, for the Nesterov methods, a
  scratch buffer that the next step overwrites: copy it to keep it.

The adaptive methods also report their per-coordinate step sizes ``lr * d_j``
(:meth:`~sklreg.optim.base.FirstOrderOptimizer.step_scale`), so that the
proximal L1 step thresholds each weight in the optimizer's own metric.
"""

from __future__ import annotations

import math

import numpy as np

from .._registry import OPTIMIZERS
from ._kernels import _ema_sq, _interim_point, _rms_step_scale, _root_step_scale
from ._knobs import POSITIVE, RATE
from ._momentum import ScheduledMomentum
from .base import FirstOrderOptimizer

__all__ = [
    "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "RMSPropNesterov",
    "Adam", "AdaDelta",
]


@OPTIMIZERS.register("sgd")
class SGD(FirstOrderOptimizer):
    """Stochastic gradient descent, Algorithm 8.1 (book section 8.3.1).

    ``theta <- theta - lr * g`` with ``g`` the minibatch gradient at ``theta``.
    Same as ``torch.optim.SGD`` without momentum and scikit-learn's ``'sgd'``
    solver with ``momentum=0``.  No knobs; state: the step counter ``t_``.
    """

    default_learning_rate = 0.01

    def _step(self, theta, grad_fn, lr):
        loss, g = grad_fn(theta)
        np.multiply(g, float(lr), out=self._buf)
        theta -= self._buf
        return loss


_MOMENTUM_DOC = """
    Parameters
    ----------
    momentum : float, default=0.9
        Decay ``alpha`` of the velocity, in [0, 1) (constant; not used when
        ``momentum_schedule`` is given).
    momentum_schedule : None, 'nesterov' or callable, default=None
        Momentum that changes with the update count ``t`` (0 for the first
        update), book section 8.3.3.  None: the constant ``momentum``.
        'nesterov': ``alpha_t = 1 - 3 / (t + 5)``, the schedule with which
        Sutskever et al. (2013) write Nesterov's (1983) accelerated gradient
        in this form; with the Nesterov class, full batch and ``lr = 1/L``
        the excess error of a smooth convex objective decays as
        ``O(1/k^2)`` instead of gradient descent's ``O(1/k)``.  A callable
        ``t -> alpha_t`` must return values in [0, 1).  (Pickling needs a
        picklable callable.)

    Attributes
    ----------
    velocity_ : ndarray
        Velocity ``v``.
"""


class _MomentumBase(ScheduledMomentum, FirstOrderOptimizer):
    """Knobs, validation and state shared by Momentum and Nesterov."""

    _knobs = {"momentum": RATE}
    _state = ("velocity_",)

    def __init__(self, momentum=0.9, momentum_schedule=None):
        self.momentum = momentum
        self.momentum_schedule = momentum_schedule


@OPTIMIZERS.register("momentum")
class Momentum(_MomentumBase):
    __doc__ = """SGD with (heavy-ball) momentum, Algorithm 8.2 (book section 8.3.2).

    ``v <- momentum * v - lr * g``; ``theta <- theta + v``, ``v`` starting at 0.
    The velocity holds learning-rate-scaled steps, as in the book and
    scikit-learn; ``torch.optim.SGD`` instead keeps ``b <- momentum * b + g`` and
    steps by ``-lr * b``, which is the same only while ``lr`` is constant.
    With a constant gradient the step tends to ``lr * |g| / (1 - momentum)``
    (equation 8.17).
""" + _MOMENTUM_DOC

    default_learning_rate = 0.01

    def _step(self, theta, grad_fn, lr):
        loss, g = grad_fn(theta)
        v, buf = self.velocity_, self._buf
        v *= self.current_momentum()
        np.multiply(g, float(lr), out=buf)
        v -= buf
        theta += v
        return loss


@OPTIMIZERS.register("nesterov")
class Nesterov(_MomentumBase):
    __doc__ = """SGD with Nesterov momentum, Algorithm 8.3 (book section 8.3.3).

    Interim point ``theta~ = theta + momentum * v``; ``g`` = gradient **at
    theta~**; ``v <- momentum * v - lr * g``; ``theta <- theta + v``.
    The gradient is really evaluated at the interim point (``grad_fn`` is
    called with it), as in the book and Sutskever et al. (2013).  scikit-learn
    and ``torch.optim.SGD(nesterov=True)`` use the reformulation that stores the
    look-ahead point as the parameters and evaluates the gradient there; their
    iterates are the interim points of this class, not its ``theta``.
""" + _MOMENTUM_DOC

    default_learning_rate = 0.01

    def _step(self, theta, grad_fn, lr):
        v, buf, mu = self.velocity_, self._buf, self.current_momentum()
        loss, g = grad_fn(_interim_point(theta, v, mu, buf))
        v *= mu
        np.multiply(g, float(lr), out=buf)
        v -= buf
        theta += v
        return loss


class _DiagonalScaling(FirstOrderOptimizer):
    """AdaGrad and the RMSProp family: a running statistic ``r`` of the squared
    gradients gives per-coordinate step sizes ``lr * d(r)`` (:meth:`step_scale`).

    Subclasses implement ``_accumulate(g, buf)`` (update ``r`` with ``g``,
    ``buf`` as scratch) and ``step_scale``; ``_rescaled(g, lr)`` returns the
    scratch buffer holding ``lr * d(r) * g`` after the statistic's update.
    """

    def _rescaled(self, g, lr):
        buf = self._buf
        self._accumulate(g, buf)
        self.step_scale(lr, buf)
        buf *= g
        return buf

    def _step(self, theta, grad_fn, lr):
        loss, g = grad_fn(theta)
        theta -= self._rescaled(g, lr)
        return loss

    def _accumulate(self, g, buf):
        raise NotImplementedError


@OPTIMIZERS.register("adagrad")
class AdaGrad(_DiagonalScaling):
    """AdaGrad, Algorithm 8.4 (book section 8.5.1; Duchi et al., 2011).

    ``r <- r + g * g``; ``theta <- theta - lr / (epsilon + sqrt(r)) * g``
    (element-wise, ``r`` starting at 0).  ``epsilon`` (the book's delta) is added
    **outside** the square root, as in the book and ``torch.optim.Adagrad``
    (default 1e-10 there; its ``lr_decay`` and initial accumulator are absent).

    Parameters
    ----------
    epsilon : float, default=1e-7
        Small constant ``delta`` > 0 for numerical stability.

    Attributes
    ----------
    grad_sq_sum_ : ndarray
        Accumulated squared gradients ``r``.
    """

    default_learning_rate = 0.01
    _knobs = {"epsilon": POSITIVE}
    _state = ("grad_sq_sum_",)

    def __init__(self, epsilon=1e-7):
        self.epsilon = epsilon

    def _accumulate(self, g, buf):
        np.multiply(g, g, out=buf)
        self.grad_sq_sum_ += buf

    def step_scale(self, lr, out):
        """``lr / (epsilon + sqrt(r))``, the step sizes of the last update."""
        return _root_step_scale(self.grad_sq_sum_, self.epsilon, lr, out)


class _RMSBase(_DiagonalScaling):
    """Moving average ``r`` of the squared gradients (decay ``rho``) and the
    step sizes ``lr / sqrt(epsilon + r)``, shared by the RMSProp boxes."""

    _state = ("grad_sq_avg_",)

    def _accumulate(self, g, buf):
        _ema_sq(self.grad_sq_avg_, g, float(self.rho), buf)

    def step_scale(self, lr, out):
        """``lr / sqrt(epsilon + r)``, the step sizes of the last update."""
        return _rms_step_scale(self.grad_sq_avg_, self.epsilon, lr, out)


@OPTIMIZERS.register("rmsprop")
class RMSProp(_RMSBase):
    """RMSProp, Algorithm 8.5 (book section 8.5.2; Hinton, 2012).

    ``r <- rho * r + (1 - rho) * g * g``;
    ``theta <- theta - lr / sqrt(epsilon + r) * g`` (``r`` starting at 0).
    ``epsilon`` (the book's delta) is **inside** the square root, as in the
    book; ``torch.optim.RMSprop`` and Keras add it outside
    (``sqrt(r) + eps``) and torch's default decay is ``alpha=0.99``.  No bias
    correction: ``r_t = (1 - rho**t) g**2`` for a constant gradient.

    Parameters
    ----------
    rho : float, default=0.9
        Decay rate of the moving average of squared gradients, in [0, 1).
    epsilon : float, default=1e-6
        Small constant ``delta`` > 0 added to ``r`` under the square root.

    Attributes
    ----------
    grad_sq_avg_ : ndarray
        Moving average ``r`` of the squared gradients.
    """

    default_learning_rate = 0.001
    _knobs = {"rho": RATE, "epsilon": POSITIVE}

    def __init__(self, rho=0.9, epsilon=1e-6):
        self.rho, self.epsilon = rho, epsilon


@OPTIMIZERS.register("rmsprop_nesterov")
class RMSPropNesterov(_RMSBase):
    """RMSProp with Nesterov momentum, Algorithm 8.6 (book section 8.5.2).

    Interim point ``theta~ = theta + momentum * v``; ``g`` = gradient **at
    theta~**; ``r <- rho * r + (1 - rho) * g * g``;
    ``v <- momentum * v - lr / sqrt(epsilon + r) * g``; ``theta <- theta + v``.
    The book prints no ``delta`` in this box (division by zero where ``r`` is
    0); ``epsilon`` is added inside the square root exactly as in
    :class:`RMSProp`.  ``torch.optim.RMSprop(momentum=...)`` uses heavy-ball
    momentum on the rescaled gradient at ``theta``, with eps outside the root.

    Parameters
    ----------
    rho : float, default=0.9
        Decay rate of the moving average of squared gradients, in [0, 1).
    momentum : float, default=0.9
        Decay ``alpha`` of the velocity, in [0, 1).
    epsilon : float, default=1e-6
        Small constant > 0 added to ``r`` under the square root (not in book).

    Attributes
    ----------
    velocity_ : ndarray
        Velocity ``v``.
    grad_sq_avg_ : ndarray
        Moving average ``r`` of the squared gradients.
    """

    default_learning_rate = 0.001
    _knobs = {"rho": RATE, "momentum": RATE, "epsilon": POSITIVE}
    _state = ("velocity_", "grad_sq_avg_")

    def __init__(self, rho=0.9, momentum=0.9, epsilon=1e-6):
        self.rho, self.momentum, self.epsilon = rho, momentum, epsilon

    def _step(self, theta, grad_fn, lr):
        v, mu = self.velocity_, float(self.momentum)
        loss, g = grad_fn(_interim_point(theta, v, mu, self._buf))
        v *= mu
        v -= self._rescaled(g, lr)        # lr / sqrt(epsilon + r) * g
        theta += v
        return loss


@OPTIMIZERS.register("adam")
class Adam(FirstOrderOptimizer):
    """Adam, Algorithm 8.7 (book section 8.5.3; Kingma and Ba, 2014).

    ``t <- t + 1``; ``s <- beta_1 s + (1 - beta_1) g``;
    ``r <- beta_2 r + (1 - beta_2) g * g``; ``s^ = s / (1 - beta_1**t)``;
    ``r^ = r / (1 - beta_2**t)``; ``theta <- theta - lr * s^ / (sqrt(r^) + epsilon)``.
    ``epsilon`` is added to the bias-corrected ``sqrt(r^)``, as in the book and
    ``torch.optim.Adam``.  scikit-learn's ``AdamOptimizer`` folds the
    corrections into the learning rate and adds ``epsilon`` to the uncorrected
    ``sqrt(r)``, which is a larger effective epsilon in early steps.

    Parameters
    ----------
    beta_1 : float, default=0.9
        Decay rate ``rho_1`` of the first-moment estimate, in [0, 1).
    beta_2 : float, default=0.999
        Decay rate ``rho_2`` of the second-moment estimate, in [0, 1).
    epsilon : float, default=1e-8
        Small constant ``delta`` >= 0 (0 divides 0 by 0 where ``g`` stays 0).

    Attributes
    ----------
    first_moment_ : ndarray
        Biased first-moment estimate ``s``.
    second_moment_ : ndarray
        Biased (uncentered) second-moment estimate ``r``.
    t_ : int
        Number of updates done (the ``t`` of the bias corrections).
    """

    default_learning_rate = 0.001
    _knobs = {"beta_1": RATE, "beta_2": RATE, "epsilon": POSITIVE}  # epsilon as scikit-learn
    _state = ("first_moment_", "second_moment_")

    def __init__(self, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def _step(self, theta, grad_fn, lr):
        loss, g = grad_fn(theta)
        s, r, buf = self.first_moment_, self.second_moment_, self._buf
        b1, b2 = float(self.beta_1), float(self.beta_2)
        t = self.t_ + 1                   # base class increments t_ afterwards
        s *= b1
        np.multiply(g, 1.0 - b1, out=buf)
        s += buf
        _ema_sq(r, g, b2, buf)
        # lr * s^ / (sqrt(r^) + delta) with s^ = s/(1-b1^t), r^ = r/(1-b2^t),
        # rewritten exactly as lr*c/(1-b1^t) * s / (sqrt(r) + delta*c) with
        # c = sqrt(1-b2^t): one pass fewer, the same iterates as the book's box
        # (unlike scikit-learn, which leaves delta unscaled)
        c = math.sqrt(1.0 - b2**t)
        np.sqrt(r, out=buf)
        buf += float(self.epsilon) * c
        np.divide(s, buf, out=buf)
        buf *= float(lr) * c / (1.0 - b1**t)
        theta -= buf
        return loss

    def step_scale(self, lr, out):
        """``lr / (sqrt(r^) + epsilon)`` with the bias-corrected ``r^`` of the last update.

        Written as ``lr * c / (sqrt(r) + epsilon * c)``, ``c = sqrt(1 - beta_2**t)``,
        as in :meth:`step`; the update is this step size times ``s^``.
        """
        c = math.sqrt(1.0 - float(self.beta_2) ** max(self.t_, 1))
        return _root_step_scale(
            self.second_moment_, float(self.epsilon) * c, float(lr) * c, out
        )


@OPTIMIZERS.register("adadelta")
class AdaDelta(FirstOrderOptimizer):
    """AdaDelta, draft Algorithm 8.8 (draft section 8.4.4; Zeiler, 2012).

    ``r <- rho r + (1 - rho) g * g``;
    ``dtheta = -sqrt(s + epsilon) / sqrt(r + epsilon) * g``;
    ``s <- rho s + (1 - rho) dtheta * dtheta``; ``theta <- theta + lr * dtheta``.
    The book's AdaDelta has no learning rate; here ``lr`` is a multiplier with
    ``default_learning_rate = 1.0``, so ``lr=1`` is exactly the book's algorithm.
    ``s`` accumulates the book's ``dtheta`` *before* the multiplier (as in
    ``torch.optim.Adadelta``, whose default ``rho`` is 0.9), so ``lr`` scales
    the steps without feeding back into their RMS estimate.

    Parameters
    ----------
    rho : float, default=0.95
        Decay rate of both moving averages, in [0, 1).
    epsilon : float, default=1e-6
        Constant > 0 under both square roots; it also sets the size of the
        first steps (``sqrt(epsilon)`` units), so it cannot be 0.

    Attributes
    ----------
    grad_sq_avg_ : ndarray
        Moving average ``r`` of the squared gradients.
    step_sq_avg_ : ndarray
        Moving average ``s`` of the squared (unscaled) updates ``dtheta``.
    """

    default_learning_rate = 1.0
    _knobs = {"rho": RATE, "epsilon": POSITIVE}
    _state = ("grad_sq_avg_", "step_sq_avg_")

    def __init__(self, rho=0.95, epsilon=1e-6):
        self.rho, self.epsilon = rho, epsilon

    def _allocate(self, theta):
        super()._allocate(theta)
        self._buf2 = np.empty_like(theta)
        self._ratio = np.ones_like(theta)  # last sqrt(s + eps) / sqrt(r + eps)

    def _step(self, theta, grad_fn, lr):
        loss, g = grad_fn(theta)
        r, s, buf, buf2 = self.grad_sq_avg_, self.step_sq_avg_, self._buf, self._buf2
        ratio = self._ratio
        rho, eps = float(self.rho), float(self.epsilon)
        _ema_sq(r, g, rho, buf)
        np.add(s, eps, out=buf)
        np.add(r, eps, out=ratio)
        np.divide(buf, ratio, out=ratio)
        np.sqrt(ratio, out=ratio)         # sqrt(s + eps) / sqrt(r + eps), kept for step_scale
        np.multiply(ratio, g, out=buf)    # buf = -dtheta
        _ema_sq(s, buf, rho, buf2)        # s from the unscaled dtheta
        buf *= float(lr)
        theta -= buf
        return loss

    def step_scale(self, lr, out):
        """``lr * sqrt(s + epsilon) / sqrt(r + epsilon)`` of the last update
        (``s`` before that update added its own ``dtheta``)."""
        np.multiply(self._ratio[: out.size], float(lr), out=out)
        return out
