"""A progress line on a terminal, for long runs (ingesting a folder, building a large index).

Nothing is printed when the stream is not a terminal, so pipes, logs and tests stay clean.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """`step()` once per item; the line is redrawn at most ten times a second."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.total = total
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self.done = 0
        self._drawn = 0.0
        self._started = time.monotonic()

    def step(self, what: str = "", count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if self.enabled and (now - self._drawn >= 0.1 or self.done >= self.total):
            self._drawn = now
            share = f"{self.done}/{self.total}" if self.total else str(self.done)
            line = f"{self.label}: {share} {what[-50:]}"
            self.stream.write("\r" + line[:78].ljust(78))
            self.stream.flush()

    def stage(self, name: str) -> None:
        """A named step of a run without countable items ("full-text index")."""
        if self.enabled:
            elapsed = time.monotonic() - self._started
            self.stream.write(f"\r{self.label}: {name} ({elapsed:.1f} s)".ljust(78))
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
