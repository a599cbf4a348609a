"""Readers and writers of every annotated format, and data checks.

>>> from nerkit import corpus
>>> sorted(corpus.FORMATS)
['conll', 'doccano', 'jsonl', 'labelstudio', 'prodigy', 'spacy', 'spacy-json']
"""

from .answers import Target, accepted, merge_answers, trainable
from .example import KINDS, Example, Source
from .formats import FORMATS, Format, detect_format, get_format, register_format
from .readwrite import iter_read, read, resolve_format, write

__all__ = [
    "FORMATS",
    "KINDS",
    "Example",
    "Format",
    "Source",
    "Target",
    "accepted",
    "detect_format",
    "get_format",
    "iter_read",
    "merge_answers",
    "read",
    "register_format",
    "resolve_format",
    "trainable",
    "write",
]
