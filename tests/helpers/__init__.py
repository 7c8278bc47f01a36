"""Helpers shared by the tests: log directories to test against, TensorBoard's data
providers on both backends, real `tensorboard` processes, and the browser check."""
