"""BUILD has one target per module, test and served frontend file, with real deps."""

import ast
import glob
import os
import subprocess
import sys

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


def _files(pattern):
    return sorted(
        os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, pattern), recursive=True)
    )


def test_build_is_what_the_tree_calls_for():
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "tools", "make_build.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_every_module_has_its_own_library():
    libraries = [a["srcs"] for k, a in _rules() if k == "py_library" and a.get("srcs")]
    single = sorted(srcs[0] for srcs in libraries if len(srcs) == 1)
    modules = _files("tensorboard_plugin_saliency/**/*.py")
    assert modules and set(modules) <= set(single)


def test_a_module_depends_on_what_it_imports():
    data = next(a for k, a in _rules() if a.get("name") == "plugin_data")
    assert ":format_manifest" in data["deps"] and ":plugin_blobs" in data["deps"]
    assert "@pypi//tensorboard" in data["deps"]


def test_every_test_module_has_a_py_test():
    tests = sorted(src for kind, attrs in _rules() if kind == "py_test" for src in attrs["srcs"])
    assert tests == _files("tests/**/test_*.py")


def test_frontend_filegroup_lists_every_served_file():
    srcs = next(a["srcs"] for k, a in _rules() if a.get("name") == "frontend")
    served = [p for p in _files("frontend/**/*") if p.endswith((".js", ".json", ".css", ".html"))]
    assert sorted(srcs) == served
    assert "frontend/pipeline/clip.js" in srcs


def test_every_listed_file_exists():
    for _, attrs in _rules():
        for src in (attrs.get("srcs") or []) + (attrs.get("data") or []):
            if not src.startswith(":"):
                assert os.path.exists(os.path.join(ROOT, src)), src
