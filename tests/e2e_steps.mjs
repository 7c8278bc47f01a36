// Drives the Saliency tab of a running TensorBoard in headless Chromium and
// checks that every kept step is reachable: a typed step goes to the nearest
// kept one, and under Lock steps every card follows the step chosen on any
// card, each at its own nearest kept step. Run by tests/test_frontend_steps.py:
// runs whose kept steps differ, each with a one-image tag and a batch (a grid),
// every image's green channel twice its step.
//
//   node tests/e2e_steps.mjs --url http://127.0.0.1:PORT --spec spec.json [--shot PREFIX]
//
// --shot writes PREFIX-card.png (a card with its step box), PREFIX-side.png
// (the side panel with Lock steps) and PREFIX-dark.png (both, dark mode).
// Prints one "ok"/"FAIL" line per check; exits 1 when any check fails.

import { readFileSync } from "node:fs";
import { arg, checker, launchChromium, pluginFrame } from "./browser.mjs";

const url = arg("url");
const shot = arg("shot");
const spec = JSON.parse(readFileSync(arg("spec"), "utf8"));
const { one: ONE, batch: BATCH } = spec;
const RUNS = Object.keys(spec.steps).sort();
const [A, B] = RUNS;
const CARDS = RUNS.flatMap((run) => [BATCH, ONE].map((tag) => ({ run, tag })));
const { check, failures } = checker();

/** The kept step of `run` nearest `step`: the earlier of two as near. */
function nearest(run, step) {
  let best = spec.steps[run][0];
  for (const s of spec.steps[run]) if (Math.abs(s - step) < Math.abs(best - step)) best = s;
  return best;
}

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  /** Every /sample request: {run, tag, step}. */
  const requests = [];
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (!u.pathname.endsWith("/data/plugin/saliency/sample")) return;
    const step = u.searchParams.get("step");
    requests.push({ run: u.searchParams.get("run"), tag: u.searchParams.get("tag"), step: step && Number(step) });
  });
  const asked = (run, tag, step, since = 0) =>
    requests.slice(since).some((r) => r.run === run && r.tag === tag && r.step === step);

  await page.goto(`${url}/#saliency`);
  let frame = await pluginFrame(page);
  const card = (run, tag) => frame.locator(`article[aria-label="${run} / ${tag}"]`);
  const box = (run, tag) => card(run, tag).getByLabel("Go to step", { exact: true });
  const lockBox = () => frame.getByRole("region", { name: "Cards" }).getByLabel("Lock steps", { exact: true });
  const runBox = (run) => frame.getByRole("region", { name: "Runs" }).getByLabel(run, { exact: true });

  /** What card run/tag shows, read as a user sees it: the box, the slider's
   * text, the step line, and the step its picture was painted with, read from
   * the image's pixels (green is twice the step) at the mask's zero column;
   * a grid, its first image cell. Null before it is painted. */
  const shows = (run, tag) =>
    frame.evaluate(
      ([name]) => {
        const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
        if (!c) return null;
        const grid = c.classList.contains("grid-mode");
        const canvas = grid
          ? c.querySelector(".grid-body .grid-row canvas.grid-canvas")
          : c.querySelector("canvas.composite");
        const painted = grid ? Number(c.querySelector(".grid-view").dataset.loaded) > 0 : c.dataset.step !== undefined;
        if (!canvas || !painted || canvas.width < 2) return null;
        const [r, g] = canvas.getContext("2d").getImageData(0, Math.floor(canvas.height / 2), 1, 1).data;
        const meta = c.querySelector(".card-meta").textContent;
        return {
          box: c.querySelector('input[aria-label="Go to step"]').value,
          slider: c.querySelector('input[aria-label="Step"]').getAttribute("aria-valuetext"),
          meta: Number((/^Step (-?\d+)/.exec(meta) || [])[1]),
          image: Math.round(g / 2),
          red: r,
          grid,
        };
      },
      [`${run} / ${tag}`],
    );
  /** Whether card run/tag shows `step` everywhere a user looks. */
  const showsStep = (s, step) =>
    s !== null && s.box === String(step) && s.slider === `step ${step}` && s.meta === step && s.image === step;
  /** Waits until card run/tag shows `step` (scrolled into view), then returns what it shows. */
  async function waitShown(run, tag, step, timeout = 10000) {
    const deadline = Date.now() + timeout;
    let s = null;
    while (Date.now() < deadline) {
      await card(run, tag).scrollIntoViewIfNeeded();
      s = await shows(run, tag);
      if (showsStep(s, step)) return s;
      await page.waitForTimeout(50);
    }
    return s;
  }
  async function expectAll(what, steps) {
    const got = {};
    for (const { run, tag } of CARDS) {
      const want = steps(run, tag);
      const s = await waitShown(run, tag, want);
      if (!showsStep(s, want)) got[`${run} / ${tag}`] = { want, ...s };
    }
    check(what, Object.keys(got).length === 0, JSON.stringify(got));
  }
  /** Types `text` in card run/tag's step box and presses Enter. */
  async function type(run, tag, text) {
    await card(run, tag).scrollIntoViewIfNeeded();
    await box(run, tag).fill(text);
    await box(run, tag).press("Enter");
  }

  // ------------------------------------------------------------ the step box
  const LAST = spec.steps[A].at(-1);
  let s = await waitShown(A, ONE, LAST);
  check("a card starts at its latest step, the box showing it", showsStep(s, LAST), JSON.stringify(s));
  check("a batch shows as a grid, with the same box", (await waitShown(A, BATCH, LAST))?.grid === true);
  let since = requests.length;
  await type(A, ONE, "42");
  s = await waitShown(A, ONE, 40);
  check(
    "typing 42 shows the nearest kept step, 40: in the box, the slider, the step line and the image",
    showsStep(s, 40) && asked(A, ONE, 40, since),
    JSON.stringify(s),
  );
  check("the other cards stay where they were while Lock steps is off", showsStep(await shows(A, BATCH), LAST));
  since = requests.length;
  await type(A, ONE, "75");
  s = await waitShown(A, ONE, 70);
  check("typing 75, halfway between 70 and 80, goes to the earlier", showsStep(s, 70) && asked(A, ONE, 70, since));
  await type(A, ONE, "-1000");
  s = await waitShown(A, ONE, 0);
  check("a step before the first kept one goes to the first", showsStep(s, 0), JSON.stringify(s));
  await type(A, ONE, "1e9");
  s = await waitShown(A, ONE, LAST);
  check("a step after the last kept one goes to the last", showsStep(s, LAST), JSON.stringify(s));
  await type(A, ONE, "");
  s = await shows(A, ONE);
  check("an empty box shows the step shown again", showsStep(s, LAST), JSON.stringify(s));
  await box(A, ONE).press("ArrowDown");
  s = await waitShown(A, ONE, 80);
  check("↓ in the box goes to the previous kept step", showsStep(s, 80), JSON.stringify(s));
  await card(A, ONE).getByLabel("Step", { exact: true }).press("ArrowLeft");
  s = await waitShown(A, ONE, 70);
  check("the slider moved by keys moves the box", showsStep(s, 70), JSON.stringify(s));
  await type(B, BATCH, "50");
  s = await waitShown(B, BATCH, 45);
  check("a grid card's box: 50 goes to 45 in run b (tie: the earlier)", showsStep(s, 45), JSON.stringify(s));
  await type(B, ONE, "22");
  s = await waitShown(B, ONE, 25);
  check("22 goes to 25 in run b", showsStep(s, 25), JSON.stringify(s));

  if (shot) {
    await card(A, ONE).scrollIntoViewIfNeeded();
    await card(A, ONE).screenshot({ path: `${shot}-card.png` });
  }

  // ------------------------------------------------------------ Lock steps
  await lockBox().check();
  await expectAll(
    "Lock steps on: every card goes to its kept step nearest the step last chosen (25: a at 20, b at 25)",
    (run) => nearest(run, 25),
  );
  await type(A, ONE, "50");
  await expectAll("a card set to 50 moves run b's cards, its grid too, to 45 and run a's grid to 50", (run) =>
    nearest(run, 50),
  );
  await card(A, ONE).scrollIntoViewIfNeeded();
  await card(A, ONE).getByLabel("Step", { exact: true }).press("ArrowRight");
  await expectAll("the slider's keys move the others too (a at 60, b at 55)", (run) => nearest(run, 60));
  await box(B, ONE).scrollIntoViewIfNeeded();
  await box(B, ONE).press("ArrowUp");
  await expectAll("so do the box's arrows (b at 65, a at 60: tie to the earlier)", (run) => nearest(run, 65));

  // A card out of view moves at once but fetches its image once scrolled to.
  await card(A, BATCH).scrollIntoViewIfNeeded();
  await page.waitForTimeout(300); // the page sees which cards left the view
  const outOfView = await frame.evaluate(
    ([name]) => {
      const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      return c.getBoundingClientRect().top > window.innerHeight;
    },
    [`${B} / ${ONE}`],
  );
  since = requests.length;
  await type(A, BATCH, "10");
  await page.waitForTimeout(600);
  const early = asked(B, ONE, 5, since);
  const moved = await card(B, ONE).getByLabel("Go to step", { exact: true }).inputValue();
  check(
    "a card out of view shows the new step in its box but asks for its image only once scrolled to",
    outOfView && moved === "5" && !early,
    `out of view: ${outOfView}, box ${moved}, asked early: ${early}`,
  );
  await expectAll("and then every card shows it (a at 10, b at 5)", (run) => nearest(run, 10));

  // A run shown again follows the locked step.
  await runBox(B).uncheck();
  await type(A, ONE, "30");
  await waitShown(A, ONE, 30);
  await runBox(B).check();
  await expectAll("a run shown again follows the locked step (a at 30, b at 25)", (run) => nearest(run, 30));

  if (shot) {
    await frame.locator("aside.sidebar").screenshot({ path: `${shot}-side.png` });
    await page.evaluate(() => document.body.classList.add("dark-mode"));
    await frame.waitForFunction(() => document.documentElement.classList.contains("dark"));
    await card(A, ONE).scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${shot}-dark.png` });
    await page.evaluate(() => document.body.classList.remove("dark-mode"));
  }

  // Remembered across reloads; with no step chosen yet, the latest common step.
  await page.reload();
  frame = await pluginFrame(page);
  await lockBox().waitFor();
  check("Lock steps is remembered across reloads", await lockBox().isChecked());
  const common = Math.min(...RUNS.map((run) => spec.steps[run].at(-1)));
  await expectAll(`after a reload the cards hold the latest common step (${common}: b at its nearest)`, (run) =>
    nearest(run, common),
  );

  // Off: each card on its own again.
  await lockBox().uncheck();
  await type(A, ONE, "0");
  await waitShown(A, ONE, 0);
  await page.waitForTimeout(400);
  s = await shows(B, ONE);
  check(
    "Lock steps off: the other cards stay",
    showsStep(s, nearest(B, common)) && !(await lockBox().isChecked()),
    JSON.stringify(s),
  );
  await page.reload();
  frame = await pluginFrame(page);
  await lockBox().waitFor();
  check("and off is remembered too", !(await lockBox().isChecked()));
  check("no page errors", errors.length === 0, errors.join("; "));
} finally {
  await browser.close();
}
process.exit(failures() ? 1 : 0);
