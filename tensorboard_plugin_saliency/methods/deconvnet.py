"""DeconvNet (Zeiler & Fergus 2014): gradients whose ReLUs pass back positive gradients."""

from tensorboard_plugin_saliency.methods.guided_backprop import relu_rule_gradients


def deconvnet(model, batch):
    """Gradients in which each ReLU passes back the positive part of the gradient,
    whatever its input was in the forward pass."""
    return relu_rule_gradients(model, batch, "deconvnet", "deconvnet")
