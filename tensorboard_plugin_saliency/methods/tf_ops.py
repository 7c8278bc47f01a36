"""The array operations the methods' math uses, for TensorFlow (see `adapter.Ops`)."""

import numpy as np
import tensorflow as tf


class TfOps:
    """`adapter.Ops` on TensorFlow tensors; every operation also runs traced."""

    name = "tensorflow"
    channels_first = False
    """Where a dense output (segmentation scores) keeps its classes: `[N, H, W, K]`."""

    @staticmethod
    def as_tensor(x):
        return tf.convert_to_tensor(x)

    @staticmethod
    def constant(array, dtype="float32"):
        return tf.constant(np.asarray(array), getattr(tf, dtype))

    @staticmethod
    def numpy(x):
        return x.numpy() if hasattr(x, "numpy") else np.asarray(x)

    @staticmethod
    def gather(x, rows):
        return tf.gather(x, rows)

    @staticmethod
    def pick(scores, columns):
        return tf.gather(scores, tf.cast(columns, tf.int32), batch_dims=1)

    @staticmethod
    def argmax(x, axis):
        return tf.argmax(x, axis=axis, output_type=tf.int32)

    @staticmethod
    def max(x, axis):
        return tf.reduce_max(x, axis=axis)

    @staticmethod
    def reshape(x, shape):
        return tf.reshape(x, shape)

    @staticmethod
    def transpose(x, perm):
        return tf.transpose(x, perm)

    @staticmethod
    def concat(xs, axis=0):
        return tf.concat(list(xs), axis)

    @staticmethod
    def where(condition, x, y):
        return tf.where(condition, x, y)

    @staticmethod
    def abs(x):
        return tf.abs(x)

    @staticmethod
    def relu(x):
        return tf.nn.relu(x)

    @staticmethod
    def softmax(x):
        return tf.nn.softmax(x)

    @staticmethod
    def sum(x, axis, keepdims=False):
        return tf.reduce_sum(x, axis, keepdims=keepdims)

    @staticmethod
    def min(x, axis, keepdims=False):
        return tf.reduce_min(x, axis, keepdims=keepdims)

    @staticmethod
    def mean(x, axis, keepdims=False):
        return tf.reduce_mean(x, axis, keepdims=keepdims)

    @staticmethod
    def mean_per_row(x):
        return tf.reduce_mean(tf.reshape(x, [tf.shape(x)[0], -1]), axis=1)

    @staticmethod
    def einsum(equation, *operands):
        return tf.einsum(equation, *operands)

    @staticmethod
    def zeros_like(x):
        return tf.zeros_like(x)

    @staticmethod
    def broadcast_to(x, shape):
        try:
            return tf.broadcast_to(tf.cast(x, tf.float32), shape)
        except (ValueError, tf.errors.InvalidArgumentError) as e:
            raise ValueError(f"cannot broadcast {tuple(x.shape)} to {tuple(shape)}") from e


OPS = TfOps()
