"""The one name -> class table per kind of component.

Every string a user can pass for a component (``optimizer='adam'``,
``lr_schedule='linear'``, ``init='orthogonal'``, ``activation='tanh'``) is looked
up here and nowhere else.  A component class registers itself with a decorator::

    @OPTIMIZERS.register("adam")
    class Adam(Optimizer): ...

and :meth:`Registry.resolve` turns an estimator parameter into a fresh object:
``None`` stays ``None``, a registered name becomes a default-constructed
instance, an instance of the kind's base class is cloned (so the user's object
is never mutated by ``fit``), anything else raises a ``ValueError`` that names
the parameter, lists the allowed names and suggests the closest one.
"""

from __future__ import annotations

import difflib

from sklearn.base import clone

from ._validation import param_error

__all__ = [
    "Registry",
    "OPTIMIZERS",
    "SCHEDULES",
    "INITIALIZERS",
    "ACTIVATIONS",
    "ComponentParamsMixin",
]


class Registry:
    """Name -> class table for one kind of component.

    Parameters
    ----------
    kind : str
        Human-readable name of the kind, used in error messages.
    """

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, type] = {}
        self.base: type | None = None

    def register(self, name: str):
        """Class decorator registering ``cls`` under ``name``."""

        def deco(cls):
            if name in self._entries and self._entries[name] is not cls:
                raise ValueError(f"{self.kind} name {name!r} is registered twice")
            self._entries[name] = cls
            cls._registry_name = name
            return cls

        return deco

    def names(self) -> list[str]:
        """Sorted list of the registered names."""
        return sorted(self._entries)

    def __contains__(self, name) -> bool:
        return name in self._entries

    def __getitem__(self, name: str) -> type:
        return self._entries[name]

    def items(self):
        return sorted(self._entries.items())

    def _unknown(self, spec, param: str) -> ValueError:
        names = self.names()
        hint = ""
        if isinstance(spec, str):
            close = difflib.get_close_matches(spec, names, n=1)
            if close:
                hint = f" Did you mean {close[0]!r}?"
        base = self.base.__name__ if self.base else "a " + self.kind + " class"
        return param_error(
            param, f"one of the allowed {self.kind} names {names} or an instance of {base}",
            spec, hint=hint.strip(),
        )

    def resolve(self, spec, param: str, allow_none: bool = False):
        """Return a fresh component object for the estimator parameter ``param``.

        ``None`` is returned unchanged when ``allow_none``; a registered name is
        instantiated with its defaults; an instance of the registry's base class
        is cloned with :func:`sklearn.base.clone`.
        """
        if spec is None and allow_none:
            return None
        if isinstance(spec, str):
            if spec not in self._entries:
                raise self._unknown(spec, param)
            return self._entries[spec]()
        if self.base is not None and isinstance(spec, self.base):
            return clone(spec)
        raise self._unknown(spec, param)


OPTIMIZERS = Registry("optimizer")
SCHEDULES = Registry("learning-rate schedule")
INITIALIZERS = Registry("initializer")
ACTIVATIONS = Registry("activation")


class ComponentParamsMixin:
    """``set_params(optimizer__beta_2=0.99)`` also when ``optimizer`` is given by
    name: the name is first replaced by its default object (``'adam'`` ->
    ``Adam()``), for every parameter resolved through a registry."""

    _COMPONENTS = {"optimizer": OPTIMIZERS, "lr_schedule": SCHEDULES, "init": INITIALIZERS,
                   "activation": ACTIVATIONS}

    def set_params(self, **params):
        """Set parameters; nested component knobs work when the component is
        given by name (``optimizer__beta_2=0.99`` with ``optimizer='adam'``).

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : estimator instance
            Estimator instance.
        """
        for key in list(params):
            name, sep, _ = key.partition("__")
            value = params.get(name, getattr(self, name, None))
            if sep and name in self._COMPONENTS and isinstance(value, str):
                obj = self._COMPONENTS[name].resolve(value, name)
                if hasattr(obj, "set_params"):
                    params[name] = obj
        return super().set_params(**params)
