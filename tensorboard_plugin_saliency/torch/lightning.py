"""`SaliencyCallback` for PyTorch Lightning: saliency of fixed images, logged every
n-th validation epoch through the trainer's TensorBoard logger."""

from tensorboard_plugin_saliency import logging_flow, validate
from tensorboard_plugin_saliency.faithfulness import logged
from tensorboard_plugin_saliency.methods import table
from tensorboard_plugin_saliency.torch import attributions
from tensorboard_plugin_saliency.torch.log import DEFAULT_METHODS, log_attributions

try:
    from lightning.pytorch import Callback
    from lightning.pytorch.loggers import TensorBoardLogger
except ImportError:  # the older package name
    try:
        from pytorch_lightning import Callback
        from pytorch_lightning.loggers import TensorBoardLogger
    except ImportError:
        raise ImportError(
            "SaliencyCallback needs PyTorch Lightning: "
            "pip install 'tensorboard-plugin-saliency[lightning]'"
        ) from None


class SaliencyCallback(Callback):
    """Logs saliency masks of fixed images at the end of every n-th validation epoch.

    Args:
      images: model inputs `[N, C, H, W]` (a tensor or an array), moved to the
        module's device.
      targets: optional true class per image `[N]`: the masks explain it (else the
        predicted class) and the captions name it.
      methods: as for `log_attributions` and the Keras callback: names of the
        methods' table, `{name: params}`, or Captum `Attribution` instances.
      every_n_epochs: log at the end of every n-th validation epoch, and of the last.
      tag: the summary's tag.
      class_names: names of the classes, by index, for the captions.
      captions: one caption per image, in place of "true: cat · pred: dog 0.87".
      log_dir: write here; default: through the trainer's `TensorBoardLogger`.
      batch_size, max_outputs, faithfulness, regions: as for `log_attributions`
        (regions: the images' ground truth, outlined and scored for localisation).

    The step is the trainer's `global_step`, so the masks line up with Lightning's
    own scalars. Under DDP only global rank zero computes and writes; the attributions
    take gradients with respect to the inputs only, so no collective op runs there.

    Raises:
      ValueError, TypeError: an argument is not what the callback takes.

    Example:
      ```python
      import lightning.pytorch as pl
      from tensorboard_plugin_saliency.torch import SaliencyCallback

      callback = SaliencyCallback(val_images[:8], val_labels[:8], every_n_epochs=2)
      trainer = pl.Trainer(max_epochs=10, callbacks=[callback])  # TensorBoardLogger
      trainer.fit(lit_module, train_loader, val_loader)
      ```
    """

    def __init__(
        self,
        images,
        targets=None,
        *,
        methods=DEFAULT_METHODS,
        every_n_epochs=1,
        tag="saliency",
        class_names=None,
        captions=None,
        log_dir=None,
        batch_size=table.DEFAULT_BATCH_SIZE,
        max_outputs=None,
        faithfulness=None,
        regions=None,
    ):
        super().__init__()
        self._methods = table.settings(methods)
        attributions.split(self._methods)
        self._faithfulness = logged.settings(faithfulness, regions=regions is not None)
        self._regions = regions
        self._captions = captions
        self._every = validate.integer("every_n_epochs", every_n_epochs, minimum=1)
        validate.integer("batch_size", batch_size, minimum=1)
        if max_outputs is not None:
            validate.integer("max_outputs", max_outputs, minimum=1)
        if getattr(images, "ndim", None) != 4:
            raise ValueError(
                "images: expected [N, C, H, W], got shape %s"
                % (tuple(getattr(images, "shape", ())),)
            )
        self._images, self._targets = images, targets
        self._tag, self._class_names = tag, class_names
        self._log_dir, self._batch_size, self._max_outputs = log_dir, batch_size, max_outputs
        self._writer = None

    def on_validation_epoch_end(self, trainer, pl_module):
        """Lightning hook: logs on global rank zero when the epoch is due.

        Args:
          trainer: the `Trainer`.
          pl_module: the `LightningModule`, the model explained.

        Raises:
          ValueError: no `log_dir` was given and the trainer has no `TensorBoardLogger`.
        """
        if trainer.sanity_checking or not trainer.is_global_zero:
            return
        if not logging_flow.due(trainer.current_epoch + 1, self._every, trainer.max_epochs):
            return
        log_attributions(
            self._target(trainer),
            pl_module,
            self._images,
            self._targets,
            step=trainer.global_step,
            methods=self._methods,
            tag=self._tag,
            class_names=self._class_names,
            captions=self._captions,
            batch_size=self._batch_size,
            max_outputs=self._max_outputs,
            faithfulness=self._faithfulness,
            ids=logging_flow.positional_ids(len(self._images)),
            regions=self._regions,
        )

    def _target(self, trainer):
        """Where to write: our own writer for `log_dir`, else the TensorBoard logger's."""
        if self._log_dir is not None:
            if self._writer is None:
                from tensorboard_plugin_saliency.summary import SaliencyWriter

                self._writer = SaliencyWriter(self._log_dir)
            return self._writer
        for logger in trainer.loggers:
            if isinstance(logger, TensorBoardLogger):
                return logger.experiment
        raise ValueError(
            "SaliencyCallback: the trainer has no TensorBoardLogger; add one "
            "(Trainer(logger=TensorBoardLogger(...))) or pass log_dir="
        )

    def on_fit_end(self, trainer, pl_module):
        """Lightning hook: closes the writer of `log_dir`, if one was opened.

        Args:
          trainer: the `Trainer`.
          pl_module: the `LightningModule`.
        """
        if self._writer is not None:
            self._writer.close()
            self._writer = None
