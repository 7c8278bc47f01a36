// Page-wide views: the stylesheet, dark mode following TensorBoard, and the
// help shown when there is no saliency data.

import { el } from "./dom.js";

/** Adds the dashboard's stylesheet (served beside the modules) to the document. */
function addStylesheet() {
  document.head.append(el("link", { rel: "stylesheet", href: new URL("../styles.css", import.meta.url).href }));
}

/** Follows TensorBoard's dark mode (its page's `body.dark-mode`), or the
 * system's when the page is opened on its own: toggles `html.dark`. */
function followDarkMode() {
  const apply = (dark) => document.documentElement.classList.toggle("dark", dark);
  let parentBody = null;
  try {
    if (window.parent !== window) parentBody = window.parent.document.body;
  } catch {
    parentBody = null; // not same origin
  }
  if (parentBody) {
    apply(parentBody.classList.contains("dark-mode"));
    new MutationObserver(() => apply(parentBody.classList.contains("dark-mode"))).observe(parentBody, {
      attributes: true,
      attributeFilter: ["class"],
    });
  } else if (window.matchMedia) {
    const mq = window.matchMedia("(prefers-color-scheme: dark)");
    apply(mq.matches);
    mq.addEventListener("change", () => apply(mq.matches));
  }
}

/**
 * Fills `section` with how to write a first summary.
 * @param {HTMLElement} section
 */
function showEmptyHelp(section) {
  section.replaceChildren(
    el("h2", { text: "No saliency data was found" }),
    el("p", {
      text: "Write a first saliency summary from your training or evaluation script; this tab shows it as soon as TensorBoard picks it up:",
    }),
    el("pre", {
      class: "code",
      text: [
        "from tensorboard_plugin_saliency.summary import SaliencyWriter",
        "",
        "# images: [N, H, W, C] uint8 or float in [0, 1]",
        "# masks:  {method name: [N, h, w] float}, raw values",
        'with SaliencyWriter("logs/run1") as writer:',
        '    writer.add("saliency/val", images, {"gradients": grads}, step,',
        '               labels=["cat", "dog"])',
      ].join("\n"),
    }),
    el("p", {
      text: "With TensorFlow, tensorboard_plugin_saliency.summary.saliency(...) writes the same summary to the default tf.summary writer. Then run: tensorboard --logdir logs",
    }),
  );
}

export { addStylesheet, followDarkMode, showEmptyHelp };
