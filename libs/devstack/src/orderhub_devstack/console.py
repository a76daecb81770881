"""The launcher's terminal output: every line tagged with its source, in colour on a TTY."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TextIO

LAUNCHER_TAG = "devstack"
_RESET = "\033[0m"
_COLOURS = ("\033[36m", "\033[33m", "\033[35m", "\033[32m", "\033[34m", "\033[91m", "\033[96m")
_LAUNCHER_COLOUR = "\033[1m"


def use_colour(stream: TextIO) -> bool:
    # https://no-color.org: NO_COLOR disables colour whatever the terminal.
    return stream.isatty() and not os.environ.get("NO_COLOR")


class Console:
    """Writes `<tag padded to a fixed width>| line`, so interleaved service logs stay readable."""

    def __init__(self, names: Sequence[str], stream: TextIO | None = None, colour: bool | None = None) -> None:
        self._stream = stream if stream is not None else sys.stdout
        self._colour = use_colour(self._stream) if colour is None else colour
        self._width = max(len(n) for n in [*names, LAUNCHER_TAG]) + 1
        self._colours = {name: _COLOURS[i % len(_COLOURS)] for i, name in enumerate(names)}
        self._colours[LAUNCHER_TAG] = _LAUNCHER_COLOUR

    def tag(self, name: str) -> str:
        plain = f"{name.ljust(self._width)}|"
        if not self._colour:
            return plain
        return f"{self._colours.get(name, '')}{plain}{_RESET}"

    def line(self, name: str, text: str) -> None:
        try:
            self._stream.write(f"{self.tag(name)} {text}\n")
            self._stream.flush()
        except (OSError, ValueError):
            # The terminal or pipe is gone (a closed terminal gives EIO, `| head` EPIPE): output
            # is lost, but shutdown must still run to the end.
            pass

    def say(self, text: str) -> None:
        self.line(LAUNCHER_TAG, text)
