// Drives the Saliency tab of a running TensorBoard in headless Chromium and
// checks zoom, pan and the readout of a card's single view on a 4096² image
// whose every pixel's colour names it (red = x mod 256, green = y mod 256,
// blue = 16 · (y div 256) + x div 256): a plain wheel over the picture at
// fit scrolls the page and says how to zoom; clicked, a wheel zooms to 8× about a chosen
// point, which stays under the pointer; the readout names the image pixel
// under it and its colour; the canvas pixel under the pointer is that source
// pixel's colour in the composite and in each side-by-side panel; a drag
// pans by the expected image pixels; the keys zoom and fit; a double-click
// and "Fit" fit again; the zoom survives a reload. Run by tests/test_frontend_zoom.py.
//
//   node tests/e2e_zoom.mjs --url http://127.0.0.1:PORT --spec spec.json [--shot PREFIX]
//
// Prints one "ok"/"FAIL" line per check; exits 1 when any check fails.

import { readFileSync } from "node:fs";
import { arg, checker, launchChromium, pluginFrame } from "./browser.mjs";
import { waitForCard } from "./dashboard_page.mjs";
import { ZOOM_STEP, imageToScreen, viewOf } from "../frontend/pipeline/zoom.js";

const url = arg("url");
const shot = arg("shot");
const spec = JSON.parse(readFileSync(arg("spec"), "utf8"));
const NAME = `${spec.run} / ${spec.tag}`;
const SIZE = spec.size;
const STORAGE_KEY = "tensorboard-plugin-saliency/v1";
const { check, failures } = checker();

/** The written image's colour at (x, y). */
const colourAt = (x, y) => [x % 256, y % 256, 16 * Math.floor(y / 256) + Math.floor(x / 256)];
const same = (a, b) => a.length >= 3 && [0, 1, 2].every((k) => Math.abs(a[k] - b[k]) <= 1);

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 1100 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${url}/#saliency`);
  let frame = await pluginFrame(page);
  await frame.evaluate((key) => localStorage.removeItem(key), STORAGE_KEY);
  await page.reload();
  frame = await pluginFrame(page);
  const card = () => frame.locator(`article[aria-label="${NAME}"]`);
  const composite = () => card().locator("canvas.composite");
  const readout = () => card().locator("output.readout").textContent();
  const status = () => card().locator('output.zoom-status[aria-label="Zoom"]').textContent();
  const stored = () =>
    frame.evaluate(
      (key) => Object.values(JSON.parse(localStorage.getItem(key) || "{}").zoom || {})[0] || null,
      STORAGE_KEY,
    );
  /** The canvas's own pixel under page point (px, py), and its box. */
  const under = (locator, px, py) =>
    locator.evaluate(
      (c, [px, py]) => {
        const r = c.getBoundingClientRect();
        const x = Math.floor(((px - r.left) * c.width) / r.width);
        const y = Math.floor(((py - r.top) * c.height) / r.height);
        return Array.from(c.getContext("2d").getImageData(x, y, 1, 1).data);
      },
      [px, py],
    );
  const box = (locator) =>
    locator.evaluate((c) => {
      const r = c.getBoundingClientRect();
      return { left: r.left, top: r.top, width: r.width, height: r.height };
    });
  // Page point of frame point: the plugin's iframe sits in TensorBoard's page.
  const frameBox = await page.locator("iframe").first().boundingBox();
  const toPage = (x, y) => [frameBox.x + x, frameBox.y + y];
  const waitStatus = (pattern) =>
    frame.waitForFunction(
      ([name, source]) => {
        const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
        return new RegExp(source).test(c?.querySelector('output.zoom-status[aria-label="Zoom"]')?.textContent ?? "");
      },
      [NAME, pattern.source],
      { timeout: 10000, polling: 50 },
    );

  /** Moves the pointer over the centre of image pixel (ix, iy) of `picture` as the stored zoom shows it;
   * returns the point in the frame's coordinates. */
  const hoverPixel = async (picture, ix, iy) => {
    await picture.scrollIntoViewIfNeeded();
    const zs = await stored();
    const cb = await box(composite());
    const pb = await box(picture);
    const v = viewOf({ ...zs, scale: zs.scale * (pb.width / cb.width) }, SIZE, SIZE, pb.width, pb.height);
    const s = imageToScreen(v, ix + 0.5, iy + 0.5);
    const p = { x: pb.left + s.x, y: pb.top + s.y };
    const [qx, qy] = toPage(p.x, p.y);
    await page.mouse.move(qx + 1, qy);
    await page.mouse.move(qx, qy);
    return { ...p, pageX: qx, pageY: qy };
  };

  await waitForCard(frame, NAME, { step: 0, mask: "ramp" });
  await card().getByLabel("Show mask", { exact: true }).first().uncheck();
  check("the card starts at fit", /Zoom: fit/.test(await status()), await status());

  // ------------------------------------------------------------ a plain wheel at fit scrolls the page
  {
    const c = await box(composite());
    const [qx, qy] = toPage(c.left + c.width / 2, c.top + c.height / 2);
    await page.mouse.move(qx, qy);
    await page.mouse.wheel(0, 60);
    await waitStatus(/Click the picture \(or hold Ctrl\) to zoom with the wheel/);
    check(
      "a plain wheel over a picture at fit that has not the focus leaves it at fit and says how to zoom",
      (await stored()) === null,
      JSON.stringify(await stored()),
    );
  }
  // Clicked (focused), the picture zooms with the wheel.
  await composite().scrollIntoViewIfNeeded();
  await composite().click({ position: { x: 5, y: 5 } });

  // ------------------------------------------------------------ zoom to 8× about a point
  let b = await box(composite());
  const fit = b.width / SIZE;
  // A whole page pixel: a wheel event's clientX and clientY are whole pixels in Chromium.
  const pageX = Math.round(frameBox.x + b.left + b.width * 0.3);
  const pageY = Math.round(frameBox.y + b.top + b.height * 0.6);
  const at = { x: pageX - frameBox.x, y: pageY - frameBox.y };
  const X = Math.floor((at.x - b.left) / fit);
  const Y = Math.floor((at.y - b.top) / fit);
  await page.mouse.move(pageX, pageY);
  const atFit = await readout();
  check("before the zoom the readout names the pixel under the pointer", atFit.startsWith(`x ${X}, y ${Y} ·`), atFit);
  await page.mouse.wheel(0, (-100 * Math.log(8 / fit)) / Math.log(ZOOM_STEP));
  await waitStatus(/Zoom: 8×/);
  const z = await stored();
  check("a wheel zooms to 8× and the card keeps it", z && Math.abs(z.scale - 8) < 1e-3, JSON.stringify(z));
  await page.mouse.move(pageX + 1, pageY);
  await page.mouse.move(pageX, pageY);
  let text = await readout();
  const pixelText = (x, y) => `x ${x}, y ${y} · image rgb(${colourAt(x, y).join(", ")})`;
  check(
    "the readout names the image pixel that was under the pointer, and its colour",
    text.startsWith(pixelText(X, Y)),
    `${text} (want ${pixelText(X, Y)})`,
  );
  check("the readout gives the mask's value there", /ramp = [0-9.e-]+ \(mask pixel \d+, \d+\)/.test(text), text);
  let got = await under(composite(), at.x, at.y);
  check(
    "the composite's pixel under the pointer is the source pixel's colour",
    same(got, colourAt(X, Y)),
    `${got} not ${colourAt(X, Y)}`,
  );
  got = await under(composite(), at.x + 8, at.y);
  check(
    "one image pixel to the right is 8 CSS pixels to the right (crisp, not smoothed)",
    same(got, colourAt(X + 1, Y)),
    `${got} not ${colourAt(X + 1, Y)}`,
  );
  const backing = await composite().evaluate((c) => [c.width, c.height]);
  check(
    "only the part in view is drawn: the canvas is the box's size, not 8× the image's",
    backing[0] <= 2 * b.width && backing[1] <= 2 * b.height,
    String(backing),
  );

  // ------------------------------------------------------------ the region's outline, zoomed
  // The box's left edge is in view: its outline lies along it, 2 CSS pixels wide, inside the box.
  const layer = card().locator("canvas.composite + canvas.region-layer");
  await frame.waitForFunction(
    (name) =>
      [...document.querySelectorAll("article.card")]
        .find((a) => a.getAttribute("aria-label") === name)
        ?.querySelector("canvas.composite + canvas.region-layer")?.dataset.drawn === "1",
    NAME,
    { timeout: 10000, polling: 50 },
  );
  {
    const v = viewOf(z, SIZE, SIZE, b.width, b.height);
    const [x0, y0, , y1] = spec.box;
    const edge = b.left + imageToScreen(v, x0, 0).x;
    const mid = b.top + imageToScreen(v, 0, (y0 + y1) / 2).y;
    const alpha = async (dx) => (await under(layer, edge + dx, mid))[3];
    const seen = [await alpha(-4), await alpha(0.5), await alpha(1.5), await alpha(8)];
    check(
      "zoomed, the box's outline lies on its left edge in image pixels: outside clear, the 2 pixels inside drawn, further in clear",
      seen[0] === 0 && seen[1] > 0 && seen[2] > 0 && seen[3] === 0,
      JSON.stringify(seen),
    );
  }

  // ------------------------------------------------------------ each side-by-side panel
  await card().getByLabel("Side by side", { exact: true }).first().check();
  await frame.waitForFunction((name) => {
    const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
    return c && c.querySelectorAll(".panels canvas").length >= 2;
  }, NAME);
  // The panels are smaller than the composite was: the pixel at the shared centre is in view in each.
  const centre = await stored();
  const [PX, PY] = [Math.floor(centre.cx), Math.floor(centre.cy)];
  const pictures = [
    composite(),
    ...(await card().locator(".panels .panel > .picture-stack > canvas:not(.region-layer)").all()),
  ];
  for (const [k, picture] of pictures.entries()) {
    const p = await hoverPixel(picture, PX, PY);
    const name = (await picture.getAttribute("aria-label")) || `picture ${k}`;
    text = await readout();
    check(`${name}: the readout names the pixel under the pointer`, text.startsWith(pixelText(PX, PY)), text);
    got = await under(picture, p.x, p.y);
    const want = await picture.evaluate(
      (c, [x, y]) => (c.zoomSource ? Array.from(c.zoomSource.getContext("2d").getImageData(x, y, 1, 1).data) : null),
      [PX, PY],
    );
    check(
      `${name}: the canvas pixel under the pointer is the source pixel's`,
      same(got, want || colourAt(PX, PY)),
      `${got} not ${want || colourAt(PX, PY)}`,
    );
    if (/Mask/.test(name)) check(`${name}: the readout gives this mask's value`, / ramp = /.test(text), text);
    if (name === "Image")
      check("Image: its source pixel is the written one", same(want, colourAt(PX, PY)), String(want));
  }
  await card().getByLabel("Side by side", { exact: true }).first().uncheck();

  // ------------------------------------------------------------ pan by a drag
  const before = await stored();
  const start = await hoverPixel(composite(), X, Y);
  const [sx, sy] = [Math.round(start.pageX), Math.round(start.pageY)];
  await page.mouse.move(sx + 1, sy);
  await page.mouse.move(sx, sy);
  const startText = await readout();
  await page.mouse.down();
  await page.mouse.move(sx - 40, sy - 20, { steps: 4 });
  await page.mouse.move(sx - 80, sy - 40, { steps: 4 });
  await page.mouse.up();
  const after = await stored();
  check(
    "a drag of (−80, −40) CSS pixels at 8× moves the centre by (+10, +5) image pixels",
    Math.abs(after.cx - before.cx - 10) < 1e-3 && Math.abs(after.cy - before.cy - 5) < 1e-3,
    `${JSON.stringify(before)} → ${JSON.stringify(after)}`,
  );
  await page.mouse.move(sx + 1, sy);
  await page.mouse.move(sx, sy);
  text = await readout();
  const p0 = { x: sx - frameBox.x, y: sy - frameBox.y };
  const [ux, uy] = /x (\d+), y (\d+)/.exec(text)?.slice(1).map(Number) ?? [NaN, NaN];
  const [wx, wy] = /x (\d+), y (\d+)/.exec(startText)?.slice(1).map(Number) ?? [X, Y];
  check("the pixel under the same point is now 10 right and 5 down", ux === wx + 10 && uy === wy + 5, text);
  got = await under(composite(), p0.x, p0.y);
  check("and the canvas shows it there", same(got, colourAt(ux, uy)), `${got} not ${colourAt(ux, uy)}`);

  // ------------------------------------------------------------ a reload keeps it
  await page.reload();
  frame = await pluginFrame(page);
  await waitForCard(frame, NAME, { step: 0, mask: "ramp" });
  await waitStatus(/Zoom: 8×/);
  const reloaded = await stored();
  check(
    "after a reload the zoom and pan are as they were",
    JSON.stringify(reloaded) === JSON.stringify(after),
    JSON.stringify(reloaded),
  );
  await hoverPixel(composite(), X + 30, Y + 20);
  text = await readout();
  check("and the readout follows them", text.startsWith(pixelText(X + 30, Y + 20)), text);

  // ------------------------------------------------------------ fit again: double-click, keys, the buttons
  await composite().dblclick({ position: { x: 10, y: 10 } });
  await waitStatus(/Zoom: fit/);
  check("a double-click fits again", (await stored()) === null);
  await composite().focus();
  await page.keyboard.press("+");
  await page.keyboard.press("+");
  await waitStatus(/Zoom: [0-9.]+×/);
  check("+ on the focused picture zooms in", (await stored())?.scale > fit, JSON.stringify(await stored()));
  const s1 = await stored();
  await page.keyboard.press("ArrowRight");
  const s2 = await stored();
  check("→ pans right while zoomed", s2.cx > s1.cx, `${s1.cx} → ${s2.cx}`);
  await page.keyboard.press("0");
  await waitStatus(/Zoom: fit/);
  check("0 fits again", (await stored()) === null);
  await card()
    .getByRole("button", { name: /Actual size/ })
    .click();
  await waitStatus(/actual size/);
  check("Actual size: 1 image pixel = 1 CSS pixel", Math.abs((await stored()).scale - 1) < 1e-9);
  if (shot) await card().screenshot({ path: `${shot}-actual.png` });
  await card().getByRole("button", { name: "Fit the image to the card" }).click();
  await waitStatus(/Zoom: fit/);
  check("Fit fits again", (await stored()) === null);
  check("no page errors", errors.length === 0, errors.join("; "));
} finally {
  await browser.close();
}
process.exit(failures() ? 1 : 0);
