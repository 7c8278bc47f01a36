"""The end-to-end demo: a synthetic shapes dataset, a small CNN, saliency while training.

Each image holds one shape (circle, square or triangle: the class) at a random place on
textured clutter, so where the evidence lies is known exactly: `ShapesDataset.masks`
marks the object's pixels. The demo trains a small CNN with `SaliencyCallback` (or,
with `model="vit"`, the small vision transformer of `demo_vit`), logging the shown
images' objects as their regions (outlined on the dashboard, with each mask's
localisation scores against them), then serves TensorBoard.
"""

import dataclasses
import os

import numpy as np

CLASS_NAMES = ("circle", "square", "triangle")
NUM_CLASSES = len(CLASS_NAMES)
IMAGE_SIZE = 48


@dataclasses.dataclass
class ShapesDataset:
    """Images `[N,S,S,3]` float32 in [0,1], classes `[N]`, object masks bool `[N,S,S]`."""

    images: np.ndarray
    classes: np.ndarray
    masks: np.ndarray


def make_shapes(n, size=IMAGE_SIZE, seed=0):
    """`n` images of one coloured shape each on textured clutter."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    images = np.empty((n, size, size, 3), np.float32)
    masks = np.empty((n, size, size), bool)
    classes = rng.integers(0, len(CLASS_NAMES), size=n)
    for i in range(n):
        images[i] = _clutter(rng, size, yy, xx)
        radius = rng.uniform(size * 0.13, size * 0.2)
        cy, cx = rng.uniform(radius + 1, size - radius - 1, size=2)
        masks[i] = _shape(classes[i], yy - cy, xx - cx, radius)
        colour = rng.uniform(0.55, 1.0, size=3) * rng.permutation([1.0, rng.uniform(0, 0.6), 1.0])
        images[i][masks[i]] = colour
    return ShapesDataset(np.clip(images, 0, 1), classes.astype(np.int64), masks)


def _clutter(rng, size, yy, xx):
    """A dim background of stripes and blotches, crossed by bright strokes."""
    angle, frequency = rng.uniform(0, np.pi), rng.uniform(0.2, 0.6)
    stripes = 0.5 + 0.5 * np.sin(frequency * (np.cos(angle) * xx + np.sin(angle) * yy))
    blotches = sum(
        np.exp(
            -((yy - rng.uniform(0, size)) ** 2 + (xx - rng.uniform(0, size)) ** 2)
            / rng.uniform(20, 120)
        )
        for _ in range(4)
    )
    tint = rng.uniform(0.1, 0.4, size=3)
    background = (0.12 * stripes + 0.2 * blotches)[..., None] * tint * 2.0
    image = background + 0.05 * rng.random((size, size, 3))
    for _ in range(rng.integers(2, 5)):  # Bright strokes, as bright as the shapes.
        y0, x0 = rng.uniform(0, size, size=2)
        angle, length = rng.uniform(0, np.pi), rng.uniform(6, 14)
        along = (xx - x0) * np.cos(angle) + (yy - y0) * np.sin(angle)
        across = -(xx - x0) * np.sin(angle) + (yy - y0) * np.cos(angle)
        stroke = (np.abs(along) <= length / 2) & (np.abs(across) <= rng.uniform(0.8, 1.6))
        image[stroke] = rng.uniform(0.55, 1.0, size=3)
    return image


def _shape(class_id, dy, dx, radius):
    if class_id == 0:  # circle
        return dy**2 + dx**2 <= radius**2
    if class_id == 1:  # square
        half = radius * 0.85
        return (np.abs(dy) <= half) & (np.abs(dx) <= half)
    # triangle, apex up
    height = 1.7 * radius
    top = -height / 2
    inside_y = (dy >= top) & (dy <= height / 2)
    return inside_y & (np.abs(dx) <= (dy - top) * 0.62)


def build_model(size=IMAGE_SIZE, classes=NUM_CLASSES, seed=0):
    """A small CNN: three conv blocks, global average pooling, softmax.

    Gaussian noise on the inputs while training (as the SmoothGrad paper suggests)
    keeps the gradients on the object rather than spread over the clutter.
    """
    import tensorflow as tf

    tf.keras.utils.set_random_seed(seed)
    layers = tf.keras.layers
    model = tf.keras.Sequential(
        [
            tf.keras.Input((size, size, 3)),
            layers.GaussianNoise(0.1),
            layers.Conv2D(16, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, padding="same", activation="relu", name="last_conv"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(classes, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=tf.keras.optimizers.Adam(3e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


DEMO_METHODS = {
    "integrated_gradients": {"steps": 25},
    "smoothgrad": {"nsamples": 25, "seed": 0},
    "grad_cam": {},
    "gradients": {},
}


MODELS = ("cnn", "vit")
"""The demo's models: the CNN above, or the vision transformer of `demo_vit`."""


def model_methods(model="cnn"):
    """The methods (`{name: params}`) the demo logs for `model` ("cnn" or "vit")."""
    if model == "vit":
        from tensorboard_plugin_saliency import demo_vit

        return demo_vit.METHODS
    _check_model(model)
    return DEMO_METHODS


def run_directory(logdir, model="cnn"):
    """Where the demo writes `model`'s runs: `logdir` itself for the CNN (runs
    `saliency`, `keras`), `logdir/vit` for the ViT (`vit/saliency`, `vit/keras`)."""
    _check_model(model)
    return logdir if model == "cnn" else os.path.join(logdir, "vit")


def _check_model(model):
    if model not in MODELS:
        raise ValueError("model: expected one of %s, got %r" % (", ".join(MODELS), model))


def train(logdir, epochs=8, train_size=3000, shown=8, seed=0, verbose=2, model="cnn"):
    """Trains the demo's `model` ("cnn", or "vit": `demo_vit`), logging saliency of
    `shown` validation images each epoch (runs: see `run_directory`).

    Returns `(model, validation dataset)`.
    """
    import tensorflow as tf

    from tensorboard_plugin_saliency.callbacks import SaliencyCallback
    from tensorboard_plugin_saliency.regions import Regions

    methods = model_methods(model)
    directory = run_directory(logdir, model)
    data = make_shapes(train_size, seed=seed)
    valid = make_shapes(256, seed=seed + 1)
    if model == "vit":
        from tensorboard_plugin_saliency import demo_vit

        batch_size = demo_vit.BATCH_SIZE
        steps = epochs * -(-train_size // batch_size)
        net = demo_vit.build_model(IMAGE_SIZE, NUM_CLASSES, seed=seed, steps=steps)
    else:
        batch_size = 64
        net = build_model(seed=seed)
    saliency = SaliencyCallback(
        os.path.join(directory, "saliency"),
        valid.images[:shown],
        valid.classes[:shown],
        methods=methods,
        class_names=CLASS_NAMES,
        tag="validation/shapes",
        faithfulness=("deletion", "insertion"),
        regions=Regions(masks=valid.masks[:shown]),
    )
    net.fit(
        data.images,
        data.classes,
        batch_size=batch_size,
        epochs=epochs,
        verbose=verbose,
        validation_data=(valid.images, valid.classes),
        callbacks=[saliency, tf.keras.callbacks.TensorBoard(os.path.join(directory, "keras"))],
    )
    saliency.close()
    return net, valid


@dataclasses.dataclass
class Figures:
    """What the trained demo model's saliency shows on validation images.

    `*_ratio`: the share of mask mass on the object divided by the object's share of
    the image, per image (1 is chance). `*_rank_correlation`: mean Spearman correlation
    between the trained model's masks and those of the model with every layer
    re-initialised (`faithfulness.randomization_check`, Adebayo et al., 2018; 0 is
    unrelated); `randomization`: `{method: faithfulness.Randomization}`, every stage.
    `deletion`, `insertion`: `{mask: faithfulness.Curves}` of the 64 images, for each
    demo method, the object's region and the background (masks of known pixels).
    `cam_ratio`: `{method: ratio per image}` of the ViT's CAMs, at their token grid.
    The ViT has no randomisation figures (`randomization` empty, the correlations
    NaN): `faithfulness.randomization_check` cannot re-initialise Keras'
    `MultiHeadAttention`, whose initializers are private.
    """

    accuracy: float
    ig_ratio: np.ndarray
    smoothgrad_ratio: np.ndarray
    smoothgrad_rank_correlation: float
    ig_rank_correlation: float
    deletion: dict = dataclasses.field(default_factory=dict)
    insertion: dict = dataclasses.field(default_factory=dict)
    randomization: dict = dataclasses.field(default_factory=dict)
    cam_ratio: dict = dataclasses.field(default_factory=dict)

    def lines(self):
        cams = [
            "%s %.1fx (median %.1fx)" % (name, ratio.mean(), np.median(ratio))
            for name, ratio in self.cam_ratio.items()
        ]
        randomization = [
            "rank correlation with the masks of the model re-initialised from the top, "
            "layer by layer (32 images):",
        ] + [
            "  %-22s %s"
            % (name, ", ".join("%s %.2f" % stage for stage in zip(check.layers, check.mean)))
            for name, check in self.randomization.items()
        ]
        return (
            [
                "validation accuracy %.3f" % self.accuracy,
                "mask mass on the object / the object's share of the image (64 images): "
                "Integrated Gradients %.1fx (median %.1fx), SmoothGrad %.1fx (median %.1fx)"
                % (
                    self.ig_ratio.mean(),
                    np.median(self.ig_ratio),
                    self.smoothgrad_ratio.mean(),
                    np.median(self.smoothgrad_ratio),
                ),
            ]
            + (["the same at the CAMs' token grid (64 images): " + ", ".join(cams)] if cams else [])
            + (randomization if self.randomization else [])
            + [
                "deletion AUC (lower is better) / insertion AUC (higher is better), 64 images, "
                "random pixel order %.3f / %.3f:"
                % (
                    next(iter(self.deletion.values())).random_auc.mean(),
                    next(iter(self.insertion.values())).random_auc.mean(),
                ),
            ]
            + [
                "  %-22s %.3f / %.3f"
                % (name, self.deletion[name].auc.mean(), self.insertion[name].auc.mean())
                for name in self.deletion
            ]
        )


def object_mass_ratio(masks, objects):
    """Share of |mask| mass on the object / the object's share of the image, per image.

    A mask smaller than the image by whole factors (a CAM's grid: the ViT's 8x8 tokens
    of 6x6 pixels) is weighed against the share of each cell the object covers (each
    cell's mass spread evenly over its pixels, as a nearest-neighbour upsampling would
    spread it). A mask with no mass at all (a rectified CAM can be all zeros) scores 0.
    """
    mass = np.abs(masks).sum(-1) if masks.ndim == 4 else np.abs(masks)
    objects = np.asarray(objects, np.float32)
    n, height, width = objects.shape
    h, w = mass.shape[1:3]
    if height % h or width % w:
        raise ValueError(
            "masks: expected the objects' size %dx%d or a whole fraction of it, got %dx%d"
            % (height, width, h, w)
        )
    cells = objects.reshape(n, h, height // h, w, width // w).mean(axis=(2, 4))
    total = mass.sum(axis=(1, 2))
    inside = (mass * cells).sum(axis=(1, 2)) / np.where(total > 0, total, 1)
    return inside / objects.mean(axis=(1, 2))


def cam_ratios(model, valid, names, n=64):
    """`{method: object_mass_ratio}` of the CAM methods `names` on the first `n`
    validation images, each at its own resolution (the ViT's 8x8 token grid)."""
    from tensorboard_plugin_saliency import methods

    images, classes, objects = valid.images[:n], valid.classes[:n], valid.masks[:n]
    return {
        name: object_mass_ratio(methods.METHODS[name](model, images, classes), objects)
        for name in names
    }


def figures(model, valid, which="cnn"):
    """The `Figures` of a trained demo `model` ("cnn" or "vit": `which`) on the
    validation set `valid`."""
    from tensorboard_plugin_saliency import faithfulness, methods

    chosen = model_methods(which)
    accuracy = float((np.asarray(model(valid.images)).argmax(1) == valid.classes).mean())
    images, classes, objects = valid.images[:64], valid.classes[:64], valid.masks[:64]
    ig = methods.integrated_gradients(model, images, classes)
    sg = methods.smoothgrad(model, images, classes, seed=0)
    masks = {"integrated_gradients": ig, "smoothgrad": sg}
    for name in chosen:
        if name not in masks:
            masks[name] = methods.METHODS[name](model, images, classes, **chosen[name])
    cams = {}
    if which == "vit":
        from tensorboard_plugin_saliency import demo_vit

        cams = {name: object_mass_ratio(masks[name], objects) for name in demo_vit.CAMS}
    masks["object region"] = objects.astype(np.float32)
    masks["background"] = 1.0 - objects.astype(np.float32)
    # IG is signed and its sign is part of the explanation (|IG| inherits the image's
    # edges through the x * gradient factor, as Adebayo et al. found).
    few, few_classes = images[:32], classes[:32]
    randomization = {}
    if which == "cnn":
        randomization = {
            "smoothgrad": faithfulness.randomization_check(
                model, few, "smoothgrad", few_classes, params={"seed": 0}
            ),
            "integrated_gradients": faithfulness.randomization_check(
                model, few, "integrated_gradients", few_classes
            ),
        }
    return Figures(
        accuracy=accuracy,
        ig_ratio=object_mass_ratio(ig, objects),
        smoothgrad_ratio=object_mass_ratio(sg, objects),
        smoothgrad_rank_correlation=float(
            randomization["smoothgrad"].mean[-1] if randomization else np.nan
        ),
        ig_rank_correlation=float(
            randomization["integrated_gradients"].mean[-1] if randomization else np.nan
        ),
        randomization=randomization,
        cam_ratio=cams,
        deletion={
            name: faithfulness.deletion(model, images, mask, classes)
            for name, mask in masks.items()
        },
        insertion={
            name: faithfulness.insertion(model, images, mask, classes)
            for name, mask in masks.items()
        },
    )


def serve(logdir, host="127.0.0.1", port=6006):
    """Serves TensorBoard on `logdir` until interrupted."""
    from tensorboard import program

    board = program.TensorBoard()
    board.configure(argv=[None, "--logdir", logdir, "--host", host, "--port", str(port)])
    print("TensorBoard: open http://%s:%d/#saliency" % (host, port), flush=True)
    board.main()


def run(logdir, epochs=8, no_serve=False, port=6006, model="cnn"):
    """The `tensorboard-saliency demo` command (`model`: "cnn" or "vit")."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    net, valid = train(logdir, epochs=epochs, model=model)
    print("Wrote saliency summaries to %s" % run_directory(logdir, model), flush=True)
    for line in figures(net, valid, which=model).lines():
        print(line, flush=True)
    if not no_serve:
        serve(logdir, port=port)
