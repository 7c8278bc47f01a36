"""An image folder of three classes and tiny models that classify it, for the tests
of `tensorboard-saliency explain`.

    write_folder(root)       root/shapes/CLASS/[more/]NN.png, and root/labels.csv
    torchscript_model(path, folder, ids)  a small CNN trained a little on the
                             folder, scripted and saved (.pt)
    keras_model(path)        a small CNN saved as .keras, in a subprocess (so that
                             the test process never imports TensorFlow)

The images are 20x20 RGB: a circle, a square or a triangle in a random colour on
noise, so that every image differs (and so does every confidence). The triangles'
second half lies one folder deeper (`triangle/more/`): an image's id is its path
relative to the folder.
"""

import os
import subprocess
import sys
import textwrap

import numpy as np
from PIL import Image

CLASSES = ["circle", "square", "triangle"]
PER_CLASS = 10
SIZE = 20


def shape_mask(name, rng):
    """A boolean mask [SIZE, SIZE] of one shape at a random place and size."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    r = rng.integers(4, 7)
    cy, cx = rng.integers(r, SIZE - r, 2)
    if name == "circle":
        return (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
    if name == "square":
        return (abs(yy - cy) <= r) & (abs(xx - cx) <= r)
    return (yy >= cy - r) & (yy <= cy + r) & (abs(xx - cx) <= (yy - (cy - r)) / 2)


def write_folder(root, seed=28):
    """Writes `root/shapes` (a subfolder per class) and `root/labels.csv` (the same
    images, shuffled, as `path,label` with class names); returns `(folder, csv,
    ids)`: `ids` the images' paths relative to the folder, in the folder's order."""
    rng = np.random.default_rng(seed)
    folder = os.path.join(root, "shapes")
    ids = []
    for name in CLASSES:
        for k in range(PER_CLASS):
            sub = "more/" if name == "triangle" and k >= PER_CLASS // 2 else ""
            relative = "%s/%s%02d.png" % (name, sub, k)
            pixels = rng.integers(0, 90, (SIZE, SIZE, 3))
            pixels[shape_mask(name, rng)] = rng.integers(120, 256, 3)
            path = os.path.join(folder, *relative.split("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            Image.fromarray(pixels.astype(np.uint8)).save(path)
            ids.append(relative)
    csv_path = os.path.join(root, "labels.csv")
    with open(csv_path, "w", encoding="utf-8") as f:
        f.write("path,label\n")
        for k in rng.permutation(len(ids)):
            f.write("shapes/%s,%s\n" % (ids[k], ids[k].split("/")[0]))
    return folder, csv_path, ids


def torchscript_model(path, folder=None, ids=None, seed=0, steps=40):
    """Saves a small CNN of 3 classes (NCHW), scripted, at `path`; trained for a few
    `steps` on the images `ids` of `folder` when given (its confidences then spread
    from about a third to near one), else as initialised."""
    import torch

    torch.manual_seed(seed)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = torch.nn.Conv2d(3, 8, 3, padding=1)
            self.conv2 = torch.nn.Conv2d(8, 8, 3, padding=1)
            self.fc = torch.nn.Linear(8, len(CLASSES))

        def forward(self, x):
            x = torch.relu(self.conv1(x))
            x = torch.relu(self.conv2(x))
            return self.fc(x.mean(dim=(2, 3)))

    net = Net()
    if folder is not None:
        images, labels = read_folder(folder, ids)
        x = torch.from_numpy(images.transpose(0, 3, 1, 2).copy())
        y = torch.from_numpy(labels)
        optimizer = torch.optim.Adam(net.parameters(), lr=0.02)
        for _ in range(steps):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(net(x), y).backward()
            optimizer.step()
    torch.jit.script(net.eval()).save(path)
    return path


def read_folder(folder, ids):
    """`(images [N, H, W, 3] float32 in [0, 1], classes [N])` of the images `ids`."""
    images = []
    for id_ in ids:
        with Image.open(os.path.join(folder, *id_.split("/"))) as image:
            images.append(np.asarray(image.convert("RGB"), np.float32) / 255)
    labels = np.asarray([CLASSES.index(id_.split("/")[0]) for id_ in ids], np.int64)
    return np.stack(images), labels


# Functional, not Sequential: Grad-CAM fails on a Sequential model loaded from a file.
KERAS_SCRIPT = textwrap.dedent("""
    import sys
    import keras
    keras.utils.set_random_seed(0)
    images = keras.Input((%d, %d, 3))
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(images)
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    keras.Model(images, keras.layers.Dense(%d)(x)).save(sys.argv[1])
""") % (SIZE, SIZE, len(CLASSES))


def keras_model(path):
    """Saves a small Keras CNN of 3 classes (NHWC) at `path` (a .keras file)."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, "-c", KERAS_SCRIPT, path],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return path
