"""Per-language rule tables, shipped as JSON (``<lang>.json``) beside their generators.

Example:
    >>> sorted(load_rules("en"))[:3]
    ['char_classes', 'emoticons', 'infixes']
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from ...errors import ConfigError

_DIR = Path(__file__).parent


def available_languages() -> list[str]:
    """Codes of the languages with packaged rule tables."""
    return sorted(p.stem for p in _DIR.glob("*.json"))


@lru_cache(maxsize=8)
def _read(lang: str) -> str:
    path = _DIR / f"{lang}.json"
    if not path.is_file():
        raise ConfigError(
            "E332",
            f"No tokenizer rules for language {lang!r}",
            hint=f"Use one of: {', '.join(available_languages())}.",
        )
    return path.read_text(encoding="utf-8")


def load_rules(lang: str) -> dict[str, Any]:
    """A fresh copy of the packaged rule tables of ``lang``."""
    data: dict[str, Any] = json.loads(_read(lang))
    return data
