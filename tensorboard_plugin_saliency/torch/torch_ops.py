"""The array operations the methods' math uses, for PyTorch (see `methods.adapter.Ops`)."""

import numpy as np
import torch


class TorchOps:
    """`methods.adapter.Ops` on torch tensors, made on `device`."""

    name = "torch"
    channels_first = True
    """Where a dense output (segmentation scores) keeps its classes: `[N, K, H, W]`."""

    def __init__(self, device):
        self.device = device

    def as_tensor(self, x):
        return x if isinstance(x, torch.Tensor) else torch.as_tensor(x, device=self.device)

    def constant(self, array, dtype="float32"):
        array = np.ascontiguousarray(np.asarray(array, dtype=dtype))
        return torch.from_numpy(array).to(self.device)

    @staticmethod
    def numpy(x):
        return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)

    @staticmethod
    def gather(x, rows):
        return x.index_select(0, rows)

    @staticmethod
    def pick(scores, columns):
        return scores.gather(1, columns.long()[:, None])[:, 0]

    @staticmethod
    def argmax(x, axis):
        return x.argmax(axis)

    @staticmethod
    def max(x, axis):
        return x.amax(axis)

    @staticmethod
    def reshape(x, shape):
        return x.reshape([int(d) for d in shape])

    @staticmethod
    def transpose(x, perm):
        return x.permute(*perm)

    @staticmethod
    def concat(xs, axis=0):
        return torch.cat(list(xs), axis)

    @staticmethod
    def where(condition, x, y):
        return torch.where(condition, x, y)

    @staticmethod
    def abs(x):
        return x.abs()

    @staticmethod
    def relu(x):
        return torch.relu(x)

    @staticmethod
    def softmax(x):
        return torch.softmax(x, -1)

    @staticmethod
    def sum(x, axis, keepdims=False):
        return x.sum(axis, keepdim=keepdims)

    @staticmethod
    def min(x, axis, keepdims=False):
        return x.amin(axis, keepdim=keepdims)

    @staticmethod
    def mean(x, axis, keepdims=False):
        return x.mean(axis, keepdim=keepdims)

    @staticmethod
    def mean_per_row(x):
        return x.reshape(x.shape[0], -1).mean(1)

    @staticmethod
    def einsum(equation, *operands):
        return torch.einsum(equation, *operands)

    @staticmethod
    def zeros_like(x):
        return torch.zeros_like(x)

    @staticmethod
    def broadcast_to(x, shape):
        try:
            return torch.broadcast_to(x.float(), tuple(shape))
        except RuntimeError as e:
            raise ValueError(f"cannot broadcast {tuple(x.shape)} to {tuple(shape)}") from e
