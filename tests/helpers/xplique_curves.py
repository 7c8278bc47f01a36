"""Prints, as JSON, Xplique's and our deletion and insertion curves of one batch.

Run by tests/faithfulness/test_xplique_parity.py in a subprocess whose path holds
Xplique (installed by .ci/setup without its version pins, in a directory of its own).
Same settings on both sides: masks without ties, a step count that divides the pixel
count (Xplique floors the pixels per step, we round), black as the deletion fill and
as the insertion start (Xplique's `baseline_mode=0`, our `blur=0`), and the model's
outputs as they are (it ends in softmax, so ours are its probabilities too).
"""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import xplique.metrics  # noqa: E402

from tensorboard_plugin_saliency import faithfulness  # noqa: E402

N, H, W, C, CLASSES, STEPS = 6, 10, 10, 3, 4, 10


def main():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((H, W, C)),
            keras.layers.Conv2D(6, 3, activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(CLASSES, activation="softmax"),
        ]
    )
    rng = np.random.default_rng(0)
    images = rng.random((N, H, W, C)).astype(np.float32)
    masks = rng.standard_normal((N, H, W, C)).astype(np.float32)  # Xplique: channel mean
    classes = rng.integers(0, CLASSES, N)
    one_hot = np.eye(CLASSES, dtype=np.float32)[classes]
    out = {}
    for kind, metric_class, start in [
        ("deletion", xplique.metrics.Deletion, {"fill": 0.0}),
        ("insertion", xplique.metrics.Insertion, {"blur": 0}),
    ]:
        metric = metric_class(model, images, one_hot, batch_size=16, baseline_mode=0.0, steps=STEPS)
        ours = getattr(faithfulness, kind)(
            model, images, masks, classes, steps=STEPS, random_baseline=False, **start
        )
        out[kind] = {
            "xplique_auc": float(metric.evaluate(masks)),
            "xplique_curve": [float(v) for v in metric.detailed_evaluate(masks).values()],
            "ours_auc": float(ours.auc.mean()),
            "ours_curve": ours.curves.mean(axis=0).tolist(),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
