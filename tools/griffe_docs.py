"""Griffe extensions for the docs site (mkdocs.yml's mkdocstrings options).

- `MethodFunctions`: `tensorboard_plugin_saliency.methods` and `.torch.methods` make
  one function per method of their table when imported (`api.method_function`), so
  reading their source, as Griffe does for the rest of the site, finds none of them.
  This imports those two modules (neither imports TensorFlow; the PyTorch one imports
  torch) and adds each function, with its signature and docstring, and the module's
  `__all__` as it is at run time.
- `ParameterNames`: every name of an `Args:` entry is a parameter of the signature,
  also in the entries that name several (`tag, step: ...`), which Griffe's own check
  (turned off in mkdocs.yml) takes for one unknown name. A name that is not a
  parameter is a warning, which `mkdocs build --strict` makes an error.

A development-time tool, for the docs build only.
"""

import importlib
import inspect

import griffe

MODULES = ("tensorboard_plugin_saliency.methods", "tensorboard_plugin_saliency.torch.methods")


def _default(parameter):
    return None if parameter.default is inspect.Parameter.empty else repr(parameter.default)


def _function(fn, parent, loader):
    """The Griffe function of `fn`, a function made by `api.method_function`, placed in
    source order where its module's `METHODS` is assigned."""
    parameters = griffe.Parameters(
        *(
            griffe.Parameter(
                p.name, kind=griffe.ParameterKind(p.kind.description), default=_default(p)
            )
            for p in inspect.signature(fn).parameters.values()
        )
    )
    line = parent.members["METHODS"].lineno
    function = griffe.Function(
        fn.__name__, parameters=parameters, parent=parent, lineno=line, endlineno=line
    )
    function.docstring = griffe.Docstring(
        inspect.cleandoc(fn.__doc__),
        parent=function,
        parser=loader.docstring_parser,
        parser_options=loader.docstring_options,
    )
    return function


class MethodFunctions(griffe.Extension):
    """Adds the method functions to the modules in `MODULES`."""

    def on_module(self, *, mod, loader, **kwargs):
        if mod.path not in MODULES:
            return
        module = importlib.import_module(mod.path)
        for name, fn in module.METHODS.items():
            # At run time the function hides the method's module of the same name.
            if name in mod.members:
                mod.del_member(name)
            mod.set_member(name, _function(fn, mod, loader))
        mod.exports = list(module.__all__)


def _private(obj):
    return any(
        part.startswith("_") and not (part.startswith("__") and part.endswith("__"))
        for part in obj.path.split(".")
    )


def _check_names(obj):
    """Warns of each name in `obj`'s `Args:` that its signature does not have."""
    if obj.docstring is None or _private(obj):
        return
    sections = griffe.parse_google(obj.docstring, warnings=False)
    known = {p.name for p in obj.parameters}
    lines = obj.docstring.value.splitlines()
    for section in sections:
        if section.kind is not griffe.DocstringSectionKind.parameters:
            continue
        for entry in section.value:
            for name in entry.name.split(","):
                name = name.strip().lstrip("*")
                if name and name not in known:
                    line = next(
                        (i for i, text in enumerate(lines) if text.strip().startswith(entry.name)),
                        0,
                    )
                    griffe.logger.warning(
                        "%s:%d: Parameter '%s' does not appear in the signature of %s"
                        % (
                            obj.relative_filepath,
                            (obj.docstring.lineno or 0) + line,
                            name,
                            obj.path,
                        )
                    )


class ParameterNames(griffe.Extension):
    """Checks the names of the `Args:` entries of functions and classes."""

    def on_function(self, *, func, **kwargs):
        _check_names(func)

    def on_class(self, *, cls, **kwargs):
        _check_names(cls)
