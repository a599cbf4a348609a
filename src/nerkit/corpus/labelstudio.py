"""Label Studio JSON export: a list of tasks with ``data.text`` and ``annotations[].result[]``.

Spans come from the first annotation that was not cancelled: its ``labels`` results
(``value.start``/``end``/``labels``). A task with no such annotation is read with answer
``ignore``. The rest of the task (other annotations, predictions, other result types, ids) is
kept in ``extra`` and the task is written back in the same shape. Offsets counted in UTF-16
code units (as JavaScript does) are recognised by ``value.text`` and converted.

Example:
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.json"
    >>> _ = p.write_text('[{"id": 3, "data": {"text": "Hi Ann"}, "annotations": [{"result": ['
    ...     '{"type": "labels", "value": {"start": 3, "end": 6, "text": "Ann", "labels": ["PER"]}}]}]}]')
    >>> ex = next(read_labelstudio(p))
    >>> ex.spans, ex.extra["id"]
    ([(3, 6, 'PER')], 3)
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import FormatError
from .example import Example, Source
from .files import TokenizerFn, atomic_write_json_array
from .jsonio import iter_json_array
from .records import make_span, tokens_of

_VALUE_KEYS = ("start", "end", "text", "labels")
_TASK = "labelstudio_task"  # the task without its text and the spans nerkit reads


def read_labelstudio(
    path: Path,
    *,
    tokenizer: TokenizerFn | None = None,
    scheme: str | None = None,
    strict: bool = True,
) -> Iterator[Example]:
    """Read a Label Studio JSON export (one Example per task)."""
    for line, n, task in iter_json_array(path):
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise FormatError(
                "E002",
                "A Label Studio task should be an object with a 'data' object",
                path=path,
                line=line,
                record=n,
                hint="Export from Label Studio as JSON (not JSON-MIN or CSV).",
            )
        skeleton = copy.deepcopy(task)
        text_key, text = _text(skeleton["data"], path, line, n)
        del skeleton["data"][text_key]
        annotations = skeleton.get("annotations") or []
        chosen = _chosen(annotations)
        utf16 = False
        spans: list[tuple[int, int, str]] = []
        attrs: dict[tuple[int, int, str], dict[str, Any]] = {}
        if chosen is not None:
            kept = []
            for item in annotations[chosen].get("result") or []:
                if not _is_label_result(item):
                    kept.append(item)
                    continue
                value = item["value"]
                start, end, converted = _offsets(value, text)
                utf16 = utf16 or converted
                for label in value["labels"]:
                    span = make_span(start, end, label, text, path, line, strict, n)
                    spans.append(span)
                    attrs[span] = _attrs(item)
            annotations[chosen]["result"] = kept
        extra: dict[str, Any] = {}
        if "id" in skeleton:
            extra["id"] = skeleton.pop("id")
        extra[_TASK] = {"text_key": text_key, "task": skeleton, "utf16": utf16}
        yield Example(
            tokens_of(text, tokenizer),
            spans,
            answer="accept" if chosen is not None else "ignore",
            extra=extra,
            source=Source(str(path), line, n),
            span_attrs=attrs,
        )


def _text(data: dict[str, Any], path: Path, line: int, n: int) -> tuple[str, str]:
    if isinstance(data.get("text"), str):
        return "text", data["text"]
    strings = [k for k, v in data.items() if isinstance(v, str)]
    if len(strings) == 1:
        return strings[0], data[strings[0]]
    raise FormatError(
        "E003",
        f"Cannot tell which field of 'data' is the text (fields: {', '.join(data)})",
        path=path,
        line=line,
        record=n,
        hint="Name the text field 'text' in the task data.",
    )


def _chosen(annotations: list[Any]) -> int | None:
    for i, ann in enumerate(annotations):
        if isinstance(ann, dict) and not ann.get("was_cancelled", False):
            return i
    return None


def _is_label_result(item: Any) -> bool:
    value = item.get("value") if isinstance(item, dict) else None
    return (
        isinstance(value, dict)
        and isinstance(value.get("labels"), list)
        and "start" in value
        and "end" in value
        and item.get("type", "labels") in ("labels", "hypertextlabels")
    )


def _offsets(value: dict[str, Any], text: str) -> tuple[int, int, bool]:
    """Code-point offsets of a result, and whether they were given in UTF-16 units."""
    start, end = value["start"], value["end"]
    said = value.get("text")
    if (
        isinstance(start, int)
        and isinstance(end, int)
        and isinstance(said, str)
        and text[start:end] != said
    ):
        s, e = _from_utf16(text, start), _from_utf16(text, end)
        if text[s:e] == said:
            return s, e, True
    return start, end, False


def _from_utf16(text: str, offset: int) -> int:
    """The code-point offset of a UTF-16 offset (characters outside the BMP count twice)."""
    units = 0
    for i, ch in enumerate(text):
        if units >= offset:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(text)


def _to_utf16(text: str, offset: int) -> int:
    return offset + sum(1 for ch in text[:offset] if ord(ch) > 0xFFFF)


def _attrs(item: dict[str, Any]) -> dict[str, Any]:
    attrs = {k: v for k, v in item.items() if k != "value"}
    value_rest = {k: v for k, v in item["value"].items() if k not in _VALUE_KEYS}
    if value_rest:
        attrs["value"] = value_rest
    return attrs


def labelstudio_task(ex: Example, index: int = 0) -> dict[str, Any]:
    """The Label Studio task of an example, with its spans as ``labels`` results."""
    saved = ex.extra.get(_TASK) or {}
    task = copy.deepcopy(saved.get("task") or {})
    out: dict[str, Any] = {}
    if "id" in ex.extra:
        out["id"] = ex.extra["id"]
    out.update(task)
    out["data"] = {saved.get("text_key", "text"): ex.text, **task.get("data", {})}
    annotations = out.setdefault("annotations", [])
    results = [_result(ex, span, i, bool(saved.get("utf16"))) for i, span in enumerate(ex.spans)]
    chosen = _chosen(annotations)
    if chosen is None and (ex.answer == "accept" or results):
        annotations.append(
            {"result": []} if ex.answer == "accept" else {"result": [], "was_cancelled": True}
        )
        chosen = len(annotations) - 1
    if chosen is not None:
        annotations[chosen]["result"] = results + (annotations[chosen].get("result") or [])
    return out


def _result(ex: Example, span: tuple[int, int, str], i: int, utf16: bool) -> dict[str, Any]:
    start, end, label = span
    attrs = ex.span_attrs.get(span, {})
    text = ex.text[start:end]
    if utf16:
        start, end = _to_utf16(ex.text, start), _to_utf16(ex.text, end)
    value = {"start": start, "end": end, "text": text, "labels": [label], **attrs.get("value", {})}
    item: dict[str, Any] = {
        "value": value,
        "id": f"nerkit{i}",
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
    }
    item.update({k: v for k, v in attrs.items() if k != "value"})
    return item


def write_labelstudio(examples: Iterable[Example], path: Path, *, scheme: str = "IOB2") -> int:
    """Write a Label Studio JSON export, one task per line; returns the count."""
    return atomic_write_json_array(path, (labelstudio_task(ex) for ex in examples))
