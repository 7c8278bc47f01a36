"""Every code block of README.md and of the docs site runs as written, and their
commands name real things.

Each ```python block runs on its own, in a fresh interpreter, in one scratch directory
per page (in the page's order, so a block may read what an earlier one of its page
wrote), exactly as a user copying it would run it. A block that cannot run here (it
needs a GPU, a cloud bucket or a cluster) is preceded by a line
`<!-- not run: the reason -->`, and is skipped saying so.
"""

import glob
import json
import os
import re
import subprocess
import sys

import pytest
from helpers.browser_tools import tools_missing
from helpers.tb_process import tensorboard_process

from tensorboard_plugin_saliency import reader

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")
DOCS = os.path.join(ROOT, "docs")
PAGES = ["README.md"] + sorted(
    os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(DOCS, "**", "*.md"), recursive=True)
)
BLOCK_RE = re.compile(r"^(?:<!-- not run: (.+?) -->\n)?```(\w+)\n(.*?)^```", re.M | re.S)
MAX_README_LINES = 250


def page_blocks(page, language):
    """`[(code, reason it is not run or None)]` of `page`'s blocks in `language`."""
    with open(os.path.join(ROOT, page), encoding="utf-8") as f:
        text = f.read()
    return [(code, reason) for reason, lang, code in BLOCK_RE.findall(text) if lang == language]


def blocks(language):
    return [code for code, _ in page_blocks("README.md", language)]


PYTHON_BLOCKS = blocks("python")
ALL_PYTHON = [
    (page, index, code, reason)
    for page in PAGES
    for index, (code, reason) in enumerate(page_blocks(page, "python"))
]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("readme")


def test_readme_and_the_site_have_the_snippets():
    assert len(PYTHON_BLOCKS) == 3  # any framework, Keras, PyTorch
    assert len(ALL_PYTHON) >= 20


@pytest.mark.parametrize(
    "page, index, code, reason",
    ALL_PYTHON,
    ids=["%s:%d" % (page, index) for page, index, _, _ in ALL_PYTHON],
)
def test_python_block_runs(workdir, page, index, code, reason):
    if reason:
        pytest.skip("%s, block %d is not run here: %s" % (page, index, reason))
    directory = workdir / page.replace("/", "_").replace(".md", "")
    directory.mkdir(exist_ok=True)
    path = directory / ("block_%d.py" % index)
    path.write_text(code, encoding="utf-8")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    result = subprocess.run(
        [sys.executable, str(path)],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert result.returncode == 0, "%s block %d failed:\n%s\n%s" % (
        page,
        index,
        code,
        result.stderr[-3000:],
    )
    # Called as the README shows, the methods trace each function once.
    retracing = [
        line for line in result.stderr.splitlines() if "triggered tf.function retracing" in line
    ]
    assert retracing == [], "%s block %d retraces:\n%s" % (page, index, "\n".join(retracing))


def test_first_snippet_keeps_the_whole_batch(workdir):
    first = workdir / "first"
    first.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-c", PYTHON_BLOCKS[0]], cwd=first, check=True, timeout=300)
    (record,) = reader.read_saliency(str(first / "logs"))
    assert record.images.shape[0] == 4
    assert {name: m.shape for name, m in record.masks.items()} == {
        "gradients": (4, 64, 64),
        "grad_cam": (4, 7, 7),
    }
    assert record.labels == ["true: cat · pred: dog 0.87"] * 4


def test_first_snippet_shows_every_image_in_the_dashboard(workdir):
    missing = tools_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    first = workdir / "first_page"
    first.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-c", PYTHON_BLOCKS[0]], cwd=first, check=True, timeout=300)
    with tensorboard_process(str(first / "logs"), load_fast="false") as base_url:
        result = subprocess.run(
            [
                "node",
                os.path.join(ROOT, "tests", "readme_page.mjs"),
                "--url",
                base_url,
                "--card",
                "run1 / val/saliency",
                "--images",
                "4",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=180,
        )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines, result.stdout + result.stderr
    report = json.loads(lines[-1])
    assert report["ok"], report["problems"]
    assert report["shown"] == "1 of 4"


def test_install_lines_name_real_extras():
    setup = open(os.path.join(ROOT, "setup.py"), encoding="utf-8").read()
    text = "\n".join(_read(page) for page in PAGES)
    for extra in set(re.findall(r'pip install "\.\[([a-z,]+)\]"', text)):
        for name in extra.split(","):
            assert '"%s":' % name in setup, "README names an extra %r setup.py lacks" % name


def test_make_targets_exist():
    makefile = open(os.path.join(ROOT, "Makefile"), encoding="utf-8").read()
    for page in PAGES:
        for target in re.findall(r"^make (\w[\w-]*)", _read(page), re.M):
            assert re.search(r"^%s:" % target, makefile, re.M), (page, target)


def test_methods_table_is_the_tables():
    """README's table of methods is what `tensorboard-saliency methods --markdown` prints."""
    from tensorboard_plugin_saliency.methods import describe

    text = _read("docs/guides/methods.md")
    begin = "<!-- methods table: generated by `tensorboard-saliency methods --markdown` -->\n"
    end = "\n<!-- end of methods table -->"
    shown = text[text.index(begin) + len(begin) : text.index(end)]
    assert shown == describe.markdown(), "run: tensorboard-saliency methods --markdown"


def test_readme_is_the_front_door():
    """README stays short: what it is, set-up, three examples, links; the rest is in docs/."""
    lines = _read("README.md").count("\n")
    assert lines <= MAX_README_LINES, "README.md has %d lines (at most %d)" % (
        lines,
        MAX_README_LINES,
    )


def _read(page):
    with open(os.path.join(ROOT, page), encoding="utf-8") as f:
        return f.read()
