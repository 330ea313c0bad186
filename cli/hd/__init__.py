"""hd: a small client for the Hundred Days API (standard library only)."""

__version__ = "1.0.0"
