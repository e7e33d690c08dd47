"""The version of sklreg: the one place it is written.

pyproject.toml reads it (``[tool.setuptools.dynamic]``, statically: building
does not import sklreg) and ``sklreg.__version__`` re-exports it.
"""

__version__ = "0.1.0"
