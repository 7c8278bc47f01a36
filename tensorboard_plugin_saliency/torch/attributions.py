"""Saliency methods for PyTorch models, by name, computed with Captum.

Each name maps to a Captum attribution with PAIR's defaults, run on the whole batch
through Captum's own batching (`internal_batch_size`, `nt_samples_batch_size`,
`perturbations_per_eval`). A Captum `Attribution` instance is taken as it is.
"""

import numpy as np

METHODS = {
    "saliency": {},
    "input_x_gradient": {},
    "smoothgrad": {"nsamples": 25, "noise": 0.15},
    "integrated_gradients": {"steps": 25, "method": "riemann_trapezoid"},
    "guided_backprop": {},
    "deconvolution": {},
    "grad_cam": {"layer": None},
    "occlusion": {"size": 15, "stride": 8},
}
"""Method name -> its parameters and their defaults."""

CAPTUM_NAMES = {
    "saliency": "Saliency(abs=False)",
    "input_x_gradient": "InputXGradient",
    "smoothgrad": "NoiseTunnel(Saliency(abs=False), nt_type='smoothgrad')",
    "integrated_gradients": "IntegratedGradients",
    "guided_backprop": "GuidedBackprop",
    "deconvolution": "Deconvolution",
    "grad_cam": "LayerGradCam(relu_attributions=True)",
    "occlusion": "Occlusion",
}
"""Method name -> the Captum attribution that computes it."""


def settings(methods):
    """`{name: params}` from names, a dict `{name: params}`, or Captum instances
    (`{name: attribution}`); parameters checked against `METHODS`."""
    if isinstance(methods, str):
        methods = (methods,)
    chosen = dict(methods) if isinstance(methods, dict) else {name: {} for name in methods}
    if not chosen:
        raise ValueError("methods: expected at least one method")
    for name, params in chosen.items():
        if _is_attribution(params):
            continue
        if name not in METHODS:
            raise ValueError(
                "methods: %r is not one of %s, nor given as a Captum Attribution"
                % (name, ", ".join(sorted(METHODS)))
            )
        if not isinstance(params, dict):
            raise TypeError("methods[%r]: expected a dict of parameters" % name)
        unknown = sorted(set(params) - set(METHODS[name]))
        if unknown:
            raise ValueError(
                "methods[%r]: unknown parameter(s) %s; it takes %s"
                % (name, ", ".join(unknown), ", ".join(sorted(METHODS[name])) or "none")
            )
    return chosen


def provenance(name, params):
    """The parameters recorded with a mask: the method's, and its Captum class."""
    import captum

    if _is_attribution(params):
        return {"captum": type(params).__name__, "captum_version": captum.__version__}
    values = {**METHODS[name], **params}
    if name == "grad_cam" and values["layer"] is not None and not isinstance(values["layer"], str):
        values["layer"] = type(values["layer"]).__name__
    return {**values, "captum": CAPTUM_NAMES[name], "captum_version": captum.__version__}


def attribute(model, images, targets, name, params, batch_size):
    """Attributions of `images` (a tensor `[N, C, H, W]` on the model's device) for
    class `targets` (a long tensor `[N]`), as NumPy: `[N, C, H, W]`, or `[N, h, w]`
    for Grad-CAM."""
    from captum import attr

    if _is_attribution(params):
        return _numpy(params.attribute(images, target=targets))
    p = {**METHODS[name], **params}
    if name == "saliency":
        result = attr.Saliency(model).attribute(images, target=targets, abs=False)
    elif name == "input_x_gradient":
        result = attr.InputXGradient(model).attribute(images, target=targets)
    elif name == "smoothgrad":
        result = _smoothgrad(model, images, targets, p["nsamples"], p["noise"], batch_size)
    elif name == "integrated_gradients":
        result = attr.IntegratedGradients(model).attribute(
            images,
            baselines=0.0,
            target=targets,
            n_steps=p["steps"],
            method=p["method"],
            internal_batch_size=batch_size,
        )
    elif name == "guided_backprop":
        result = attr.GuidedBackprop(model).attribute(images, target=targets)
    elif name == "deconvolution":
        result = attr.Deconvolution(model).attribute(images, target=targets)
    elif name == "grad_cam":
        layer = find_layer(model, p["layer"])
        result = attr.LayerGradCam(model, layer).attribute(
            images, target=targets, relu_attributions=True
        )[:, 0]
    else:  # occlusion; a window larger than the image is cut to it
        channels, h, w = images.shape[1:]
        result = attr.Occlusion(model).attribute(
            images,
            sliding_window_shapes=(channels, min(p["size"], h), min(p["size"], w)),
            strides=(channels, p["stride"], p["stride"]),
            baselines=0.0,
            target=targets,
            perturbations_per_eval=batch_size,
        )
    return _numpy(result)


def _smoothgrad(model, images, targets, nsamples, noise, batch_size):
    """PAIR's SmoothGrad: the noise's deviation is `noise` times each image's value
    range, so images with the same range share one `NoiseTunnel` call."""
    import torch
    from captum import attr

    flat = images.reshape(len(images), -1)
    stdevs = (noise * (flat.max(dim=1).values - flat.min(dim=1).values)).tolist()
    out = torch.empty_like(images)
    for stdev in sorted(set(stdevs)):
        rows = torch.tensor([i for i, s in enumerate(stdevs) if s == stdev])
        out[rows] = attr.NoiseTunnel(attr.Saliency(model)).attribute(
            images[rows],
            nt_type="smoothgrad",
            nt_samples=nsamples,
            nt_samples_batch_size=max(1, batch_size // len(rows)),
            stdevs=float(stdev),
            target=targets[rows],
            abs=False,
        )
    return out


def find_layer(model, layer):
    """The module Grad-CAM reads: `layer` (a module, or its name in
    `model.named_modules()`), or by default the model's last `Conv2d`."""
    import torch

    if layer is None:
        convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
        if not convs:
            raise ValueError("grad_cam: the model has no Conv2d layer; pass layer=")
        return convs[-1]
    if isinstance(layer, torch.nn.Module):
        return layer
    modules = dict(model.named_modules())
    if layer not in modules:
        raise ValueError(
            "grad_cam: layer %r is not a module of the model; its modules are %s"
            % (layer, ", ".join(repr(n) for n in modules if n))
        )
    return modules[layer]


def _is_attribution(value):
    try:
        from captum.attr import Attribution
    except ImportError:
        return False
    return isinstance(value, Attribution)


def _numpy(result):
    if isinstance(result, tuple):
        result = result[0]
    return np.asarray(result.detach().cpu().float().numpy())
