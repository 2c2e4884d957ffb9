"""handouts: printable preparation-and-recovery handouts for clinic procedures."""

__version__ = "0.1.0"
