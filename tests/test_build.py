"""The Bazel BUILD file lists every module, test and frontend file, and nothing else."""

import ast
import glob
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _rules():
    """`[(kind, {attribute: value})]` of the rules in BUILD (plain literals only)."""
    with open(os.path.join(ROOT, "BUILD")) as f:
        tree = ast.parse(f.read(), "BUILD")
    rules = []
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            attrs = {}
            for keyword in call.keywords:
                try:
                    attrs[keyword.arg] = ast.literal_eval(keyword.value)
                except ValueError:
                    attrs[keyword.arg] = None
            rules.append((call.func.id, attrs))
    return rules


def _rule(kind, name):
    matches = [a for k, a in _rules() if k == kind and a.get("name") == name]
    assert matches, "BUILD has no %s named %r" % (kind, name)
    return matches[0]


def _files(pattern):
    return sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, pattern)))


def test_library_lists_every_module():
    srcs = sorted(_rule("py_library", "tensorboard_plugin_saliency")["srcs"])
    assert srcs == _files("tensorboard_plugin_saliency/*.py")


def test_every_test_module_has_a_py_test():
    tests = sorted(
        src for kind, attrs in _rules() if kind == "py_test" for src in attrs["srcs"]
    )
    expected = sorted(_files("tests/test_*.py") + _files("tests/reliability/test_*.py"))
    assert tests == expected


def test_frontend_filegroup_lists_every_served_file():
    srcs = sorted(_rule("filegroup", "frontend")["srcs"])
    served = sorted(
        p for p in _files("frontend/*") if p.endswith((".js", ".json", ".css", ".html", ".svg"))
    )
    assert srcs == served


def test_every_listed_file_exists():
    for _, attrs in _rules():
        for src in (attrs.get("srcs") or []) + (attrs.get("data") or []):
            if not src.startswith(":"):
                assert os.path.exists(os.path.join(ROOT, src)), src
