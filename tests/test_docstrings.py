"""The public API's docstrings are complete: every function and class the reference
(docs/reference/*.md) renders has a docstring, an `Args:` section when it takes
parameters (a dataclass: or a docstring under each field) and an `Example:` section;
every public method of those classes has a
docstring, with `Args:` when it takes parameters. Each `Args:` names every parameter
but `self`, `cls`, `*args` and `**kwargs` (an entry may name several, `tag, step: ...`,
as tools/griffe_docs.py accepts); a class's `__init__` parameters are checked when its
docstring (or `__init__`'s) has an `Args:` section, as mkdocstrings merges the two.

The objects are those the pages' `::: path` directives render: an object itself, or a
module's names (its `members:`, else its `__all__`, else the functions and classes it
defines). They are found in the source, as Griffe finds them for the site, following
imports (and a module's lazy `__getattr__`) to where each is defined: importing them
would load TensorFlow and Lightning. The method functions, which the methods modules
make from their table at import, are read from `methods.METHODS` and
`torch.methods.METHODS` with `inspect`.
"""

import ast
import glob
import importlib
import inspect
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE = os.path.join(ROOT, "docs", "reference")

_DIRECTIVE = re.compile(r"^::: (\S+)[ \t]*\n((?:(?:[ \t]+\S.*)?\n)*)", re.M)
_ARGS = re.compile(r"^\s*(Args|Arguments):\s*$", re.M)
_ARGS_OR_ATTRIBUTES = re.compile(r"^\s*(Args|Arguments|Attributes):\s*$", re.M)
_EXAMPLE = re.compile(r"^\s*Examples?:\s*$", re.M)
_ENTRY = re.compile(r"^([*\w][\w, *]*?)\s*(\([^)]*\))?\s*:")


def _documented(doc):
    """The parameter names the `Args:` sections of `doc` describe; an entry may name
    several (`tag, step: ...`), as tools/griffe_docs.py accepts."""
    names = set()
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        if not _ARGS.match(line):
            continue
        header = len(line) - len(line.lstrip())
        indent = None
        for entry in lines[i + 1 :]:
            if not entry.strip():
                continue
            depth = len(entry) - len(entry.lstrip())
            if depth <= header:
                break
            if indent is None:
                indent = depth
            if depth == indent:
                match = _ENTRY.match(entry.strip())
                if match:
                    names.update(n.strip().lstrip("*") for n in match.group(1).split(","))
    return names


def _undescribed(where, doc, parameters):
    """A problem for each of `parameters` that `doc`'s `Args:` does not name."""
    documented = _documented(doc or "")
    return [
        "%s: parameter %r is not described in Args:" % (where, name)
        for name in parameters
        if name not in documented
    ]


def _module_file(module):
    """The source file of `module`, or None if it is not a module of this package."""
    path = os.path.join(ROOT, *module.split("."))
    for candidate in (path + ".py", os.path.join(path, "__init__.py")):
        if os.path.exists(candidate):
            return candidate
    return None


_TREES = {}


def _tree(module):
    if module not in _TREES:
        with open(_module_file(module), encoding="utf-8") as f:
            _TREES[module] = ast.parse(f.read())
    return _TREES[module]


def _definition(module, name):
    """`(module, node)` where `module.name` is defined, following imports; node is a
    function or class, or None for any other value (a constant, a dict)."""
    tree = _tree(module)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == name:
            return module, node
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return module, None
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    return _definition(node.module, alias.name)
    # A name the module imports when first asked for (`def __getattr__(name)`).
    lazy = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "__getattr__"]
    for node in ast.walk(lazy[0]) if lazy else ():
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name == name:
                    return _definition(node.module, name)
                submodule = node.module + "." + alias.name
                if _module_file(submodule) and _defines(submodule, name):
                    return _definition(submodule, name)
    raise AssertionError("%s.%s: not found in the source" % (module, name))


def _defines(module, name):
    try:
        _definition(module, name)
    except AssertionError:
        return False
    return True


def _all(module):
    """The names of `module`'s `__all__`, but its starred entries (the method
    functions), or None if it has none."""
    for node in _tree(module).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return [e.value for e in node.value.elts if isinstance(e, ast.Constant)]
    return None


def _members(options):
    match = re.search(r"^\s*members:\s*\n((?:\s*- .*\n?)+)", options, re.M)
    if match is None:
        return None
    return [line.split("- ", 1)[1].strip() for line in match.group(1).splitlines()]


def _rendered():
    """`{"module.Name": node}`: the functions and classes the reference renders, each
    under the path where it is defined."""
    pages = sorted(glob.glob(os.path.join(REFERENCE, "*.md")))
    assert pages, "no reference pages in docs/reference"
    objects = {}
    for page in pages:
        with open(page, encoding="utf-8") as f:
            text = f.read()
        for match in _DIRECTIVE.finditer(text):
            path, members = match.group(1), _members(match.group(2))
            if _module_file(path):
                names = members or _all(path)
                if names is None:
                    names = [
                        node.name
                        for node in _tree(path).body
                        if isinstance(node, ast.FunctionDef | ast.ClassDef)
                        and not node.name.startswith("_")
                    ]
                found = [_definition(path, name) for name in names]
            else:
                module, name = path.rsplit(".", 1)
                found = [_definition(module, name)]
            for module, node in found:
                if node is not None:
                    objects[module + "." + node.name] = node
    return objects


def _named_parameters(function, method=False):
    """The parameters `Args:` must describe: not `self`/`cls`, `*args` or `**kwargs`."""
    args = function.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    return names[1:] if method and not _is_static(function) else names


def _parameters(function, method=False):
    args = function.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return names[1:] if method and not _is_static(function) else names


def _is_static(function):
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in function.decorator_list)


def _is_dataclass(cls):
    return any("dataclass" in ast.unparse(d) for d in cls.decorator_list)


def _class_problems(path, cls):
    problems = []
    doc = ast.get_docstring(cls) or ""
    methods = [n for n in cls.body if isinstance(n, ast.FunctionDef)]
    init = next((n for n in methods if n.name == "__init__"), None)
    if init is not None:
        has_parameters = bool(_parameters(init, method=True))
        doc += "\n" + (ast.get_docstring(init) or "")
    else:  # a dataclass's fields may each have their docstring in place of `Args:`
        has_parameters = _is_dataclass(cls) and any(
            isinstance(node, ast.AnnAssign)
            and not (
                isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            )
            for node, after in zip(cls.body, cls.body[1:] + [None])
        )
    if not doc.strip():
        return ["%s: no docstring" % path]
    if has_parameters and not _ARGS_OR_ATTRIBUTES.search(doc):
        problems.append("%s: takes parameters but has no Args: (or Attributes:) section" % path)
    if init is not None and _ARGS.search(doc):
        problems += _undescribed(path, doc, _named_parameters(init, method=True))
    if not _EXAMPLE.search(doc):
        problems.append("%s: no Example: section" % path)
    for method in methods:
        if method.name.startswith("_"):
            continue
        method_doc = ast.get_docstring(method)
        where = "%s.%s" % (path, method.name)
        if not method_doc:
            problems.append("%s: no docstring" % where)
        elif _parameters(method, method=True) and not _ARGS.search(method_doc):
            problems.append("%s: takes parameters but has no Args: section" % where)
        else:
            problems += _undescribed(where, method_doc, _named_parameters(method, method=True))
    return problems


def _function_problems(path, doc, has_parameters):
    if not doc:
        return ["%s: no docstring" % path]
    problems = []
    if has_parameters and not _ARGS.search(doc):
        problems.append("%s: takes parameters but has no Args: section" % path)
    if not _EXAMPLE.search(doc):
        problems.append("%s: no Example: section" % path)
    return problems


def test_the_reference_renders_the_public_api():
    rendered = _rendered()
    for path in (
        "tensorboard_plugin_saliency.summary.SaliencyWriter",
        "tensorboard_plugin_saliency.reader.read_saliency",
        "tensorboard_plugin_saliency.callbacks.SaliencyCallback",
        "tensorboard_plugin_saliency.methods.targets.increase",
        "tensorboard_plugin_saliency.torch.lightning.SaliencyCallback",
        "tensorboard_plugin_saliency.dataset.ray_engine.RayOptions",
        "tensorboard_plugin_saliency.faithfulness.randomization.randomization_check",
        "tensorboard_plugin_saliency.storage.location",
        "tensorboard_plugin_saliency.plugin.saliency_plugin.SaliencyLoader",
    ):
        assert path in rendered, path


def test_every_rendered_function_and_class_has_a_complete_docstring():
    problems = []
    for path, node in sorted(_rendered().items()):
        if isinstance(node, ast.ClassDef):
            problems += _class_problems(path, node)
        else:
            doc = ast.get_docstring(node)
            problems += _function_problems(path, doc, bool(_parameters(node)))
            if doc:
                problems += _undescribed(path, doc, _named_parameters(node))
    assert not problems, "incomplete docstrings:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "module", ["tensorboard_plugin_saliency.methods", "tensorboard_plugin_saliency.torch.methods"]
)
def test_every_method_function_has_a_complete_docstring(module):
    if module.endswith(".torch.methods"):
        pytest.importorskip("torch")
    functions = importlib.import_module(module).METHODS
    assert len(functions) >= 14
    problems = []
    for name, function in functions.items():
        doc = inspect.getdoc(function)
        has_parameters = bool(inspect.signature(function).parameters)
        problems += _function_problems("%s.%s" % (module, name), doc, has_parameters)
        named = [
            p.name
            for p in inspect.signature(function).parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        problems += _undescribed("%s.%s" % (module, name), doc, named)
        for section in ("Returns:", "Raises:"):
            if doc and section not in doc.splitlines():
                problems.append("%s.%s: no %s section" % (module, name, section))
    assert not problems, "incomplete docstrings:\n" + "\n".join(problems)
