"""Counting attempts per key in a fixed window, in Django's default cache.

The counters live in `caches["default"]`: with a shared cache (Redis through CACHE_URL) every
web process sees the same counts; with the per-process default each process counts alone.
Counting is atomic (`add` then `incr`), so concurrent requests cannot lose a failure.

    SIGN_IN = Limit("sign-in", attempts=5, window=15 * 60)
    if (wait := SIGN_IN.blocked(address, name)) is not None: refuse, retry after `wait` s
    SIGN_IN.hit(address, name)     # one more failure
    SIGN_IN.clear(address, name)   # a success forgets them
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import caches


@dataclass(frozen=True)
class Limit:
    name: str
    attempts: int  # how many within the window; the next one is refused
    window: int  # seconds, from the first counted attempt

    def _key(self, parts: tuple[str, ...]) -> str:
        # Hashed: user names and addresses may hold anything, cache keys may not.
        digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
        return f"throttle:{self.name}:{digest}"

    def hit(self, *parts: str) -> int:
        """Count one attempt; the count in the current window after it."""
        cache = caches["default"]
        key = self._key(parts)
        for _ in range(3):
            if cache.add(key, 1, self.window):
                cache.set(f"{key}:start", time.time(), self.window)
                return 1
            try:
                return int(cache.incr(key))
            except ValueError:  # the window ended between add and incr: start a new one
                continue
        return self.attempts

    def count(self, *parts: str) -> int:
        return int(caches["default"].get(self._key(parts), 0))

    def blocked(self, *parts: str) -> int | None:
        """Seconds until the window ends when the limit is reached, else None."""
        cache = caches["default"]
        key = self._key(parts)
        if int(cache.get(key, 0)) < self.attempts:
            return None
        start = cache.get(f"{key}:start")
        left = self.window if start is None else int(float(start) + self.window - time.time())
        return max(1, min(self.window, left))

    def clear(self, *parts: str) -> None:
        key = self._key(parts)
        caches["default"].delete_many([key, f"{key}:start"])
