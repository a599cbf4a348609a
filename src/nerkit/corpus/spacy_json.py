"""spaCy training tuples as JSON: ``[[text, {"entities": [[start, end, label], ...]}], ...]``.

Other keys of the annotation dict (``cats``, ...) go to ``extra`` and are written back.
Each record's source is its line and its 1-based position in the array.

Example:
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.json"
    >>> _ = p.write_text('[["Hi Ann", {"entities": [[3, 6, "PER"]]}]]')
    >>> ex = read_spacy_json(p).__next__()
    >>> ex.spans, ex.source.record
    ([(3, 6, 'PER')], 1)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import FormatError
from .example import Example, Source
from .files import TokenizerFn, atomic_write_json_array, dumps
from .jsonio import iter_json_array
from .records import make_span, record_fields, tokens_of


def read_spacy_json(
    path: Path,
    *,
    tokenizer: TokenizerFn | None = None,
    scheme: str | None = None,
    strict: bool = True,
) -> Iterator[Example]:
    """Read a JSON list of ``[text, {"entities": [...]}]`` pairs."""
    for line, n, value in iter_json_array(path):
        if not (
            isinstance(value, list | tuple)
            and len(value) == 2
            and isinstance(value[0], str)
            and isinstance(value[1], dict)
        ):
            raise FormatError(
                "E002",
                f'Expected [text, {{"entities": [...]}}], found {dumps(value)[:80]}',
                path=path,
                line=line,
                record=n,
                hint="spaCy training data is a list of [text, annotations] pairs.",
            )
        text, annots = value
        raw = annots.get("entities", [])
        if not isinstance(raw, list):
            raise FormatError(
                "E004",
                "'entities' should be a list of [start, end, label]",
                path=path,
                line=line,
                record=n,
                hint='Fix the record, e.g. {"entities": [[0, 5, "ORG"]]}.',
            )
        spans = []
        for ent in raw:
            if not (isinstance(ent, list | tuple) and len(ent) == 3):
                raise FormatError(
                    "E015",
                    f"An entity should be [start, end, label], found {dumps(ent)}",
                    path=path,
                    line=line,
                    record=n,
                    hint="BILUO tag lists are not supported; convert them to character offsets.",
                )
            spans.append(make_span(ent[0], ent[1], ent[2], text, path, line, strict, n))
        extra = {k: v for k, v in annots.items() if k != "entities"}
        yield Example(
            tokens_of(text, tokenizer), spans, extra=extra, source=Source(str(path), line, n)
        )


def spacy_tuple(ex: Example) -> list[Any]:
    """``[text, {"entities": [[start, end, label], ...], ...}]`` for one example."""
    annots: dict[str, Any] = {"entities": [[s, e, label] for s, e, label in ex.spans]}
    annots.update(record_fields(ex.extra))
    return [ex.text, annots]


def write_spacy_json(examples: Iterable[Example], path: Path, *, scheme: str = "IOB2") -> int:
    """Write a JSON list, one ``[text, annotations]`` pair per line; returns the count."""
    return atomic_write_json_array(path, (spacy_tuple(ex) for ex in examples))
