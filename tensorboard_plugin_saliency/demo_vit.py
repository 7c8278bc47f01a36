"""The demo's vision transformer (`tensorboard-saliency demo --model vit`): the same
shapes as the CNN's, a small ViT with a class token, the same callback.

48x48 images cut into 6x6 patches make an 8x8 grid of tokens; a class token goes in
front, then learned position embeddings, two pre-norm blocks (layer norm, 4-head
attention, residual; layer norm, GELU MLP, residual), a final norm and a dense head
on the class token. Grad-CAM's default layer is then the layer norm feeding the last
attention (`norm1_1`): its grid tokens still get a gradient, through the class
token's attention, where the last block's outputs get none.

Trained for 8 epochs of 3000 images (batch 32, Adam warming up to 2e-3, then a cosine
decay), it reaches 0.93 validation accuracy (seed 0; 0.87 to 0.93 over seeds 0 to 2),
training in about twice the CNN's time on 2 CPU cores. The methods: those of the CNN's
demo (all need gradients only; guided backprop, which needs ReLUs, would not apply to
GELUs) plus LayerCAM. On this model Grad-CAM does not localise the object (2.5x mean
mass on it against its share, 1.0x median) where LayerCAM, on the same layer, does
(7.2x, 6.3x; `demo.Figures`): the gradient reaches only the tokens the class token
attends to, and Grad-CAM averages it over the grid into one weight per channel, applied
to every token's layer-normed features alike; LayerCAM weighs each token by its own
gradient. Not a lack of training (1.9x after 40 epochs at 0.965 accuracy), nor the
layer (the default is Grad-CAM's best here: the others reach 2.0x at most), nor
upsampling (measured at the token grid; 2.3x upsampled to the image).
"""

import tensorflow as tf

PATCH = 6
"""Patch side in pixels: the 48x48 images make an 8x8 grid of tokens."""
DIM, HEADS, DEPTH, MLP_RATIO = 64, 4, 2, 2
BATCH_SIZE = 32
PEAK_LEARNING_RATE = 2e-3

RUN = "vit"
"""The ViT's runs sit under `<logdir>/vit/` (`vit/saliency`, `vit/keras`), beside the
CNN's (`saliency`, `keras`), so both can share one log directory."""

METHODS = {
    "integrated_gradients": {"steps": 25},
    "smoothgrad": {"nsamples": 25, "seed": 0},
    "grad_cam": {},
    "layer_cam": {},
    "gradients": {},
}
"""The methods the ViT demo logs: the CNN's, plus LayerCAM (Grad-CAM's layer, each
token weighed by its own gradient)."""

CAMS = ("grad_cam", "layer_cam")
"""The methods whose maps are the token grid (8x8), not the image."""

_PACKAGE = "tensorboard_plugin_saliency.demo_vit"


@tf.keras.utils.register_keras_serializable(package=_PACKAGE)
class ClassToken(tf.keras.layers.Layer):
    """Puts a learned token in front of a sequence `[N, T, C]`."""

    def build(self, input_shape):
        # `<weight>_initializer`, as Keras' own layers name it (the randomisation
        # check re-draws weights with it).
        self.token_initializer = tf.keras.initializers.RandomNormal(stddev=0.02)
        self.token = self.add_weight(
            name="token", shape=(1, 1, input_shape[-1]), initializer=self.token_initializer
        )

    def call(self, x):
        ops = tf.keras.ops
        token = ops.broadcast_to(ops.cast(self.token, x.dtype), (ops.shape(x)[0], 1, x.shape[-1]))
        return ops.concatenate([token, x], axis=1)


@tf.keras.utils.register_keras_serializable(package=_PACKAGE)
class PositionEmbedding(tf.keras.layers.Layer):
    """Adds a learned embedding to each position of a sequence `[N, T, C]`."""

    def build(self, input_shape):
        self.position_initializer = tf.keras.initializers.RandomNormal(stddev=0.02)
        self.position = self.add_weight(
            name="position", shape=(1, *input_shape[1:]), initializer=self.position_initializer
        )

    def call(self, x):
        return x + tf.keras.ops.cast(self.position, x.dtype)


@tf.keras.utils.register_keras_serializable(package=_PACKAGE)
class FirstToken(tf.keras.layers.Layer):
    """The class token of a sequence `[N, T, C]`: `[N, C]`."""

    def call(self, x):
        return x[:, 0]


def build_model(size=48, classes=3, seed=0, steps=750):
    """The demo ViT, compiled for `steps` training steps (the learning rate warms up
    over the first tenth, then decays to 0 along a cosine).

    Gaussian noise on the inputs while training, as in the CNN (without it this ViT
    stays at chance for several epochs).
    """
    tf.keras.utils.set_random_seed(seed)
    layers = tf.keras.layers
    inputs = tf.keras.Input((size, size, 3))
    x = layers.GaussianNoise(0.1)(inputs)
    x = layers.Conv2D(DIM, PATCH, strides=PATCH, name="patches")(x)
    x = layers.Reshape((-1, DIM), name="tokens")(x)
    x = ClassToken(name="class_token")(x)
    x = PositionEmbedding(name="position")(x)
    for b in range(DEPTH):
        y = layers.LayerNormalization(epsilon=1e-6, name="norm1_%d" % b)(x)
        y = layers.MultiHeadAttention(HEADS, DIM // HEADS, name="attention_%d" % b)(y, y)
        x = layers.Add(name="residual_%d" % b)([x, y])
        y = layers.LayerNormalization(epsilon=1e-6, name="norm2_%d" % b)(x)
        y = layers.Dense(MLP_RATIO * DIM, activation="gelu", name="mlp1_%d" % b)(y)
        y = layers.Dense(DIM, name="mlp2_%d" % b)(y)
        x = layers.Add(name="block_%d" % b)([x, y])
    x = layers.LayerNormalization(epsilon=1e-6, name="norm")(x)
    x = FirstToken(name="class_output")(x)
    outputs = layers.Dense(classes, activation="softmax", name="head")(x)
    model = tf.keras.Model(inputs, outputs, name="vit")
    schedule = tf.keras.optimizers.schedules.CosineDecay(
        PEAK_LEARNING_RATE / 10,
        decay_steps=steps,
        warmup_target=PEAK_LEARNING_RATE,
        warmup_steps=max(1, steps // 10),
    )
    model.compile(
        optimizer=tf.keras.optimizers.Adam(schedule),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
