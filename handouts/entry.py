"""The `handouts` command (and `python -m handouts`): the command line, started cheaply.

A run makes a few hundred thousand objects while it imports (Typer, ReportLab, the pipeline) that
live until it exits. With CPython's default thresholds the cycle collector walks the young ones every
700 new objects, and the older ones again and again: ~25 ms of a one-handout run, ~10 ms of a
no-change library build. So the command collects in bigger batches (every 10,000 new objects; long
runs still collect, and at most a few MB of garbage waits for the next pass), and what the command
line's imports made is frozen out of the collector's sight (gc.freeze: it lives as long as the
process anyway). Importing handouts.cli as a library (tests, scripts) changes nothing of this.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # CPython's default is 700


def main() -> None:
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
    from handouts.cli import main as run

    gc.freeze()
    run()
