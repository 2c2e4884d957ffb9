"""Recently made handouts, in memory only, under ids nobody can guess; bounded in number and age.

Patient data never goes to disk: a preview's pages and a day's PDFs live here until they are
fetched again or pushed out (oldest first) or expire.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from typing import Any


class Store:
    def __init__(self, limit: int, seconds: float):
        self.limit = limit
        self.seconds = seconds
        self._items: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    def put(self, value: Any) -> str:
        self._expire()
        key = secrets.token_urlsafe(18)
        self._items[key] = (time.monotonic(), value)
        while len(self._items) > self.limit:
            self._items.popitem(last=False)
        return key

    def get(self, key: str) -> Any | None:
        self._expire()
        item = self._items.get(key)
        return item[1] if item is not None else None

    def _expire(self) -> None:
        cutoff = time.monotonic() - self.seconds
        while self._items:
            key, (made, _) = next(iter(self._items.items()))
            if made >= cutoff:
                break
            del self._items[key]
