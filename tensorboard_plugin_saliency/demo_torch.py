"""The demo in PyTorch: the same synthetic shapes and the same small CNN, trained with
a plain loop that logs the same methods every epoch (`torch.log_attributions`) into
the same Saliency tab (`tensorboard-saliency demo --framework torch`)."""

import dataclasses
import os

import numpy as np

from tensorboard_plugin_saliency import demo

TORCH_METHODS = {
    "integrated_gradients": {"steps": 25},
    "smoothgrad": {"nsamples": 25},
    "grad_cam": {},
    "gradients": {},
}
"""The methods the torch demo logs, with the TF demo's parameters."""


def build_model(classes=demo.NUM_CLASSES, seed=0):
    """The TF demo's CNN in PyTorch: three conv blocks, global average pooling, a
    linear layer (logits; the loss applies the softmax)."""
    import torch

    torch.manual_seed(seed)
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(64, classes),
    )


def _nchw(images):
    import torch

    return torch.as_tensor(np.ascontiguousarray(images.transpose(0, 3, 1, 2)))


def train(logdir, epochs=8, train_size=3000, shown=8, seed=0, verbose=True):
    """Trains the torch demo CNN, logging saliency of `shown` validation images after
    every epoch (step: the epoch). Returns `(model, validation dataset)`."""
    import torch
    from torch.utils.tensorboard import SummaryWriter

    from tensorboard_plugin_saliency.torch import log_attributions

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    data = demo.make_shapes(train_size, seed=seed)
    valid = demo.make_shapes(256, seed=seed + 1)
    x, y = _nchw(data.images), torch.as_tensor(data.classes)
    model = build_model(seed=seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    generator = torch.Generator().manual_seed(seed)
    with SummaryWriter(os.path.join(logdir, "saliency")) as writer:
        for epoch in range(1, epochs + 1):
            model.train()
            for rows in torch.randperm(len(x), generator=generator).split(64):
                # Gaussian noise on the inputs, as the TF demo (and the SmoothGrad paper).
                noisy = x[rows] + 0.1 * torch.randn(x[rows].shape, generator=generator)
                loss = torch.nn.functional.cross_entropy(model(noisy), y[rows])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            accuracy = _accuracy(model, valid)
            writer.add_scalar("validation/accuracy", accuracy, epoch)
            log_attributions(
                writer,
                model,
                _nchw(valid.images[:shown]),
                valid.classes[:shown],
                step=epoch,
                methods=TORCH_METHODS,
                tag="validation/shapes",
                class_names=demo.CLASS_NAMES,
                regions={"masks": valid.masks[:shown]},
            )
            if verbose:
                print("epoch %d: validation accuracy %.3f" % (epoch, accuracy), flush=True)
    return model, valid


def _accuracy(model, valid):
    import torch

    model.eval()
    with torch.no_grad():
        predicted = model(_nchw(valid.images)).argmax(dim=1).numpy()
    return float((predicted == valid.classes).mean())


@dataclasses.dataclass
class Figures:
    """What the trained torch demo model's saliency shows on 64 validation images:
    the share of |mask| mass on the object over the object's share of the image."""

    accuracy: float
    ratios: dict

    def lines(self):
        return ["validation accuracy %.3f" % self.accuracy] + [
            "mask mass on the object / the object's share of the image (64 images), "
            "%s: %.1fx (median %.1fx)" % (name, ratio.mean(), np.median(ratio))
            for name, ratio in self.ratios.items()
        ]


def figures(model, valid):
    """The `Figures` of a trained torch demo `model` on the validation set `valid`."""
    import torch

    from tensorboard_plugin_saliency.torch import methods

    images = _nchw(valid.images[:64])
    classes = torch.as_tensor(valid.classes[:64])
    ratios = {}
    for name in ("integrated_gradients", "smoothgrad", "gradients"):
        masks = methods.METHODS[name](model, images, classes, **TORCH_METHODS[name])
        ratios[name] = demo.object_mass_ratio(masks.transpose(0, 2, 3, 1), valid.masks[:64])
    return Figures(_accuracy(model, valid), ratios)


def run(logdir, epochs=8, no_serve=False, port=6006):
    """`tensorboard-saliency demo --framework torch`."""
    model, valid = train(logdir, epochs=epochs)
    print("Wrote saliency summaries to %s" % logdir, flush=True)
    for line in figures(model, valid).lines():
        print(line, flush=True)
    if not no_serve:
        demo.serve(logdir, port=port)
