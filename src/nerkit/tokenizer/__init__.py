"""Rule-based tokenizer that never loses a character offset.

PLACEHOLDER: a regex tokenizer with the final API, to be replaced by the rule-based one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ..tokens import Doc

_TOKEN = re.compile(r"\w+|[^\w\s]")


class Tokenizer:
    """Split text into a Doc of tokens."""

    def __init__(self, lang: str = "en") -> None:
        self.lang = lang

    def __call__(self, text: str) -> Doc:
        starts, ends = [], []
        for m in _TOKEN.finditer(text):
            starts.append(m.start())
            ends.append(m.end())
        return Doc(text, starts, ends, check=False)

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)

    def explain(self, text: str) -> list[tuple[str, str]]:
        return [("TOKEN", t) for t in self(text).words]


    def to_disk(self, path) -> None:  # type: ignore[no-untyped-def]
        import json
        from pathlib import Path

        Path(path).write_text(json.dumps({"lang": self.lang}))

    @classmethod
    def from_disk(cls, path) -> "Tokenizer":  # type: ignore[no-untyped-def]
        import json
        from pathlib import Path

        return cls(json.loads(Path(path).read_text())["lang"])


def get_tokenizer(lang: str = "en") -> Tokenizer:
    return Tokenizer(lang)


__all__ = ["Tokenizer", "get_tokenizer"]
