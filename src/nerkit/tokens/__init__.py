"""Doc, Token, Span; tag-scheme conversions; alignment of character spans to tokens."""

from .align import AlignMode, CharSpan, Misaligned, align_spans, char_span, nearest_aligned
from .doc import Doc, Span, Token
from .tags import (
    SCHEMES,
    Scheme,
    biluo_tag_names,
    convert_tags,
    detect_scheme,
    normalize_scheme,
    spans_to_tags,
    split_tag,
    tags_to_spans,
)

__all__ = [
    "SCHEMES",
    "AlignMode",
    "CharSpan",
    "Doc",
    "Misaligned",
    "Scheme",
    "Span",
    "Token",
    "align_spans",
    "biluo_tag_names",
    "char_span",
    "convert_tags",
    "detect_scheme",
    "nearest_aligned",
    "normalize_scheme",
    "spans_to_tags",
    "split_tag",
    "tags_to_spans",
]
