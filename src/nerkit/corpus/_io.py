"""Shared plumbing of the readers and writers: opening files, JSON records with line numbers,
span validation, atomic writes. Private: the public API is in ``nerkit.corpus``.

Error codes raised by the corpus package (all carry the file and, where known, the line):

- FormatError E001 invalid JSON, E002 a record of the wrong shape, E003 a required field is
  missing, E004 a field has the wrong type or value (``answer``, ``kind``), E005 empty file,
  E006 binary or non-UTF-8 file, E007 unknown or undetectable format, E008 no such file,
  E009 a directory, E010 tokens that do not match the text, E011 a malformed CoNLL line,
  E012 cannot write a value in the format.
- SpanError E020 a span past the end of its text, E021 an empty, reversed or negative span.
- TagError (from CoNLL tags) E111 unknown tag, E114 tag outside the forced scheme, E115 broken
  BIOES/BILUO sequence, E116 mixed tag schemes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import FormatError, SpanError
from ..tokens import CharSpan, Doc
from .answers import VIEW_ID

TokenizerFn = Callable[[str], Doc]

_SNIFF_BYTES = 8192


@lru_cache(maxsize=1)
def default_tokenizer() -> TokenizerFn:
    """The English tokenizer, built once (formats without tokens need one)."""
    from ..tokenizer import get_tokenizer

    return get_tokenizer("en")


def check_readable(path: Path, *, binary_ok: bool = False) -> None:
    """Raise a FormatError when ``path`` is missing, a directory, empty, or binary."""
    if not path.exists():
        raise FormatError(
            "E008",
            "No such file",
            path=path,
            hint="Check the path; it is relative to the current directory.",
        )
    if path.is_dir():
        raise FormatError(
            "E009",
            "This is a directory, not a data file",
            path=path,
            hint="Pass the file(s) inside it.",
        )
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if not head.strip():
        raise FormatError(
            "E005",
            "The file is empty" if not head else "The file holds only whitespace",
            path=path,
            hint="Point to a file with at least one record.",
        )
    if not binary_ok and b"\x00" in head:
        raise FormatError(
            "E006",
            "This is a binary file, not text",
            path=path,
            hint="Pass a text format (JSONL, JSON, CoNLL), or --from spacy for a .spacy DocBin.",
        )


def iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, line)`` (1-based, line ending stripped); non-UTF-8 raises E006.

    Lines are decoded one by one so that a bad byte is reported on its own line.
    """
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise FormatError(
                    "E006",
                    f"The file is not UTF-8 text (byte 0x{raw[err.start]:02x} at column "
                    f"{err.start + 1})",
                    path=path,
                    line=lineno,
                    hint="Re-save it as UTF-8 (e.g. iconv -f latin1 -t utf-8).",
                ) from None
            if lineno == 1 and line.startswith("\ufeff"):
                line = line[1:]  # a byte-order mark is not text
            yield lineno, line.rstrip("\r\n")


def read_text(path: Path) -> str:
    """The whole file as text; non-UTF-8 bytes raise E006 with the line."""
    return "\n".join(line for _, line in iter_lines(path))


def iter_json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, record)`` for each non-blank line of a JSONL file."""
    for lineno, line in iter_lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise FormatError(
                "E001",
                f"Invalid JSON at column {err.colno}: {err.msg}",
                path=path,
                line=lineno,
                hint="Each line of a .jsonl file must be one complete JSON object.",
            ) from None
        if not isinstance(record, dict):
            raise FormatError(
                "E002",
                f"Expected a JSON object, found {type(record).__name__}",
                path=path,
                line=lineno,
                hint='Each line of a .jsonl file must be one JSON object like {"text": ...}.',
            )
        yield lineno, record


def iter_json_array(path: Path) -> Iterator[tuple[int, int, Any]]:
    """Yield ``(line_number, record_number, value)`` for each element of a top-level JSON array.

    Elements are decoded one by one so that every record knows the line it starts on.
    """
    text = read_text(path)
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, 0)
    if pos >= len(text) or text[pos] != "[":
        raise FormatError(
            "E002",
            "Expected a JSON array of records",
            path=path,
            line=text.count("\n", 0, pos) + 1,
            hint="This format is a JSON list: [record, record, ...].",
        )
    pos = _skip_ws(text, pos + 1)
    line = 1 + text.count("\n", 0, pos)
    last = pos
    record = 0
    if pos < len(text) and text[pos] == "]":
        return
    while True:
        line += text.count("\n", last, pos)
        last = pos
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as err:
            raise FormatError(
                "E001",
                f"Invalid JSON at column {err.colno}: {err.msg}",
                path=path,
                line=err.lineno,
                record=record + 1,
                hint="Fix the JSON (a missing comma or quote?).",
            ) from None
        record += 1
        yield line, record, value
        pos = _skip_ws(text, end)
        if pos < len(text) and text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
            continue
        if pos < len(text) and text[pos] == "]" and not text[pos + 1 :].strip():
            return
        raise FormatError(
            "E001",
            "Invalid JSON: expected ',' or a final ']' after the record",
            path=path,
            line=text.count("\n", 0, pos) + 1,
            record=record,
            hint="Fix the JSON (a missing comma or bracket?).",
        )


def _skip_ws(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] in " \t\r\n":
        pos += 1
    return pos


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
        if end > len(text):
            raise SpanError(
                "E020",
                f"Span ({start}, {end}, {label!r}) runs past the end of its text "
                f"({len(text)} characters)",
                path=path,
                line=line,
                record=record_no,
                offset=start,
                hint="Offsets count characters (not bytes) of 'text'; fix or drop the span.",
            )
        if not 0 <= start < end:
            raise SpanError(
                "E021",
                f"Span ({start}, {end}, {label!r}) is empty, reversed or negative",
                path=path,
                line=line,
                record=record_no,
                offset=start,
                hint="A span needs 0 <= start < end; fix or drop it.",
            )
    return (start, end, label)


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


@contextmanager
def atomic_target(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; moved onto ``path`` when the block ends.

    A reader never sees a half-written file; on an error the temporary file is removed and
    ``path`` is left as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write_lines(path: Path, lines: Iterable[str]) -> int:
    """Write ``lines`` (each given its own newline) to ``path`` via a temporary file.

    Returns the number of lines written. A reader never sees a half-written file.
    """
    n = 0
    with atomic_target(path) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as fh:
        for line in lines:
            fh.write(line)
            fh.write("\n")
            n += 1
    return n


def atomic_write_json_array(path: Path, records: Iterable[Any]) -> int:
    """Write a JSON array with one record per line (so each record has a line); returns the count."""
    count = 0

    def lines() -> Iterator[str]:
        nonlocal count
        pending = None
        yield "["
        for record in records:
            if pending is not None:
                yield pending + ","
            pending = "  " + dumps(record)
            count += 1
        if pending is not None:
            yield pending
        yield "]"

    atomic_write_lines(path, lines())
    return count


def dumps(value: Any) -> str:
    """Compact JSON on one line, keeping non-ASCII characters readable."""
    return json.dumps(value, ensure_ascii=False)


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
