"""The fields of a record, checked: required fields and their types (E003, E004), character
spans (E015 malformed, E020 past the end of the text, E021 empty or reversed), token offsets
(E010), answers (E016), and which fields writers give back. Every reader builds its examples
through these, and the store checks its spans with :func:`check_bounds`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import FormatError, SpanError
from ..tokens import CharSpan, Doc
from .answers import VIEW_ID
from .files import TokenizerFn, default_tokenizer, dumps


def need(
    record: dict[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    path: Path,
    line: int | None,
    record_no: int | None = None,
) -> Any:
    """``record[key]``, which must exist and be of ``kind`` (E003 / E004 otherwise)."""
    if key not in record:
        raise FormatError(
            "E003",
            f"The record has no '{key}' field (its fields: {', '.join(map(str, record)) or 'none'})",
            path=path,
            line=line,
            record=record_no,
            hint="Pass --from to pick the right format, or fix the record.",
        )
    value = record[key]
    if not isinstance(value, kind) or isinstance(value, bool) and bool not in _kinds(kind):
        names = "/".join(k.__name__ for k in _kinds(kind))
        raise FormatError(
            "E004",
            f"Field '{key}' should be {names}, found {type(value).__name__}",
            path=path,
            line=line,
            record=record_no,
            hint="Fix the record, or pass --from if this is another format.",
        )
    return value


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def make_span(
    start: Any,
    end: Any,
    label: Any,
    text: str,
    path: Path,
    line: int | None,
    strict: bool,
    record_no: int | None = None,
) -> CharSpan:
    """A validated character span: integer offsets with ``0 <= start < end <= len(text)``.

    With ``strict=False`` spans past the end and empty spans are kept for ``nerkit data check``
    to list; offsets that are not integers always raise.
    """
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise FormatError(
                "E015",
                f"Span {name} should be an integer character offset, found {value!r}",
                path=path,
                line=line,
                record=record_no,
                hint="Offsets count characters of the text from 0; fix the span.",
            )
    if not isinstance(label, str) or not label:
        raise FormatError(
            "E015",
            f"Span label should be a non-empty string, found {label!r}",
            path=path,
            line=line,
            record=record_no,
            offset=start,
            hint='Give every span a label such as "PER".',
        )
    if strict:
        check_bounds(start, end, label, text, path=path, line=line, record=record_no)
    return (start, end, label)


def check_bounds(
    start: int,
    end: int,
    label: str,
    text: str,
    *,
    path: Path | None = None,
    line: int | None = None,
    record: int | str | None = None,
) -> None:
    """Raise unless ``0 <= start < end <= len(text)``: E020 past the end of the text, E021
    empty, reversed or negative. The one span-bounds check of readers and the store.

    >>> check_bounds(0, 3, "PER", "Ann")
    >>> check_bounds(0, 4, "PER", "Ann")
    Traceback (most recent call last):
    ...
    nerkit.errors.SpanError: [E020] offset 0: Span (0, 4, 'PER') runs past the end of its text (3 characters). Offsets count characters (not bytes) of the text; fix or drop the span.
    """
    if end > len(text):
        raise SpanError(
            "E020",
            f"Span ({start}, {end}, {label!r}) runs past the end of its text "
            f"({len(text)} characters)",
            path=path,
            line=line,
            record=record,
            offset=start,
            hint="Offsets count characters (not bytes) of the text; fix or drop the span.",
        )
    if not 0 <= start < end:
        raise SpanError(
            "E021",
            f"Span ({start}, {end}, {label!r}) is empty, reversed or negative",
            path=path,
            line=line,
            record=record,
            offset=start,
            hint="A span needs 0 <= start < end; fix or drop it.",
        )


def doc_from_offsets(
    text: str,
    offsets: list[tuple[int, int]],
    path: Path,
    line: int | None,
    record_no: int | None = None,
) -> Doc:
    """A Doc over ``text`` with the given token offsets, or E010 naming the bad token."""
    prev_end = 0
    for i, (s, e) in enumerate(offsets):
        if not (isinstance(s, int) and isinstance(e, int)) or not prev_end <= s < e <= len(text):
            raise FormatError(
                "E010",
                f"Token {i} ({s}, {e}) does not fit the text (length {len(text)}) after the "
                f"token before it (ending at {prev_end})",
                path=path,
                line=line,
                record=record_no,
                offset=s if isinstance(s, int) else None,
                hint="Token offsets must increase and lie inside the text; drop the 'tokens' "
                "field to let nerkit tokenize.",
            )
        prev_end = e
    return Doc(text, [o[0] for o in offsets], [o[1] for o in offsets], check=False)


def tokens_of(text: str, tokenizer: TokenizerFn | None) -> Doc:
    return (tokenizer or default_tokenizer())(text)


_SPAN_KEYS = ("start", "end", "label")


def read_span_dicts(
    raw: Any,
    text: str,
    path: Path,
    line: int | None,
    strict: bool,
    derived: tuple[str, ...] = (),
    record_no: int | None = None,
) -> tuple[list[CharSpan], dict[CharSpan, dict[str, Any]]]:
    """Spans from a list of ``{"start", "end", "label", ...}`` dicts (``[s, e, label]`` lists too).

    Returns the spans and, for each, its other keys (minus ``derived`` ones such as token
    indices, which writers recompute).
    """
    if raw is None:
        return [], {}
    if not isinstance(raw, list):
        raise FormatError(
            "E004",
            f"Field 'spans' should be a list, found {type(raw).__name__}",
            path=path,
            line=line,
            record=record_no,
            hint='\'spans\' is a list of {"start", "end", "label"} objects.',
        )
    spans: list[CharSpan] = []
    attrs: dict[CharSpan, dict[str, Any]] = {}
    for item in raw:
        if isinstance(item, dict):
            missing = [k for k in _SPAN_KEYS if k not in item]
            if missing:
                raise FormatError(
                    "E003",
                    f"A span has no {', '.join(repr(k) for k in missing)} (span: {dumps(item)})",
                    path=path,
                    line=line,
                    record=record_no,
                    hint="Each span needs 'start', 'end' (character offsets) and 'label'.",
                )
            span = make_span(
                item["start"], item["end"], item["label"], text, path, line, strict, record_no
            )
            attrs[span] = {
                k: v for k, v in item.items() if k not in _SPAN_KEYS and k not in derived
            }
        elif isinstance(item, list | tuple) and len(item) == 3:
            span = make_span(item[0], item[1], item[2], text, path, line, strict, record_no)
        else:
            raise FormatError(
                "E015",
                f"A span should be an object with start, end and label, found {dumps(item)}",
                path=path,
                line=line,
                record=record_no,
                hint='\'spans\' is a list of {"start", "end", "label"} objects.',
            )
        spans.append(span)
    return spans, attrs


def split_meta(
    record: dict[str, Any], own: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A JSONL record's ``meta`` object and its fields other than ``own`` (for ``extra``).

    A ``meta`` that is not an object is not ours to interpret: it stays one of the fields.
    """
    meta = record.get("meta")
    extra = {k: v for k, v in record.items() if k not in own}
    if meta is not None and not isinstance(meta, dict):
        extra["meta"], meta = meta, None
    return meta or {}, extra


def record_fields(extra: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``extra`` that JSON writers give back (not another format's private keys).

    Prodigy's ``_view_id`` is not given back either: it says the kind of the answer, which
    is the Example's ``kind`` now (an older store may still hold it in an example's fields).
    """
    return {k: v for k, v in extra.items() if not k.startswith(_PRIVATE_PREFIXES) and k != VIEW_ID}


# Readers keep what is not a record field (CoNLL columns and -DOCSTART- lines, the text key of
# a doccano record, the layout of a Label Studio task) in extra under these prefixes, so that
# their own writer can give it back while other formats' writers leave it out.
_PRIVATE_PREFIXES = ("conll_", "doccano_", "labelstudio_")


def check_answer(value: Any, path: Path, line: int | None, record_no: int | None = None) -> str:
    """A Prodigy-style answer: accept, reject or ignore."""
    if value not in ("accept", "reject", "ignore"):
        raise FormatError(
            "E016",
            f"Field 'answer' should be 'accept', 'reject' or 'ignore', found {value!r}",
            path=path,
            line=line,
            record=record_no,
            hint="Use one of those answers, or drop the field (an example without one is accepted).",
        )
    return str(value)
