"""The rule-based tokenizer: whitespace split, a chunk cache, and rule tables per language.

Whitespace follows spaCy's convention so that spaCy-made corpora line up: one plain space after
a token is that token's trailing whitespace; any other run of whitespace (a second space, a
newline, a tab) becomes one whitespace token. ``doc.text`` is always exactly the input.

Example:
    >>> tok = Tokenizer("en")
    >>> tok("I don't like $650 shoes :)").words
    ['I', 'do', "n't", 'like', '$', '650', 'shoes', ':)']
    >>> tok.explain("(U.S.)")
    [('PREFIX', '('), ('TOKEN', 'U.S.'), ('SUFFIX', ')')]
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from itertools import accumulate, chain
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FormatError, ModelError
from ..tokens import Doc
from .lang import load_rules
from .rules import CompiledRules, validate_rules
from .split import split_chunk

_WS_SPLIT = re.compile(r"(\s+)").split
_EMPTY = np.zeros(0, dtype=np.int64)


class _ChunkCache(dict[str, tuple[int, ...]]):
    """Piece of text -> flat relative offsets ``(s0, e0, s1, e1, ...)``, filled on a miss.

    Keys are whitespace-free chunks or whitespace runs (that follow a token); the two never
    collide, so one dict serves both and a whole text is looked up with a single ``map``.
    It holds at most ``max_size`` pieces: a stream of ever new words (a corpus of millions
    of posts) starts it afresh rather than growing memory without end.
    """

    max_size = 200_000

    def __init__(self, rules: CompiledRules) -> None:
        super().__init__()
        self.rules = rules

    def __missing__(self, piece: str) -> tuple[int, ...]:
        if len(self) >= self.max_size:
            self.clear()
        if not piece:
            value: tuple[int, ...] = ()
        elif piece[0].isspace():
            # The first plain space belongs to the token before; the rest is one token.
            if piece[0] == " ":
                value = (1, len(piece)) if len(piece) > 1 else ()
            else:
                value = (0, len(piece))
        else:
            value = tuple(chain.from_iterable((s, e) for _, s, e in split_chunk(self.rules, piece)))
        self[piece] = value
        return value


class Tokenizer:
    """Split text into a Doc of tokens by per-language rule tables."""

    def __init__(self, lang: str = "en", rules: dict[str, Any] | None = None) -> None:
        data = validate_rules(load_rules(lang) if rules is None else rules)
        data["lang"] = lang
        self._setup(data)

    def _setup(self, data: dict[str, Any], source: str = "<rules>") -> None:
        """Compile validated rule tables; shared by ``__init__`` and ``from_disk``."""
        self._data = data
        self.lang: str = data["lang"]
        self._rules = CompiledRules(data, source)
        self._cache = _ChunkCache(self._rules)

    @property
    def rules(self) -> dict[str, Any]:
        """The rule tables (plain data) this tokenizer was built from."""
        return self._data

    def __call__(self, text: str) -> Doc:
        """Tokenize ``text``.

        >>> Tokenizer()("Hello  world!").words
        ['Hello', ' ', 'world', '!']
        """
        parts = _WS_SPLIT(text)
        vals = list(map(self._cache.__getitem__, parts))
        if not parts[0] and len(parts) > 1:
            vals[1] = (0, len(parts[1]))  # whitespace at the very start is a token of its own
        flat = list(chain.from_iterable(vals))
        if not flat:
            return Doc(text, _EMPTY, _EMPTY, check=False)
        counts = list(map(len, vals))
        offsets = list(accumulate(map(len, parts), initial=0))
        offsets.pop()
        arr = np.array(flat, dtype=np.int64)
        arr += np.repeat(np.array(offsets, dtype=np.int64), counts)
        return Doc(text, arr[0::2], arr[1::2], check=False)

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        """Tokenize a stream of texts lazily (``batch_size`` is accepted for API symmetry)."""
        for text in texts:
            yield self(text)

    def explain(self, text: str) -> list[tuple[str, str]]:
        """Each token with the rule that produced it (``PREFIX``, ``SPECIAL``, ``URL_MATCH``...).

        Whitespace tokens are reported as ``SPACE``.

        >>> Tokenizer().explain("don't!")
        [('SPECIAL', 'do'), ('SPECIAL', "n't"), ('SUFFIX', '!')]
        """
        out: list[tuple[str, str]] = []
        parts = _WS_SPLIT(text)
        for i, part in enumerate(parts):
            if i % 2:
                if i == 1 and not parts[0]:  # whitespace at the very start, as in __call__
                    out.append(("SPACE", part))
                else:
                    value = self._cache[part]
                    if value:
                        out.append(("SPACE", part[value[0] : value[1]]))
            elif part:
                out.extend((rule, part[s:e]) for rule, s, e in split_chunk(self._rules, part))
        return out

    def to_disk(self, path: str | PathLike[str]) -> None:
        """Write ``tokenizer.json`` (lang + all rule tables) to ``path`` (a file or a folder)."""
        target = _target(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(self._data, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def from_disk(cls, path: str | PathLike[str]) -> Tokenizer:
        """Rebuild a tokenizer from ``tokenizer.json`` without running any code from it."""
        target = _target(path)
        try:
            data = json.loads(target.read_text(encoding="utf-8"))
        except FileNotFoundError as err:
            raise ModelError(
                "E210",
                "Tokenizer file not found",
                path=target,
                hint="Save one with Tokenizer.to_disk() or pass the model folder.",
            ) from err
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise FormatError(
                "E070",
                f"Tokenizer file is not valid JSON: {err}",
                path=target,
                hint="Save the tokenizer again with Tokenizer.to_disk().",
            ) from err
        tok = cls.__new__(cls)
        tok._setup(validate_rules(data, str(target)), str(target))
        return tok

    def __repr__(self) -> str:
        return f"Tokenizer(lang={self.lang!r}, {len(self._data['special_cases'])} special cases)"


def _target(path: str | PathLike[str]) -> Path:
    p = Path(path)
    return p / "tokenizer.json" if p.is_dir() or not p.suffix else p


def get_tokenizer(lang: str = "en") -> Tokenizer:
    """The default tokenizer of a language.

    >>> get_tokenizer("en")("Mr. Smith's 5km run.").words
    ['Mr.', 'Smith', "'s", '5', 'km', 'run', '.']
    """
    return Tokenizer(lang)
