"""Writes tf-keras-vis' class-activation maps of one batch to an .npz file.

Run by tests/methods/test_tf_keras_vis_parity.py in a subprocess whose path holds
tf-keras-vis 0.8.7 (installed by .ci/setup without its dependencies, in a directory of
its own). Usage: tf_keras_vis_cams.py MODEL.keras INPUTS.npz OUTPUT.npz, where INPUTS
holds `images`, `classes` and `max_n`. Every map is tf-keras-vis' own output: upsampled
to the images (`scipy.ndimage.zoom`, order 1) and min-max scaled per image.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tf_keras_vis  # noqa: E402
from tf_keras_vis.gradcam import Gradcam  # noqa: E402
from tf_keras_vis.gradcam_plus_plus import GradcamPlusPlus  # noqa: E402
from tf_keras_vis.layercam import Layercam  # noqa: E402
from tf_keras_vis.scorecam import Scorecam  # noqa: E402
from tf_keras_vis.utils.scores import CategoricalScore  # noqa: E402


def main(model_path, inputs_path, output_path):
    model = keras.saving.load_model(model_path)
    inputs = np.load(inputs_path)
    images, classes, max_n = inputs["images"], inputs["classes"], int(inputs["max_n"])
    score = CategoricalScore([int(c) for c in classes])
    on = {"seek_penultimate_conv_layer": False}  # the layer as named, not a conv before it
    out = {
        "version": np.array(tf_keras_vis.__version__),
        "grad_cam": Gradcam(model)(score, images, penultimate_layer="conv3", **on),
        # None: tf-keras-vis' default layer, the last Conv layer.
        "grad_cam_default_layer": Gradcam(model)(score, images, penultimate_layer=None),
        "grad_cam_conv2": Gradcam(model)(score, images, penultimate_layer="conv2", **on),
        "grad_cam_plus_plus": GradcamPlusPlus(model)(
            score, images, penultimate_layer="conv3", **on
        ),
        "layer_cam": Layercam(model)(score, images, penultimate_layer="conv3", **on),
        "score_cam": Scorecam(model)(score, images, penultimate_layer="conv3", **on),
        # Faster Score-CAM on the batch: tf-keras-vis keeps the union of every image's
        # top max_N channels for all of them (we keep each image's own) ...
        "score_cam_max_n_batch": Scorecam(model)(
            score, images, penultimate_layer="conv3", max_N=max_n, **on
        ),
        # ... and one image at a time, where the two rules agree.
        "score_cam_max_n": np.concatenate(
            [
                Scorecam(model)(
                    CategoricalScore([int(c)]),
                    images[i : i + 1],
                    penultimate_layer="conv3",
                    max_N=max_n,
                    **on,
                )
                for i, c in enumerate(classes)
            ]
        ),
    }
    np.savez(output_path, **{k: np.asarray(v) for k, v in out.items()})


if __name__ == "__main__":
    main(*sys.argv[1:])
