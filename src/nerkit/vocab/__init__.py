"""Lexicon: string -> lexeme id and cached lexical attributes (norm, shape, prefix, suffix, flags)."""

from .attrs import short_shape, string_hash, word_flags, word_shape
from .vocab import ATTRS, COL, Vocab, lexeme_strings

__all__ = [
    "ATTRS",
    "COL",
    "Vocab",
    "lexeme_strings",
    "short_shape",
    "string_hash",
    "word_flags",
    "word_shape",
]
