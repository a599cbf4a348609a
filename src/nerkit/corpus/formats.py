"""The registry of annotated-data formats, and detection of a file's format.

Each format is a reader and a writer, plain functions in a module of their own. Others can
plug a format in with ``register_format``.

Example:
    >>> get_format("conll").extensions
    ('.conll', '.iob', '.iob2', '.bio', '.bioes', '.biluo')
    >>> get_format("label-studio").name
    'labelstudio'
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..errors import FormatError
from .example import Example
from .files import TokenizerFn, check_readable, iter_lines
from .jsonio import iter_json_array, iter_json_lines


class Reader(Protocol):
    def __call__(
        self,
        path: Path,
        *,
        tokenizer: TokenizerFn | None = None,
        scheme: str | None = None,
        strict: bool = True,
    ) -> Iterator[Example]: ...


Writer = Callable[..., int]


@dataclass(frozen=True)
class Format:
    """A data format: its name, reader, writer, file extensions and what it can record.

    ``answers``: whether it records rejected and ignored examples; ``kinds``: whether it
    records that an answer is binary (about its spans alone). ``nerkit.corpus.write`` leaves
    out what a format cannot record, since it would read back as complete gold.
    """

    name: str
    read: Reader
    write: Writer
    extensions: tuple[str, ...]
    description: str
    has_tokens: bool = False
    binary: bool = False
    answers: bool = False  # whether it records rejected/ignored examples (else they are skipped)
    kinds: bool = False  # whether it records binary answers (else they are skipped)


FORMATS: dict[str, Format] = {}
_ALIASES: dict[str, str] = {}


def register_format(fmt: Format, aliases: Iterable[str] = ()) -> Format:
    """Add (or replace) a format in the registry, reachable by its name and ``aliases``."""
    FORMATS[fmt.name] = fmt
    for alias in aliases:
        _ALIASES[alias] = fmt.name
    return fmt


def get_format(name: str) -> Format:
    """The format called ``name`` (case-insensitive; aliases such as ``iob`` accepted)."""
    key = name.lower().strip()
    key = _ALIASES.get(key, key)
    if key not in FORMATS:
        raise FormatError(
            "E007",
            f"Unknown format '{name}'",
            hint=f"Use one of: {', '.join(sorted(FORMATS))}.",
        )
    return FORMATS[key]


_TAG = re.compile(r"^(O|[BIELUS][-_]\S+)$")
_CONLL_SNIFF_LINES = 20


def detect_format(path: Path) -> Format:
    """Guess the format of ``path`` from its extension and, where that is ambiguous, its content.

    ``.spacy`` is a DocBin and known CoNLL extensions are CoNLL; a ``.jsonl`` file is Prodigy,
    doccano or plain JSONL by the keys of its first record; a ``.json`` file is spaCy training
    tuples or Label Studio by the shape of its first record; other files (``.txt``, ``.tsv``)
    are CoNLL when their first lines are token lines ending in a tag.
    """
    suffix = path.suffix.lower()
    claimed = [fmt for fmt in FORMATS.values() if suffix in fmt.extensions]
    if len(claimed) == 1:  # an extension only one format uses decides
        check_readable(path, binary_ok=claimed[0].binary)
        return claimed[0]
    check_readable(path)
    first = _first_line(path)
    if _starts_json(first, "{"):
        return _by_record(path)
    if _starts_json(first, "["):
        return _by_array(path)
    if looks_like_conll(path):
        return FORMATS["conll"]
    raise FormatError(
        "E007",
        "Cannot tell the format of this file",
        path=path,
        hint=f"Pass the format (--from), one of: {', '.join(sorted(FORMATS))}.",
    )


def _starts_json(line: str, bracket: str) -> bool:
    """Whether a first line opens JSON rather than text that starts with a bracket.

    Plain text often starts with one ("[USA-TX] [H] RTX 3080"), so a bracket alone is not
    enough: the line must be the bracket alone, open a nested object/array/string, or parse.
    """
    s = line.strip()
    if not s.startswith(bracket):
        return False
    if s == bracket or s[1:].lstrip()[:1] in ("{", "[", '"', "]", "}"):
        return True
    try:
        json.loads(s)
    except ValueError:
        return False
    return True


def _first_line(path: Path) -> str:
    for _, line in iter_lines(path):
        if line.strip():
            return line
    return ""


def _by_record(path: Path) -> Format:
    _, rec = next(iter_json_lines(path))
    name = record_format(rec)
    if name is None or name not in FORMATS:
        raise FormatError(
            "E007",
            f"Cannot tell the format from the first record's fields ({', '.join(map(str, rec))})",
            path=path,
            hint="A record needs a 'text' field; or pass --from.",
        )
    return FORMATS[name]


def record_format(rec: dict[str, Any]) -> str | None:
    """The JSONL format a record belongs to, by its keys, or None."""
    if any(k in rec for k in ("tokens", "_input_hash", "_task_hash", "_view_id", "answer")):
        return "prodigy"
    if isinstance(rec.get("label"), list) or isinstance(rec.get("entities"), list):
        return "doccano"
    if "text" in rec:
        return "jsonl"
    if isinstance(rec.get("data"), str):
        return "doccano"
    if isinstance(rec.get("data"), dict):
        return "labelstudio"
    return None


def _by_array(path: Path) -> Format:
    for _, _, value in iter_json_array(path):
        if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str):
            return FORMATS["spacy-json"]
        if isinstance(value, dict) and isinstance(value.get("data"), dict):
            return FORMATS["labelstudio"]
        break
    else:
        raise FormatError(
            "E005",
            "The JSON array is empty",
            path=path,
            hint="Point to a file with at least one record.",
        )
    raise FormatError(
        "E007",
        "Cannot tell the format from the first record of the JSON array",
        path=path,
        hint='spaCy training data is [[text, {"entities": [...]}], ...]; Label Studio is '
        '[{"data": {"text": ...}, "annotations": [...]}]; or pass --from.',
    )


def looks_like_conll(path: Path) -> bool:
    seen = 0
    for _, line in iter_lines(path):
        if not line.strip() or line.startswith("-DOCSTART-"):
            continue
        fields = line.split()
        if len(fields) < 2 or not _TAG.match(fields[-1]):
            return False
        seen += 1
        if seen >= _CONLL_SNIFF_LINES:
            break
    return seen > 0


def _register_builtin() -> None:
    from .conll import read_conll, write_conll
    from .docbin import read_docbin, write_docbin
    from .doccano import read_doccano, write_doccano
    from .jsonl import read_jsonl, write_jsonl
    from .labelstudio import read_labelstudio, write_labelstudio
    from .prodigy import read_prodigy, write_prodigy
    from .spacy_json import read_spacy_json, write_spacy_json

    for fmt, aliases in (
        (
            Format(
                "conll",
                read_conll,
                write_conll,
                (".conll", ".iob", ".iob2", ".bio", ".bioes", ".biluo"),
                "CoNLL columns: word ... NER-tag",
                has_tokens=True,
            ),
            ("iob", "iob2", "bio", "conll2003", "conll03"),
        ),
        (
            Format(
                "prodigy",
                read_prodigy,
                write_prodigy,
                (".jsonl",),
                "Prodigy JSONL (text, tokens, spans, answer, _view_id)",
                has_tokens=True,
                answers=True,
                kinds=True,
            ),
            (),
        ),
        (
            Format(
                "jsonl",
                read_jsonl,
                write_jsonl,
                (".jsonl",),
                "plain JSONL {text, spans: [{start, end, label}], answer?, kind?}",
                answers=True,
                kinds=True,
            ),
            ("plain", "json-lines"),
        ),
        (
            Format(
                "spacy-json",
                read_spacy_json,
                write_spacy_json,
                (".json",),
                "spaCy training tuples [[text, {entities: [[start, end, label]]}]]",
            ),
            ("spacy_json", "tuples", "spacy-tuples"),
        ),
        (
            Format(
                "doccano",
                read_doccano,
                write_doccano,
                (".jsonl",),
                "doccano JSONL {text, label: [[start, end, label]]} or {text, entities}",
            ),
            (),
        ),
        (
            Format(
                "labelstudio",
                read_labelstudio,
                write_labelstudio,
                (".json",),
                "Label Studio JSON export [{data: {text}, annotations: [{result}]}]",
                answers=True,
            ),
            ("label-studio", "label_studio", "ls"),
        ),
        (
            Format(
                "spacy",
                read_docbin,
                write_docbin,
                (".spacy",),
                "spaCy DocBin (.spacy); needs spaCy",
                has_tokens=True,
                binary=True,
                answers=True,
            ),
            ("docbin",),
        ),
    ):
        register_format(fmt, aliases)


_register_builtin()
