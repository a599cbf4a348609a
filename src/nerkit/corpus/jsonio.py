"""JSON data files with line numbers: JSON Lines, and JSON arrays streamed one record at a
time (E001 invalid JSON, E002 a record of the wrong shape)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import FormatError
from .files import iter_lines, read_text


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
