"""Which layer the class-activation-map family weighs, and how that layer's output
becomes a spatial map `[N, h, w, C]`, for Keras layers and PyTorch modules alike.

A layer may hold its map as channels `[N, h, w, C]` (Keras; PyTorch's `[N, C, h, w]`
and the channels-last token maps of Swin and ConvNeXt are moved to that layout) or as
a token sequence `[N, T, C]` (a vision transformer), whose leading class or register
tokens are dropped and whose other tokens are laid out as an `h x w` grid of the
image's aspect ratio. `tokens=` and a pytorch-grad-cam-style `reshape_transform=`
override the guess; `layers=[...]` combines several layers as pytorch-grad-cam does.

This module imports neither TensorFlow nor PyTorch.
"""

import dataclasses
import math

import numpy as np

from tensorboard_plugin_saliency.methods import resize

MAX_LEADING = 16
"""The most leading (class, distillation, register) tokens a sequence is read with."""

ASPECT_TOLERANCE = 1.25
"""A grid's aspect ratio may differ from the image's by at most this factor."""

SCALE_EPSILON = 1e-7
"""pytorch-grad-cam's `scale_cam_image`: a map is divided by `epsilon + max`."""


@dataclasses.dataclass(frozen=True)
class Candidate:
    """A layer of a model as the default-layer rule sees it, in the order it runs."""

    layer: object
    """The framework's layer (a Keras layer, a PyTorch module)."""
    name: str
    kind: str
    """"convolution" (or a block ending in one), "pooling", "attention" or "other"."""
    shape: tuple | None
    """Its output's shape without the batch: `(h, w, C)` for a map (channels last),
    `(T, C)` for a token sequence; None: not one tensor."""

    @property
    def spatial(self):
        return self.shape is not None and len(self.shape) == 3

    @property
    def sequence(self):
        return self.shape is not None and len(self.shape) == 2


@dataclasses.dataclass(frozen=True)
class LayerChoice:
    """The layer a CAM method weighs and how its output is read as a map."""

    layer: object = None
    """A layer of the model or its name; None: the default (`default_layer`)."""
    tokens: tuple | None = None
    """`(h, w)` or `(h, w, leading)`: a token sequence's grid and leading tokens."""
    reshape_transform: object = None
    """A function of the layer's output (the framework's tensor) to its map, in the
    framework's image layout (PyTorch `[N, C, h, w]`, as pytorch-grad-cam takes it;
    Keras `[N, h, w, C]`), applied to the activations and to their gradients."""


def choice(layer):
    """`layer` (a layer, a name, None or a `LayerChoice`) as a `LayerChoice`."""
    return layer if isinstance(layer, LayerChoice) else LayerChoice(layer)


def check_tokens(tokens):
    """`tokens=` as a tuple of ints `(h, w)` or `(h, w, leading)`, or None.

    Raises:
      ValueError: not None, `(h, w)` or `(h, w, leading)` of non-negative ints.
    """
    if tokens is None:
        return None
    ok = isinstance(tokens, (tuple, list)) and len(tokens) in (2, 3)
    ok = ok and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in tokens)
    ok = ok and tokens[0] >= 1 and tokens[1] >= 1 and (len(tokens) == 2 or tokens[2] >= 0)
    if not ok:
        raise ValueError(
            f"tokens: expected (h, w) or (h, w, leading tokens), positive ints, got {tokens!r}"
        )
    return tuple(int(v) for v in tokens)


def token_grid(count, image_hw=None, tokens=None):
    """`(h, w, leading)`: how `count` tokens are read as a grid, or None.

    With `tokens`, its grid (leading: the tokens left over). Else the fewest leading
    tokens (0 to `MAX_LEADING`, fewer than half the grid's) after which the rest make
    a grid `h x w` whose aspect ratio is the image's `(H, W)` within
    `ASPECT_TOLERANCE` (square without an image size), the grid of closest aspect
    first.
    """
    if tokens is not None:
        h, w, *given = check_tokens(tokens)
        leading = given[0] if given else count - h * w
        return (h, w, leading) if leading >= 0 and leading + h * w == count else None
    aspect = 1.0 if image_hw is None else image_hw[0] / image_hw[1]
    for leading in range(min(MAX_LEADING, count - 1) + 1):
        rest = count - leading
        if 2 * leading >= rest:
            break
        best = None
        for h in range(1, math.isqrt(rest) + 1):
            if rest % h:
                continue
            for grid in ((h, rest // h), (rest // h, h)):
                error = abs(math.log(grid[0] / grid[1] / aspect))
                if error <= math.log(ASPECT_TOLERANCE) and (best is None or error < best[0]):
                    best = (error, grid)
        if best is not None:
            return (*best[1], leading)
    return None


def channels_first(shape, image_hw):
    """Whether a rank-4 PyTorch output `[N, a, b, c]` (`shape` without N) is channels
    first (`[C, h, w]`, PyTorch's own) rather than a channels-last token map (`[h, w, C]`,
    as in Swin and ConvNeXt blocks): the reading whose grid fits in the image with its
    aspect ratio, channels first when both or neither do."""

    def fits(h, w):
        if image_hw is None:
            return True
        height, width = image_hw
        ratio = (h / height) / (w / width)
        return h <= height and w <= width and 1 / 2 <= ratio <= 2

    return fits(shape[1], shape[2]) or not fits(shape[0], shape[1])


def as_grid(values, image_hw, tokens=None, name="layer"):
    """A layer's output (channels last, NumPy) as maps `[N, h, w, C]`: maps as they
    are, token sequences `[N, T, C]` without their leading tokens, laid out as a grid.

    Raises:
      ValueError: a sequence with no grid of the image's aspect (or not the grid of
        `tokens`), or an output of another rank; the message says what to pass.
    """
    values = np.asarray(values)
    if values.ndim == 4 and tokens is None:
        return values
    if values.ndim != 3:
        raise ValueError(
            f"layer {name!r}: expected an output [N, h, w, channels] or a token sequence "
            f"[N, tokens, channels], got shape {values.shape}; pass reshape_transform="
        )
    grid = token_grid(values.shape[1], image_hw, tokens)
    if grid is None:
        wanted = f"the grid of tokens={tokens!r}" if tokens is not None else "a grid"
        size = "" if image_hw is None else f" of the image's {image_hw[0]}x{image_hw[1]} aspect"
        raise ValueError(
            f"layer {name!r}: its output {values.shape} is a sequence of "
            f"{values.shape[1]} tokens that does not make {wanted}{size}; pass "
            f"tokens=(h, w, leading tokens) or reshape_transform="
        )
    h, w, leading = grid
    return values[:, leading:].reshape(values.shape[0], h, w, values.shape[2])


def default_layer(candidates, image_hw=None):
    """The default CAM layer among `candidates` (in the order they run), or None.

    - A convolutional network: the last convolution (or block ending in one) with a
      spatial output, then the layers right after it that keep its grid (batch
      normalisation, activations, a residual block's output), never a pooling layer.
    - A vision transformer (attention, or token sequences after the last
      convolution): with leading tokens (a class token), the input of the last
      attention (the layer norm before it), whose spatial tokens still receive
      gradient; without (pooled tokens: Swin, ConvNeXt-style stages), the last map or
      sequence before the pooling.
    - Neither: the last spatial layer that is not a pooling layer.
    """
    spatial = [j for j, c in enumerate(candidates) if c.spatial]
    convolutions = [j for j in spatial if candidates[j].kind == "convolution"]
    last_conv = convolutions[-1] if convolutions else -1
    sequences = [
        j
        for j, c in enumerate(candidates)
        if j > last_conv and c.sequence and token_grid(c.shape[0], image_hw) is not None
    ]
    attentions = [j for j, c in enumerate(candidates) if c.kind == "attention" and j > last_conv]
    if sequences or attentions:
        before = [j for j in sequences if attentions and j < attentions[-1]]
        if before and token_grid(candidates[before[-1]].shape[0], image_hw)[2] > 0:
            return candidates[before[-1]]
        rest = [
            j
            for j, c in enumerate(candidates)
            if j > last_conv and (c.spatial or j in sequences) and c.kind == "other"
        ]
        if rest:
            return candidates[rest[-1]]
    if not convolutions:
        rest = [j for j in spatial if candidates[j].kind != "pooling"]
        return candidates[rest[-1]] if rest else None
    chosen = candidates[last_conv]
    for candidate in candidates[last_conv + 1 :]:
        if candidate.kind in ("pooling", "attention"):
            break
        if not candidate.spatial or candidate.shape[:2] != chosen.shape[:2]:
            break
        chosen = candidate
    return chosen


def scaled(maps):
    """Each map minus its minimum, divided by `SCALE_EPSILON` plus its new maximum
    (pytorch-grad-cam's `scale_cam_image`, before its resize)."""
    maps = maps - maps.min(axis=(1, 2), keepdims=True)
    return maps / (SCALE_EPSILON + maps.max(axis=(1, 2), keepdims=True))


def combined(maps, image_hw):
    """One map `[N, H, W]` of several layers' maps `[N, h_l, w_l]`, as pytorch-grad-cam
    combines its `target_layers`: each scaled to [0, 1] and resized to the image
    (bilinear, half-pixel centres, as `cv2.resize`), rectified and averaged."""
    resized = [resize.resize(scaled(np.asarray(m, np.float32)), image_hw) for m in maps]
    return np.maximum(np.stack(resized), 0).mean(axis=0).astype(np.float32)


def run(compute, model, batch, params):
    """A layer-reading method's map: `compute(model, batch, layer=LayerChoice, ...)`
    once, or once per layer of `layers` and `combined`.

    `params` holds the method's `layer`, `layers`, `tokens` and `reshape_transform`
    beside its own parameters.
    """
    params = dict(params)
    layers = params.pop("layers", None)
    read = {"tokens": check_tokens(params.pop("tokens", None))}
    read["reshape_transform"] = params.pop("reshape_transform", None)
    if read["reshape_transform"] is not None and not callable(read["reshape_transform"]):
        raise TypeError(
            f"reshape_transform: expected a function of the layer's output, got "
            f"{type(read['reshape_transform']).__name__}"
        )
    layer = params.pop("layer", None)
    if layers is None:
        return compute(model, batch, layer=LayerChoice(layer, **read), **params)
    if layer is not None:
        raise ValueError("layer and layers: pass one layer (layer=) or several (layers=)")
    if isinstance(layers, str) or not isinstance(layers, (list, tuple)) or not layers:
        raise ValueError(f"layers: expected a non-empty list of layers or names, got {layers!r}")
    maps = [compute(model, batch, layer=LayerChoice(one, **read), **params) for one in layers]
    if any(np.ndim(m) != 3 for m in maps):
        raise ValueError("layers: combining layers needs a method whose maps are [N, h, w]")
    return combined(maps, batch.shape[1:3])


def _listed(candidates):
    """The candidates' names and output shapes, for an error message."""
    return (
        ", ".join(f"{c.name} {list(c.shape)}" for c in candidates if c.spatial or c.sequence)
        or "none"
    )


def no_default(candidates, layout):
    """The message when no default layer can be found."""
    return (
        f"layer: found no layer with a spatial output {layout} or a token sequence "
        f"[N, tokens, channels] to weigh; pass layer= (layers with such outputs, "
        f"without the batch, channels last: {_listed(candidates)})"
    )


def not_a_map(layer, why, candidates, layout):
    """The message when `layer` is not a layer with a map or token output."""
    return (
        f"layer: expected a layer of this model with a spatial output {layout} or a "
        f"token sequence [N, tokens, channels], or its name; got {layer!r} ({why}); "
        f"layers with such outputs (without the batch, channels last): {_listed(candidates)}"
    )
