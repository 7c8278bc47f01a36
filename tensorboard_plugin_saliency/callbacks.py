"""Keras callbacks: `SaliencyCallback` logs saliency maps of fixed images during training.

Example::

    from tensorboard_plugin_saliency.callbacks import SaliencyCallback

    model.fit(x, y, epochs=10, callbacks=[
        SaliencyCallback("logs/run1/saliency", x_val[:8], y_val[:8],
                         methods=("gradients", "smoothgrad"), labels=class_names)])
"""

import numpy as np
import tensorflow as tf

from tensorboard_plugin_saliency import logging_flow, summary, validate
from tensorboard_plugin_saliency import regions as regions_lib
from tensorboard_plugin_saliency.faithfulness import logged
from tensorboard_plugin_saliency.methods import checks, table
from tensorboard_plugin_saliency.methods.keras_model import KerasModel

__all__ = ["SaliencyCallback"]


class SaliencyCallback(tf.keras.callbacks.Callback):
    """Logs saliency masks of a fixed set of images every `every_n_epochs` epochs.

    Args:
      log_dir: directory of the run to write event files to.
      images: model inputs `[N, H, W, C]`. They are shown as they are when they lie in
        [0, 1] (or are uint8), else rescaled to [0, 1] for display.
      targets: optional true class per image: indices `[N]` or one-hot rows
        `[N, classes]`. Masks explain this class; without it, they explain the class
        the model predicts at that epoch.
      methods: names from `methods.METHODS` (the table shared with PyTorch), or a dict
        `{name: {param: value}}` to set each method's parameters.
      every_n_epochs: log at the end of every n-th epoch (and of the last one).
      tag: the summary's tag.
      class_names: optional class names, indexed by class id, for the captions
        ("true: cat · pred: dog 0.87"); class ids are shown without them.
      captions: one caption per image, in place of those.
      max_outputs: log only the first `max_outputs` of `images` (None: all of them).
      batch_size: largest number of model inputs per model call inside the methods.
      faithfulness: curves to score every mask with: a tuple of "deletion" and
        "insertion", or a dict `{kind: params}` (see `faithfulness.deletion`;
        e.g. `{"deletion": {"steps": 10}}`). Each logged step then stores, per
        mask and image, the AUC, its random baseline and both curves, shown beside
        the masks; and writes each mask's mean AUCs as scalars
        `<tag>/faithfulness/<method>/<kind>_auc` (and `<kind>_random_auc`) for the
        Scalars tab. Cost: `steps + 1` forward passes per image, mask and kind,
        plus one random baseline per kind.
      labels: the older spelling of `class_names` (a DeprecationWarning).
      regions: the images' ground truth, a `regions.Regions` (binary masks or label
        maps `[N, H, W]`, boxes with classes): stored with the images and outlined
        by the dashboard. Each mask then gets the localisation scores (pointing
        game, relevance mass and rank, ...; `faithfulness.localisation`) against its
        image's region of the explained class, their means written as scalars
        `<tag>/localisation/<method>/<score>`; `faithfulness={"localisation": {...}}`
        sets their parameters.

    Each logged step stores every method's parameters as provenance
    (`methods.method_params`), with what the method resolved from the model:
    Grad-CAM's `layer` is the name of the layer it used.

    Under `tf.distribute` (the model built in `strategy.scope()`), the methods
    spread their model inputs over the strategy's replicas on this worker (see
    `methods.gradients`), and only the chief computes and writes (`is_chief`):
    the task of type "chief", else worker 0 when the cluster has no chief, else
    the process itself when there is no cluster (one machine, `MirroredStrategy`).
    Other workers neither compute masks nor create `log_dir` or any file in it.
    The methods make plain local model calls, no collective op, so the chief
    computes alone while the others go on to the next epoch, where they wait for
    it at their first collective step.

    Raises:
      ValueError, TypeError: an argument is not what the callback takes.

    Example:
      ```python
      from tensorboard_plugin_saliency.callbacks import SaliencyCallback

      callback = SaliencyCallback(
          "logs/train", x_val[:8], y_val[:8], methods=("gradients", "grad_cam")
      )
      model.fit(x_train, y_train, epochs=5, callbacks=[callback])
      ```
    """

    def __init__(
        self,
        log_dir,
        images,
        targets=None,
        *,
        methods=("gradients", "smoothgrad", "integrated_gradients"),
        every_n_epochs=1,
        tag="saliency",
        class_names=None,
        captions=None,
        max_outputs=None,
        batch_size=table.DEFAULT_BATCH_SIZE,
        faithfulness=None,
        labels=None,
        regions=None,
    ):
        """`labels=` is the older spelling of `class_names=` (a DeprecationWarning)."""
        super().__init__()
        class_names = logging_flow.renamed(
            "labels", "class_names", labels, class_names, "SaliencyCallback"
        )
        self._images = np.asarray(images, dtype=np.float32)
        if self._images.ndim != 4:
            raise ValueError("images: expected [N,H,W,C], got shape %s" % (self._images.shape,))
        n = len(self._images)
        self._targets = None if targets is None else checks.class_indices(targets, n)
        validate.integer("every_n_epochs", every_n_epochs, minimum=1)
        if max_outputs is not None:
            validate.integer("max_outputs", max_outputs, minimum=1)
        self._methods = table.settings(methods)
        for name, params in self._methods.items():
            if not isinstance(params, dict):
                raise TypeError("methods[%r]: expected a dict of parameters" % name)
        self._faithfulness = logged.settings(faithfulness, regions=regions is not None)
        regions_lib.prepare_regions(regions, n, self._images.shape[1:3])  # checked now
        self._regions = regions
        self._every = every_n_epochs
        self._tag = tag
        self._class_names = None if class_names is None else [str(c) for c in class_names]
        self._captions = None if captions is None else [str(c) for c in captions]
        self._max_outputs = max_outputs
        self._batch_size = validate.integer("batch_size", batch_size, minimum=1)
        self._log_dir = log_dir
        self._writer = None

    def on_epoch_end(self, epoch, logs=None):
        """Keras hook: logs at step `epoch + 1` when that epoch is due.

        Args:
          epoch: the epoch that ended, from 0.
          logs: Keras' metrics of the epoch (unused).
        """
        last = self.params.get("epochs") if self.params else None
        if logging_flow.due(epoch + 1, self._every, last):
            self.log(step=epoch + 1)

    def on_train_end(self, logs=None):
        """Keras hook: flushes the event file.

        Args:
          logs: Keras' metrics (unused).
        """
        if self._writer is not None:
            self._writer.flush()

    def log(self, step):
        """Computes the masks now and writes them at `step`; on the chief only.

        Args:
          step: the step to write at, an integer.

        Returns:
          Whether this process wrote (False on a worker other than the chief).
        """
        strategy = _strategy(self.model)
        if not is_chief(strategy):
            return False
        images = self._images[: self._max_outputs]
        explained = logging_flow.explain(
            KerasModel(self.model, self._batch_size, strategy),
            images,
            methods=self._methods,
            true_classes=None if self._targets is None else self._targets[: len(images)],
            faithfulness=self._faithfulness,
            captions=self._captions,
            class_names=self._class_names,
            regions=regions_lib.select(self._regions, slice(0, len(images))),
        )
        if self._writer is None:
            self._writer = summary.SaliencyWriter(self._log_dir)
        logging_flow.write(
            self._writer,
            explained,
            step,
            tag=self._tag,
            description="Saliency of %d fixed images, logged by SaliencyCallback "
            "every %d epoch(s)." % (len(images), self._every),
            ids=logging_flow.positional_ids(len(images)),
        )
        return True

    def close(self):
        """Closes the event file."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def is_chief(strategy=None):
    """Whether this process is the one that writes under `strategy`.

    TensorFlow's rule (`multi_worker_util.is_chief`, which
    `strategy.extended.should_checkpoint` and `should_save_summary` report, and
    by which tf.keras 2's TensorBoard and ModelCheckpoint callbacks kept other
    workers' files out of the log directory; Keras 3's TensorBoard callback
    writes from every worker): the task of type "chief"; worker 0 when the
    cluster has no "chief" task; an "evaluator" (a cluster of its own); a
    process with no cluster (no strategy, `MirroredStrategy`, a one-machine
    `MultiWorkerMirroredStrategy`). Every other task (the workers beside a
    "chief", workers 1 and up, "ps") is not.

    Args:
      strategy: a `tf.distribute.Strategy`; None: the current one
        (`tf.distribute.get_strategy()`).

    Returns:
      bool.
    """
    if strategy is None:
        strategy = tf.distribute.get_strategy()
    return _is_chief_task(getattr(strategy, "cluster_resolver", None))


def _is_chief_task(resolver):
    """`is_chief` for the task of a `tf.distribute.cluster_resolver.ClusterResolver`
    (None: no cluster)."""
    task_type = getattr(resolver, "task_type", None)
    if not task_type:
        return True
    if task_type in ("chief", "evaluator"):
        return True
    if task_type != "worker":
        return False
    return "chief" not in resolver.cluster_spec().as_dict() and not resolver.task_id


def _strategy(model):
    """The `tf.distribute.Strategy` the model was built under (else the current one)."""
    strategy = getattr(model, "distribute_strategy", None)
    return strategy if isinstance(strategy, tf.distribute.Strategy) else None
