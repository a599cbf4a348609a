"""Rule-based tokenizer that never loses a character offset.

Example:
    >>> from nerkit.tokenizer import get_tokenizer
    >>> get_tokenizer("en")("Hello, world!").words
    ['Hello', ',', 'world', '!']
"""

from __future__ import annotations

from .tokenizer import Tokenizer, get_tokenizer

__all__ = ["Tokenizer", "get_tokenizer"]
