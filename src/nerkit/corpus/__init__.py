"""Readers and writers of every annotated format, and data checks."""

from .example import Example, Source

__all__ = ["Example", "Source"]
