"""The PyTorch side of the methods: a model adapter with hooks and batches on the
model's device (see `methods.adapter` for what a method asks of it).

Images reach the methods' math channels last (`[N, H, W, C]`, as for Keras) and the
model channels first: each model input is permuted on the way in, so gradients come
back channels last, and results go back to the user channels first. A layer's
activations and gradients are read with a forward hook; ReLUs are rewritten for
guided backprop and deconvnet by swapping the `forward` of each `nn.ReLU` module for
the duration of the call. Gradients are taken with respect to the inputs (or the
layer) only, so the parameters' `.grad` stay as they were, and the model runs in
`eval()` mode and goes back to its own mode afterwards.
"""

import contextlib
import weakref
from typing import NamedTuple

import numpy as np
import torch

from tensorboard_plugin_saliency.methods import adapter, checks, layer_choice
from tensorboard_plugin_saliency.methods import targets as _targets
from tensorboard_plugin_saliency.methods.layer_choice import Candidate, default_layer
from tensorboard_plugin_saliency.methods.table import (
    DEFAULT_BATCH_SIZE,
    METHODS,
    MODULE_NEEDS,
    NEEDS,
)
from tensorboard_plugin_saliency.torch.torch_ops import TorchOps

_CONVOLUTIONS = (torch.nn.Conv2d, torch.nn.ConvTranspose2d)
_POOLINGS = (
    torch.nn.MaxPool2d,
    torch.nn.AvgPool2d,
    torch.nn.AdaptiveAvgPool2d,
    torch.nn.AdaptiveMaxPool2d,
    torch.nn.LPPool2d,
)
_OTHER_RECTIFIERS = (
    torch.nn.ReLU6,
    torch.nn.LeakyReLU,
    torch.nn.PReLU,
    torch.nn.RReLU,
    torch.nn.ELU,
    torch.nn.SELU,
    torch.nn.CELU,
    torch.nn.GELU,
    torch.nn.SiLU,
    torch.nn.Mish,
    torch.nn.Hardswish,
)

_TRACES = weakref.WeakKeyDictionary()
"""module -> `Trace` of the last input it ran."""


class Trace(NamedTuple):
    """A model's layers as the last traced input ran them."""

    candidates: list
    """`Candidate`s in the order they ran, for the default layer."""
    image_hw: tuple
    """That input's `(H, W)`."""
    every: dict
    """`id(module)` -> its `Candidate`, for every module that made one tensor (a
    container that passes on its last module's output among them)."""
    modules: int
    """How many modules the model had: another count is another model to trace."""


class TorchModel(adapter.ModelAdapter):
    """A `torch.nn.Module` (`[N, C, H, W] -> [N, classes]`) as the methods use it.

    Args:
      model: the module.
      batch_size: largest number of model inputs per model call.
    """

    def __init__(self, model, batch_size=DEFAULT_BATCH_SIZE, relu_rule=None):
        if not isinstance(model, torch.nn.Module):
            raise TypeError(
                f"model: expected a torch.nn.Module mapping [N, C, H, W] to [N, classes], "
                f"got {type(model).__name__}"
            )
        self.model = model
        self.batch_size = checks.check_count("batch_size", batch_size)
        self.device = next((p.device for p in model.parameters()), torch.device("cpu"))
        self.ops = TorchOps(self.device)
        self._relu_rule = relu_rule

    def check_needs(self, method):
        if isinstance(self.model, torch.jit.ScriptModule) and method.needs in MODULE_NEEDS:
            usable = [m.name for m in METHODS.values() if m.needs not in MODULE_NEEDS]
            raise ValueError(
                f"{method.name} needs {NEEDS[method.needs]}, which a TorchScript model "
                f"cannot give (it runs no hooks and has no modules to rewrite); explain it "
                f"with one of {', '.join(usable)}, or give the Python module"
            )

    # Layouts: the user's channels first, the math's channels last.

    def channels_last(self, array):
        array = np.asarray(array)
        return np.moveaxis(array, -3, -1) if array.ndim >= 3 else array

    def user_layout(self, result):
        return result.transpose(0, 3, 1, 2) if result.ndim == 4 else result

    @contextlib.contextmanager
    def running(self):
        training = self.model.training
        self.model.eval()
        try:
            with torch.inference_mode(False), torch.enable_grad(), super().running():
                yield
        finally:
            self.model.train(training)

    def images(self, images):
        """`images` `[N, C, H, W]` as a float32 tensor `[N, H, W, C]` on the model's device."""
        if not isinstance(images, torch.Tensor):
            try:
                images = torch.as_tensor(np.asarray(images))
            except (TypeError, ValueError, RuntimeError) as e:
                raise TypeError(
                    f"images: expected a numeric array [N, C, H, W], got "
                    f"{type(images).__name__} ({e})"
                ) from None
        if images.dtype == torch.bool or images.is_complex():
            raise TypeError(f"images: expected a numeric array, got dtype {images.dtype}")
        if images.ndim != 4:
            raise ValueError(
                f"images: expected shape [N, C, H, W], got shape {tuple(images.shape)}"
            )
        if images.shape[0] == 0:
            raise ValueError(
                f"images: expected at least one image, got shape {tuple(images.shape)}"
            )
        x = images.detach().to(self.device, torch.float32).permute(0, 2, 3, 1)
        return x.clone(memory_format=torch.contiguous_format)  # not an inference tensor

    # The model, called.

    def _call(self, x, explained):
        """The output `explained`'s target scores, for channels-last inputs `x`."""
        layer = explained.target.layer
        if layer is None:
            return _targets.scored_output(self.model(x.permute(0, 3, 1, 2)), explained)
        module = self.resolve_module(layer, self._modules_by_name())
        with _captured(module) as seen:
            self.model(x.permute(0, 3, 1, 2))
        return _channels_last(seen[-1])

    def _rows(self, total):
        for start in range(0, total, self.batch_size):
            yield torch.arange(start, min(start + self.batch_size, total), device=self.device)

    def num_classes(self):
        return None  # checked against the outputs in `prepare`

    def prepare(self, images, targets=None, target=None, output=None):
        batch = super().prepare(images, targets, target, output)
        if targets is not None and target is None and output is None:
            with torch.no_grad():
                outputs = self._call(batch.images[:1], batch.explained)
            if outputs.ndim == 2:
                checks.check_class_range(self.ops.numpy(batch.explained.classes), outputs.shape[1])
        return batch

    def class_scores(self, images, output=None):
        """The model's scores `[N, classes]` (NumPy) for channels-last `images`."""
        explained = _targets.Explained(_targets.classes(), None, output)
        with torch.no_grad():
            return torch.cat(
                [
                    self._check_scores(self._call(images[rows], explained))
                    for rows in self._rows(len(images))
                ]
            )

    def predicted(self, images, output=None):
        return self.class_scores(images, output).argmax(1)

    @staticmethod
    def _check_scores(outputs):
        if not isinstance(outputs, torch.Tensor) or outputs.ndim != 2:
            raise ValueError(
                f"model: expected outputs of shape [N, classes], got shape "
                f"{tuple(getattr(outputs, 'shape', ()))}"
            )
        return outputs

    def _points(self, batch, points, aux, rows):
        """`(inputs, weights, i)` of virtual-batch rows `rows`: point k = row // N of
        image i = row % N."""
        k, i = rows // batch.n, rows % batch.n
        x, weights = points(self.ops, batch.images, k, i, *aux)
        return x, weights, i

    def input_gradients(self, batch, points, npoints, *aux):
        explained = batch.explained
        total = torch.zeros_like(batch.images)
        with self._relus():
            for rows in self._rows(npoints * batch.n):
                x, weights, i = self._points(batch, points, aux, rows)
                x = x.detach().requires_grad_()
                score = explained.target.score(
                    self._call(x, explained), explained.classes[i], self.ops
                )
                (grads,) = torch.autograd.grad(score.sum(), x)
                total.index_add_(0, i, explained.target.modify(grads, self.ops) * weights)
        return total

    def gradient_function(self, batch):
        def gradients_at(images):
            moved = adapter.Batch(images, batch.explained)
            return self.input_gradients(moved, adapter.image_points, 1)

        return gradients_at

    def scores(self, batch, points, npoints, *aux):
        explained = batch.explained
        out = []
        with torch.no_grad(), self._relus():
            for rows in self._rows(npoints * batch.n):
                x, _, i = self._points(batch, points, aux, rows)
                score = explained.target.score(
                    self._call(x, explained), explained.classes[i], self.ops
                )
                out.append(score.float().cpu().numpy())
        return np.concatenate(out)

    # Layers.

    def _modules_by_name(self):
        return {name: module for name, module in self.model.named_modules() if name}

    def trace(self, images):
        """The model's layers as `Candidate`s, in the order they run on `images`
        (channels last; one image is enough), remembered for this module.

        A module is listed where its output is made (an attention module where it
        starts, so that the layers before it are the ones that feed it); a container
        that returns its last module's output as it is (the same tensor, not changed
        in place since) is listed in that module's place, as users name it
        (`layer4`, not `layer4.1.relu`). Outputs that are not one tensor of the
        image's batch (attention windows) are left out. Traced once per module and
        image size.
        """
        image_hw = tuple(int(d) for d in images.shape[1:3])
        count = sum(1 for _ in self.model.modules())
        known = _TRACES.get(self.model)
        if known is not None and known.image_hw == image_hw and known.modules == count:
            return known
        names = {id(m): name for name, m in self.model.named_modules() if name}
        order, hooks, made, every = [], [], {}, {}

        def started(module, inputs):
            if _kind(module) == "attention":
                order.append(Candidate(module, names[id(module)], "attention", None))

        def record(module, inputs, output):
            if not isinstance(output, torch.Tensor) or output.ndim < 3 or output.shape[0] != 1:
                return
            shape = tuple(output.shape[1:])
            if output.ndim == 4 and layer_choice.channels_first(shape, image_hw):
                shape = (shape[1], shape[2], shape[0])
            candidate = Candidate(module, names[id(module)], _kind(module), shape)
            every[id(module)] = candidate
            if candidate.kind == "attention":
                return
            value = (id(output), output._version)  # a tensor changed in place is new
            if value in made:  # passed on: by a container of its maker, or as it is
                if not any(inner is made[value].layer for inner in module.modules()):
                    return
                order.remove(made[value])
            made[value] = candidate
            order.append(candidate)

        outputs = []  # kept alive, so that no output's id is reused within the call
        for module in self.model.modules():
            if module is not self.model:
                hooks.append(module.register_forward_pre_hook(started))
                hooks.append(module.register_forward_hook(record))
                hooks.append(module.register_forward_hook(lambda m, i, o: outputs.append(o)))
        try:
            with torch.no_grad():
                self.model(images[:1].permute(0, 3, 1, 2))
        finally:
            for hook in hooks:
                hook.remove()
        seen = {}
        for candidate in order:  # the last call of a module that runs twice
            seen.pop(id(candidate.layer), None)
            seen[id(candidate.layer)] = candidate
        _TRACES[self.model] = Trace(list(seen.values()), image_hw, every, count)
        return _TRACES[self.model]

    def _traced(self):
        if self.model not in _TRACES:
            raise ValueError(
                "layer: the model has not run yet, so its layers' order is unknown; "
                "pass layer= (a module or its name in model.named_modules())"
            )
        return _TRACES[self.model]

    def resolve_module(self, layer, modules=None):
        """The module `layer` names (a module, or its name in `model.named_modules()`)."""
        modules = self._modules_by_name() if modules is None else modules
        if isinstance(layer, torch.nn.Module):
            if any(m is layer for m in modules.values()):
                return layer
            raise ValueError("layer: expected a module of this model, got one that is not")
        if layer not in modules:
            raise ValueError(
                f"layer: expected a layer of this model or its name, one of "
                f"{list(modules)}; got {layer!r}"
            )
        return modules[layer]

    def resolve_layer(self, layer=None, images=None):
        """The module whose output the CAM methods weigh (`layer_choice.default_layer`
        when `layer` is None, the rule Keras models follow too)."""
        layer = layer_choice.choice(layer).layer
        trace = self.trace(images) if images is not None else self._traced()
        if layer is None:
            chosen = default_layer(trace.candidates, trace.image_hw)
            if chosen is None:
                raise ValueError(layer_choice.no_default(trace.candidates, "[N, channels, h, w]"))
            return chosen.layer
        module = self.resolve_module(layer)
        found = trace.every.get(id(module))
        if found is not None and (found.spatial or found.sequence):
            return module
        why = f"its output has shape {found.shape}" if found else "it makes no tensor of the batch"
        raise ValueError(
            layer_choice.not_a_map(layer, why, trace.candidates, "[N, channels, h, w]")
        )

    def layer_name(self, layer=None):
        chosen = layer_choice.choice(layer).layer
        if isinstance(chosen, str) and chosen in self._modules_by_name():
            return chosen
        module = self.resolve_layer(chosen)
        return next(name for name, m in self._modules_by_name().items() if m is module)

    def _maps(self, values, chosen, batch, module):
        """The layer's outputs (activations or gradients, tensors) as NumPy maps
        `[N, h, w, C]`: through `reshape_transform` (to `[N, C, h, w]`) when given,
        else channels last by `layer_choice.channels_first`, token grids laid out."""
        if chosen.reshape_transform is not None:
            values = chosen.reshape_transform(values)
            if not isinstance(values, torch.Tensor) or values.ndim != 4:
                raise ValueError(
                    f"reshape_transform: expected a function returning [N, C, h, w], got "
                    f"shape {tuple(getattr(values, 'shape', ()))}"
                )
            values = values.permute(0, 2, 3, 1)
        elif values.ndim == 4 and layer_choice.channels_first(values.shape[1:], batch.shape[1:3]):
            values = values.permute(0, 2, 3, 1)
        return values.detach().float().cpu().numpy()

    def _gridded(self, parts, chosen, batch, module):
        name = next((n for n, m in self._modules_by_name().items() if m is module), "layer")
        return layer_choice.as_grid(np.concatenate(parts), batch.shape[1:3], chosen.tokens, name)

    def layer_activations(self, batch, layer=None):
        """The layer's activations as maps, NumPy `[N, h, w, channels]` (forward only;
        `layer` a module, its name or a `layer_choice.LayerChoice`)."""
        chosen = layer_choice.choice(layer)
        module = self.resolve_layer(chosen.layer, batch.images)
        acts = []
        with torch.no_grad(), self._relus():
            for rows in self._rows(batch.n):
                with _captured(module) as seen:
                    self.model(batch.images[rows].permute(0, 3, 1, 2))
                acts.append(self._maps(seen[-1], chosen, batch, module))
        return self._gridded(acts, chosen, batch, module)

    def layer_gradients(self, batch, layer=None):
        """The layer's activations and their gradients as maps, NumPy `[N, h, w, channels]`."""
        chosen = layer_choice.choice(layer)
        module = self.resolve_layer(chosen.layer, batch.images)
        explained = batch.explained
        acts, grads = [], []
        with self._relus():
            for rows in self._rows(batch.n):
                x = batch.images[rows].detach().requires_grad_()
                with _captured(module) as seen:
                    outputs = self._call(x, explained)
                score = explained.target.score(outputs, explained.classes[rows], self.ops)
                (g,) = torch.autograd.grad(score.sum(), seen[-1])
                acts.append(self._maps(seen[-1], chosen, batch, module))
                grads.append(
                    self._maps(explained.target.modify(g, self.ops), chosen, batch, module)
                )
        return (
            self._gridded(acts, chosen, batch, module),
            self._gridded(grads, chosen, batch, module),
        )

    def ablated_scores(self, batch, layer, kept):
        """float `[n, N]`: the explained score of image i with channel `kept[i, k]` of
        the layer set to zero (-1: none), row k; forward only, in chunks.

        The layer's outputs are computed once; the ablated passes take them from
        there instead of running the layer again (as pytorch-grad-cam's ablation
        layer does), unless the layer runs more than once per pass.
        """
        chosen = layer_choice.choice(layer)
        module = self.resolve_layer(chosen.layer, batch.images)
        explained = batch.explained
        count, n = kept.shape[1], batch.n
        channels = torch.as_tensor(kept.T.reshape(-1), device=self.device)  # row k * N + i

        def ablated(output, rows):
            axis = _channel_axis(output, batch.shape[1:3])
            mask = torch.ones(len(rows), output.shape[axis], device=output.device)
            hit = channels[rows] >= 0
            mask[hit.nonzero()[:, 0], channels[rows][hit]] = 0
            shape = [len(rows)] + [1] * (output.ndim - 1)
            shape[axis] = output.shape[axis]
            return output * mask.reshape(shape)

        out = []
        with torch.no_grad(), self._relus():
            made = self._outputs_once(module, batch)
            for rows in self._rows(count * n):
                i = rows % n
                if made is not None:
                    values = ablated(made[i], rows)
                    module.forward = lambda *args, values=values, **kwargs: values
                    hook = None
                else:
                    hook = module.register_forward_hook(
                        lambda m, inputs, output, rows=rows: ablated(output, rows)
                    )
                try:
                    outputs = self._call(batch.images[i], explained)
                finally:
                    if hook is None:
                        del module.forward
                    else:
                        hook.remove()
                score = explained.target.score(outputs, explained.classes[i], self.ops)
                out.append(score.double().cpu().numpy())
        return np.concatenate(out).reshape(count, n)

    def _outputs_once(self, module, batch):
        """The module's outputs for the batch's images `[N, ...]`, or None when it runs
        more than once per pass or its output is not one tensor."""
        made = []
        for rows in self._rows(batch.n):
            with _captured(module) as seen:
                self.model(batch.images[rows].permute(0, 3, 1, 2))
            if len(seen) != 1 or not isinstance(seen[0], torch.Tensor):
                return None
            made.append(seen[0])
        return torch.cat(made)

    def full_gradients(self, batch):
        """FullGrad's gradients, from one backward pass: the input gradients `[N, H, W, C]`
        and, for every call of a convolution or batch normalisation with a bias (in the
        order they run) whose output is a map, its bias times the gradient of the
        explained score with respect to its output, `[N, h, w, channels]`; NumPy."""
        modules = [
            m
            for m in self.model.modules()
            if isinstance(m, _BIASED) and getattr(m, "bias", None) is not None
        ]
        if not modules:
            raise ValueError(
                "model: full_grad reads the biases of the model's Conv2d and BatchNorm2d "
                "modules, and it has none with a bias"
            )
        explained = batch.explained
        parts, seen = [], []

        def keep(module, inputs, output):  # the output as made (see `_captured`)
            seen.append((module, output))
            return output.clone()

        def numpy(tensor):
            return tensor.detach().cpu().numpy()

        hooks = [m.register_forward_hook(keep) for m in modules]
        try:
            with self._relus():
                for rows in self._rows(batch.n):
                    seen.clear()
                    x = batch.images[rows].detach().requires_grad_()
                    outputs = self._call(x, explained)
                    maps = [(m, out) for m, out in seen if out.ndim == 4]
                    score = explained.target.score(outputs, explained.classes[rows], self.ops)
                    grad_x, *grads = torch.autograd.grad(
                        score.sum(), [x] + [out for _, out in maps]
                    )
                    part = [numpy(explained.target.modify(grad_x, self.ops))]
                    for (module, _), g in zip(maps, grads):
                        g = explained.target.modify(g, self.ops)
                        term = g * _bias(module)[None, :, None, None]
                        part.append(numpy(term.permute(0, 2, 3, 1)))
                    parts.append(part)
        finally:
            for hook in hooks:
                hook.remove()
        input_gradients, *terms = [np.concatenate(layer) for layer in zip(*parts)]
        return input_gradients, terms

    # ReLU rules.

    def with_relu_rule(self, rule, method):
        relus = [m for m in self.model.modules() if type(m) is torch.nn.ReLU]
        for name, module in self.model.named_modules():
            if isinstance(module, _OTHER_RECTIFIERS):
                raise ValueError(
                    f"model: {method} rewrites ReLUs, and layer {name!r} is a "
                    f"{type(module).__name__}, another rectifier; use a model with nn.ReLU"
                )
        if not relus:
            raise ValueError(
                f"model: {method} rewrites the model's nn.ReLU modules, and it has none "
                f"(a torch.relu or F.relu call inside forward() cannot be rewritten)"
            )
        return TorchModel(self.model, self.batch_size, relu_rule=rule)

    @contextlib.contextmanager
    def _relus(self):
        """The model's nn.ReLU modules following this adapter's rule, for a while."""
        if self._relu_rule is None:
            yield
            return
        relus = [m for m in self.model.modules() if type(m) is torch.nn.ReLU]
        function = _GuidedRelu if self._relu_rule == "guided" else _DeconvRelu
        for module in relus:
            module.forward = function.apply
        try:
            yield
        finally:
            for module in relus:
                del module.forward


class _GuidedRelu(torch.autograd.Function):
    """ReLU whose gradient is `relu(dy)` where its input was positive, else 0."""

    @staticmethod
    def forward(ctx, x):
        y = x.clamp(min=0)
        ctx.save_for_backward(x)
        return y

    @staticmethod
    def backward(ctx, dy):
        (x,) = ctx.saved_tensors
        return dy.clamp(min=0) * (x > 0)


class _DeconvRelu(torch.autograd.Function):
    """ReLU whose gradient is `relu(dy)`, whatever its input was."""

    @staticmethod
    def forward(ctx, x):
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, dy):
        return dy.clamp(min=0)


@contextlib.contextmanager
def _captured(module):
    """The outputs of `module` while the block runs (a list, in call order), as the
    module made them: the model goes on with a copy, so that an in-place operation
    after the module (a ResNet block's `+=` and ReLU) changes neither the values
    read nor the tensor whose gradient is taken."""
    seen = []

    def keep(module, inputs, output):
        seen.append(output)
        return output.clone() if isinstance(output, torch.Tensor) else output

    hook = module.register_forward_hook(keep)
    try:
        yield seen
    finally:
        hook.remove()


_BIASED = (torch.nn.Conv2d, torch.nn.BatchNorm2d)


def _bias(module):
    """The bias a module adds: a convolution's own; a batch normalisation's in
    evaluation, `bias - running_mean * weight / sqrt(running_var + eps)`."""
    if isinstance(module, torch.nn.BatchNorm2d) and module.running_mean is not None:
        weight = module.weight if module.weight is not None else 1.0
        scale = weight / torch.sqrt(module.running_var + module.eps)
        return (module.bias - module.running_mean * scale).detach()
    return module.bias.detach()


def _channel_axis(output, image_hw):
    """The channel axis of a layer's output: 1 for PyTorch's `[N, C, h, w]`, the last
    for channels-last token maps and token sequences."""
    if output.ndim == 4 and layer_choice.channels_first(tuple(output.shape[1:]), image_hw):
        return 1
    return output.ndim - 1


def _channels_last(x):
    return x.permute(0, 2, 3, 1) if x.ndim == 4 else x


def _kind(module):
    if isinstance(module, _CONVOLUTIONS):
        return "convolution"
    if isinstance(module, _POOLINGS):
        return "pooling"
    if isinstance(module, torch.nn.MultiheadAttention) or type(module).__name__.endswith(
        "Attention"
    ):
        return "attention"
    return "other"
