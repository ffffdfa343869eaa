"""`quotegold` and `python -m quotegold`: the command, with SIGINT and SIGTERM handled.

The handlers are installed before anything else is imported, so a Ctrl-C in the first
seconds (while the libraries load) is handled too. Either signal raises `Interrupted` where
the program is, so every `finally` and `with` on the way out runs: temporary folders go,
worker processes are stopped, a half-written export is removed and the previous one stays.
Then one line is printed and the exit code is 128 + the signal's number (130, 143). A second
signal while that cleanup runs is ignored; SIGKILL still stops everything at once, and the
next run removes what it left (`quotegold.scratch`).
"""

from __future__ import annotations

import signal
import sys
from types import FrameType


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived: a BaseException, like KeyboardInterrupt, so that no
    `except Exception` stops it on its way out."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    for each in _SIGNALS:  # once: the cleanup on the way out is not interrupted again
        signal.signal(each, signal.SIG_IGN)
    raise Interrupted(signum)


def main() -> None:
    """Run the `quotegold` command."""
    for each in _SIGNALS:
        signal.signal(each, _interrupt)
    try:
        from quotegold.cli import app

        app(prog_name="quotegold")
    except Interrupted as stopped:
        print("interrupted" if stopped.signum == signal.SIGINT else "terminated", file=sys.stderr)
        sys.exit(128 + stopped.signum)


if __name__ == "__main__":
    main()
