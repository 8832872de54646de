"""Optimizers: how each parameter moves, given its gradient.

step() moves every parameter a little against its gradient, downhill on the loss. Plain SGD
steps along the gradient itself; momentum follows a running sum of past gradients; Adam and
RMSprop also divide by a running size of the gradient, so each parameter moves at a similar
pace. The update rules are torch.optim's, written out on plain floats (they change .data).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from numbers import Integral, Real

from autograd import Value

from .checks import finite_non_negative, flag


class Optimizer:
    """The base of every optimizer, in the shape of torch.optim.Optimizer.

    params: the parameters it updates, a list of Values (e.g. model.parameters()).
    hyperparameters: numbers such as {"lr": 0.1, "momentum": 0.9} (one group for all params;
    `optimizer.lr` reads and sets the learning rate, which is what schedules change).
    state: for each parameter, a dict of its own running numbers, filled in by step().
    """

    state_names: tuple[str, ...] = ()  # what a parameter's state may hold

    def __init__(self, params: Iterable[Value], hyperparameters: dict[str, object]) -> None:
        self.params = _check_params(params, type(self).__name__)
        self.hyperparameters = self.check_hyperparameters(hyperparameters)
        self.state: dict[Value, dict[str, float]] = {p: {} for p in self.params}

    def check_hyperparameters(self, h: Mapping[str, object]) -> dict[str, object]:
        """The hyperparameters as floats, after a ValueError or TypeError for any bad one."""
        return {"lr": _number(h, "lr", type(self).__name__)}

    def step(self) -> None:
        """Update every parameter once from its .grad."""
        raise NotImplementedError(f"{type(self).__name__} does not define step()")

    def zero_grad(self) -> None:
        """Set the grad of every parameter to 0, ready for the next backward()."""
        for p in self.params:
            p.grad = 0.0

    @property
    def lr(self) -> float:
        """The learning rate."""
        return self.hyperparameters["lr"]

    @lr.setter
    def lr(self, value: float) -> None:
        checked = self.check_hyperparameters({**self.hyperparameters, "lr": value})
        self.hyperparameters["lr"] = checked["lr"]

    def state_dict(self) -> dict[str, dict]:
        """{"state": {index: {name: number}}, "hyperparameters": {name: value}}, as copies.

        Parameters are referred to by their position in params, as in torch. The dict survives
        a JSON round trip: load_state_dict also takes the index as text ("0" for 0), which is
        what json.dumps makes of an int key, and betas as a list.
        """
        state = {i: dict(self.state[p]) for i, p in enumerate(self.params) if self.state[p]}
        return {"state": state, "hyperparameters": dict(self.hyperparameters)}

    def load_state_dict(self, state_dict: Mapping[str, Mapping]) -> None:
        """Restore what state_dict() returned; all is checked first, so errors change nothing."""
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping) or set(state_dict) != {"state", "hyperparameters"}:
            raise ValueError(
                f"{who} takes a dict with keys 'state' and 'hyperparameters', as state_dict() "
                f"returns"
            )
        given = state_dict["hyperparameters"]
        if not isinstance(given, Mapping) or set(given) != set(self.hyperparameters):
            raise ValueError(
                f"{who}: hyperparameters must have exactly the keys "
                f"{sorted(self.hyperparameters)}, got {given!r}"
            )
        hyperparameters = self.check_hyperparameters(given)
        entries = state_dict["state"]
        if not isinstance(entries, Mapping):
            raise ValueError(f"{who}: 'state' must be a dict, got {entries!r}")
        state = {p: {} for p in self.params}
        indices = set()
        for key, entry in entries.items():
            index = _parameter_index(key, len(self.params), who)
            if index in indices:  # both 0 and "0": which one was meant?
                raise ValueError(f"{who}: the state of parameter {index} is given twice")
            indices.add(index)
            if not isinstance(entry, Mapping) or set(entry) != set(self.state_names):
                raise ValueError(
                    f"{who}: the state of parameter {index} must be a dict with the keys "
                    f"{list(self.state_names)}, got {entry!r}"
                )
            state[self.params[index]] = {
                name: _state_number(x, name, f"{who}: state {name!r} of parameter {index}")
                for name, x in entry.items()
            }
        self.hyperparameters = hyperparameters  # every check passed: now change the optimizer
        self.state = state

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters.items())
        return f"{type(self).__name__}({len(self.params)} parameters, {settings})"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay.

    For each parameter p with gradient g, as torch.optim.SGD does:
        g = g + weight_decay * p                       (if weight_decay != 0)
        b = g on the first step, then b = momentum * b + (1 - dampening) * g
        g = g + momentum * b if nesterov else b        (if momentum != 0)
        p = p - lr * g
    """

    state_names = ("momentum_buffer",)

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        hyperparameters = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
        }
        super().__init__(params, hyperparameters)

    def check_hyperparameters(self, h: Mapping[str, object]) -> dict[str, object]:
        """The hyperparameters as floats, after a ValueError or TypeError for any bad one."""
        checked = {
            "lr": _number(h, "lr", "SGD"),
            "momentum": _number(h, "momentum", "SGD"),
            "dampening": _number(h, "dampening", "SGD", high=1.0),
            "weight_decay": _number(h, "weight_decay", "SGD"),
            "nesterov": _flag(h, "nesterov", "SGD"),
        }
        if checked["nesterov"] and (checked["momentum"] == 0 or checked["dampening"] != 0):
            raise ValueError(
                f"SGD nesterov=True needs momentum > 0 and dampening 0, got "
                f"momentum={checked['momentum']} and dampening={checked['dampening']}"
            )
        return checked

    def step(self) -> None:
        """p = p - lr * g, with g shaped by weight decay and momentum (see the class docstring)."""
        h = self.hyperparameters
        lr, momentum, dampening = h["lr"], h["momentum"], h["dampening"]
        weight_decay, nesterov = h["weight_decay"], h["nesterov"]
        if momentum == 0 and weight_decay == 0:  # plain SGD: the loop below, without its ifs
            for p in self.params:
                p.data = p.data - lr * float(p.grad)
            return
        for p in self.params:
            g = float(p.grad)  # a Value after backward(create_graph=True): its number
            if weight_decay != 0:
                g = g + weight_decay * p.data  # the gradient of (weight_decay / 2) * p ** 2
            if momentum != 0:
                state = self.state[p]
                if "momentum_buffer" in state:  # a running sum of past gradients
                    b = momentum * state["momentum_buffer"] + (1 - dampening) * g
                else:
                    b = g  # the first step starts the sum at the gradient itself
                state["momentum_buffer"] = b
                g = g + momentum * b if nesterov else b  # Nesterov: look one step further on
            p.data = p.data - lr * g


class Adam(Optimizer):
    """Adam: steps by a running mean of gradients over the root of a running mean of squares.

    For each parameter p with gradient g, on step t = 1, 2, ..., as torch.optim.Adam does:
        g = g + weight_decay * p                          (if weight_decay != 0)
        m = beta1 * m + (1 - beta1) * g                   (m and v start at 0)
        v = beta2 * v + (1 - beta2) * g ** 2
        p = p - lr * m_hat / (sqrt(v_hat) + eps),  m_hat = m / (1 - beta1 ** t),
                                                   v_hat = v / (1 - beta2 ** t)
    m_hat and v_hat undo the pull towards the zeros m and v started from. Each parameter
    moves by about lr per step whatever the size of its gradient.
    """

    state_names = ("step", "exp_avg", "exp_avg_sq")
    decoupled_weight_decay = False  # AdamW sets this: decay the weight, not the gradient

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        hyperparameters = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay}
        super().__init__(params, hyperparameters)

    def check_hyperparameters(self, h: Mapping[str, object]) -> dict[str, object]:
        """The hyperparameters as floats, after a ValueError or TypeError for any bad one."""
        who = type(self).__name__
        return {
            "lr": _number(h, "lr", who),
            "betas": _betas(h, who),
            "eps": _number(h, "eps", who),
            "weight_decay": _number(h, "weight_decay", who),
        }

    def step(self) -> None:
        """One Adam (or AdamW) update of every parameter (see the class docstring)."""
        h = self.hyperparameters
        lr, (beta1, beta2), eps, weight_decay = h["lr"], h["betas"], h["eps"], h["weight_decay"]
        for p in self.params:
            g = float(p.grad)  # a Value after backward(create_graph=True): its number
            if weight_decay != 0:
                if self.decoupled_weight_decay:
                    p.data = p.data * (1 - lr * weight_decay)  # AdamW: shrink the weight itself
                else:
                    g = g + weight_decay * p.data  # Adam: an L2 penalty's gradient added to g
            state = self.state[p]
            if not state:
                state.update(step=0, exp_avg=0.0, exp_avg_sq=0.0)
            state["step"] += 1
            t = state["step"]
            m = beta1 * state["exp_avg"] + (1 - beta1) * g  # running mean of g
            v = beta2 * state["exp_avg_sq"] + (1 - beta2) * g * g  # running mean of g ** 2
            state["exp_avg"], state["exp_avg_sq"] = m, v
            step_size = lr / (1 - beta1**t)  # lr * m_hat = step_size * m
            denominator = math.sqrt(v) / math.sqrt(1 - beta2**t) + eps  # sqrt(v_hat) + eps
            p.data = p.data - step_size * (m / denominator)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter), as torch.optim.AdamW.

    The same update as Adam, except that weight decay shrinks the weight directly, before
    the Adam step, instead of being added to the gradient (where Adam's division would
    rescale it):
        p = p * (1 - lr * weight_decay)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)      (m_hat, v_hat from g alone)
    """

    decoupled_weight_decay = True

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


class RMSprop(Optimizer):
    """RMSprop: divide each gradient by the root of a running mean of its squares.

    For each parameter p with gradient g, as torch.optim.RMSprop does:
        g = g + weight_decay * p                          (if weight_decay != 0)
        s = alpha * s + (1 - alpha) * g ** 2              (s starts at 0)
        a = alpha * a + (1 - alpha) * g                   (if centered; a starts at 0)
        d = sqrt(s - a ** 2) + eps if centered else sqrt(s) + eps
        b = momentum * b + g / d, p = p - lr * b          (if momentum > 0; b starts at 0)
        p = p - lr * g / d                                (otherwise)
    Centered divides by an estimate of the gradient's standard deviation instead of its size.
    """

    state_names = ("step", "square_avg", "grad_avg", "momentum_buffer")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        hyperparameters = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
        }
        super().__init__(params, hyperparameters)

    def check_hyperparameters(self, h: Mapping[str, object]) -> dict[str, object]:
        """The hyperparameters as floats, after a ValueError or TypeError for any bad one."""
        return {
            "lr": _number(h, "lr", "RMSprop"),
            "alpha": _number(h, "alpha", "RMSprop", high=1.0),
            "eps": _number(h, "eps", "RMSprop"),
            "weight_decay": _number(h, "weight_decay", "RMSprop"),
            "momentum": _number(h, "momentum", "RMSprop"),
            "centered": _flag(h, "centered", "RMSprop"),
        }

    def step(self) -> None:
        """One RMSprop update of every parameter (see the class docstring)."""
        h = self.hyperparameters
        lr, alpha, eps, weight_decay = h["lr"], h["alpha"], h["eps"], h["weight_decay"]
        momentum, centered = h["momentum"], h["centered"]
        for p in self.params:
            g = float(p.grad)  # a Value after backward(create_graph=True): its number
            if weight_decay != 0:
                g = g + weight_decay * p.data
            state = self.state[p]
            if not state:
                state.update(step=0, square_avg=0.0, grad_avg=0.0, momentum_buffer=0.0)
            state["step"] += 1
            s = alpha * state["square_avg"] + (1 - alpha) * g * g  # running mean of g ** 2
            state["square_avg"] = s
            if centered:
                a = alpha * state["grad_avg"] + (1 - alpha) * g  # running mean of g
                state["grad_avg"] = a
                # variance = mean of squares - square of mean; >= 0 up to rounding
                d = math.sqrt(max(s - a * a, 0.0)) + eps
            else:
                d = math.sqrt(s) + eps
            if momentum > 0:
                b = momentum * state["momentum_buffer"] + g / d
                state["momentum_buffer"] = b
                p.data = p.data - lr * b
            else:
                p.data = p.data - lr * (g / d)


# --- helpers ---------------------------------------------------------------------------------


def _check_params(params: object, who: str) -> list[Value]:
    """params as a list of distinct Values, or an error that says what was wrong."""
    if isinstance(params, (Value, str, bytes)) or not isinstance(params, Iterable):
        hint = "; did you mean model.parameters()?" if hasattr(params, "parameters") else ""
        raise TypeError(
            f"{who} takes a list of Values to optimize, got {type(params).__name__}{hint}"
        )
    params = list(params)
    if not params:
        raise ValueError(f"{who} got an empty list of parameters: there is nothing to optimize")
    seen = set()  # of id(p): Values are keyed by identity
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"{who} parameters must be Values, got {type(p).__name__} at index {i}")
        if id(p) in seen:
            raise ValueError(f"{who} got the same parameter twice (again at index {i})")
        seen.add(id(p))
    return params


def _is_int(x: object) -> bool:
    return isinstance(x, Integral) and not isinstance(x, bool)


def _parameter_index(key: object, count: int, who: str) -> int:
    """A key of a state_dict's "state" as a parameter index: an int, or its decimal text.

    JSON objects have text keys, so json.dumps writes the index 0 as "0"; that is taken back
    as 0. Other spellings ("00", " 1", "+1") are refused: they are not what was written.
    """
    if isinstance(key, str) and key.isascii() and key.isdigit() and str(int(key)) == key:
        index = int(key)
    elif _is_int(key):
        index = int(key)
    else:
        index = None
    if index is None or not 0 <= index < count:
        raise ValueError(f"{who}: state key {key!r} is not a parameter index from 0 to {count - 1}")
    return index


# Running means of squares: their square roots are taken, so they are never negative.
_SQUARES = ("exp_avg_sq", "square_avg")


def _state_number(x: object, name: str, what: str) -> int | float:
    """The number `name` of a parameter's state, checked; `what` names it in errors.

    "step" counts steps (an int >= 0), a running mean of squares is >= 0, and anything else
    is a real number (nan included: the state of a diverged run is still its state).
    """
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{what} must be a number, got {x!r}")
    if name == "step":
        if not (_is_int(x) and x >= 0):
            raise ValueError(f"{what} counts steps: it must be an int >= 0, got {x!r}")
        return int(x)
    try:
        number = float(x)
    except OverflowError:
        raise ValueError(f"{what} is {x}, too large for a float") from None
    if name in _SQUARES and number < 0:
        raise ValueError(f"{what} is a running mean of squares: it must be >= 0, got {x!r}")
    return number


def _number(h: Mapping[str, object], name: str, who: str, high: float | None = None) -> float:
    """h[name] as a float, checked to be finite and >= 0 (and <= high if given)."""
    return finite_non_negative(h[name], f"{who} {name}", high)


def _flag(h: Mapping[str, object], name: str, who: str) -> bool:
    """h[name], checked to be True or False."""
    return flag(h[name], f"{who} {name}")


def _betas(h: Mapping[str, object], who: str) -> tuple[float, float]:
    """h["betas"] as a pair of floats, each in [0, 1)."""
    betas = h["betas"]
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"{who} betas must be a pair (beta1, beta2), got {betas!r}")
    for i, beta in enumerate(betas):
        if isinstance(beta, bool) or not isinstance(beta, Real):
            raise TypeError(f"{who} betas[{i}] must be a number, got {beta!r}")
        if not 0 <= beta < 1:
            raise ValueError(f"{who} betas[{i}] must be in [0, 1), got {beta!r}")
    return (float(betas[0]), float(betas[1]))
