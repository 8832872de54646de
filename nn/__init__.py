"""chainrule's neural-network library, built purely from autograd Values.

Nothing here differentiates anything by hand: a network is arithmetic on Values, so
loss.backward() finds every gradient. Reading order: module.py (what a module is), layers.py
(Neuron, Layer, MLP), losses.py, optim.py (how parameters move), then schedule.py, clip.py,
dropout.py, data.py, rng.py and checks.py (the argument checks they share); train.py (the
fit loop), metrics.py, batchnorm.py, plots.py, progress.py and export.py (to PyTorch) are the
training toolkit; playground_page.py writes a page where a model trains live. micrograd.py
holds micrograd's own Neuron, Layer and MLP, for code written for micrograd (import it as
nn.micrograd).
"""

from .batchnorm import BatchNorm
from .clip import clip_grad_norm, clip_grad_value
from .data import (
    batches,
    load_digits,
    make_blobs,
    make_circles,
    make_moons,
    make_sine,
    make_spirals,
    make_xor,
    train_test_split,
)
from .dropout import Dropout
from .export import to_torch
from .layers import ACTIVATIONS, INITS, MLP, Layer, Neuron
from .losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    l1_penalty,
    l2_penalty,
    mse,
)
from .metrics import accuracy, gradient_norms, predicted_class
from .module import Module
from .optim import SGD, Adam, AdamW, Optimizer, RMSprop
from .playground_page import Playground, export_playground, playground
from .plots import (
    plot_decision_boundary,
    plot_grad_norms,
    plot_history,
    plot_regression,
    plot_runs,
)
from .rng import DEFAULT_SEED, manual_seed
from .schedule import CosineAnnealingLR, ExponentialLR, LRScheduler, StepLR
from .train import History, TrainingState, evaluate, fit, predict

__all__ = [
    "ACTIVATIONS",
    "DEFAULT_SEED",
    "INITS",
    "MLP",
    "SGD",
    "Adam",
    "AdamW",
    "BatchNorm",
    "CosineAnnealingLR",
    "Dropout",
    "ExponentialLR",
    "History",
    "LRScheduler",
    "Layer",
    "Module",
    "Neuron",
    "Optimizer",
    "Playground",
    "RMSprop",
    "StepLR",
    "TrainingState",
    "accuracy",
    "batches",
    "binary_cross_entropy_with_logits",
    "clip_grad_norm",
    "clip_grad_value",
    "cross_entropy",
    "evaluate",
    "export_playground",
    "fit",
    "gradient_norms",
    "hinge",
    "l1_penalty",
    "l2_penalty",
    "load_digits",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_sine",
    "make_spirals",
    "make_xor",
    "manual_seed",
    "mse",
    "playground",
    "plot_decision_boundary",
    "plot_grad_norms",
    "plot_history",
    "plot_regression",
    "plot_runs",
    "predict",
    "predicted_class",
    "to_torch",
    "train_test_split",
]
