"""Guided Integrated Gradients (Kapishnikov et al. 2021), as PAIR's `GuidedIG` computes it.

Guided IG walks from the baseline to the image along a path it chooses as it goes:
at each step it moves the features with the smallest absolute gradient first, never
letting a feature stray more than `max_dist` (in alpha) from the straight line. Each
image's path depends on the gradients along it, so the steps run one after another;
but at every step the gradients of all images come from one batched model call (in
chunks of at most `batch_size`), and the path update of all images is done at once in
NumPy, in float64 with PAIR's formulas, so the selections match PAIR's.
"""

import os

import numpy as np

from tensorboard_plugin_saliency.methods import checks, pools, row_select

EPSILON = 1e-9
"""PAIR's tolerance for the L1 distance having reached a step's target."""

BLOCK = 1 << 17
"""Features (float64) of the rows one thread updates at a time, about a megabyte."""


def _isclose(a, b):
    """`math.isclose(a, b, rel_tol=EPSILON, abs_tol=EPSILON)`, elementwise."""
    return np.abs(a - b) <= np.maximum(EPSILON * np.maximum(np.abs(a), np.abs(b)), EPSILON)


class _Path:
    """The path state of every image, as rows `[N, features]` (PAIR's arrays, flattened).

    The work arrays of a step are allocated once: fresh megabyte-sized arrays on
    every pass would cost more in page faults than the arithmetic.
    """

    def __init__(self, x_input, x_baseline, fraction):
        # NumPy's index of the "lower" quantile.
        self.kth = int(np.floor((x_input.shape[1] - 1) * np.float64(fraction)))
        self.x_input = x_input
        self.x_baseline = x_baseline
        self.diff = x_input - x_baseline
        self.moves = self.diff != 0
        self.l1_total = np.abs(self.diff).sum(axis=1)
        self.x = x_baseline.copy()
        self.attr = np.zeros_like(x_input)
        # An image equal to its baseline has zero attribution (PAIR returns at once).
        self.active = self.l1_total != 0
        self.x_max, self.x_start, self.work, self.spare = (np.empty_like(x_input) for _ in range(4))
        self.magnitude = np.empty(x_input.shape, np.float32)
        self.selected, self.flag = (np.empty(x_input.shape, bool) for _ in range(2))
        self.mask64, self.bits64 = (np.empty(x_input.shape, np.uint64) for _ in range(2))
        self.mask32, self.bits32 = (np.empty(x_input.shape, np.uint32) for _ in range(2))

    def step(self, step, steps, max_dist, grad_actual):
        """One step of PAIR's `guided_ig_impl` for every image, given its gradients.

        Images are independent within a step: blocks of rows of about a megabyte
        (they stay in cache) run on a thread pool (NumPy lets go of the GIL).
        """
        n, features = self.x.shape
        rows = max(1, min(-(-n // (os.cpu_count() or 1)), BLOCK // features))
        list(
            pools.thread_pool("guided-ig").map(
                lambda start: self._step_rows(
                    slice(start, start + rows), step, steps, max_dist, grad_actual
                ),
                range(0, n, rows),
            )
        )

    def _step_rows(self, rows, step, steps, max_dist, grad_actual):
        """PAIR's step for the images `rows` (a slice)."""
        alpha = (step + 1.0) / steps
        alpha_min = max(alpha - max_dist, 0.0)
        alpha_max = min(alpha + max_dist, 1.0)
        x, x_baseline, diff = self.x[rows], self.x_baseline[rows], self.diff[rows]
        x_max, x_start, work = self.x_max[rows], self.x_start[rows], self.work[rows]
        np.add(x_baseline, np.multiply(diff, alpha_max, out=x_max), out=x_max)
        l1_target = self.l1_total[rows] * (1 - (step + 1) / steps)
        np.copyto(x_start, x)
        # Features behind the interval (in alpha) go to its low end; features that do
        # not move (alpha NaN in PAIR, set to alpha_max) never are behind. PAIR checks
        # this on every pass, but features only move forward within a step, so after
        # the first pass it changes nothing.
        behind = self.flag[rows]
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(np.subtract(x, x_baseline, out=work), diff, out=work)
        np.less(work, alpha_min, out=behind)
        behind &= self.moves[rows]
        np.add(x_baseline, np.multiply(diff, alpha_min, out=work), out=work)
        row_select.put(x, behind, work, self.mask64[rows], self.bits64[rows])
        pending = self.active[rows].copy()
        while pending.any():
            pending &= ~self._move(rows, pending, grad_actual[rows], l1_target)
        # PAIR adds each pass's change times the step's gradients; the passes'
        # changes add up to the step's.
        change = np.subtract(x, x_start, out=x_start)
        change *= grad_actual[rows]
        self.attr[rows] += change

    def _move(self, rows, pending, grad, l1_target):
        """One pass of PAIR's inner loop on the images `rows` whose step is `pending`;
        returns which of them finished it. `grad`: the step's gradients."""
        x, x_max = self.x[rows], self.x_max[rows]
        to_max, spare = self.work[rows], self.spare[rows]
        gap = np.abs(np.subtract(x, self.x_input[rows], out=spare), out=spare)
        l1_current = gap.sum(axis=1)
        done = _isclose(l1_target, l1_current)
        moves = pending & ~done
        # The others move their features of smallest |gradient| towards x_max. PAIR
        # sets the gradient of features at x_max (only ever more of them within a
        # step) to inf, which leaves them out.
        np.subtract(x_max, x, out=to_max)
        moving = np.not_equal(to_max, 0, out=self.flag[rows])
        magnitude = np.abs(grad, out=self.magnitude[rows])
        at_max = np.logical_not(moving, out=self.selected[rows])
        row_select.put(magnitude, at_max, np.inf, self.mask32[rows], self.bits32[rows])
        # PAIR's np.quantile(magnitude, fraction, method="lower").
        threshold = row_select.kth_smallest(magnitude, self.kth, self.bits32[rows], moves)
        selected = np.less_equal(magnitude, threshold[:, None], out=self.selected[rows])
        selected &= moving
        for row in np.flatnonzero(threshold == np.inf):  # PAIR leaves out gradients of +inf.
            selected[row] &= grad[row] != np.inf
        selected[~moves] = False
        l1_s = np.multiply(np.abs(to_max, out=spare), selected, out=spare).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            gamma = np.where(l1_s > 0, (l1_current - l1_target) / l1_s, np.inf)
        # gamma > 1: the selected features all the way to x_max, and another pass;
        # else: a share gamma of the way (PAIR: x + (x_max - x) * gamma), which ends the step.
        partial = gamma <= 1.0
        if partial.any():
            share = np.where(partial, gamma, 0.0)[:, None]
            target = np.add(x, np.multiply(to_max, share, out=to_max), out=to_max)
            if not partial.all():
                np.copyto(target, x_max, where=~partial[:, None])
        else:
            target = x_max
        row_select.put(x, selected, target, self.mask64[rows], self.bits64[rows])
        # Nothing selectable (gradients all inf or NaN): PAIR would loop forever here.
        return done | partial | (l1_s == 0)


def compute(model, batch, steps=200, fraction=0.25, max_dist=0.02, baseline=None):
    """Integrated gradients along an adaptive path, `[N, H, W, C]`.

    PAIR's `GuidedIG.GetMask` (same defaults, same float64 path arithmetic), for all
    images at once: `steps` model calls, each the gradients of every image at its
    current point of the path. `fraction`: the share of the features, those of
    smallest absolute gradient, that move in each pass of a step; `max_dist`: how far
    (in alpha) a feature may get from the straight line: 0 is Integrated Gradients on
    the straight line, 1 the unbounded path.
    """
    steps = checks.check_count("steps", steps)
    fraction = checks.check_share("fraction", fraction)
    max_dist = checks.check_share("max_dist", max_dist)
    ops = model.ops
    start = ops.numpy(model.baseline(baseline, batch))
    shape = batch.shape
    n = shape[0]
    path = _Path(
        ops.numpy(batch.images).reshape(n, -1).astype(np.float64),
        start.reshape(n, -1).astype(np.float64),
        fraction,
    )
    grads_at = model.gradient_function(batch)
    x = np.empty(shape, np.float32)
    for step in range(steps):
        np.copyto(x, path.x.reshape(shape), casting="same_kind")
        grads = ops.numpy(grads_at(ops.constant(x)))
        path.step(step, steps, max_dist, grads.reshape(n, -1))
    return path.attr.reshape(shape).astype(np.float32)
