// What the browser tests read from the dashboard's page: everything through
// the DOM (a card is the article named "run / tag"; once painted it carries
// data-step, data-sample and data-mask, once listed data-steps) and the
// page's performance entries; nothing the product keeps for tests alone.

/**
 * In the page: the state of every card shown, by "run / tag".
 * @returns {Promise<Object<string, {steps:number[]|null, step:number|null, sample:number|null,
 *   mask:string|null, label:string|null, error:string|null}>>}
 */
export function cardStates(frame) {
  return frame.evaluate(() => {
    const out = {};
    for (const card of document.querySelectorAll("article.card")) {
      const d = card.dataset;
      const error = card.querySelector(".card-error");
      out[card.getAttribute("aria-label")] = {
        steps: d.steps === undefined ? null : d.steps.split(",").map(Number),
        step: d.step === undefined ? null : Number(d.step),
        sample: d.sample === undefined ? null : Number(d.sample),
        mask: d.mask ?? null,
        label: card.querySelector(".card-label")?.textContent ?? null,
        error: error && !error.hidden ? error.textContent : null,
      };
    }
    return out;
  });
}

/**
 * Waits until card `name` ("run / tag") has painted the given step, sample and
 * mask (null: any) in its single view, scrolling it into view so that it
 * loads; a card showing its batch as a grid is switched to the single view
 * (its "Single view" button), as a user would.
 * @returns {Promise<void>}
 */
export async function waitForCard(frame, name, { step = null, sample = null, mask = null } = {}, timeout = 20000) {
  await frame.waitForFunction(
    ([name, step, sample, mask]) => {
      const card = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      if (!card) return false;
      if (card.classList.contains("grid-mode")) card.querySelector("button.view-toggle")?.click();
      const d = card.dataset;
      if (d.step === undefined) {
        card.scrollIntoView();
        return false;
      }
      return (
        (step === null || Number(d.step) === step) &&
        (sample === null || Number(d.sample) === sample) &&
        (mask === null || d.mask === mask)
      );
    },
    [name, step, sample, mask],
    { timeout },
  );
}

/** The RGBA pixels of a canvas, as an array. */
export function canvasPixels(locator) {
  return locator.evaluate((c) => Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data));
}

/**
 * The RGBA pixels of a PNG the page fetches (e.g. the plugin's /render), decoded
 * by the browser as they are (no colour conversion).
 * @returns {Promise<{status:number, width:number, height:number, data:number[]|null, error:string|null}>}
 */
export function fetchedPixels(frame, url) {
  return frame.evaluate(async (url) => {
    const response = await fetch(url);
    if (!response.ok) return { status: response.status, error: await response.text(), data: null };
    const bitmap = await createImageBitmap(await response.blob(), {
      colorSpaceConversion: "none",
      premultiplyAlpha: "none",
    });
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext("2d");
    ctx.drawImage(bitmap, 0, 0);
    const data = Array.from(ctx.getImageData(0, 0, bitmap.width, bitmap.height).data);
    return { status: response.status, width: bitmap.width, height: bitmap.height, data, error: null };
  }, url);
}

/** Sets a range input's value as a user's drag does (an input event). */
export async function setRange(locator, value) {
  await locator.evaluate((el, v) => {
    el.value = String(v);
    el.dispatchEvent(new Event("input", { bubbles: true }));
  }, value);
}
