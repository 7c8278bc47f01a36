"""A dataset job's progress bar (tqdm): images explained, images per second, the time
left, and the accuracy so far; the images a resumed job skips leave the bar's total."""

import sys


class Progress:
    """The bar of a job over `total` images (None: unknown); silent unless `enabled`."""

    def __init__(self, total, enabled=True, description="explain"):
        self._bar = None
        self._skipped = 0
        if enabled:
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=total,
                unit="img",
                desc=description,
                dynamic_ncols=True,
                file=sys.stderr,
                smoothing=0.1,
            )

    def skipped(self, images):
        """`images` already written by an earlier run: not this run's work."""
        self._skipped += images
        if self._bar is not None:
            if self._bar.total is not None:
                self._bar.total -= images
            self._bar.set_postfix_str("%d already written" % self._skipped, refresh=True)

    def written(self, images, tally):
        """`images` more written; `tally` is this run's so far (`job.Tally`)."""
        if self._bar is None:
            return
        parts = []
        if self._skipped:
            parts.append("%d already written" % self._skipped)
        if tally.accuracy is not None:
            parts.append("accuracy %.1f%%" % (100 * tally.accuracy))
        self._bar.set_postfix_str(", ".join(parts), refresh=False)
        self._bar.update(images)

    def close(self):
        if self._bar is not None:
            self._bar.close()
