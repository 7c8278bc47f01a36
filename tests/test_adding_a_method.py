"""docs/architecture.md says a new method is one module and one row of the table: its
example diff, applied to a copy of the package, gives a method that runs on Keras and
PyTorch models, is listed by the command line and recorded as provenance."""

import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _diff():
    """The `diff` block of the architecture's "Adding a method"."""
    with open(os.path.join(ROOT, "docs", "architecture.md"), encoding="utf-8") as f:
        text = f.read()
    section = text[text.index("### Adding a method") :]
    return re.search(r"```diff\n(.*?)```", section, re.S).group(1)


def _apply(diff, package):
    """Applies the diff's new files and insertions (after the context line above each
    run of `+` lines) under `package`'s parent directory."""
    files, current = {}, None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            current = files.setdefault(line[4:].strip(), [])
        elif line.startswith("--- "):
            continue
        else:
            current.append(line)
    for path, lines in files.items():
        target = os.path.join(os.path.dirname(package), path)
        if not os.path.exists(target):
            with open(target, "w", encoding="utf-8") as f:
                f.write("\n".join(line[1:] for line in lines) + "\n")
            continue
        with open(target, encoding="utf-8") as f:
            source = f.read().split("\n")
        anchor = None
        for line in lines:
            if line.startswith("@@"):
                anchor = source.index(line.split("@@")[1].strip())
            elif line.startswith("+"):
                anchor += 1
                source.insert(anchor, line[1:])
            else:
                anchor = source.index(line[1:], anchor or 0)
        with open(target, "w", encoding="utf-8") as f:
            f.write("\n".join(source))


SCRIPT = """
import numpy as np, torch, keras
from tensorboard_plugin_saliency import methods
from tensorboard_plugin_saliency.methods import describe
from tensorboard_plugin_saliency.torch import methods as torch_methods

module = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(),
    torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(4, 2))
images = np.random.default_rng(0).random((2, 3, 10, 10)).astype(np.float32)
print("torch", torch_methods.random_cam(module, torch.as_tensor(images)).shape)
model = keras.Sequential([keras.Input((10, 10, 3)), keras.layers.Conv2D(4, 3, activation="relu"),
    keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2)])
print("keras", methods.random_cam(model, images.transpose(0, 2, 3, 1)).shape)
print("params", methods.method_params("random_cam", model=model))
print("listed", "random_cam" in describe.markdown())
"""


def test_the_example_diff_adds_a_method_to_both_frameworks(tmp_path):
    package = tmp_path / "tensorboard_plugin_saliency"
    shutil.copytree(
        os.path.join(ROOT, "tensorboard_plugin_saliency"),
        package,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    os.symlink(os.path.join(ROOT, "frontend"), tmp_path / "frontend")  # its data files
    _apply(_diff(), str(package))
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(tmp_path), TF_CPP_MIN_LOG_LEVEL="3"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "torch (2, 8, 8)" in done.stdout
    assert "keras (2, 8, 8)" in done.stdout
    assert re.search(r"params \{'layer': 'conv2d(_\d+)?', 'seed': 0\}", done.stdout), done.stdout
    assert "listed True" in done.stdout
