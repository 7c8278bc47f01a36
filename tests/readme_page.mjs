// The dashboard on the log directory of README.md's first snippet: every image of
// the batch is there ("1 of 4"), and the last one paints.
//   node tests/readme_page.mjs --url http://127.0.0.1:PORT --card "run1 / val/saliency" --images 4
// Prints one JSON line {ok, problems, shown}.

import { arg, launchChromium, pluginFrame } from "./browser.mjs";
import { waitForCard } from "./dashboard_page.mjs";

const url = arg("url");
const name = arg("card");
const images = Number(arg("images"));
const problems = [];
const browser = await launchChromium();
let shown = null;
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`${url}/#saliency`);
  const frame = await pluginFrame(page);
  await waitForCard(frame, name, { sample: 0 });
  const card = frame.locator(`article.card[aria-label="${name}"]`);
  shown = await card
    .getByText(/^\d+ of \d+$/)
    .first()
    .textContent();
  if (shown !== `1 of ${images}`) problems.push(`sample counter says ${JSON.stringify(shown)}`);
  const slider = card.getByRole("slider", { name: "Sample" });
  await slider.focus();
  await slider.press("End");
  await waitForCard(frame, name, { sample: images - 1 });
  const last = await card
    .getByText(/^\d+ of \d+$/)
    .first()
    .textContent();
  if (last !== `${images} of ${images}`) problems.push(`after End the counter says ${JSON.stringify(last)}`);
} catch (error) {
  problems.push(String(error));
} finally {
  await browser.close();
}
console.log(JSON.stringify({ ok: problems.length === 0, problems, shown }));
