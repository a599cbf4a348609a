"""Sources of examples that are not files: ``PREFIX:NAME`` data paths.

A higher layer plugs a source in with :func:`register_source`: importing ``nerkit.store``
registers ``db`` (``db:NAME``, a dataset of the store), so this package never imports the
store. A path names a source when it starts with the prefix of a registered or a known
source and no file of that name exists. Readers get the database (or other location) as an
explicit ``db`` argument; nothing travels through the environment.

Example:
    >>> register_source(Source("demo", lambda name, **kw: iter(()), "an example source"))
    >>> source_of("demo:x"), source_of("x.jsonl")
    (('demo', 'x'), None)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import FormatError

if TYPE_CHECKING:
    from ..tokens import Doc
    from .example import Example

# (name, *, tokenizer, db) -> the examples of that source
SourceReader = Callable[..., Iterator["Example"]]


@dataclass(frozen=True)
class Source:
    """A ``PREFIX:NAME`` source of examples: its prefix, its reader and a description."""

    prefix: str
    read: SourceReader
    description: str


_SOURCES: dict[str, Source] = {}
# Sources a package above this one provides: prefix -> (what, the module that registers it).
KNOWN = {"db": ("a dataset of the nerkit store", "nerkit.store")}


def register_source(source: Source) -> None:
    """Make ``PREFIX:NAME`` paths read through ``source`` (a later registration replaces)."""
    _SOURCES[source.prefix] = source


def source_of(path: str | PathLike[str]) -> tuple[str, str] | None:
    """``(prefix, name)`` when ``path`` names a source rather than a file, else None."""
    text = str(path)
    prefix, sep, name = text.partition(":")
    if not sep or (prefix not in _SOURCES and prefix not in KNOWN) or Path(text).exists():
        return None
    return prefix, name


def iter_source(
    path: str | PathLike[str],
    *,
    tokenizer: Callable[[str], Doc] | None = None,
    db: str | None = None,
) -> Iterator[Example]:
    """The examples of the source ``path`` names, read with ``db`` as its location."""
    found = source_of(path)
    if found is None:
        raise ValueError(f"{path} does not name a source")
    prefix, name = found
    if prefix not in _SOURCES:
        what, module = KNOWN[prefix]
        raise FormatError(
            "E014",
            f"{path} names {what}, but {module} has not been loaded",
            path=str(path),
            hint=f"import {module} before reading {prefix}: paths from Python (the command "
            "line and nerkit.train do this for you).",
        )
    yield from _SOURCES[prefix].read(name, tokenizer=tokenizer, db=db)
