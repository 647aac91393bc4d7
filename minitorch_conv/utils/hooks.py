"""``RemovableHandle``: what registering a hook returns, so that the hook can be taken off again."""

from __future__ import annotations

import itertools
from typing import Any

_next_id = itertools.count()


class RemovableHandle:
    """Removes the hook it was returned for from ``hooks_dict``, by ``remove()`` or on leaving a
    ``with`` block (PyTorch's ``torch.utils.hooks.RemovableHandle``).

    >>> hooks = {}
    >>> handle = RemovableHandle(hooks, print)
    >>> len(hooks)
    1
    >>> handle.remove()
    >>> len(hooks)
    0
    """

    def __init__(self, hooks_dict: dict, hook: Any = None, *, prepend: bool = False):
        self.hooks_dict = hooks_dict
        self.id = next(_next_id)
        if hook is not None:
            hooks_dict[self.id] = hook
            if prepend:
                for key in [k for k in hooks_dict if k != self.id]:
                    hooks_dict[key] = hooks_dict.pop(key)  # move the others behind the new one

    def remove(self) -> None:
        self.hooks_dict.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()
