"""Runs the methods and `SaliencyCallback` under `tf.distribute`, in a process of its own.

Splitting the CPU into logical devices must happen before TensorFlow initialises
them, which the pytest process has long done, and `MultiWorkerMirroredStrategy`
needs one process per worker; so the tests run this script and read the JSON it
prints on its last line of stdout.

    python distribute_worker.py methods
        MirroredStrategy over 2 logical CPUs: every method of the methods tests'
        table, single device vs `strategy=` vs inside `strategy.scope()`.
    python distribute_worker.py fit LOGDIR
        MirroredStrategy over 2 logical CPUs: `model.fit` with the callback.
    python distribute_worker.py fit LOGDIR --multi-worker
        One worker of MultiWorkerMirroredStrategy (its cluster and task from the
        TF_CONFIG variable): `model.fit` with the callback, writing to LOGDIR.
"""

import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", ".."), os.path.join(HERE, "..", "methods")]

import tensorflow as tf  # noqa: E402

EPOCHS = 2
"""Epochs of the `fit` runs."""


def split_cpu(count=2):
    """Splits the CPU into `count` logical devices; returns their names."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * count
    )
    return [device.name for device in tf.config.list_logical_devices("CPU")]


def relative_error(actual, expected):
    import numpy as np

    return float(np.max(np.abs(actual - expected)) / np.max(np.abs(expected)))


def run_methods():
    """`{method: {"explicit": error, "scope": error, "chunked": error}}` and the
    kinds of traced functions that ran on the strategy's replicas."""
    devices = split_cpu()
    import numpy as np
    from methods_testing import CASES, C, H, N, W, small_cnn

    from tensorboard_plugin_saliency import methods
    from tensorboard_plugin_saliency.methods import engine

    strategy = tf.distribute.MirroredStrategy(devices)
    with strategy.scope():
        model = small_cnn()
    images = np.random.default_rng(0).random((N, H, W, C)).astype(np.float32)
    errors = {}
    for name, params in CASES:
        function = methods.METHODS[name]
        single = function(model, images, **params)
        explicit = function(model, images, strategy=strategy, **params)
        # batch_size 2: N images per point in chunks of 2 rows per replica,
        # the last chunk padded.
        chunked = function(model, images, strategy=strategy, batch_size=2, **params)
        with strategy.scope():
            scope = function(model, images, **params)
        errors[name] = {
            "explicit": relative_error(explicit, single),
            "chunked": relative_error(chunked, single),
            "scope": relative_error(scope, single),
        }
    kinds = sorted(
        "%s/%s" % (key[0] if isinstance(key[0], str) else key[0].__name__, key[1:-1])
        for key in engine.TRACED[model]
        if isinstance(key, tuple) and key[-1] is strategy
    )
    return {
        "devices": devices,
        "replicas": engine.local_replicas(strategy),
        "errors": errors,
        "distributed": kinds,
    }


def _data():
    import numpy as np

    rng = np.random.default_rng(0)
    images = rng.random((32, 12, 12, 3)).astype(np.float32)
    return images, _classes(images).numpy()


def _classes(images):
    """The toy problem's class of each image: whether its red channel is bright."""
    return tf.cast(tf.reduce_mean(images[..., 0], axis=(1, 2)) > 0.5, tf.int32)


def _layers():
    return [
        tf.keras.Input((12, 12, 3)),
        tf.keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv"),
        tf.keras.layers.GlobalAveragePooling2D(),
        tf.keras.layers.Dense(2),
    ]


class ImagesOnly(tf.keras.Sequential):
    """A model trained on batches of bare images, its classes made from them.

    Keras 3.15's `fit` under a MultiWorkerMirroredStrategy of 2+ workers fails
    on (x, y) batches (`_maybe_symbolic_build` passes the tuple to
    `strategy.reduce`; keras-team/keras#20329) and on scalar logs
    (`reduce_per_replica` reduces them along axis 0). So this model's batches
    are bare images and its train step returns its loss with shape [1].
    """

    def train_step(self, images):
        with tf.GradientTape() as tape:
            scores = self(images, training=True)
            loss = tf.reduce_mean(
                tf.keras.losses.sparse_categorical_crossentropy(
                    _classes(images), scores, from_logits=True
                )
            )
        self.optimizer.apply(
            tape.gradient(loss, self.trainable_variables), self.trainable_variables
        )
        return {"loss": tf.reshape(loss, [1])}


def run_fit(logdir, multi_worker):
    """Trains EPOCHS epochs with the callback writing to `logdir`."""
    import numpy as np

    from tensorboard_plugin_saliency import methods
    from tensorboard_plugin_saliency.callbacks import SaliencyCallback, is_chief

    if multi_worker:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    else:
        strategy = tf.distribute.MirroredStrategy(split_cpu())
    images, classes = _data()
    tf.keras.utils.set_random_seed(0)
    with strategy.scope():
        if multi_worker:  # Its train step has its own loss.
            model = ImagesOnly(_layers())
            model.compile(tf.keras.optimizers.SGD(0.5))
        else:
            model = tf.keras.Sequential(_layers())
            model.compile(
                tf.keras.optimizers.SGD(0.5),
                tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            )
    callback = SaliencyCallback(
        logdir,
        images[:3],
        classes[:3],
        methods=("gradients", "integrated_gradients", "grad_cam"),
    )
    if multi_worker:
        # Every worker reads the whole data set: the test is about the callback.
        options = tf.data.Options()
        policy = tf.data.experimental.AutoShardPolicy.OFF
        options.experimental_distribute.auto_shard_policy = policy
        data = tf.data.Dataset.from_tensor_slices(images).batch(8).with_options(options)
        model.fit(data, epochs=EPOCHS, verbose=0, callbacks=[callback])
    else:
        model.fit(images, classes, batch_size=8, epochs=EPOCHS, verbose=0, callbacks=[callback])
    callback.close()
    # The last step's masks against the trained model's, on one device.
    expected = methods.gradients(model, images[:3], classes[:3], strategy=None).sum(axis=3)
    resolver = strategy.cluster_resolver
    return {
        "task": [getattr(resolver, "task_type", None), getattr(resolver, "task_id", None)],
        "replicas": strategy.num_replicas_in_sync,
        "is_chief": is_chief(strategy),
        "should_save_summary": strategy.extended.should_save_summary,
        "logdir_exists": os.path.exists(logdir),
        "expected_gradients": np.asarray(expected).tolist(),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("methods", "fit"))
    parser.add_argument("logdir", nargs="?")
    parser.add_argument("--multi-worker", action="store_true")
    args = parser.parse_args()
    result = run_methods() if args.mode == "methods" else run_fit(args.logdir, args.multi_worker)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
