"""Explaining a whole dataset: `explain_dataset(model, data, logdir=..., methods=...)`
writes every image's saliency maps as one step in parts, in this process (`local`) or
on a Ray cluster (`ray_engine`), resuming where an earlier run stopped.

    job.py       what a job writes, which parts are written, one part explained
    sources.py   the data as chunks (arrays, tf.data, PyTorch datasets, image folders)
    folder.py    image folders and CSVs of paths, read with Pillow
    models.py    the model: a model, a file, or a function that builds one
    local.py     the local engine (reading and writing beside the model's work)
    ray_engine.py  the same job as a Ray Data actor pool
"""

from tensorboard_plugin_saliency.dataset.explain import DatasetSummary, explain_dataset

__all__ = ["DatasetSummary", "explain_dataset"]
