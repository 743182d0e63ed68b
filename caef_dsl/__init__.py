"""caef_dsl — arithmetic operators as Turing machines: the .tm language, its checker, the
reference interpreter and the text views of its traces. Pure Python + lark; no ML stack.

    >>> from caef_dsl import trace
    >>> t = trace("add", 45, 67)
    >>> t.result_text, len(t.steps)
    ('112', 5)
"""
from .api import TraceResult, load_machines, trace
from .errors import CaefError

__all__ = ["trace", "load_machines", "TraceResult", "CaefError"]
__version__ = "0.1.0"
