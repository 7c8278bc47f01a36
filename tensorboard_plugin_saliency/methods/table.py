"""The one table of saliency methods, for Keras and PyTorch alike.

Each row (`Method`) says what a method is called, which parameters it takes with
their defaults and meaning, what it needs from the model, what it costs in model
calls, where it comes from and what the peer libraries call it. The Keras functions
(`methods`), the PyTorch functions (`torch.methods`), both callbacks,
`log_attributions`, the command line, the provenance stored with every mask and the
README's table all read it. The math of each method is in its own module
(`Method.compute`), written once over the model adapters of both frameworks
(`adapter`).

Adding a method: a module beside the others with its `compute`, and its row below.

This module imports neither TensorFlow nor PyTorch.
"""

import dataclasses
import warnings

from tensorboard_plugin_saliency.methods import (
    ablation_cam,
    blur_ig,
    deconvnet,
    eigen_cam,
    full_grad,
    grad_cam,
    grad_cam_plus_plus,
    gradients,
    guided_backprop,
    guided_grad_cam,
    guided_ig,
    hires_cam,
    integrated_gradients,
    layer_cam,
    layer_choice,
    occlusion,
    score_cam,
    smoothgrad,
    xgrad_cam,
    xrai,
)

DEFAULT_BATCH_SIZE = 64
"""Largest number of model inputs per model call."""

NEEDS = {
    "input gradients": "gradients of the score with respect to the input",
    "layer": "a layer's activations and their gradients",
    "forward": "forward passes only",
    "relu gradients": "input gradients through ReLUs with another backward rule",
    "layer activations": "a layer's activations and forward passes only",
    "biases": "input gradients and every biased layer's output gradients",
}
"""What a method needs from the model, by key of `Method.needs`."""

MODULE_NEEDS = frozenset({"layer", "layer activations", "relu gradients", "biases"})
"""The needs only a model of Python modules meets (hooks on its layers, layers
replaced): a TorchScript model runs no hooks and has no modules to rewrite."""


@dataclasses.dataclass(frozen=True)
class Param:
    """One parameter of a method."""

    name: str
    default: object
    meaning: str
    positional: bool = True
    """Whether it may be passed by position (after `targets`), as before this table."""
    recorded: str = "always"
    """In the provenance: "always", "changed" (only when not the default; for options
    added later, so that older logs read the same) or "never" (arrays of the run)."""


@dataclasses.dataclass(frozen=True)
class Method:
    """One row of the table."""

    name: str
    compute: object
    """`compute(model, batch, **params)`: the math, over a model adapter."""
    summary: str
    params: tuple = ()
    needs: str = "input gradients"
    cost: str = "1 forward + backward"
    paper: str = ""
    peers: dict = dataclasses.field(default_factory=dict)
    """Library -> its name for this method (PAIR `saliency`, Captum, ...)."""
    aliases: tuple = ()
    """Older names, accepted with a DeprecationWarning."""
    returns: str = "[N, H, W, C]"
    takes_base_params: bool = False
    """Whether other keyword arguments go on to a base method (SmoothGrad, XRAI)."""
    explains_target: bool = True
    """Whether the map depends on what is explained (EigenCAM's does not)."""

    def param(self, name):
        return next(p for p in self.params if p.name == name)

    def run(self, model, batch, params):
        """The method's result on `batch`: `compute` with the defaults and `params`
        (a method that reads a layer through `layer_choice.run`)."""
        model.check_needs(self)
        params = {**self.defaults, **params}
        if "layer" in params:
            return layer_choice.run(self.compute, model, batch, params)
        return self.compute(model, batch, **params)

    @property
    def defaults(self):
        return {p.name: p.default for p in self.params}


def _keyword_only(*params):
    return tuple(dataclasses.replace(p, positional=False) for p in params)


_STEPS = "points on the path per image (an int >= 1)"
_BASELINE = "the path's start, anything broadcastable to the images; None: zeros (black)"
_LAYER = (
    "the layer (or its name) whose activations are weighed; None: the last convolution's "
    "output, with the layers after it that keep its grid (activation, batch norm), "
    "never a pooling layer; in a vision transformer, the input of the last attention "
    "(with a class token) or the last token map"
)
_READ = _keyword_only(
    Param(
        "tokens",
        None,
        "a token sequence's grid (h, w) or (h, w, leading tokens); None: guessed from "
        "the image's aspect ratio",
        recorded="changed",
    ),
    Param(
        "reshape_transform",
        None,
        "a function of the layer's output to its map (PyTorch [N, C, h, w], as "
        "pytorch-grad-cam takes it; Keras [N, h, w, C]), instead of the guess",
        recorded="changed",
    ),
)
_LAYERS = _keyword_only(
    Param(
        "layers",
        None,
        "several layers, each map scaled to [0, 1], resized to the image and averaged "
        "(as pytorch-grad-cam combines target_layers); None: `layer` alone",
        recorded="changed",
    ),
)

TABLE = (
    Method(
        "gradients",
        gradients.gradients,
        "d score / d input",
        paper="Simonyan et al. 2014",
        peers={
            "PAIR": "GradientSaliency",
            "Captum": "Saliency(abs=False)",
            "keras-vis": "Saliency",
        },
        aliases=("saliency",),
    ),
    Method(
        "gradient_x_input",
        gradients.gradient_x_input,
        "gradients times the input",
        paper="Shrikumar et al. 2016",
        peers={"Captum": "InputXGradient"},
        aliases=("input_x_gradient",),
    ),
    Method(
        "smoothgrad",
        smoothgrad.compute,
        "the base method averaged over noisy copies of each image",
        params=(
            Param("base", "gradients", "the method averaged (a name, or a method function)"),
            Param("nsamples", 25, "noisy copies per image"),
            Param("stdev_spread", 0.15, "the noise's stdev as a share of each image's range"),
            Param("magnitude", True, "whether the squared attributions are averaged"),
            Param("seed", None, "the seed of the noise (None: fresh entropy)"),
            Param(
                "noise",
                None,
                "noise [nsamples, N, H, W, C] added as it is, instead of random draws",
                recorded="never",
            ),
        ),
        cost="`nsamples` × base",
        paper="Smilkov et al. 2017",
        peers={"PAIR": "GetSmoothedMask", "Captum": "NoiseTunnel(nt_type='smoothgrad_sq')"},
        takes_base_params=True,
    ),
    Method(
        "integrated_gradients",
        integrated_gradients.compute,
        "gradients summed along the straight path from a baseline",
        params=(
            Param("steps", 25, _STEPS),
            Param("baseline", None, _BASELINE),
            Param(
                "rule",
                "pair",
                "the sum along the path: 'pair' (PAIR: linspace(0, 1, steps), equal "
                "weights 1/steps) or Captum's 'riemann_trapezoid', 'riemann_left', "
                "'riemann_right', 'riemann_middle'",
                positional=False,
                recorded="changed",
            ),
        ),
        cost="`steps`",
        paper="Sundararajan et al. 2017",
        peers={"PAIR": "IntegratedGradients", "Captum": "IntegratedGradients"},
    ),
    Method(
        "blur_integrated_gradients",
        blur_ig.compute,
        "integrated gradients from a blurred image back to the image",
        params=(
            Param("steps", 100, _STEPS),
            Param("max_sigma", 50.0, "the Gaussian sigma of the path's blurred end (> 0)"),
            Param("grad_step", 0.01, "the finite-difference step in sigma (> 0)"),
            Param("sqrt", False, "whether the sigmas are spaced as square roots"),
        ),
        cost="`steps`",
        paper="Xu et al. 2020",
        peers={"PAIR": "BlurIG"},
    ),
    Method(
        "grad_cam",
        grad_cam.compute,
        "a layer's channels weighed by their mean gradient, rectified",
        params=(Param("layer", None, _LAYER), *_READ, *_LAYERS),
        needs="layer",
        paper="Selvaraju et al. 2017",
        peers={
            "PAIR": "GradCam",
            "Captum": "LayerGradCam(relu_attributions=True)",
            "keras-vis": "Gradcam",
            "pytorch-grad-cam": "GradCAM",
        },
        returns="[N, h, w]",
    ),
    Method(
        "hires_cam",
        hires_cam.hires_cam,
        "a layer's gradients times its activations, summed over channels, rectified",
        params=(Param("layer", None, _LAYER), *_READ, *_LAYERS),
        needs="layer",
        paper="Draelos & Carin 2020",
        peers={"pytorch-grad-cam": "HiResCAM"},
        returns="[N, h, w]",
    ),
    Method(
        "grad_cam_elementwise",
        hires_cam.grad_cam_elementwise,
        "a layer's rectified gradients times activations, summed over channels",
        params=(Param("layer", None, _LAYER), *_READ, *_LAYERS),
        needs="layer",
        paper="Gildenblat, pytorch-grad-cam",
        peers={"pytorch-grad-cam": "GradCAMElementWise"},
        returns="[N, h, w]",
    ),
    Method(
        "grad_cam_plus_plus",
        grad_cam_plus_plus.compute,
        "a layer's channels weighed by their positive gradients, each position's by alpha",
        params=(
            Param("layer", None, _LAYER),
            Param(
                "normalize_alpha",
                False,
                "divide alpha by its sum over positions (tf-keras-vis); False: the "
                "paper's closed form (pytorch-grad-cam)",
            ),
            *_READ,
            *_LAYERS,
        ),
        needs="layer",
        paper="Chattopadhay et al. 2018",
        peers={"pytorch-grad-cam": "GradCAMPlusPlus", "keras-vis": "GradcamPlusPlus"},
        returns="[N, h, w]",
    ),
    Method(
        "xgrad_cam",
        xgrad_cam.compute,
        "a layer's gradients weighed by each activation's share of its channel's sum",
        params=(Param("layer", None, _LAYER), *_READ, *_LAYERS),
        needs="layer",
        paper="Fu et al. 2020",
        peers={"pytorch-grad-cam": "XGradCAM"},
        returns="[N, h, w]",
    ),
    Method(
        "layer_cam",
        layer_cam.compute,
        "a layer's activations weighed by their own positive gradients",
        params=(Param("layer", None, _LAYER), *_READ, *_LAYERS),
        needs="layer",
        paper="Jiang et al. 2021",
        peers={"pytorch-grad-cam": "LayerCAM", "keras-vis": "Layercam"},
        returns="[N, h, w]",
    ),
    Method(
        "score_cam",
        score_cam.compute,
        "a layer's channels weighed by the score of the image masked by each",
        params=(
            Param("layer", None, _LAYER),
            Param(
                "max_n",
                None,
                "keep each image's n channels of largest spatial spread (Faster Score-CAM); "
                "None: all",
            ),
            Param(
                "weights",
                "probability",
                "'probability' (the class probability of each masked image: the paper, "
                "tf-keras-vis) or 'channel_softmax' (pytorch-grad-cam)",
            ),
            *_READ,
            *_LAYERS,
        ),
        needs="layer activations",
        cost="1 forward per channel (or `max_n`)",
        paper="Wang et al. 2020",
        peers={"pytorch-grad-cam": "ScoreCAM", "keras-vis": "Scorecam"},
        returns="[N, h, w]",
    ),
    Method(
        "ablation_cam",
        ablation_cam.compute,
        "a layer's channels weighed by the drop in score when each is set to zero",
        params=(
            Param("layer", None, _LAYER),
            Param(
                "max_n",
                None,
                "ablate each image's n channels of largest spatial spread (the others "
                "weigh 0); None: all",
            ),
            *_READ,
            *_LAYERS,
        ),
        needs="layer activations",
        cost="1 forward per channel (or `max_n`) + 1",
        paper="Desai & Ramaswamy 2020",
        peers={"pytorch-grad-cam": "AblationCAM"},
        returns="[N, h, w]",
    ),
    Method(
        "eigen_cam",
        eigen_cam.eigen_cam,
        "a layer's activations projected on their first principal component",
        params=(
            Param("layer", None, _LAYER),
            Param(
                "sign_correction",
                True,
                "orient the component along the layer's response; False: LAPACK's sign "
                "(pytorch-grad-cam)",
            ),
            *_READ,
            *_LAYERS,
        ),
        needs="layer activations",
        cost="1 forward",
        paper="Muhammad & Yeasin 2020",
        explains_target=False,
        peers={"pytorch-grad-cam": "EigenCAM"},
        returns="[N, h, w]",
    ),
    Method(
        "eigen_grad_cam",
        eigen_cam.eigen_grad_cam,
        "a layer's gradients times activations projected on their first principal component",
        params=(
            Param("layer", None, _LAYER),
            Param(
                "sign_correction",
                True,
                "orient the component along the product's response; False: LAPACK's "
                "sign (pytorch-grad-cam)",
            ),
            *_READ,
            *_LAYERS,
        ),
        needs="layer",
        paper="Gildenblat, pytorch-grad-cam",
        peers={"pytorch-grad-cam": "EigenGradCAM"},
        returns="[N, h, w]",
    ),
    Method(
        "full_grad",
        full_grad.compute,
        "input gradients times the input plus every bias times its output's gradient",
        params=(
            Param(
                "scale",
                "layer",
                "how each term is rescaled per image: 'layer' (over the whole layer: the "
                "paper's code) or 'channel' (channel by channel: pytorch-grad-cam)",
            ),
        ),
        needs="biases",
        cost="1",
        paper="Srinivas & Fleuret 2019",
        peers={"pytorch-grad-cam": "FullGrad"},
        returns="[N, H, W]",
    ),
    Method(
        "occlusion",
        occlusion.compute,
        "the drop in score when a window over each pixel is filled with a baseline",
        params=(
            Param("size", 15, "the window's side in pixels (1 to min(H, W))"),
            Param("stride", 1, "pixels between window positions"),
            Param("baseline", 0.0, "what fills the window (a number or an array)"),
        ),
        needs="forward",
        cost="1 forward per window position",
        paper="Zeiler & Fergus 2014",
        peers={"PAIR": "Occlusion", "Captum": "Occlusion (averages the windows)"},
    ),
    Method(
        "guided_backprop",
        guided_backprop.guided_backprop,
        "gradients whose ReLUs pass back positive gradients where their input was positive",
        needs="relu gradients",
        cost="1 (ReLU gradients rewritten)",
        paper="Springenberg et al. 2015",
        peers={"PAIR": "GuidedBackprop", "Captum": "GuidedBackprop"},
    ),
    Method(
        "deconvnet",
        deconvnet.deconvnet,
        "gradients whose ReLUs pass back the positive part of the gradient",
        needs="relu gradients",
        cost="1 (ReLU gradients rewritten)",
        paper="Zeiler & Fergus 2014",
        peers={"Captum": "Deconvolution", "keras-vis": "backprop_modifier='relu'"},
        aliases=("deconvolution",),
    ),
    Method(
        "guided_grad_cam",
        guided_grad_cam.compute,
        "guided backprop times Grad-CAM upsampled to the image",
        params=(
            Param("layer", None, _LAYER),
            Param("interpolation", "bilinear", "how the map is upsampled: 'bilinear' or 'nearest'"),
            *_READ,
        ),
        needs="layer",
        cost="2",
        paper="Selvaraju et al. 2017",
        peers={"Captum": "GuidedGradCam"},
    ),
    Method(
        "guided_integrated_gradients",
        guided_ig.compute,
        "integrated gradients along a path that moves the features of smallest gradient first",
        params=_keyword_only(
            Param("steps", 200, "steps of the path (PAIR's x_steps)"),
            Param("fraction", 0.25, "share of the features moved per pass"),
            Param("max_dist", 0.02, "how far (in alpha) a feature may stray"),
            Param("baseline", None, _BASELINE),
        ),
        cost="`steps` (one batched call per path step)",
        paper="Kapishnikov et al. 2021",
        peers={"PAIR": "GuidedIG"},
    ),
    Method(
        "xrai",
        xrai.compute,
        "each pixel's region, ranked by the attribution the region adds",
        params=_keyword_only(
            Param("base", "integrated_gradients", "the method whose attributions are ranked"),
            Param("steps", 100, "the base method's path steps, when it takes steps"),
            Param(
                "baselines",
                None,
                "the base's path starts, run once each and averaged; None: each "
                "image's darkest and brightest value",
            ),
            Param(
                "attributions", None, "precomputed attributions instead of base's", recorded="never"
            ),
            Param(
                "segments",
                None,
                "each image's regions, instead of Felzenszwalb's",
                recorded="never",
            ),
            Param("algorithm", "full", "'full' (regions added one by one) or 'fast'"),
            Param("area_threshold", 1.0, "'full' stops adding regions past this share"),
            Param("min_pixel_diff", 50, "regions adding fewer new pixels are dropped"),
            Param("ranks", False, "return each pixel's region rank instead of its gain"),
        ),
        cost="base's (2 × `steps`) + segmentation",
        paper="Kapishnikov et al. 2019",
        peers={"PAIR": "XRAI"},
        returns="[N, H, W]",
        takes_base_params=True,
    ),
)
METHODS = {method.name: method for method in TABLE}
"""Method name -> its row."""

ALIASES = {alias: method.name for method in TABLE for alias in method.aliases}
"""Older name -> the method's name."""

OPTIONS = ("targets", "target", "output", "batch_size")
"""What every method takes besides its parameters (Keras adds `strategy`)."""


def canonical(name, what="methods"):
    """The method's name for `name` (an alias warns once per call site).

    Raises:
      ValueError: `name` is neither a method nor an alias, naming the methods.
    """
    if name in METHODS:
        return name
    if name in ALIASES:
        warnings.warn(
            f"{what}: {name!r} is now called {ALIASES[name]!r}; the old name will be removed",
            DeprecationWarning,
            stacklevel=3,
        )
        return ALIASES[name]
    raise ValueError(
        f"{what}: {name!r} is not one of {', '.join(METHODS)} "
        f"(older names: {', '.join(sorted(ALIASES))})"
    )


def check_params(name, params, what=None):
    """`params` of method `name`, checked: unknown names raise a ValueError that
    lists the method's parameters. A base method's parameters pass through where the
    method takes them (SmoothGrad, XRAI)."""
    method = METHODS[name]
    what = what or f"methods[{name!r}]"
    if not isinstance(params, dict):
        raise TypeError(f"{what}: expected a dict of parameters, got {type(params).__name__}")
    params = _renamed(method, dict(params), what)
    known = set(method.defaults) | set(OPTIONS)
    if method.takes_base_params:
        base = base_name(params.get("base", method.defaults["base"]))[0]
        known |= set(METHODS[base].defaults)
    unknown = sorted(set(params) - known)
    if unknown:
        takes = ", ".join(method.defaults) or "no parameters"
        raise ValueError(
            f"{what}: unknown parameter(s) {', '.join(unknown)}; {name} takes {takes} "
            f"(and {', '.join(OPTIONS)})"
        )
    return params


def _renamed(method, params, what):
    """Old spellings of PyTorch's first table, with a DeprecationWarning."""
    old = None
    if method.name == "smoothgrad" and _is_number(params.get("noise")):
        old, new = "noise", "stdev_spread"
    elif method.name == "integrated_gradients" and "method" in params:
        old, new = "method", "rule"
    if old is None:
        return params
    warnings.warn(
        f"{what}: {old}= is now {new}=; the old spelling will be removed",
        DeprecationWarning,
        stacklevel=4,
    )
    params[new] = params.pop(old)
    return params


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def base_name(base):
    """`(method name, its preset parameters)` of a `base=` value: a name, a method
    function of either framework, or a `functools.partial` of one.

    Raises:
      TypeError: `base` is none of those.
    """
    keywords = {}
    while hasattr(base, "func") and hasattr(base, "keywords"):  # functools.partial
        keywords = {**base.keywords, **keywords}
        base = base.func
    name = base if isinstance(base, str) else getattr(base, "method_name", None)
    if isinstance(name, str) and (name in METHODS or name in ALIASES):
        return canonical(name, "base"), keywords
    raise TypeError(
        f"base: expected a saliency method (its name, such as 'gradients' or "
        f"'integrated_gradients', or its function), got {base!r}"
    )


def settings(methods, what="methods"):
    """`{method name: params}` from the `methods=` of a callback or `log_attributions`:
    a name, names, or a dict `{name: params}`. Names are made canonical (old names
    warn) and parameters checked. A value that is not a dict (a Captum `Attribution`
    instance) is passed through for the caller to judge.

    Raises:
      ValueError, TypeError: no method, an unknown name or parameter.
    """
    if isinstance(methods, str):
        methods = (methods,)
    chosen = dict(methods) if isinstance(methods, dict) else {name: {} for name in methods}
    if not chosen:
        raise ValueError(f"{what}: expected at least one method")
    out = {}
    for name, params in chosen.items():
        if params is None:
            params = {}
        if not isinstance(params, dict):
            out[name] = params  # e.g. a Captum Attribution, for the caller to judge
            continue
        method = canonical(name, what)
        out[method] = check_params(method, params, f"{what}[{name!r}]")
    return out
