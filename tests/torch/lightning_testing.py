"""A tiny Lightning classifier on synthetic data, for the callback's tests (also run as
a script by test_lightning.py's DDP test: `python lightning_testing.py LOGDIR`)."""

import os
import sys

import lightning.pytorch as pl
import torch

N, C, H, CLASSES = 48, 3, 16, 3


class Classifier(pl.LightningModule):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.net = torch.nn.Sequential(
            torch.nn.Conv2d(C, 6, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.Conv2d(6, 8, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.AdaptiveAvgPool2d(1),
            torch.nn.Flatten(),
            torch.nn.Linear(8, CLASSES),
        )

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.cross_entropy(self(x), y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.cross_entropy(self(x), y), sync_dist=True)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-2)


def data():
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(N, C, H, H, generator=generator)
    y = torch.randint(0, CLASSES, (N,), generator=generator)
    return x, y


def loader(x, y):
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=12)


def ddp_main(logdir):
    """Two CPU processes under DDP, the callback on both: rank 0 alone writes."""
    from lightning.pytorch.loggers import TensorBoardLogger

    from tensorboard_plugin_saliency.torch import SaliencyCallback

    x, y = data()
    trainer = pl.Trainer(
        strategy="ddp",
        accelerator="cpu",
        devices=2,
        max_epochs=2,
        logger=TensorBoardLogger(logdir, name="ddp", version=0),
        callbacks=[SaliencyCallback(x[:4], y[:4], methods=("gradients",))],
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(Classifier(), loader(x, y), loader(x, y))
    with open(os.path.join(logdir, "finished-rank-%d" % trainer.global_rank), "w") as f:
        f.write(str(trainer.global_step))


if __name__ == "__main__":
    ddp_main(sys.argv[1])
