"""The docs site (mkdocs.yml): the reference names every public name, the site builds
with --strict, and every page is in the navigation.

The reference pages render modules and objects with mkdocstrings (`::: path`). A name of
a public module's `__all__` is covered when a directive renders it, whether the module's
own (`::: module`, unless its `members:` leave the name out), a submodule's that defines
it, or the object's (`::: module.Name`), or when a reference page lists it in backticks.
The build checks that every name a directive should render has its anchor in the HTML.
"""

import ast
import glob
import importlib
import importlib.util
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs")
REFERENCE = os.path.join(DOCS, "reference")

# The modules users import, whose `__all__` the reference covers (summary, reader and
# storage have no `__all__`: their pages render their public members).
PUBLIC_MODULES = (
    "tensorboard_plugin_saliency.callbacks",
    "tensorboard_plugin_saliency.keras",
    "tensorboard_plugin_saliency.methods",
    "tensorboard_plugin_saliency.torch",
    "tensorboard_plugin_saliency.torch.methods",
    "tensorboard_plugin_saliency.dataset",
    "tensorboard_plugin_saliency.faithfulness",
    "tensorboard_plugin_saliency.plugin",
)

_DIRECTIVE = re.compile(r"^::: (\S+)[ \t]*\n((?:(?:[ \t]+\S.*)?\n)*)", re.M)
_SNIPPET = re.compile(r"""^\s*-{1,}8<-{1,}\s+["']([^"']+)["']""", re.M)


def _module_file(module):
    path = os.path.join(ROOT, *module.split("."))
    return path + ".py" if os.path.exists(path + ".py") else os.path.join(path, "__init__.py")


def _all(module):
    """`module.__all__`, read from its source (a starred entry, such as the methods
    made from the table, from the module itself: neither imports TensorFlow)."""
    with open(_module_file(module), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            if all(isinstance(e, ast.Constant) for e in node.value.elts):
                return [e.value for e in node.value.elts]
            return list(importlib.import_module(module).__all__)
        if isinstance(node, ast.ImportFrom) and any(a.name == "__all__" for a in node.names):
            return _all(node.module)
    raise AssertionError("%s has no __all__" % module)


def _members(options):
    """The names under `members:` in a directive's options, or None (all members)."""
    match = re.search(r"^\s*members:\s*\n((?:\s*- .*\n?)+)", options, re.M)
    if match is None:
        return None
    return [line.split("- ", 1)[1].strip() for line in match.group(1).splitlines()]


def _reference_pages():
    pages = sorted(glob.glob(os.path.join(REFERENCE, "*.md")))
    assert pages, "no reference pages in docs/reference"
    directives, listed = [], set()
    for page in pages:
        with open(page, encoding="utf-8") as f:
            text = f.read()
        for match in _DIRECTIVE.finditer(text):
            directives.append((match.group(1), _members(match.group(2))))
        listed.update(re.findall(r"`(\w+)`", _DIRECTIVE.sub("", text)))
    return directives, listed


def _defines(module, name):
    """Whether `module`'s source defines `name` at its top level."""
    path = _module_file(module)
    if not os.path.exists(path):
        return False
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == name:
            return True
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return True
    return False


def _anchors(module, name, directives):
    """Where the directives render `module.name`: the anchors it may have."""
    anchors = []
    for path, members in directives:
        if path == module + "." + name or path.endswith("." + name):
            anchors.append(path)  # the object itself, from where it is defined
        elif (members is None or name in members) and (path == module or _defines(path, name)):
            anchors.append(path + "." + name)  # a member of the module, or of its source
    return anchors


def _coverage():
    """`{(module, name): [anchors] or "listed" or None}` for every public name."""
    directives, listed = _reference_pages()
    coverage = {}
    for module in PUBLIC_MODULES:
        for name in _all(module):
            anchors = _anchors(module, name, directives)
            coverage[module, name] = anchors or ("listed" if name in listed else None)
    return coverage


def test_every_public_name_is_in_the_reference():
    missing = sorted("%s.%s" % key for key, where in _coverage().items() if where is None)
    assert not missing, (
        "public names that no reference page (docs/reference/*.md) renders with `::: ...` "
        "or lists in backticks: %s" % missing
    )


def _nav_pages():
    with open(os.path.join(ROOT, "mkdocs.yml"), encoding="utf-8") as f:
        text = f.read()
    nav = text[text.index("\nnav:") :]
    return re.findall(r"^\s*-\s+(?:[^:\n]+:\s+)?([\w./-]+\.md)\s*$", nav, re.M)


def _snippet_files():
    """Files that pages include with pymdownx.snippets (paths from the repository root)."""
    included = set()
    for page in glob.glob(os.path.join(DOCS, "**", "*.md"), recursive=True):
        with open(page, encoding="utf-8") as f:
            included.update(os.path.normpath(p) for p in _SNIPPET.findall(f.read()))
    return included


def test_every_page_is_in_the_nav():
    nav = _nav_pages()
    assert "index.md" in nav and len(nav) == len(set(nav)), nav
    included = _snippet_files()
    pages = sorted(
        os.path.relpath(p, DOCS)
        for p in glob.glob(os.path.join(DOCS, "**", "*.md"), recursive=True)
        if os.path.relpath(p, ROOT) not in included
    )
    assert sorted(set(pages) - set(nav)) == [], "pages in docs/ left out of mkdocs.yml's nav"
    assert sorted(set(nav) - set(pages)) == [], "pages in mkdocs.yml's nav missing from docs/"
    assert all(os.path.exists(os.path.join(ROOT, p)) for p in included), included


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site built by `mkdocs build --strict` into a temporary directory."""
    needed = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python")
    absent = [name for name in needed if importlib.util.find_spec(name.split(".")[0]) is None]
    if absent:
        message = "the docs packages are not installed (%s): pip install -e '.[docs]'" % absent
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; .ci/setup test installs them")
        pytest.skip(message)
    site_dir = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    return site_dir


def test_the_site_builds_with_no_warning(site):
    assert (site / "index.html").is_file()
    for page in _nav_pages():
        assert (site / page.replace(".md", ".html")).is_file(), page
    # Offline: the search index rides along as a script, not fetched from a server.
    assert (site / "search" / "search_index.js").is_file()


def test_the_reference_renders_each_name_it_claims(site):
    html = "".join(p.read_text(encoding="utf-8") for p in (site / "reference").glob("*.html"))
    rendered = set(re.findall(r'id="(tensorboard_plugin_saliency[\w.]*)"', html))
    claimed = {key: where for key, where in _coverage().items() if isinstance(where, list)}
    assert claimed
    missing = sorted(
        "%s.%s (as %s)" % (*key, " or ".join(anchors))
        for key, anchors in claimed.items()
        if not rendered.intersection(anchors)
    )
    assert not missing, "names the reference pages should render but do not: %s" % missing
