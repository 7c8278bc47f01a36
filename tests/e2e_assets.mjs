// Drives the Saliency tab of a running TensorBoard in headless Chromium and
// checks the card of a step whose images and masks cannot be read: its asset
// file deleted (the server answers 404) or damaged (422). Run by
// tests/test_assets.py on a run of three one-image steps: `good` intact,
// `missing` with its asset file deleted, `damaged` (the latest) with a byte of
// it flipped.
//
//   node tests/e2e_assets.mjs --url http://127.0.0.1:PORT --spec spec.json [--shot PREFIX]
//
// The card of a missing or damaged step says so in words (the server's message,
// naming the file, as text) in place of a picture: no blank or broken image, and
// no picture of the step shown before under the chosen step's number; the good
// step shows its picture, before and after. --shot writes PREFIX-card.png (the
// card at the missing step). Prints one "ok"/"FAIL" line per check; exits 1 when
// any check fails.

import { readFileSync } from "node:fs";
import { arg, checker, launchChromium, pluginFrame } from "./browser.mjs";

const url = arg("url");
const shot = arg("shot");
const spec = JSON.parse(readFileSync(arg("spec"), "utf8"));
const NAME = `${spec.run} / ${spec.tag}`;
const { check, failures } = checker();

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${url}/#saliency`);
  const frame = await pluginFrame(page);
  const card = frame.locator(`article[aria-label="${NAME}"]`);
  const box = card.getByLabel("Go to step", { exact: true });

  /** What the card shows, as a user sees it: the step box, the message (null
   * when hidden) and whether it is plain text, whether a picture shows (the
   * figure laid out, its canvas painted), the step it was painted with and the
   * step line under it. */
  const shows = () =>
    card.evaluate((c) => {
      const error = c.querySelector(".card-error");
      const figure = c.querySelector(".figure");
      const canvas = c.querySelector("canvas.composite");
      const meta = c.querySelector(".card-meta");
      const visible = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
      let opaque = 0;
      if (canvas.width > 1) {
        const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < data.length; i += 4) opaque += data[i] === 255 ? 1 : 0;
      }
      return {
        box: c.querySelector('input[aria-label="Go to step"]').value,
        message: error.hidden ? null : error.textContent,
        plainText: error.children.length === 0,
        picture: visible(figure) && visible(canvas) && canvas.width > 1,
        size: `${canvas.width}x${canvas.height}`,
        opaque,
        painted: c.dataset.step === undefined ? null : Number(c.dataset.step),
        meta: visible(meta) ? meta.textContent : null,
      };
    });
  /** Reads `read()` (with `locator` scrolled into view) until `done(it)`; returns it then (or the last read). */
  async function until(locator, read, done, timeout = 10000) {
    const deadline = Date.now() + timeout;
    let value = null;
    while (Date.now() < deadline) {
      await locator.scrollIntoViewIfNeeded();
      value = await read();
      if (done(value)) return value;
      await page.waitForTimeout(50);
    }
    return value;
  }
  /** Waits until `done(what the card shows)`; returns what it shows then (or last). */
  const waitFor = (done) => until(card, shows, done);
  async function goTo(step) {
    await card.scrollIntoViewIfNeeded();
    await box.fill(String(step));
    await box.press("Enter");
  }
  const says = (s, step) => s.box === String(step) && s.message !== null;
  /** The card at an unreadable `step` says so, names the file, shows no picture. */
  function checkSaysSo(what, s, step, word, file, status) {
    check(
      `${what}: the card says its images and masks are ${word}, naming ${file}`,
      says(s, step) && s.message.includes(word) && s.message.includes(file),
      JSON.stringify(s),
    );
    check(`${what}: the message is text, not markup`, s.plainText);
    check(
      `${what}: the message is the server's ${status} answer, not an internal error`,
      !/internal|500/.test(s.message),
    );
    check(
      `${what}: no picture in its place, none of another step, no step line`,
      !s.picture && s.painted === null && s.meta === null,
      JSON.stringify(s),
    );
  }
  const showsGood = (s) =>
    s.box === String(spec.good) && s.message === null && s.picture && s.painted === spec.good && s.opaque > 0;

  // The latest step is the damaged one: the card opens on it.
  let s = await waitFor((s) => says(s, spec.damaged));
  checkSaysSo("the latest step, damaged", s, spec.damaged, "damaged", spec.damagedFile, 422);

  await goTo(spec.good);
  s = await waitFor(showsGood);
  check(
    "a good step shows its picture (painted, at the image's size), its step line, no message",
    showsGood(s) && s.size === "32x24" && s.meta?.startsWith(`Step ${spec.good}`),
    JSON.stringify(s),
  );

  await goTo(spec.missing);
  s = await waitFor((s) => says(s, spec.missing));
  checkSaysSo("a step whose asset file was deleted", s, spec.missing, "missing", spec.missingFile, 404);
  if (shot) await card.screenshot({ path: `${shot}-card.png` });

  await goTo(spec.damaged);
  s = await waitFor((s) => says(s, spec.damaged) && s.message.includes("damaged"));
  checkSaysSo("a step whose asset file is damaged", s, spec.damaged, "damaged", spec.damagedFile, 422);

  await goTo(spec.good);
  s = await waitFor(showsGood);
  check("back at the good step, its picture shows again and the message is gone", showsGood(s), JSON.stringify(s));

  // A batch of two images (a grid) whose latest step's asset file was deleted.
  const gridCard = frame.locator(`article[aria-label="${spec.gridRun} / ${spec.tag}"]`);
  const gridShows = () =>
    gridCard.evaluate((c) => {
      const visible = (e) => e !== null && e.getClientRects().length > 0;
      const error = c.querySelector(".card-error");
      const grid = c.querySelector(".grid-view");
      const rows = [...c.querySelectorAll(".grid-body .grid-row")];
      return {
        box: c.querySelector('input[aria-label="Go to step"]').value,
        message: error.hidden ? null : error.textContent,
        gridVisible: visible(grid),
        cellsVisible: [...c.querySelectorAll(".grid-body .grid-cell")].filter(visible).length,
        rowsPainted: Number(grid?.dataset.loaded ?? 0),
        rows: rows.map((r) => ({
          label: r.querySelector(".grid-label").textContent,
          cells: [...r.querySelectorAll(".grid-cell")].filter(visible).length,
          failed: r.classList.contains("failed"),
        })),
      };
    });
  const gridWait = (done) => until(gridCard, gridShows, done);
  // The latest step: the second image's bytes are damaged, the first image's are not.
  let g = await gridWait((g) => g.box === String(spec.damaged) && g.rows.length === 2 && g.rows[1].failed);
  check(
    "a grid row whose image is damaged says so, naming the file, in place of its cells",
    g.rows[1].cells === 0 && g.rows[1].label.includes("damaged") && g.rows[1].label.includes(spec.gridDamagedFile),
    JSON.stringify(g),
  );
  g = await gridWait((g) => g.rowsPainted === 1);
  check(
    "... while the row of the intact image shows its cells, and the card no message",
    g.rowsPainted === 1 && !g.rows[0].failed && g.rows[0].cells === 3 && g.message === null,
    JSON.stringify(g),
  );
  if (shot) await gridCard.screenshot({ path: `${shot}-grid-row.png` });

  const gridBox = gridCard.getByLabel("Go to step", { exact: true });
  await gridBox.fill(String(spec.missing));
  await gridBox.press("Enter");
  g = await gridWait((g) => g.box === String(spec.missing) && g.message !== null);
  check(
    "a grid at a step whose asset file was deleted: the card says so once, naming the file",
    g.message?.includes("missing") && g.message.includes(spec.gridMissingFile),
    JSON.stringify(g),
  );
  check("... and shows no grid of empty cells", !g.gridVisible && g.cellsVisible === 0, JSON.stringify(g));
  if (shot) await gridCard.screenshot({ path: `${shot}-grid.png` });
  await gridBox.fill(String(spec.good));
  await gridBox.press("Enter");
  g = await gridWait((g) => g.box === String(spec.good) && g.rowsPainted === 2);
  check(
    "the grid's good step shows both rows painted and no message",
    g.message === null && g.gridVisible && g.rowsPainted === 2 && g.cellsVisible === 6,
    JSON.stringify(g),
  );
  check("no page errors", errors.length === 0, errors.join("; "));
} finally {
  await browser.close();
}
process.exit(failures() ? 1 : 0);
