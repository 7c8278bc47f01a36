"""Every code block of README.md runs as written, and its commands name real things.

Each ```python block runs on its own, in a fresh interpreter, in one scratch directory
(in README order, so a block may read what an earlier one wrote), exactly as a user
copying it would run it.
"""

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
BLOCK_RE = re.compile(r"^```(\w+)\n(.*?)^```", re.M | re.S)


def blocks(language):
    with open(README, encoding="utf-8") as f:
        return [code for lang, code in BLOCK_RE.findall(f.read()) if lang == language]


PYTHON_BLOCKS = blocks("python")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("readme")


def test_readme_has_the_snippets():
    assert len(PYTHON_BLOCKS) >= 5


@pytest.mark.parametrize("index", range(len(PYTHON_BLOCKS)))
def test_python_block_runs(workdir, index):
    code = PYTHON_BLOCKS[index]
    path = workdir / ("block_%d.py" % index)
    path.write_text(code, encoding="utf-8")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    result = subprocess.run(
        [sys.executable, str(path)],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert result.returncode == 0, "README block %d failed:\n%s\n%s" % (
        index,
        code,
        result.stderr[-3000:],
    )
    # Called as the README shows, the methods trace each function once.
    retracing = [
        line for line in result.stderr.splitlines() if "triggered tf.function retracing" in line
    ]
    assert retracing == [], "README block %d retraces:\n%s" % (index, "\n".join(retracing))


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
    text = "\n".join(blocks("sh")) + open(README, encoding="utf-8").read()
    for extra in set(re.findall(r'pip install "\.\[([a-z,]+)\]"', text)):
        for name in extra.split(","):
            assert '"%s":' % name in setup, "README names an extra %r setup.py lacks" % name


def test_make_targets_exist():
    makefile = open(os.path.join(ROOT, "Makefile"), encoding="utf-8").read()
    for target in re.findall(r"^make (\w[\w-]*)", open(README, encoding="utf-8").read(), re.M):
        assert re.search(r"^%s:" % target, makefile, re.M), target
