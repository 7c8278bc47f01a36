"""Guided backpropagation (Springenberg et al. 2015): gradients through rewritten ReLUs."""

from tensorboard_plugin_saliency.methods.adapter import image_points


def relu_rule_gradients(model, batch, rule, method):
    """d score / d input through `model` with its ReLUs' gradients following `rule`
    ("guided" or "deconvnet"), `[N, H, W, C]`; one model input per image."""
    rewritten = model.with_relu_rule(rule, method)
    return model.ops.numpy(rewritten.input_gradients(batch, image_points, 1))


def guided_backprop(model, batch):
    """Gradients in which each ReLU passes back only positive gradients, and only where
    its input was positive."""
    return relu_rule_gradients(model, batch, "guided", "guided_backprop")
