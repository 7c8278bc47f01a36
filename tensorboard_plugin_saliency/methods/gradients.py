"""Vanilla gradients and gradient x input: one model input per image."""

from tensorboard_plugin_saliency.methods.adapter import image_points


def gradients(model, batch):
    """d score / d input, `[N, H, W, C]`."""
    return model.ops.numpy(model.input_gradients(batch, image_points, 1))


def gradient_x_input(model, batch):
    """Gradients times the input, elementwise, `[N, H, W, C]`."""
    return model.ops.numpy(model.input_gradients(batch, image_points, 1) * batch.images)
