"""The `handouts` command (and `python -m handouts`): the command line, started cheaply.

Two costs of a fresh process that a handout does not need, avoided here (importing handouts.cli as
a library, as tests and scripts do, changes neither):

- **Garbage collection.** A run makes a few hundred thousand objects while it imports (Typer,
  ReportLab, the pipeline) that live until it exits. With CPython's default thresholds the cycle
  collector walks the young ones every 700 new objects, and the older ones again and again: ~25 ms
  of a one-handout run. So the command collects in bigger batches (every 10,000 new objects; long
  runs still collect, and at most a few MB of garbage waits for the next pass), and what the command
  line's imports made is frozen out of the collector's sight (gc.freeze: it lives as long as the
  process anyway).
- **Pillow.** ReportLab imports `PIL.Image` as it is imported (~20 ms), though a handout whose logo
  comes from the image cache (handouts/imagecache.py) never opens an image. `PIL.Image` is made a
  lazy module (importlib.util.LazyLoader, the standard library's own): it is imported, in full, the
  first time anything uses it. Not for `serve`, which renders in threads: a lazy module is not
  thread-safe before Python 3.12.
"""

from __future__ import annotations

import gc
import sys

YOUNG_THRESHOLD = 10_000  # CPython's default is 700


def main() -> None:
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
    if "serve" not in sys.argv[1:]:
        defer_pillow()
    from handouts.cli import main as run

    gc.freeze()
    run()


def defer_pillow() -> bool:
    """Make `PIL.Image` load on first use; False (nothing done) if it is loaded already or cannot be."""
    if "PIL.Image" in sys.modules:
        return False
    import importlib.util

    try:
        spec = importlib.util.find_spec("PIL.Image")  # imports the small PIL package, not PIL.Image
        if spec is None or spec.loader is None:
            return False
        loader = importlib.util.LazyLoader(spec.loader)
    except (ImportError, ValueError, TypeError):  # TypeError: a loader LazyLoader cannot wrap
        return False
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["PIL.Image"] = module
    loader.exec_module(module)
    import PIL

    # `from PIL import Image` then finds the attribute; asking the import system instead would read
    # the module's __spec__, and any attribute read loads it.
    PIL.Image = module
    return True
