// Drives the Saliency tab of a running TensorBoard in headless Chromium on a
// tag with 1000 steps and checks that every one is reachable: the slider spans
// them all, a typed step shows that step's picture, and the filmstrip shows 50
// of them evenly spaced, says so, and fetches only those frames. Run by
// tests/test_frontend_long_run.py; each image's pixels name its step (red
// 40 + 40 * (step // 256), green step % 256).
//
//   node tests/e2e_long_run.mjs --url http://127.0.0.1:PORT --spec spec.json
//
// Prints one "ok"/"FAIL" line per check; exits 1 when any check fails.

import { readFileSync } from "node:fs";
import { arg, checker, launchChromium, pluginFrame } from "./browser.mjs";

const url = arg("url");
const spec = JSON.parse(readFileSync(arg("spec"), "utf8"));
const LAST = spec.steps - 1;
const { check, failures } = checker();

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  let blobs = 0;
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.endsWith("/data/plugin/saliency/blob")) blobs++;
  });

  await page.goto(`${url}/#saliency`);
  const frame = await pluginFrame(page);
  const card = frame.locator(`article[aria-label="${spec.run} / ${spec.tag}"]`);
  const box = card.getByLabel("Go to step", { exact: true });

  /** The step the card shows: its box, slider, step line and picture. */
  const shows = () =>
    card.evaluate((c) => {
      const canvas = c.querySelector("canvas.composite");
      if (!canvas || c.dataset.step === undefined || canvas.width < 2) return null;
      const [r, g] = canvas.getContext("2d").getImageData(0, Math.floor(canvas.height / 2), 1, 1).data;
      const slider = c.querySelector('input[aria-label="Step"]');
      return {
        box: c.querySelector('input[aria-label="Go to step"]').value,
        slider: slider.getAttribute("aria-valuetext"),
        sliderMax: Number(slider.max),
        meta: Number((/^Step (-?\d+)/.exec(c.querySelector(".card-meta").textContent) || [])[1]),
        image: Math.round((r - 40) / 40) * 256 + g,
      };
    });
  const showsStep = (s, step) =>
    s !== null && s.box === String(step) && s.slider === `step ${step}` && s.meta === step && s.image === step;
  async function waitShown(step, timeout = 15000) {
    const deadline = Date.now() + timeout;
    let s = null;
    while (Date.now() < deadline) {
      s = await shows();
      if (showsStep(s, step)) return s;
      await page.waitForTimeout(50);
    }
    return s;
  }

  let s = await waitShown(LAST);
  check("the card starts at the last of 1000 steps", showsStep(s, LAST), JSON.stringify(s));
  check("the slider spans all 1000 kept steps", s?.sliderMax === spec.steps - 1, JSON.stringify(s));
  for (const step of [777, 3, 500, 0]) {
    await box.fill(String(step));
    await box.press("Enter");
    s = await waitShown(step);
    check(`typing ${step} shows step ${step}'s picture`, showsStep(s, step), JSON.stringify(s));
  }

  const before = blobs;
  await card.getByLabel("Filmstrip", { exact: true }).check();
  const film = card.locator(".filmstrip");
  await page.waitForFunction((el) => Number(el.dataset.loaded) === 50, await film.elementHandle(), { timeout: 30000 });
  const strip = await film.evaluate((el) => ({
    frames: [...el.querySelectorAll(".film-frame figcaption")].map((f) => f.textContent),
    note: el.querySelector(".film-note")?.textContent ?? "",
  }));
  check("the filmstrip shows 50 frames", strip.frames.length === 50, JSON.stringify(strip.frames.length));
  check(
    "from the first step to the last",
    strip.frames[0] === "step 0" && strip.frames.at(-1) === `step ${LAST}`,
    `${strip.frames[0]} .. ${strip.frames.at(-1)}`,
  );
  check(
    "and says it shows 50 of 1000, evenly spaced",
    strip.note === "50 of 1000 kept steps, evenly spaced",
    strip.note,
  );
  check("fetching only those frames' images and masks", blobs - before <= 100, `${blobs - before} blob requests`);
  check("no page errors", errors.length === 0, errors.join("; "));
} finally {
  await browser.close();
}
process.exit(failures() ? 1 : 0);
