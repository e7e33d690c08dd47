"""Tests of the learning-rate schedules (sklreg.optim.schedules); book 8.3.1, T32."""

import math
import pickle

import numpy as np
import pytest
from sklearn.base import clone

from sklreg._registry import SCHEDULES
from sklreg.optim.schedules import (
    Constant,
    ExponentialDecay,
    InverseScaling,
    LinearDecay,
    ReduceOnPlateau,
    Schedule,
    StepDecay,
)

SPE, MAX_ITER = 7, 20  # steps per epoch, epochs


def _run(sched, n_steps, spe=SPE):
    return np.array([sched(k, k // spe) for k in range(n_steps)])


# --------------------------------------------------------------------------- #
# T32: linear decay, eq 8.14
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("final_ratio", [0.01, 0.0, 0.5, 1.0])
def test_linear_decay_eq_8_14(final_ratio):
    tau = 50
    s = LinearDecay(tau=tau, final_ratio=final_ratio).start(SPE, MAX_ITER)
    f = _run(s, 3 * tau)
    assert f[0] == 1.0
    assert f[tau] == pytest.approx(final_ratio, abs=1e-15)
    k = np.arange(tau + 1)
    a = k / tau
    np.testing.assert_allclose(f[: tau + 1], (1 - a) + a * final_ratio, rtol=0, atol=1e-14)
    # linear in between: constant first differences
    d = np.diff(f[: tau + 1])
    np.testing.assert_allclose(d, (final_ratio - 1) / tau, atol=1e-14)
    # constant tail
    assert np.all(f[tau:] == f[tau])
    # with eps0 = 0.1: eps_k = (1 - a) eps0 + a eps_tau
    eps0 = 0.1
    assert eps0 * s(tau // 2, 0) == pytest.approx(0.5 * eps0 + 0.5 * final_ratio * eps0)


def test_linear_decay_constant_tail_violates_eq_8_13():
    # sum of eps_k**2 grows linearly with the horizon (8.13 fails) whereas for
    # eps0 / k it converges (pi**2 / 6)
    s = LinearDecay(tau=10).start(1, 1)
    sq = [sum(s(k, 0) ** 2 for k in range(n)) for n in (1000, 2000)]
    assert sq[1] - sq[0] == pytest.approx(1000 * 0.01**2)
    inv = InverseScaling(power_t=1.0, decay_steps=1.0).start(1, 1)
    assert sum(inv(k, 0) ** 2 for k in range(100000)) < math.pi**2 / 6 + 1e-9


def test_linear_decay_tau_none_spans_run():
    s = LinearDecay(final_ratio=0.1).start(SPE, MAX_ITER)
    assert s.tau_ == SPE * MAX_ITER
    assert s(SPE * MAX_ITER, MAX_ITER) == pytest.approx(0.1)
    assert s(SPE * MAX_ITER // 2, 0) == pytest.approx(0.55)


# --------------------------------------------------------------------------- #
# Formulas of the other schedules
# --------------------------------------------------------------------------- #
def test_constant():
    f = _run(Constant().start(SPE, MAX_ITER), 100)
    assert np.all(f == 1.0)


@pytest.mark.parametrize("power_t,decay_steps", [(0.5, None), (1.0, 3), (0.25, 2.5)])
def test_inverse_scaling(power_t, decay_steps):
    s = InverseScaling(power_t=power_t, decay_steps=decay_steps).start(SPE, MAX_ITER)
    d = SPE if decay_steps is None else decay_steps
    for k in [0, 1, 5, 70, 1000]:
        assert s(k, k // SPE) == pytest.approx((1 + k / d) ** -power_t, rel=1e-14)


@pytest.mark.parametrize("gamma,decay_steps", [(0.95, None), (0.5, 4), (1.0, None)])
def test_exponential_decay(gamma, decay_steps):
    s = ExponentialDecay(gamma=gamma, decay_steps=decay_steps).start(SPE, MAX_ITER)
    d = SPE if decay_steps is None else decay_steps
    for k in [0, 1, 6, 7, 100]:
        assert s(k, k // SPE) == pytest.approx(gamma ** (k / d), rel=1e-14)
    if decay_steps is None:  # gamma is the decay per epoch
        assert s(3 * SPE, 3) == pytest.approx(gamma**3)


def test_step_decay():
    s = StepDecay(step_size=3, gamma=0.5).start(SPE, MAX_ITER)
    got = [s(0, e) for e in range(10)]
    assert got == [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125]
    # only the epoch matters
    assert s(0, 4) == s(10_000, 4)


def test_factors_are_python_floats():
    for name in SCHEDULES.names():
        s = SCHEDULES[name]().start(SPE, MAX_ITER)
        assert type(s(3, 0)) is float, name


# --------------------------------------------------------------------------- #
# ReduceOnPlateau
# --------------------------------------------------------------------------- #
def _feed(s, losses):
    out = []
    for e, m in enumerate(losses):
        s.end_epoch(e, m)
        out.append(s(0, e + 1))
    return out


def test_plateau_reduces_after_exactly_patience_bad_epochs():
    s = ReduceOnPlateau(factor=0.5, patience=3, threshold=0.0).start(SPE, MAX_ITER)
    assert s(0, 0) == 1.0
    got = _feed(s, [1.0, 0.9, 0.95, 0.9, 0.91])  # 3 non-improving after 0.9
    assert got == [1.0, 1.0, 1.0, 1.0, 0.5]
    # counter was reset: 2 more bad epochs do not reduce, the 3rd does
    assert _feed(s, [1.0, 1.0]) == [0.5, 0.5]
    s.end_epoch(7, 1.0)
    assert s(0, 8) == 0.25
    # an improvement resets the counter
    got = _feed(s, [0.95, 0.8, 0.95, 0.95, 0.7, 0.95, 0.95])
    assert got == [0.25] * 7
    assert s.n_reductions_ == 2


def test_plateau_relative_threshold():
    s = ReduceOnPlateau(factor=0.5, patience=1, threshold=0.1).start(SPE, MAX_ITER)
    s.end_epoch(0, 10.0)
    s.end_epoch(1, 9.5)  # not < 10 - 0.1 * 10 = 9: bad
    assert s.factor_ == 0.5 and s.best_ == 10.0
    s.end_epoch(2, 8.9)  # improves
    assert s.factor_ == 0.5 and s.best_ == 8.9
    # negative losses: abs(best) is used
    s = ReduceOnPlateau(factor=0.5, patience=1, threshold=0.1).start(SPE, MAX_ITER)
    s.end_epoch(0, -10.0)
    s.end_epoch(1, -10.5)  # not < -11: bad
    assert s.factor_ == 0.5
    s.end_epoch(2, -11.5)
    assert s.best_ == -11.5 and s.factor_ == 0.5


def test_plateau_min_factor():
    s = ReduceOnPlateau(factor=0.1, patience=1, min_factor=0.005).start(SPE, MAX_ITER)
    got = _feed(s, [1.0] + [1.0] * 5)
    assert got[:4] == pytest.approx([1.0, 0.1, 0.01, 0.005])
    assert got[-1] == 0.005


def test_plateau_cooldown():
    s = ReduceOnPlateau(factor=0.5, patience=2, cooldown=3).start(SPE, MAX_ITER)
    # epoch 0 sets best; epochs 1-2 bad -> reduce; epochs 3-5 cooldown (not
    # counted); epochs 6-7 bad -> reduce
    got = _feed(s, [1.0] * 8)
    assert got == [1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25]
    # improvements during cooldown still update best
    s = ReduceOnPlateau(factor=0.5, patience=1, cooldown=2).start(SPE, MAX_ITER)
    _feed(s, [1.0, 1.0, 0.5])
    assert s.best_ == 0.5 and s.factor_ == 0.5


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, np.float64("nan")])
def test_plateau_non_finite_monitor(bad):
    s = ReduceOnPlateau(factor=0.5, patience=2).start(SPE, MAX_ITER)
    got = _feed(s, [bad, 1.0, bad, bad, 0.5])
    assert got == [1.0, 1.0, 1.0, 0.5, 0.5]
    assert s.best_ == 0.5


def test_plateau_start_resets_state():
    s = ReduceOnPlateau(factor=0.5, patience=1).start(SPE, MAX_ITER)
    _feed(s, [1.0, 2.0, 2.0])
    assert s.factor_ == 0.25
    s.start(SPE, MAX_ITER)
    assert (s.factor_, s.best_, s.num_bad_epochs_, s.cooldown_counter_) == (
        1.0, math.inf, 0, 0)


# --------------------------------------------------------------------------- #
# Parameter protocol, pickling, registry meta-test
# --------------------------------------------------------------------------- #
# one row per registered name: non-default knobs, and bad knobs
ROWS = {
    "constant": ({}, []),
    "linear": ({"tau": 30, "final_ratio": 0.05},
               [("tau", 0), ("tau", 2.5), ("final_ratio", -0.1), ("final_ratio", 1.5)]),
    "invscaling": ({"power_t": 0.7, "decay_steps": 4},
                   [("power_t", -1.0), ("decay_steps", 0), ("power_t", "a")]),
    "exponential": ({"gamma": 0.9, "decay_steps": 5},
                    [("gamma", 0.0), ("gamma", 1.1), ("decay_steps", -2)]),
    "step": ({"step_size": 2, "gamma": 0.3},
             [("step_size", 0), ("step_size", 1.5), ("gamma", 0.0), ("gamma", 2.0)]),
    "plateau": ({"factor": 0.5, "patience": 2, "cooldown": 1},
                [("factor", 1.0), ("factor", 0.0), ("patience", 0), ("threshold", -1e-3),
                 ("min_factor", 2.0), ("cooldown", -1), ("cooldown", 0.5)]),
}


def test_every_registered_schedule_has_a_test_row():
    assert sorted(ROWS) == SCHEDULES.names()
    assert SCHEDULES.base is Schedule
    for name in SCHEDULES.names():
        assert issubclass(SCHEDULES[name], Schedule)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_schedule_clone_pickle_mid_run(name):
    knobs, _ = ROWS[name]
    s = SCHEDULES[name](**knobs)
    assert s.get_params() == {**SCHEDULES[name]().get_params(), **knobs}
    s.start(SPE, MAX_ITER)
    losses = [1.0, 0.9, 0.95, 0.95, 0.96, 0.97, 0.94, 0.99]
    for e, m in enumerate(losses[:4]):
        s.end_epoch(e, m)
    s2 = pickle.loads(pickle.dumps(s))
    for e, m in enumerate(losses[4:], start=4):
        s.end_epoch(e, m)
        s2.end_epoch(e, m)
    f1 = [s(k, k // SPE) for k in range(0, 200, 3)]
    assert f1 == [s2(k, k // SPE) for k in range(0, 200, 3)]
    # clone: same knobs, no running state
    c = clone(s)
    assert c.get_params() == s.get_params()
    assert not any(k.endswith("_") and not k.startswith("_") for k in vars(c))
    c.start(SPE, MAX_ITER)
    for e, m in enumerate(losses):
        c.end_epoch(e, m)
    assert f1 == [c(k, k // SPE) for k in range(0, 200, 3)]


@pytest.mark.parametrize("name", sorted(ROWS))
def test_registry_resolve(name):
    s = SCHEDULES.resolve(name, "lr_schedule")
    assert type(s) is SCHEDULES[name]
    knobs, _ = ROWS[name]
    user = SCHEDULES[name](**knobs)
    r = SCHEDULES.resolve(user, "lr_schedule")
    assert r is not user and r.get_params() == user.get_params()


def test_registry_unknown_name():
    with pytest.raises(ValueError, match="lr_schedule.*'linear'.*Did you mean 'linear'"):
        SCHEDULES.resolve("lineer", "lr_schedule")


@pytest.mark.parametrize(
    "name,param,value",
    [(n, p, v) for n, (_, bad) in sorted(ROWS.items()) for p, v in bad],
)
def test_bad_knobs_raise_naming_parameter(name, param, value):
    cls = SCHEDULES[name]
    s = cls(**{param: value})
    with pytest.raises(ValueError, match=f"'{param}' parameter of {cls.__name__}"):
        s.start(SPE, MAX_ITER)


@pytest.mark.parametrize("spe,max_iter,param", [(0, 5, "steps_per_epoch"),
                                                (5, 0, "max_iter"),
                                                (2.5, 5, "steps_per_epoch")])
def test_bad_start_arguments(spe, max_iter, param):
    with pytest.raises(ValueError, match=f"'{param}'"):
        LinearDecay().start(spe, max_iter)
