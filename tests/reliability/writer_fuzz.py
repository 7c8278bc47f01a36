"""Writer fuzzing: random arguments to `SaliencyWriter.add`, checked against the spec.

Each case draws an image, masks, labels, params, tag, step and options. An
independent oracle (`expect_*`, written from docs/format.md and the writer's
docstrings, not from its code) says whether the arguments are valid and what
`read_saliency` must give back. Then:

- valid: the summary is written and reads back equal (images exactly, masks within
  half a quantisation step, labels, params, description, tag and step exactly);
- invalid: `add` raises `ValueError` or `TypeError` with a non-empty message, and the
  event file holds no summary at all (nothing partly written);
- anything else (another exception, a mismatch) is a problem.
"""

import math
import os
import shutil
import tempfile
import time
import traceback

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from tensorboard.backend.event_processing import event_file_loader

from tensorboard_plugin_saliency import reader, summary
from tests.reliability.common import Result

CH = (1, 3, 4)
MAX_SIDE = 8192
REJECT = "reject"


class Reject(Exception):
    pass


# ---------------------------------------------------------------------------
# The oracle.


def _as_array(value):
    try:
        array = np.asarray(value)
    except (ValueError, TypeError):
        raise Reject("not an array") from None
    if array.dtype.kind not in "biuf":
        raise Reject("dtype %s" % array.dtype)
    if array.size == 0:
        raise Reject("empty")
    return array


def expect_images(image):
    """uint8 [N,H,W,C] the writer must store for `image`, or raises Reject."""
    a = _as_array(image)
    if a.ndim == 2:
        a = a[None, :, :, None]
    elif a.ndim == 3:
        a = a[None]
    elif a.ndim != 4:
        raise Reject("image rank")
    if a.shape[-1] not in CH:
        if a.shape[1] in CH:
            a = np.moveaxis(a, 1, -1)
        else:
            raise Reject("image channels")
    if a.shape[1] > MAX_SIDE or a.shape[2] > MAX_SIDE:
        raise Reject("image side")
    if a.dtype.kind == "b":
        raise Reject("bool image")
    if a.dtype.kind == "f":
        if not np.isfinite(a).all() or a.min() < 0 or a.max() > 1:
            raise Reject("float image range")
        return np.rint(a.astype(np.float64) * 255).astype(np.uint8)
    if a.min() < 0 or a.max() > 255:
        raise Reject("int image range")
    return a.astype(np.uint8)


def _channel_axis(dims, image_hw):
    a, b, c = dims
    last = c in CH and (a, b) == image_hw
    first = a in CH and (b, c) == image_hw
    if last != first:
        return -1 if last else 0
    if not last:
        last, first = c in CH, a in CH
        if last != first:
            return -1 if last else 0
    raise Reject("ambiguous mask channels")


def _valid_name(name):
    return (
        isinstance(name, str)
        and name.strip() != ""
        and len(name) <= 1024
        and not any(ord(c) < 32 or ord(c) == 127 for c in name)
    )


def expect_mask(value, n, image_hw, reduction):
    """float32 [n,h,w] the writer must store for one mask, or raises Reject."""
    a = _as_array(value)
    if a.ndim == 2:
        if n != 1:
            raise Reject("2-D mask for a batch")
        a = a[None, :, :, None]
    elif a.ndim == 3:
        if a.shape[0] == n:
            a = a[:, :, :, None]
        elif n == 1:
            a = (a if _channel_axis(a.shape, image_hw) == -1 else np.moveaxis(a, 0, -1))[None]
        else:
            raise Reject("mask batch")
    elif a.ndim == 4:
        if a.shape[0] != n:
            raise Reject("mask batch")
        if _channel_axis(a.shape[1:], image_hw) == 0:
            a = np.moveaxis(a, 1, -1)
    else:
        raise Reject("mask rank")
    v = a.astype(np.float32)
    if v.shape[-1] == 1:
        r = v[..., 0]
    elif reduction == "sum":
        r = v.sum(axis=-1, dtype=np.float32)
    elif reduction == "abs_sum":
        r = np.abs(v).sum(axis=-1, dtype=np.float32)
    else:
        r = np.abs(v).max(axis=-1)
    if not np.isfinite(r).all():
        raise Reject("non-finite mask")
    if r.shape[1] > MAX_SIDE or r.shape[2] > MAX_SIDE:
        raise Reject("mask side")
    return r


def expect_all(args):
    """The expected record fields for `args`, or raises Reject."""
    tag, step = args["tag"], args["step"]
    if not _valid_name(tag):
        raise Reject("tag")
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)):
        raise Reject("step")
    max_outputs = args["max_outputs"]
    if isinstance(max_outputs, bool) or not isinstance(max_outputs, (int, np.integer)):
        raise Reject("max_outputs type")
    if max_outputs < 1:
        raise Reject("max_outputs")
    if args["channel_reduction"] not in ("sum", "abs_sum", "max_abs"):
        raise Reject("channel_reduction")
    images = expect_images(args["image"])
    n = images.shape[0]
    masks = args["masks"]
    if isinstance(masks, dict):
        if not masks:
            raise Reject("no masks")
        items = list(masks.items())
    else:
        items = [("mask", masks)]
    expected_masks = {}
    for name, value in items:
        if not _valid_name(name):
            raise Reject("mask name")
        expected_masks[name] = expect_mask(value, n, images.shape[1:3], args["channel_reduction"])
    labels = args["labels"]
    if labels is not None:
        if isinstance(labels, (str, bytes)):
            labels = [labels]
        if not isinstance(labels, (list, tuple)):
            raise Reject("labels type")
        if len(labels) != n:
            raise Reject("labels count")
        labels = [x.decode("utf-8", "replace") if isinstance(x, bytes) else x for x in labels]
        if not all(isinstance(x, str) for x in labels):
            raise Reject("label type")
    params = {name: {} for name in expected_masks}
    if args["method_params"] is not None:
        mp = args["method_params"]
        if not isinstance(mp, dict):
            raise Reject("method_params type")
        for name, value in mp.items():
            if name not in params or not isinstance(value, dict):
                raise Reject("method_params key/value")
            if not _json_ok(value):
                raise Reject("method_params json")
            params[name] = value
    kept = min(n, int(max_outputs))
    return {
        "tag": tag,
        "step": int(step),
        "images": images[:kept],
        "masks": {k: v[:kept] for k, v in expected_masks.items()},
        "labels": None if labels is None else list(labels[:kept]),
        "params": params,
        "description": args["description"] or "",
    }


def _json_ok(value):
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (str, int, bool)) or value is None:
        return True
    if isinstance(value, list):
        return all(_json_ok(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_ok(v) for k, v in value.items())
    return False


# ---------------------------------------------------------------------------
# Strategies.

DTYPES = ["uint8", "float32", "float64", "float16", "int32", "int64", "uint16", "bool"]
names = st.one_of(
    st.sampled_from(["grad", "ig", "<b>x</b>", "smooth grad", "Grad-CAM ★"]),
    st.text(max_size=12),
    st.text(min_size=1025, max_size=1030, alphabet="ab"),
)


def _values(draw, shape, dtype, kind, clean=False):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if dtype == "bool":
        return rng.random(shape) > 0.5
    if dtype.startswith("float"):
        if kind == "image":
            v = rng.random(shape)
        else:
            scale = draw(st.sampled_from([1e-6, 1.0, 1e3, 1e30]))
            v = rng.standard_normal(shape) * scale
            if draw(st.booleans()):
                v[...] = draw(st.sampled_from([0.0, 1.5, -2.0]))  # constant mask
        bad = (
            None
            if clean
            else draw(st.sampled_from([None, None, None, np.nan, np.inf, -np.inf, 2.0, -0.5]))
        )
        if bad is not None and v.size:
            v.flat[draw(st.integers(0, v.size - 1))] = bad
        with np.errstate(over="ignore"):  # 1e30 as float16 is inf: a case too
            return v.astype(dtype)
    info = np.iinfo(dtype)
    hi = 256 if kind == "image" else min(info.max, 1000)
    lo = 0 if kind == "image" or info.min == 0 else -1000
    v = rng.integers(lo, hi, size=shape).astype(dtype)
    if (
        not clean
        and kind == "image"
        and draw(st.integers(0, 9)) == 0
        and v.size
        and dtype != "uint8"
    ):
        v.flat[0] = draw(st.sampled_from([256, -1])) if info.min < 0 else 300
    return v


@st.composite
def arrays_for(draw, n, h, w, kind, clean=False):
    if clean:
        layout = draw(st.sampled_from(["nhwc", "nhw"] if kind == "mask" else ["nhwc"]))
        c = draw(st.sampled_from([1, 3, 4]))
        dtype = draw(
            st.sampled_from(["float32", "float64"] if kind == "mask" else ["uint8", "float32"])
        )
        values = _values(draw, {"nhwc": (n, h, w, c), "nhw": (n, h, w)}[layout], dtype, kind, clean)
        return values
    layout = draw(
        st.sampled_from(
            [
                "nhwc",
                "nhwc",
                "nhw",
                "hwc",
                "hw",
                "nchw",
                "chw",
                "rank1",
                "rank5",
                "empty",
                "list",
                "ragged",
                "string",
                "other_batch",
                "other_size",
            ]
        )
    )
    c = draw(st.sampled_from([1, 3, 4, 1, 3, 2, 5]))
    dtype = draw(st.sampled_from(DTYPES))
    if layout == "string":
        return draw(st.sampled_from(["abc", None, {"a": 1}, object()]))
    if layout == "ragged":
        return [np.zeros((h, w)), np.zeros((h + 1, w))]
    if layout == "empty":
        return np.zeros((n, 0, w, c), dtype=dtype)
    if layout == "other_batch":
        n = n + draw(st.integers(1, 2))
    if layout == "other_size":
        h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    shape = {
        "nhwc": (n, h, w, c),
        "other_batch": (n, h, w, c),
        "other_size": (n, h, w, c),
        "nhw": (n, h, w),
        "hwc": (h, w, c),
        "hw": (h, w),
        "nchw": (n, c, h, w),
        "chw": (c, h, w),
        "rank1": (h * w,),
        "rank5": (n, 1, h, w, c),
        "list": (n, h, w),
    }[layout]
    values = _values(draw, shape, dtype, kind)
    return values.tolist() if layout == "list" else values


@st.composite
def cases(draw):
    # A third of the cases are valid throughout, the rest break anything at random.
    clean = draw(st.sampled_from([False, False, True]))
    n = draw(st.integers(1, 4))
    h, w = draw(st.integers(1, 10)), draw(st.integers(1, 10))
    image = draw(arrays_for(n, h, w, "image", clean))
    shape = getattr(image, "shape", None)
    # Masks for the batch the image really is (when it is one), to reach valid cases.
    if isinstance(shape, tuple) and len(shape) == 4 and shape[-1] in CH:
        n, h, w = shape[:3]
    elif isinstance(shape, tuple) and len(shape) in (2, 3):
        n = 1
        h, w = shape[:2]
    if draw(st.booleans()):
        masks = draw(arrays_for(n, h, w, "mask", clean))
    else:
        keys = draw(
            st.lists(
                st.sampled_from(["grad", "ig", "<b>x</b>", "Grad-CAM ★"]) if clean else names,
                min_size=1 if clean else 0,
                max_size=3,
                unique=True,
            )
        )
        masks = {k: draw(arrays_for(n, h, w, "mask", clean)) for k in keys}
        if not clean and draw(st.integers(0, 9)) == 0:
            masks[7] = np.zeros((n, h, w))  # a non-string name
    labels = draw(
        st.one_of(
            st.none(),
            st.lists(st.text(max_size=20), min_size=n, max_size=n),
        )
        if clean
        else st.one_of(
            st.none(),
            st.lists(st.text(max_size=20), min_size=n, max_size=n),
            st.lists(st.text(max_size=5), min_size=0, max_size=5),
            st.lists(
                st.one_of(st.text(max_size=3), st.integers(), st.binary(max_size=4)),
                min_size=n,
                max_size=n,
            ),
            st.text(max_size=5),
            st.integers(),
        )
    )
    mask_names = list(masks) if isinstance(masks, dict) else ["mask"]
    method_params = draw(
        st.one_of(
            st.none(),
            st.just({m: {"nsamples": 25, "note": "<i>x</i>"} for m in mask_names}),
        )
        if clean
        else st.one_of(
            st.none(),
            st.just(
                {m: {"nsamples": 25, "note": "<i>x</i>"} for m in mask_names if isinstance(m, str)}
            ),
            st.just({"not a mask": {}}),
            st.just({m: 3 for m in mask_names}),
            st.just({m: {"bad": float("nan")} for m in mask_names}),
            st.just({m: {"bad": {1, 2}} for m in mask_names}),
            st.lists(st.integers(), max_size=2),
        )
    )
    if clean:
        return {
            "tag": draw(
                st.one_of(
                    st.sampled_from(["saliency", "a/b", "<script>"]),
                    st.text(min_size=1, max_size=20).filter(_valid_name),
                )
            ),
            "step": draw(st.one_of(st.integers(-5, 2**40), st.just(np.int64(7)))),
            "image": image,
            "masks": masks,
            "labels": labels,
            "description": draw(st.one_of(st.none(), st.text(max_size=30))),
            "max_outputs": draw(st.integers(1, 5)),
            "method_params": method_params,
            "channel_reduction": draw(st.sampled_from(["sum", "abs_sum", "max_abs"])),
        }

    def maybe(good, bad):  # each scalar argument is broken in one case of six
        return draw(good if draw(st.sampled_from([True] * 5 + [False])) else bad)

    return {
        "tag": maybe(
            st.sampled_from(["saliency", "a/b", "<script>", "ünï ★"]),
            st.one_of(
                st.text(max_size=20),
                st.text(min_size=1025, max_size=1026, alphabet="x"),
                st.integers(),
                st.just(""),
                st.just("a\x00b"),
            ),
        ),
        "step": maybe(
            st.integers(-5, 2**40), st.one_of(st.booleans(), st.floats(0, 10), st.just("3"))
        ),
        "image": image,
        "masks": masks,
        "labels": labels,
        "description": draw(st.one_of(st.none(), st.text(max_size=30))),
        "max_outputs": maybe(
            st.integers(1, 5), st.one_of(st.integers(-2, 0), st.booleans(), st.just(2.0))
        ),
        "method_params": method_params,
        "channel_reduction": maybe(
            st.sampled_from(["sum", "abs_sum", "max_abs"]),
            st.sampled_from(["mean", "", None, "SUM"]),
        ),
    }


# ---------------------------------------------------------------------------
# Running one case.


def _summary_events(logdir):
    count = 0
    for name in os.listdir(logdir):
        for event in event_file_loader.EventFileLoader(os.path.join(logdir, name)).Load():
            if event.HasField("summary") and event.summary.value:
                count += 1
    return count


def _compare(record, want):
    problems = []
    if record.tag != want["tag"] or record.step != want["step"]:
        problems.append(
            "tag/step %r/%r, expected %r/%r" % (record.tag, record.step, want["tag"], want["step"])
        )
    if record.images.shape != want["images"].shape or not np.array_equal(
        record.images, want["images"]
    ):
        problems.append("images differ: %s vs %s" % (record.images.shape, want["images"].shape))
    if list(record.masks) != list(want["masks"]):
        problems.append("mask names %r, expected %r" % (list(record.masks), list(want["masks"])))
    else:
        for name, expected in want["masks"].items():
            got = record.masks[name]
            if got.shape != expected.shape:
                problems.append("mask %r shape %s, expected %s" % (name, got.shape, expected.shape))
                continue
            for g, e in zip(got, expected):
                lo, hi = float(e.min()), float(e.max())
                tol = (hi - lo) / 131070 * 1.001 + 4 * np.finfo(np.float32).eps * max(
                    abs(lo), abs(hi)
                )
                err = float(np.max(np.abs(g.astype(np.float64) - e.astype(np.float64))))
                if not err <= tol:
                    problems.append("mask %r off by %g > %g" % (name, err, tol))
    if record.labels != want["labels"]:
        problems.append("labels %r, expected %r" % (record.labels, want["labels"]))
    if record.method_params != want["params"]:
        problems.append("params %r, expected %r" % (record.method_params, want["params"]))
    if record.description != want["description"]:
        problems.append("description %r, expected %r" % (record.description, want["description"]))
    return problems


def run_case(args, stats, problems):
    try:
        want = expect_all(args)
    except Reject as e:
        want = REJECT
        why = str(e)
    logdir = tempfile.mkdtemp(prefix="saliency-fuzz-")
    try:
        writer = summary.SaliencyWriter(logdir)
        error = None
        try:
            writer.add(
                args["tag"],
                args["image"],
                args["masks"],
                args["step"],
                labels=args["labels"],
                description=args["description"],
                max_outputs=args["max_outputs"],
                method_params=args["method_params"],
                channel_reduction=args["channel_reduction"],
            )
        except (ValueError, TypeError) as e:
            error = e
        except Exception as e:  # the one outcome that is always a bug
            problems.append(
                "%s raised %s: %s" % (_short(args), type(e).__name__, traceback.format_exc(limit=3))
            )
            stats["other"] += 1
            return
        finally:
            writer.close()
        if error is not None:
            stats["rejected"] += 1
            if not str(error).strip():
                problems.append("%s: %s without a message" % (_short(args), type(error).__name__))
            if want is not REJECT:
                problems.append("%s: valid input rejected: %s" % (_short(args), error))
            written = _summary_events(logdir)
            if written:
                problems.append(
                    "%s: rejected call left %d summary event(s)" % (_short(args), written)
                )
            return
        stats["written"] += 1
        if want is REJECT:
            problems.append("%s: invalid input (%s) accepted" % (_short(args), why))
            return
        records = reader.read_saliency(logdir)
        if len(records) != 1:
            problems.append("%s: read back %d records" % (_short(args), len(records)))
            return
        for p in _compare(records[0], want):
            problems.append("%s: %s" % (_short(args), p))
    finally:
        shutil.rmtree(logdir, ignore_errors=True)


def _short(args):
    def describe(v):
        if isinstance(v, np.ndarray):
            return "%s%s" % (v.dtype, list(v.shape))
        if isinstance(v, dict):
            return "{%s}" % ", ".join("%r: %s" % (str(k)[:12], describe(x)) for k, x in v.items())
        return repr(v)[:40]

    return "add(tag=%r, step=%r, image=%s, masks=%s, labels=%s, max_outputs=%r, reduction=%r)" % (
        str(args["tag"])[:20],
        args["step"],
        describe(args["image"]),
        describe(args["masks"]),
        describe(args["labels"]),
        args["max_outputs"],
        args["channel_reduction"],
    )


def run(max_examples=150, seed=None):
    """Runs the fuzzer; returns one `Result`."""
    stats = {"cases": 0, "written": 0, "rejected": 0, "other": 0}
    problems = []

    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=seed is None,
        suppress_health_check=list(HealthCheck),
    )
    @given(cases())
    def fuzz(args):
        stats["cases"] += 1
        run_case(args, stats, problems)

    if seed is not None:
        fuzz = hypothesis_seed(seed)(fuzz)

    start = time.perf_counter()
    fuzz()
    took = time.perf_counter() - start
    figures = (
        "%d cases: %d written+read back, %d rejected (ValueError/TypeError), %d other; %.1f s"
        % (stats["cases"], stats["written"], stats["rejected"], stats["other"], took)
    )
    ok = not problems and stats["cases"] >= max_examples * 0.9 and stats["written"] > 0
    return Result("writer fuzzing (hypothesis)", "-", figures, ok, problems)
