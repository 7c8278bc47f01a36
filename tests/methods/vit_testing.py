"""Small vision transformers for the tests, on Keras and PyTorch: a patch-embedding
convolution, a token sequence (with or without a class token), blocks of layer norm,
attention and MLP, a final norm, pooling (or the class token) and a dense head."""

import keras
import numpy as np

DIM, HEADS, CLASSES = 16, 2, 5


class ClassToken(keras.layers.Layer):
    """Prepends a learned token to a sequence `[N, T, C]`."""

    def build(self, input_shape):
        self.token = self.add_weight(shape=(1, 1, input_shape[-1]), initializer="random_normal")

    def call(self, x):
        token = keras.ops.broadcast_to(self.token, (keras.ops.shape(x)[0], 1, x.shape[-1]))
        return keras.ops.concatenate([token, x], axis=1)


class FirstToken(keras.layers.Layer):
    def call(self, x):
        return x[:, 0]


def keras_vit(image=(16, 16), patch=4, depth=2, class_token=False, seed=2):
    """A Keras ViT; its token grid is `image / patch`."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((*image, 3))
    x = keras.layers.Conv2D(DIM, patch, strides=patch, name="patch")(inputs)
    x = keras.layers.Reshape((-1, DIM), name="tokens")(x)
    if class_token:
        x = ClassToken(name="class_token")(x)
    for b in range(depth):
        y = keras.layers.LayerNormalization(name=f"norm1_{b}")(x)
        y = keras.layers.MultiHeadAttention(HEADS, DIM // HEADS, name=f"attention_{b}")(y, y)
        x = keras.layers.Add(name=f"residual_{b}")([x, y])
        y = keras.layers.LayerNormalization(name=f"norm2_{b}")(x)
        y = keras.layers.Dense(2 * DIM, activation="gelu", name=f"mlp1_{b}")(y)
        y = keras.layers.Dense(DIM, name=f"mlp2_{b}")(y)
        x = keras.layers.Add(name=f"block_{b}")([x, y])
    x = keras.layers.LayerNormalization(name="norm")(x)
    if class_token:
        x = FirstToken(name="first")(x)
    else:
        x = keras.layers.GlobalAveragePooling1D(name="pool")(x)
    return keras.Model(inputs, keras.layers.Dense(CLASSES, name="head")(x))


def torch_vit(image=(16, 16), patch=4, depth=2, class_token=True, seed=2):
    """A PyTorch ViT laid out as timm's (`patch_embed`, `blocks.i.norm1`, `.attn`,
    `.norm2`, `.mlp`, `norm`, `head`); its token grid is `image / patch`."""
    import torch
    from torch import nn

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv = nn.Linear(DIM, 3 * DIM)
            self.proj = nn.Linear(DIM, DIM)

        def forward(self, x):
            n, t, _ = x.shape
            q, k, v = self.qkv(x).reshape(n, t, 3, HEADS, DIM // HEADS).permute(2, 0, 3, 1, 4)
            weights = (q @ k.transpose(-2, -1) / np.sqrt(DIM // HEADS)).softmax(-1)
            return self.proj((weights @ v).transpose(1, 2).reshape(n, t, DIM))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm1 = nn.LayerNorm(DIM)
            self.attn = Attention()
            self.norm2 = nn.LayerNorm(DIM)
            self.mlp = nn.Sequential(nn.Linear(DIM, 2 * DIM), nn.GELU(), nn.Linear(2 * DIM, DIM))

        def forward(self, x):
            x = x + self.attn(self.norm1(x))
            return x + self.mlp(self.norm2(x))

    class ViT(nn.Module):
        def __init__(self):
            super().__init__()
            tokens = (image[0] // patch) * (image[1] // patch) + int(class_token)
            self.patch_embed = nn.Conv2d(3, DIM, patch, stride=patch)
            self.cls_token = nn.Parameter(torch.randn(1, 1, DIM) * 0.5) if class_token else None
            self.pos_embed = nn.Parameter(torch.randn(1, tokens, DIM) * 0.5)
            self.blocks = nn.Sequential(*[Block() for _ in range(depth)])
            self.norm = nn.LayerNorm(DIM)
            self.head = nn.Linear(DIM, CLASSES)

        def forward(self, x):
            x = self.patch_embed(x).flatten(2).transpose(1, 2)
            if self.cls_token is not None:
                x = torch.cat([self.cls_token.expand(len(x), -1, -1), x], dim=1)
            x = self.norm(self.blocks(x + self.pos_embed))
            return self.head(x[:, 0] if self.cls_token is not None else x.mean(1))

    torch.manual_seed(seed)
    return ViT().eval()


def torch_token_map_model(image=(16, 16), patch=4, seed=3):
    """A PyTorch model whose stages hold channels-last token maps `[N, h, w, C]`, as
    timm's Swin and ConvNeXt blocks do, pooled before its head."""
    import torch
    from torch import nn

    class Stage(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm = nn.LayerNorm(DIM)
            self.fc1 = nn.Linear(DIM, 2 * DIM)
            self.act = nn.GELU()
            self.fc2 = nn.Linear(2 * DIM, DIM)

        def forward(self, x):
            return x + self.fc2(self.act(self.fc1(self.norm(x))))

    class TokenMaps(nn.Module):
        def __init__(self):
            super().__init__()
            self.patch_embed = nn.Conv2d(3, DIM, patch, stride=patch)
            self.stages = nn.Sequential(Stage(), Stage())
            self.head = nn.Linear(DIM, CLASSES)

        def forward(self, x):
            x = self.stages(self.patch_embed(x).permute(0, 2, 3, 1))
            return self.head(x.mean((1, 2)))

    torch.manual_seed(seed)
    return TokenMaps().eval()
