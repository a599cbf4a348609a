"""Readers and writers of every annotated format, and data checks.

>>> from nerkit import corpus
>>> sorted(corpus.FORMATS)
['conll', 'doccano', 'jsonl', 'labelstudio', 'prodigy', 'spacy', 'spacy-json']
"""

from .example import Example, Source
from .formats import FORMATS, Format, detect_format, get_format, register_format
from .readwrite import accepted, iter_read, read, resolve_format, write

__all__ = [
    "FORMATS",
    "Example",
    "Format",
    "Source",
    "accepted",
    "detect_format",
    "get_format",
    "iter_read",
    "read",
    "register_format",
    "resolve_format",
    "write",
]
