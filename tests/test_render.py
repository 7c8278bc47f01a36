"""Tests of the server-side renderer, and that it agrees with frontend/pipeline/."""

import gzip
import io
import json
import os
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from tensorboard_plugin_saliency import render
from tensorboard_plugin_saliency.static_files import static_dir

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORE_JS = os.path.join(ROOT, "frontend", "pipeline", "index.js")
NODE = shutil.which("node")


def _gray(rgba):
    return rgba[..., 0].tolist()


# ------------------------------------------------------------------ tables


def test_colormaps_json_is_the_shared_table():
    doc = render.load_colormaps()
    assert tuple(doc["maps"]) == render.COLORMAPS
    assert doc["diverging"] == ["rdbu"]
    assert os.path.isfile(os.path.join(static_dir(), "colormaps.json"))
    for name in render.COLORMAPS:
        assert render.colormap_lut(name).shape == (256, 3)
    assert render.colormap_lut("gray")[[0, 255]].tolist() == [[0] * 3, [255] * 3]
    assert render.colormap_lut("viridis")[0].tolist() == [0x44, 0x01, 0x54]
    assert render.colormap_lut("inferno")[255].tolist() == [0xFC, 0xFF, 0xA4]
    rdbu = render.colormap_lut("rdbu").astype(int)
    assert rdbu[0, 2] > rdbu[0, 0] and rdbu[255, 0] > rdbu[255, 2]
    assert rdbu[127:129].min() >= 253


# ------------------------------------------------------------------ known pixels


def test_sign_modes_on_gray():
    mask = np.array([[-1, -0.5, 0, 0.5, 1, 2]], np.float32)

    def row(sign):
        return _gray(render.colorize(mask, colormap="gray", clip_value=1, sign=sign))[0]

    assert row("absolute") == [255, 128, 0, 128, 255, 255]
    assert row("positive") == [0, 0, 0, 128, 255, 255]
    assert row("negative") == [255, 128, 0, 0, 0, 0]
    assert row("signed") == [0, 64, 128, 191, 255, 255]


def test_percentile_clip_like_pair():
    # |v| = 0..100: the 99th percentile is 99, so 99 and 100 saturate.
    mask = np.array([[i if i % 2 == 0 else -i for i in range(101)]], np.float32)
    assert render.compute_clip(mask) == 99
    assert render.percentile(np.abs(mask), 99) == np.percentile(np.abs(mask), 99)
    out = render.render_overlay(np.zeros((1, 101), np.uint8), mask, colormap="gray", opacity=1.0)
    assert out[0, 99, 0] == 255 and out[0, 100, 0] == 255
    assert out[0, 98, 0] == int(np.floor(98 / 99 * 255 + 0.5))
    # shared clip across masks = percentile of the union
    other = np.full((3, 3), 1000, np.float32)
    assert render.compute_clip([mask, other], clip=100) == 1000


def test_mass_clip_like_captum():
    v = np.array([[1, 1, 1, 1, 96]], np.float32)
    assert render.compute_clip(v, clip=4, clip_mode="mass") == 1
    assert render.compute_clip(v, clip=5, clip_mode="mass") == 96


def test_threshold_keeps_top_percent():
    mask = (np.arange(100, dtype=np.float32) / 99).reshape(10, 10)
    out = render.colorize(mask, colormap="gray", clip_value=1, threshold=10)
    assert np.flatnonzero(out[..., 3]).tolist() == list(range(90, 100))
    img = np.full((10, 10, 3), 7, np.uint8)
    rgba = render.render_overlay(img, mask, colormap="gray", threshold=10, opacity=1.0)
    assert rgba[0, 0].tolist() == [7, 7, 7, 255]
    assert rgba[9, 9].tolist() == [255, 255, 255, 255]


def test_opacity_blend_and_transparent_image():
    img = np.array([[[100, 100, 100, 255], [0, 0, 0, 0]]], np.uint8)
    overlay = np.array([[[200, 0, 50, 255], [200, 0, 50, 128]]], np.uint8)
    out = render.composite(img, overlay, 0.5)
    assert out[0, 0].tolist() == [150, 50, 75, 255]
    assert out[0, 1].tolist() == [200, 0, 50, 64]
    assert render.composite(img, overlay, 0).tolist() == img.tolist()


def test_small_mask_is_scaled_nearest_and_bilinear():
    mask = np.array([[0, 1], [1, 0]], np.float32)
    img = np.zeros((4, 4), np.uint8)
    near = render.render_overlay(img, mask, colormap="gray", opacity=1.0, clip=100, smooth=False)
    assert _gray(near)[0] == [0, 0, 255, 255]
    assert _gray(near)[3] == [255, 255, 0, 0]
    bil = render.render_overlay(img, mask, colormap="gray", opacity=1.0, clip=100, smooth=True)
    assert _gray(bil)[0] == [0, 64, 191, 255]
    assert bil[1, 1, 0] == 96  # 0.375 * 255


def test_tint_mode_and_show_mask():
    mask = np.array([[0, 0.5, 1]], np.float32)
    out = render.colorize(mask, clip_value=1, mode="tint", tint=(10, 20, 30))
    assert out[0].tolist() == [[10, 20, 30, 0], [10, 20, 30, 128], [10, 20, 30, 255]]
    img = np.full((1, 3, 3), 9, np.uint8)
    assert render.render_overlay(img, mask, show_mask=False).tolist() == [[[9, 9, 9, 255]] * 3]


def test_image_forms_and_png():
    mask = np.ones((2, 2), np.float32)
    for img in (
        np.zeros((2, 2)),
        np.zeros((2, 2, 1), np.uint8),
        np.zeros((2, 2, 3), np.float32),
        np.zeros((2, 2, 4), np.uint8),
    ):
        assert render.render_overlay(img, mask).shape == (2, 2, 4)
    png = render.png_bytes(np.zeros((2, 2, 3), np.uint8), mask, colormap="gray", opacity=1.0)
    pic = Image.open(io.BytesIO(png))
    assert pic.mode == "RGB" and np.asarray(pic).tolist() == [[[255] * 3] * 2] * 2


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(colormap="rainbow"), "colormap: expected one of inferno, viridis"),
        (dict(sign="both"), "sign: expected one of absolute, positive, negative, signed"),
        (dict(opacity=1.5), r"opacity: expected a number in \[0, 1\]"),
        (dict(opacity=-0.1), "opacity"),
        (dict(clip=0), r"clip: expected a percentage in \(0, 100\]"),
        (dict(clip=101), "clip"),
        (dict(threshold=0), "threshold"),
        (dict(mode="x"), "mode: expected one of heatmap, tint"),
        (dict(clip_mode="x"), "clip_mode: expected one of percentile, mass"),
        (dict(tint=(1, 2)), "tint must be 3 numbers"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        render.render_overlay(np.zeros((2, 2, 3), np.uint8), np.ones((2, 2), np.float32), **kwargs)


def test_bad_arrays():
    with pytest.raises(ValueError, match=r"mask must be a numeric array \[h, w\]"):
        render.render_overlay(np.zeros((2, 2)), np.ones((2, 2, 3)))
    with pytest.raises(ValueError, match="finite"):
        render.render_overlay(np.zeros((2, 2)), np.full((2, 2), np.nan))
    with pytest.raises(ValueError, match="image must be"):
        render.render_overlay(np.zeros((2, 2, 5)), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"values in \[0, 1\]"):
        render.render_overlay(np.full((2, 2), 2.0), np.ones((2, 2)))


# ------------------------------------------------------------------ parity with frontend/pipeline/

_NODE_SCRIPT = r"""
import { readFileSync, writeFileSync } from "node:fs";
import zlib from "node:zlib";
const core = await import(process.argv[2]);
const dir = process.argv[3];
const tables = JSON.parse(readFileSync(process.argv[4], "utf8"));
const spec = JSON.parse(readFileSync(dir + "/spec.json", "utf8"));
const f32 = (name) => { const b = readFileSync(dir + "/" + name); return new Float32Array(b.buffer, b.byteOffset, b.length / 4); };
const results = {};
for (const c of spec.cases) {
  const mask = f32(c.mask);
  const [h, w] = c.mask_shape;
  const img = readFileSync(dir + "/" + c.image);
  const image = { width: c.size[1], height: c.size[0], data: new Uint8ClampedArray(img.buffer, img.byteOffset, img.length) };
  const sign = c.sign;
  const clip = core.computeClip([mask], { sign, clip: c.clip, clipMode: c.clip_mode });
  const lut = core.colormapLUT(tables, c.colormap);
  const overlay = core.colorizeMask(mask, { width: w, height: h }, {
    lut, mode: c.mode, sign, clip, threshold: c.threshold, smooth: c.smooth, outWidth: c.size[1], outHeight: c.size[0] });
  const out = core.composite(image, overlay, c.opacity);
  writeFileSync(dir + "/" + c.name + ".overlay", overlay);
  writeFileSync(dir + "/" + c.name + ".out", out.data);
  results[c.name] = { clip };
}
for (const d of spec.decode) {
  const bytes = new Uint8Array(zlib.gunzipSync(readFileSync(dir + "/" + d.file)));
  const v = core.decodeMask(bytes, d);
  writeFileSync(dir + "/" + d.file + ".decoded", v);
}
writeFileSync(dir + "/results.json", JSON.stringify(results));
"""


def _encode_mask(mask):
    """The u16planes+gzip encoding of docs/format.md, and the values it keeps."""
    mask = np.asarray(mask, np.float32)
    lo, hi = float(mask.min()), float(mask.max())
    if hi > lo:
        q = np.round((mask.astype(np.float64) - lo) / (hi - lo) * 65535)
    else:
        q = np.zeros(mask.shape)
    q = q.astype(np.uint16).ravel()
    planes = np.concatenate([(q >> 8).astype(np.uint8), (q & 255).astype(np.uint8)])
    kept = (lo + q * (hi - lo) / 65535).astype(np.float32).reshape(mask.shape)
    return gzip.compress(planes.tobytes()), lo, hi, kept


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_same_output_as_core_js(tmp_path):
    rng = np.random.default_rng(0)
    H, W = 40, 56
    yy, xx = np.mgrid[0:H, 0:W]
    big = (np.sin(xx / 5.0) * np.cos(yy / 7.0) * 0.02 + rng.standard_t(2, (H, W)) * 1e-3).astype(
        np.float32
    )
    small = rng.normal(0, 1, (7, 9)).astype(np.float32)
    small[0, 0] = 0  # exact zeros reach the threshold's "s > 0" rule
    image = rng.integers(0, 256, (H, W, 4), dtype=np.uint8)
    image[..., 3] = np.where(xx < 50, 255, rng.integers(0, 256, (H, W)))
    big.tofile(tmp_path / "big.f32")
    small.tofile(tmp_path / "small.f32")
    image.tofile(tmp_path / "image.rgba")
    cases = []
    grid = [
        ("big", "inferno", "absolute", 99, "percentile", None, True, "heatmap"),
        ("big", "rdbu", "signed", 99, "percentile", None, True, "heatmap"),
        ("big", "viridis", "positive", 95, "percentile", 20, True, "heatmap"),
        ("big", "turbo", "negative", 98, "mass", None, True, "heatmap"),
        ("big", "magma", "absolute", 98, "mass", 5, True, "tint"),
        ("big", "gray", "signed", 90, "percentile", 30, True, "tint"),
        ("small", "jet", "absolute", 99, "percentile", None, True, "heatmap"),
        ("small", "rdbu", "signed", 99, "percentile", 40, True, "heatmap"),
        ("small", "inferno", "positive", 100, "percentile", None, False, "heatmap"),
        ("small", "gray", "negative", 97, "mass", 50, False, "tint"),
    ]
    for k, (m, cmap, sign, clip, clip_mode, thr, smooth, mode) in enumerate(grid):
        cases.append(
            dict(
                name="case%d" % k,
                mask=m + ".f32",
                mask_shape=list((big if m == "big" else small).shape),
                image="image.rgba",
                size=[H, W],
                colormap=cmap,
                sign=sign,
                clip=clip,
                clip_mode=clip_mode,
                threshold=thr,
                smooth=smooth,
                mode=mode,
                opacity=[0.5, 0.8, 1.0, 0.3][k % 4],
            )
        )
    decode = []
    for k, m in enumerate([big, small, np.full((3, 4), 2.5, np.float32)]):
        gz, lo, hi, kept = _encode_mask(m)
        (tmp_path / ("m%d.gz" % k)).write_bytes(gz)
        decode.append(
            dict(file="m%d.gz" % k, width=m.shape[1], height=m.shape[0], min=lo, max=hi, kept=kept)
        )
    spec = dict(cases=cases, decode=[{k: v for k, v in d.items() if k != "kept"} for d in decode])
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    (tmp_path / "run.mjs").write_text(_NODE_SCRIPT)
    subprocess.run(
        [
            NODE,
            str(tmp_path / "run.mjs"),
            "file://" + CORE_JS,
            str(tmp_path),
            os.path.join(static_dir(), "colormaps.json"),
        ],
        check=True,
        timeout=60,
    )
    results = json.loads((tmp_path / "results.json").read_text())

    for c in cases:
        mask = big if c["mask"] == "big.f32" else small
        clip = render.compute_clip(mask, c["sign"], c["clip"], c["clip_mode"])
        assert clip == results[c["name"]]["clip"], c
        overlay = render.colorize(
            mask,
            (H, W),
            colormap=c["colormap"],
            clip_value=clip,
            sign=c["sign"],
            threshold=c["threshold"],
            smooth=c["smooth"],
            mode=c["mode"],
        )
        js_overlay = np.fromfile(tmp_path / (c["name"] + ".overlay"), np.uint8).reshape(H, W, 4)
        # Same formulas, same float64 operation order: bit-exact by design
        # (the brief allows +-1; any difference means the two drifted apart).
        np.testing.assert_array_equal(overlay, js_overlay, err_msg=str(c))
        if c["threshold"]:  # the threshold really drops pixels
            assert 0 < np.count_nonzero(overlay[..., 3] == 0) < H * W
        out = render.render_overlay(
            image,
            mask,
            colormap=c["colormap"],
            opacity=c["opacity"],
            clip=c["clip"],
            clip_mode=c["clip_mode"],
            sign=c["sign"],
            threshold=c["threshold"],
            smooth=c["smooth"],
            mode=c["mode"],
        )
        js_out = np.fromfile(tmp_path / (c["name"] + ".out"), np.uint8).reshape(H, W, 4)
        np.testing.assert_array_equal(out, js_out, err_msg=str(c))

    for d in decode:
        js = np.fromfile(tmp_path / (d["file"] + ".decoded"), np.float32)
        np.testing.assert_array_equal(js.reshape(d["kept"].shape), d["kept"])
