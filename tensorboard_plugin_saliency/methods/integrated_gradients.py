"""Integrated Gradients (Sundararajan et al. 2017), as PAIR computes it, or with one of
Captum's sums along the path."""

import numpy as np

from tensorboard_plugin_saliency.methods import checks

RULES = ("pair", "riemann_trapezoid", "riemann_left", "riemann_right", "riemann_middle")
"""The sums along the path: PAIR's, and Captum's `method=` names."""


def path_rule(rule, steps):
    """`(alphas, weights)`, float64 `[steps]`: where on the path each step is, and its
    weight in the sum (they add up to 1).

    "pair": `linspace(0, 1, steps)`, both ends included, each weight `1 / steps`
    (PAIR 0.2.1). Captum's (0.9, `approximation_methods`): "riemann_trapezoid" the
    same points and weights with the two ends' halved (so the weights add up to
    `1 - 1 / steps`), and left, right and middle Riemann sums over `steps` equal
    intervals.
    """
    checks.check_choice("rule", rule, RULES)
    if rule == "pair":
        return np.linspace(0, 1, steps), np.full(steps, 1.0 / steps)
    if rule == "riemann_trapezoid":
        if steps < 2:
            raise ValueError(f"steps: the trapezoid rule needs steps >= 2, got {steps}")
        weights = np.full(steps, 1.0 / steps)
        weights[[0, -1]] /= 2
        return np.linspace(0, 1, steps), weights
    offset = {"riemann_left": 0.0, "riemann_right": 1.0, "riemann_middle": 0.5}[rule]
    return (np.arange(steps) + offset) / steps, np.full(steps, 1.0 / steps)


def line_points(ops, images, k, i, baseline, alphas, weights):
    """Step k on the straight line from image i's baseline to image i, and its weight."""
    start = ops.gather(baseline, i)
    alpha = ops.reshape(ops.gather(alphas, k), [-1, 1, 1, 1])
    weight = ops.reshape(ops.gather(weights, k), [-1, 1, 1, 1])
    return start + alpha * (ops.gather(images, i) - start), weight


def compute(model, batch, steps=25, baseline=None, rule="pair"):
    """`sum_k weight_k grad(baseline + alpha_k (x - baseline)) * (x - baseline)`,
    `[N, H, W, C]`, with the alphas and weights of `path_rule`."""
    steps = checks.check_count("steps", steps)
    alphas, weights = path_rule(rule, steps)
    start = model.baseline(baseline, batch)
    ops = model.ops
    total = model.input_gradients(
        batch, line_points, steps, start, ops.constant(alphas), ops.constant(weights)
    )
    return ops.numpy(total * (batch.images - start))
