"""Tangent propagation and double backprop (book 7.14): float64 gradient checks
of their objective terms (sample weights, several and per-row tangents,
multi-output regression, softmax, dropout's frozen-draw fallback), parameter
checks, full-batch optimizers, and their effect on data."""

import numpy as np

from sklreg._objective import Objective, Term
from sklreg.network import Context

from _helpers import layer_objective


class _Recorder(Term):
    """Records the input gradient it is given."""

    uses_data = needs_input_grad = True

    def value_grad(self, theta, grad, batch):
        self.seen = batch.input_grad.copy()
        return 0.0


class _Clobber(Term):
    """Runs the network again (as the input-derivative terms do)."""

    uses_data = True

    def value_grad(self, theta, grad, batch):
        batch.objective.input_grad(theta, batch.X + 1.0, batch.Y, batch.w)
        return 0.0


def test_every_term_sees_the_input_gradient_of_the_evaluation():
    """dJ/dX is a layer buffer: a term that runs the network must not change
    what the next term sees (Objective copies it into the Batch)."""
    rng = np.random.default_rng(0)
    obj, theta, X, Y = layer_objective(rng, (5,), "tanh", "squared", 10, 3)
    rec = _Recorder()
    both = Objective(obj.network, obj.loss, [_Clobber(), rec])
    both.loss_grad(theta, X, Y, None, Context(training=True))
    expected = obj.input_grad(theta, X, Y, None)
    np.testing.assert_allclose(rec.seen, expected, rtol=1e-12)
