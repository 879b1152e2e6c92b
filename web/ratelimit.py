"""Failed sign-ins counted per username and per client address, so guessing passwords is slow.

Kept in this process's memory: the service runs as one waitress process (``chronology serve``).
Running several processes would need a shared store; the limits would then apply per process.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable


class LoginThrottle:
    def __init__(
        self,
        *,
        window_seconds: int,
        per_username: int,
        per_ip: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window = window_seconds
        self.limits = {"user": per_username, "ip": per_ip}
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _keys(self, username: str, ip: str) -> list[tuple[str, str]]:
        return [("user", username.strip().lower()), ("ip", ip)]

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def blocked(self, username: str, ip: str) -> bool:
        """True when this username or this address has used up its failed attempts for now."""
        now = self.clock()
        with self._lock:
            return any(len(self._recent(key, now)) >= self.limits[key[0]] for key in self._keys(username, ip))

    def failed(self, username: str, ip: str) -> None:
        now = self.clock()
        with self._lock:
            for key in self._keys(username, ip):
                self._recent(key, now).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(("user", username.strip().lower()), None)
