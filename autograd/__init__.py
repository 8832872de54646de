"""chainrule's engine: scalar reverse-mode automatic differentiation.

Build an expression from Values, call `.backward()` on the result, and every Value it depends
on holds d result / d value in `.grad`. Reading order: ops.py (the derivative rules), value.py
(recording the graph), graph.py (walking it), then the rest.
"""

from .functional import grad, gradients, hessian, hvp, jvp, value_and_grad
from .functions import (
    cos,
    exp,
    leaky_relu,
    log,
    log_softmax,
    logsumexp,
    relu,
    sigmoid,
    sin,
    softmax,
    softplus,
    sqrt,
    tanh,
    total,
    weighted_sum,
)
from .gradcheck import GradcheckResult, gradcheck
from .graph import chain_rule_edges, topological_order
from .modes import (
    AnomalyError,
    Notes,
    detect_anomaly,
    enable_grad,
    gc_paused,
    is_anomaly_enabled,
    is_grad_enabled,
    name_scope,
    no_grad,
    set_detect_anomaly,
)
from .ops import PRIMITIVES, Primitive
from .relus import dead_relu_layers, dead_relus
from .value import Value, constant

__all__ = [
    "AnomalyError", "GradcheckResult", "Notes", "PRIMITIVES", "Primitive", "Value",
    "chain_rule_edges", "constant", "cos", "dead_relu_layers", "dead_relus", "detect_anomaly",
    "enable_grad", "exp", "gc_paused", "grad", "gradcheck", "gradients", "hessian", "hvp",
    "is_anomaly_enabled", "jvp",
    "value_and_grad", "is_grad_enabled", "leaky_relu", "log", "log_softmax", "logsumexp",
    "name_scope", "no_grad", "relu", "set_detect_anomaly", "sigmoid", "sin", "softmax",
    "softplus", "sqrt", "tanh", "topological_order", "total", "weighted_sum",
]

# Drawing and the expression language load on first use: computing gradients needs neither,
# and `import autograd` stays fast (Graphviz itself is imported only when a drawing renders).
_LAZY = {
    "draw": "drawing", "Drawing": "drawing", "DotNotFoundError": "drawing",
    "to_dot": "dot", "format_number": "naming", "GraphTooLargeError": "dot",
    "parse_expression": "expression", "ExpressionError": "expression",
    "walkthrough": "stepper", "step": "stepper", "export_html": "stepper",
    "explain": "stepper", "Player": "stepper", "training_walkthrough": "stepper",
    "write_atomically": "files",
}
__all__ += list(_LAZY)


def __getattr__(name: str) -> object:
    """autograd.draw and friends, imported the first time they are asked for."""
    if name not in _LAZY:
        raise AttributeError(f"module 'autograd' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value  # next time, a plain attribute
    return value
