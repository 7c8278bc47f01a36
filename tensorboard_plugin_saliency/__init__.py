"""A TensorBoard plugin that stores and shows saliency maps over their images.

The package imports without TensorFlow. Writers live in `summary`, reading back in
`reader`, the TensorBoard plugin in `plugin`, and the TF2 saliency methods in
`methods` (which needs TensorFlow).
"""

__version__ = "0.1.0"
