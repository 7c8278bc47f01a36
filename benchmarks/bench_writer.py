"""Size, precision and speed of the saliency writer.

A batch of 8 images at 224x224 with 3 masks each (smooth masks and noisy gradient-like
masks). Every figure is a ratio against a baseline measured in the same run:

- stored bytes per mask / raw float32 bytes of the mask,
- largest de-quantisation error / the mask's value range,
- time per summary / time of `tf.summary.image` writing the same 8 RGB images,
- record CRC throughput of `google-crc32c` / the NumPy CRC it replaced
  (`numpy_crc32c.py`),
- time per summary written and flushed to `memory://` (an fsspec store: one new
  object per flush) / to a local directory.
"""

import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

import numpy as np  # noqa: E402
import numpy_crc32c  # noqa: E402

from tensorboard_plugin_saliency import event_writer, summary  # noqa: E402
from tensorboard_plugin_saliency.format import encoding


def make_batch(seed=0, n=8, size=224):
    """Images like photographs and three masks: smooth, blob-like and gradient-like."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    base = np.stack([np.sin(6 * xx + k) * np.cos(4 * yy - k) for k in range(3)], -1)
    images = np.clip(0.5 + 0.35 * base[None] + 0.08 * rng.normal(size=(n, size, size, 3)), 0, 1)
    smooth = np.stack(
        [np.exp(-((xx - 0.3 - 0.05 * i) ** 2 + (yy - 0.6) ** 2) / 0.02) for i in range(n)]
    ).astype(np.float32)
    blobs = np.stack([np.cos(3 * xx * (i + 1)) * np.sin(5 * yy) for i in range(n)])
    gradients = (
        rng.standard_t(3, size=(n, size, size, 3)) * 1e-3 * (1 + 4 * smooth[..., None])
    ).astype(np.float32)
    masks = {"smooth": smooth, "blobs": blobs.astype(np.float32), "gradients": gradients}
    return (images * 255).round().astype(np.uint8), masks


def flushed(writer, images, masks, step):
    writer.add("saliency", images, masks, step, max_outputs=8)
    writer.flush()


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    quick = "--quick" in sys.argv
    repeats = 5 if quick else 15
    images, masks = make_batch()
    rows = []

    # Size and precision, per mask kind.
    for name, mask in masks.items():
        reduced = encoding.prepare_masks(mask, 8, (224, 224), "sum")[0][1]
        stored = raw = 0
        worst = 0.0
        for values in reduced:
            blob, info = encoding.encode_mask(values)
            stored += len(blob)
            raw += values.astype(np.float32).nbytes
            decoded = encoding.decode_mask(blob, info)
            worst = max(
                worst, float(np.abs(decoded - values).max() / (values.max() - values.min()))
            )
        rows.append(
            ("bytes per %s mask / raw float32" % name, stored / raw, "<= 0.5", stored / raw <= 0.5)
        )
        rows.append(
            (
                "max error / range, %s mask" % name,
                worst * 65535,
                "<= 1 (x 1/65535)",
                worst <= 1 / 65535,
            )
        )

    # Speed against tf.summary.image writing the same images.
    import tensorflow as tf

    with tempfile.TemporaryDirectory() as tmp:
        writer = tf.summary.create_file_writer(tmp)
        image_tensor = tf.constant(images)
        with writer.as_default():
            tf.summary.image("warmup", image_tensor, step=0, max_outputs=8)
            summary.saliency("warmup", images, masks, step=0, max_outputs=8)
            step = iter(range(1, 10**6))
            t_image = median_time(
                lambda: tf.summary.image("images", image_tensor, step=next(step), max_outputs=8),
                repeats,
            )
            t_tf_op = median_time(
                lambda: summary.saliency("saliency", images, masks, step=next(step), max_outputs=8),
                repeats,
            )
        writer.close()
        with summary.SaliencyWriter(os.path.join(tmp, "plain")) as plain:
            t_writer = median_time(
                lambda: plain.add("saliency", images, masks, next(step), max_outputs=8), repeats
            )
    rows.append(
        (
            "time: summary.saliency / tf.summary.image",
            t_tf_op / t_image,
            "<= 2.0",
            t_tf_op / t_image <= 2.0,
        )
    )
    rows.append(
        (
            "time: SaliencyWriter.add / tf.summary.image",
            t_writer / t_image,
            "<= 2.0",
            t_writer / t_image <= 2.0,
        )
    )

    # Record CRCs: the C library against the NumPy CRC it replaced, on a record's worth.
    record = np.random.default_rng(1).integers(0, 256, 8 << 20, dtype=np.uint8).tobytes()
    assert event_writer.masked_crc32c(record) == numpy_crc32c.masked_crc32c(record)
    t_numpy = median_time(lambda: numpy_crc32c.masked_crc32c(record), repeats)
    t_crc = median_time(lambda: event_writer.masked_crc32c(record), repeats)
    rows.append(
        (
            "CRC throughput: google-crc32c / NumPy CRC before",
            t_numpy / t_crc,
            ">= 10",
            t_numpy / t_crc >= 10,
        )
    )

    # Object storage: each flush uploads what is new as one object.
    with tempfile.TemporaryDirectory() as tmp:
        step = iter(range(10**6))
        with summary.SaliencyWriter(os.path.join(tmp, "local")) as local:
            t_local = median_time(lambda: flushed(local, images, masks, next(step)), repeats)
        with summary.SaliencyWriter("memory://bench-writer/run") as remote:
            t_memory = median_time(lambda: flushed(remote, images, masks, next(step)), repeats)
    rows.append(
        (
            "time: add + flush to memory:// / to a local directory",
            t_memory / t_local,
            "<= 1.5",
            t_memory / t_local <= 1.5,
        )
    )
    print(
        "CRC-32C of 8 MiB: NumPy %.1f ms (%.2f GB/s), google-crc32c %.2f ms (%.1f GB/s); "
        "add + flush: local %.1f ms, memory:// %.1f ms"
        % (
            t_numpy * 1e3,
            len(record) / t_numpy / 1e9,
            t_crc * 1e3,
            len(record) / t_crc / 1e9,
            t_local * 1e3,
            t_memory * 1e3,
        )
    )

    print(
        "bench_writer: 8 images 224x224x3, 3 masks each; tf.summary.image %.1f ms, "
        "summary.saliency %.1f ms, SaliencyWriter.add %.1f ms (medians of %d)"
        % (t_image * 1e3, t_tf_op * 1e3, t_writer * 1e3, repeats)
    )
    width = max(len(r[0]) for r in rows)
    print("%-*s  %9s  %-16s  %s" % (width, "figure", "value", "target", "ok"))
    for figure, value, target, ok in rows:
        print("%-*s  %9.4f  %-16s  %s" % (width, figure, value, target, "yes" if ok else "NO"))
    return 0 if all(r[3] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
