"""chainrule's neural-network library, built purely from autograd Values.

Nothing here differentiates anything by hand: a network is arithmetic on Values, so
loss.backward() finds every gradient. Reading order: module.py (what a module is), layers.py
(Neuron, Layer, MLP), losses.py, optim.py (how parameters move), then schedule.py, clip.py,
dropout.py, data.py and rng.py.
"""

from .clip import clip_grad_norm, clip_grad_value
from .data import make_blobs, make_circles, make_moons, make_xor
from .dropout import Dropout
from .layers import ACTIVATIONS, INITS, MLP, Layer, Neuron
from .losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    l1_penalty,
    l2_penalty,
    mse,
)
from .module import Module
from .optim import SGD, Adam, AdamW, Optimizer, RMSprop
from .schedule import CosineAnnealingLR, ExponentialLR, LRScheduler, StepLR

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "MLP",
    "SGD",
    "Adam",
    "AdamW",
    "CosineAnnealingLR",
    "Dropout",
    "ExponentialLR",
    "LRScheduler",
    "Layer",
    "Module",
    "Neuron",
    "Optimizer",
    "RMSprop",
    "StepLR",
    "binary_cross_entropy_with_logits",
    "clip_grad_norm",
    "clip_grad_value",
    "cross_entropy",
    "hinge",
    "l1_penalty",
    "l2_penalty",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_xor",
    "mse",
]
