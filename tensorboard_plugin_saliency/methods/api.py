"""The methods as functions of a framework's models, made from the table.

`method_function(name, adapter_factory, options)` makes the function users call, e.g.
`methods.integrated_gradients(model, images, targets=None, steps=25, ...)` for Keras
or `torch.methods.integrated_gradients(module, images, ...)` for PyTorch: its
signature and docstring come from the method's row of `table`, and a call checks the
arguments, wraps the model in its adapter, prepares the batch and runs the method's
`compute`. Both frameworks' functions are made here, so that they take the same
parameters and refuse the same mistakes with the same messages.
"""

import inspect
import textwrap

from tensorboard_plugin_saliency.methods import table

_P = inspect.Parameter

_OPTION_DOCS = {
    "batch_size": "largest number of model inputs per model call.",
    "strategy": "a `tf.distribute.Strategy` whose replicas on this worker share the model "
    "inputs (`batch_size` is then per replica); default: the strategy of the enclosing "
    "`strategy.scope()`, none outside one.",
}


def signature(method, options):
    """The function's signature: model, images, targets, the positional parameters in
    the table's order, the options (`batch_size`, and `strategy` for Keras), target,
    output, then the keyword-only parameters (and a base method's, where it takes them)."""
    params = [
        _P("model", _P.POSITIONAL_OR_KEYWORD),
        _P("images", _P.POSITIONAL_OR_KEYWORD),
        _P("targets", _P.POSITIONAL_OR_KEYWORD, default=None),
    ]
    params += [
        _P(p.name, _P.POSITIONAL_OR_KEYWORD, default=p.default)
        for p in method.params
        if p.positional
    ]
    params += [_P(name, _P.POSITIONAL_OR_KEYWORD, default=value) for name, value in options.items()]
    params += [
        _P("target", _P.POSITIONAL_OR_KEYWORD, default=None),
        _P("output", _P.POSITIONAL_OR_KEYWORD, default=None),
    ]
    params += [
        _P(p.name, _P.KEYWORD_ONLY, default=p.default) for p in method.params if not p.positional
    ]
    if method.takes_base_params:
        params.append(_P("base_params", _P.VAR_KEYWORD))
    return inspect.Signature(params)


def docstring(method, options, framework):
    """The function's docstring, from the method's row."""
    layout = "[N, H, W, C]" if framework == "Keras" else "[N, C, H, W]"
    returns = method.returns.replace("[N, H, W, C]", layout)
    summary = method.summary[0].upper() + method.summary[1:]
    lines = [
        f"{summary} ({method.paper}), for {framework} models.",
        "",
        "Args:",
        f"  model: a {framework} model, from images {layout} to scores [N, classes].",
        f"  images: the inputs, {layout}.",
        "  targets: class indices [N] (or one for all) or one-hot rows [N, classes];",
        "    default: the model's predicted class.",
    ]
    for p in method.params:
        lines.append(_wrapped(f"{p.name}: {p.meaning} (default {p.default!r})."))
    for name in options:
        lines.append(_wrapped(f"{name}: {_OPTION_DOCS[name]}"))
    lines += [
        "  target: instead of a class, another score to explain: `methods.increase(i)`,",
        "    `decrease(i)`, `keep(i)`, `layer_filter(layer, filter)` or a callable",
        "    `outputs -> [N]` scores.",
        "  output: which output of a model with several (an index or a name).",
    ]
    if method.takes_base_params:
        lines.append("  **base_params: passed on to the base method (e.g. `steps`).")
    lines += [
        "",
        "Returns:",
        f"  float32 {returns}.",
        "",
        "Raises:",
        "  TypeError, ValueError: an argument is not what the method takes (the message",
        "    names it, what it got and what was expected).",
        "",
        textwrap.fill(
            f"Needs {table.NEEDS[method.needs]}; costs {method.cost} model calls per image.",
            88,
        ),
        "",
        *_example(method.name, returns, framework),
    ]
    return "\n".join(lines)


def _example(name, returns, framework):
    """The `Example:` section of a method function's docstring."""
    if framework == "Keras":
        module, model = "from tensorboard_plugin_saliency import methods", "model"
    else:
        module, model = "from tensorboard_plugin_saliency.torch import methods", "module"
    return [
        "Example:",
        "  ```python",
        f"  {module}",
        "",
        f"  masks = methods.{name}({model}, images)  # float32 {returns}",
        f"  of_class_3 = methods.{name}({model}, images, targets=3)",
        "  ```",
    ]


def _wrapped(text):
    """An `Args:` entry, wrapped as the docstrings of this package are."""
    return textwrap.fill(text, 88, initial_indent="  ", subsequent_indent="    ")


def method_function(name, adapter_factory, options, framework, module=None):
    """The function that runs method `name` on a framework's models.

    Args:
      name: a method of `table.METHODS`.
      adapter_factory: `(model, **options) -> adapter.ModelAdapter`.
      options: `{option: default}` the adapter takes (`batch_size`, `strategy`).
      framework: "Keras" or "PyTorch", for the docstring.
      module: the module the function is a part of (for `help()` and docs).
    """
    method = table.METHODS[name]
    sig = signature(method, options)

    def function(*args, **kwargs):
        arguments = sig.bind(*args, **kwargs).arguments
        params = {p.name: arguments.pop(p.name) for p in method.params if p.name in arguments}
        params.update(arguments.pop("base_params", {}))
        params = table.check_params(name, params, what=name)
        model = arguments.pop("model")
        images = arguments.pop("images")
        explained = {k: arguments.pop(k, None) for k in ("targets", "target", "output")}
        adapter = adapter_factory(model, **arguments)
        with adapter.running():
            batch = adapter.prepare(images, **explained)
            result = method.run(adapter, batch, params)
        return adapter.user_layout(result)

    function.__name__ = function.__qualname__ = name
    function.__signature__ = sig
    function.__doc__ = docstring(method, options, framework)
    function.method_name = name
    if module is not None:
        function.__module__ = module
    return function
