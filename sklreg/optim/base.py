"""Base classes of the optimizer kinds.

Optimizers are small picklable objects that follow the scikit-learn parameter
protocol (``get_params``/``set_params``/``clone``), so they can be estimator
parameters and be grid-searched through ``optimizer__<knob>``.  Their
hyper-parameters are constructor arguments stored verbatim; their running
state lives in attributes ending with ``_`` that :meth:`start` creates, so a
started optimizer pickles mid-run and resumes exactly.

Two families share the ``optimizer`` estimator parameter:

* :class:`FirstOrderOptimizer` -- one minibatch update per :meth:`step`, on a
  flat parameter vector ``theta`` updated **in place**, with a gradient callback
  ``grad_fn(theta) -> (loss, grad)``.  The callback lets methods that need the
  gradient somewhere other than at ``theta`` (Nesterov, Algorithm 8.3) ask for
  it there instead of reformulating the iterates.
* ``FullBatchOptimizer`` (second-order and line-search methods) -- minimizes a
  deterministic full-batch objective; see :mod:`sklreg.optim.batch`.

The learning rate never lives on the optimizer object: it is the estimator's
``learning_rate`` (``None`` means ``default_learning_rate`` of the class),
multiplied by the schedule's factor and passed to every :meth:`step`.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator

from .._registry import OPTIMIZERS
from ._knobs import KnobChecks

__all__ = ["Optimizer", "FirstOrderOptimizer"]


class Optimizer(KnobChecks, BaseEstimator):
    """Common base of every optimizer (first-order and full-batch).

    Subclasses declare the interval rules of their knobs in ``_knobs``
    (:mod:`sklreg.optim._knobs`); :meth:`start` checks them.
    """

    #: learning rate used when the estimator's ``learning_rate`` is None
    default_learning_rate: float = 0.01
    #: True for methods that need deterministic full-batch objectives
    full_batch: bool = False


class FirstOrderOptimizer(Optimizer):
    """Base class of minibatch optimizers (book section 8.3 and 8.5).

    Subclasses name their state arrays in ``_state`` (attributes with a
    trailing underscore, zeros shaped like ``theta``; :meth:`_allocate` also
    creates the scratch buffer ``_buf``) and implement
    ``_step(theta, grad_fn, lr) -> loss`` (one update of ``theta`` in place).

    Usage on any flat parameter vector::

        opt = Adam().start(theta)
        for batch in batches:
            loss = opt.step(theta, lambda th: loss_and_grad(th, batch), lr=1e-3)

    ``grad_fn(theta) -> (loss, grad)`` may return a buffer it reuses on the next
    call; optimizers consume ``grad`` before calling ``grad_fn`` again and never
    keep a reference to it.

    Attributes
    ----------
    t_ : int
        Number of updates done since :meth:`start`.
    """

    def start(self, theta):
        """Reset the state for the parameter vector ``theta``; returns self."""
        self._validate()
        self.t_ = 0
        self._allocate(np.asarray(theta))
        return self

    def step(self, theta, grad_fn, lr):
        """Apply one update to ``theta`` in place and return the minibatch loss.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            Parameters, updated in place.
        grad_fn : callable
            ``grad_fn(point) -> (loss, grad)``, the minibatch objective and its
            gradient at ``point`` (an array shaped like ``theta``).
        lr : float
            Current learning rate (after the schedule).
        """
        loss = self._step(theta, grad_fn, lr)
        self.t_ += 1
        return loss

    def step_scale(self, lr, out):
        """Per-coordinate step sizes of the last update, for proximal steps.

        An update moves coordinate ``j`` by ``lr * d_j`` times the method's
        gradient estimate (the gradient, or its moving average for Adam),
        with ``d`` the method's diagonal preconditioner at that update
        (AdaGrad ``1 / (delta + sqrt(r_j))``, RMSProp ``1 / sqrt(delta + r_j)``,
        Adam ``1 / (sqrt(r^_j) + delta)``, AdaDelta its RMS ratio).  This
        writes ``lr * d_j`` for the first ``out.size`` coordinates of theta
        into ``out`` and returns it, allocating nothing.  The proximal L1
        step (:class:`sklreg.penalties.L1Prox`) thresholds each weight by
        ``l1`` times this step: the prox in the optimizer's own metric.

        Methods whose step is the scalar ``lr`` for every coordinate (SGD,
        momentum, Nesterov) return None, as this base implementation does.
        Meaningful after :meth:`step` (the state of the last update).

        Parameters
        ----------
        lr : float
            Learning rate of the last update.
        out : ndarray of shape (k,), k <= n_params
            Buffer receiving the step sizes of coordinates ``0 .. k-1``.
        """
        return None

    #: names of the state arrays (zeros like theta) created by ``_allocate``
    _state = ()

    def _allocate(self, theta):
        for name in self._state:
            setattr(self, name, np.zeros_like(theta))
        self._buf = np.empty_like(theta)

    def _step(self, theta, grad_fn, lr):
        raise NotImplementedError


OPTIMIZERS.base = Optimizer
