"""Utilities, at PyTorch's import paths (``torch.utils.hooks``)."""
