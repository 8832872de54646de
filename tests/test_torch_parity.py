"""Parity with PyTorch in float64: the same expressions give the same values and gradients.

Runs wherever torch is importable (`make torch` installs the CPU build); CI always runs it.
"""

import math

import pytest

from autograd import Value, logsumexp, softmax
from tests.conftest import require_module

# Each case: a function written once, run on chainrule Values and on torch tensors, through
# the small namespace `m` that provides the functions each library spells differently.
EXPRESSIONS = {
    "neuron": lambda m, x, w, b: m.tanh(x * w + b),
    "polynomial": lambda m, x, w, b: x**3 - 2 * x * w + w / (b * b + 1),
    "exp_log": lambda m, x, w, b: m.log(m.exp(x) + m.exp(w)) * b,
    "sigmoid_softplus": lambda m, x, w, b: m.sigmoid(x * w) + m.softplus(b - x),
    "trig": lambda m, x, w, b: m.sin(x) * m.cos(w) + m.abs(b),
    "relus": lambda m, x, w, b: m.relu(x) + m.leaky_relu(w, 0.1) * m.relu(b),
    "value_power": lambda m, x, w, b: (x * x + 1) ** w + 2**b,
    "reuse": lambda m, x, w, b: (x * w) * (x * w) + x / (x * x + 1) - w * b * b,
    "division_sqrt": lambda m, x, w, b: m.sqrt(x * x + w * w) / (1 + m.abs(b)),
}
POINTS = [(1.3, -0.7, 2.1), (-2.2, 0.4, -0.3), (0.05, 1.9, 0.6)]


class ValueMath:
    tanh = staticmethod(lambda a: a.tanh())
    exp = staticmethod(lambda a: a.exp())
    log = staticmethod(lambda a: a.log())
    sigmoid = staticmethod(lambda a: a.sigmoid())
    softplus = staticmethod(lambda a: a.softplus())
    sin = staticmethod(lambda a: a.sin())
    cos = staticmethod(lambda a: a.cos())
    abs = staticmethod(lambda a: abs(a))
    relu = staticmethod(lambda a: a.relu())
    leaky_relu = staticmethod(lambda a, s: a.leaky_relu(s))
    sqrt = staticmethod(lambda a: a.sqrt())


def torch_math(torch):
    f = torch.nn.functional

    class TorchMath:
        tanh, exp, log, sigmoid = torch.tanh, torch.exp, torch.log, torch.sigmoid
        softplus, sin, cos, abs = f.softplus, torch.sin, torch.cos, torch.abs
        relu, sqrt = torch.relu, torch.sqrt
        leaky_relu = staticmethod(lambda a, s: f.leaky_relu(a, s))

    return TorchMath


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
@pytest.mark.parametrize("point", POINTS)
def test_expression_matches_pytorch(name, point):
    torch = require_module("torch")
    fn = EXPRESSIONS[name]
    ours = [Value(p) for p in point]
    out = fn(ValueMath, *ours)
    out.backward()
    theirs = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in point]
    expected = fn(torch_math(torch), *theirs)
    expected.backward()
    assert out.data == pytest.approx(expected.item(), rel=1e-12, abs=1e-14)
    for v, t in zip(ours, theirs):
        assert v.grad == pytest.approx(t.grad.item(), rel=1e-11, abs=1e-13)


def test_softmax_and_logsumexp_match_pytorch_at_extreme_logits():
    torch = require_module("torch")
    logits = [1000.0, -1000.0, 3.0, 999.0]
    ours = [Value(x) for x in logits]
    lse = logsumexp(ours)
    probs = softmax(ours)
    (lse + probs[2] * 5).backward()
    t = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    t_lse = torch.logsumexp(t, 0)
    (t_lse + torch.softmax(t, 0)[2] * 5).backward()
    assert lse.data == pytest.approx(t_lse.item(), rel=1e-15)
    for v, g in zip(ours, t.grad.tolist()):
        assert math.isfinite(v.grad)
        assert v.grad == pytest.approx(g, rel=1e-12, abs=1e-300)
