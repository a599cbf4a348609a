"""Rule tables of a tokenizer: plain data in, compiled regexes out.

A table is JSON-ready data: ``prefixes``, ``suffixes`` and ``infixes`` (lists of regexes),
``matches`` (named regexes a whole piece must match, such as URLs), ``emoticons`` (strings kept
whole) and ``special_cases`` (string -> the tokens it becomes). Regexes may name shared
character classes as ``{ALPHA}``, ``{LOWER}``, ``{UPPER}``, ``{ICONS}``, spelled out in
``char_classes``.

Example:
    >>> rules = CompiledRules.from_data({"lang": "xx", "prefixes": [r"\\("], "suffixes": [r"\\)"]})
    >>> rules.prefix("(a)"), rules.suffix("(a)")
    (1, 1)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import FormatError

_CLASS_NAME = re.compile(r"\{([A-Z][A-Z_]*)\}")
_LIST_KEYS = ("prefixes", "suffixes", "infixes", "emoticons")


def validate_rules(data: Any, source: str = "<rules>") -> dict[str, Any]:
    """Check that ``data`` is a well-formed rule table; return a normalised copy."""
    if not isinstance(data, Mapping):
        raise FormatError(
            "E070",
            "Tokenizer rules must be a JSON object",
            path=source,
            hint="Save the tokenizer again with Tokenizer.to_disk().",
        )
    out: dict[str, Any] = {"lang": data.get("lang", "xx"), "version": data.get("version", 1)}
    if not isinstance(out["lang"], str):
        raise FormatError("E071", "'lang' must be a string", path=source)
    classes = data.get("char_classes", {})
    if not isinstance(classes, Mapping) or not all(isinstance(v, str) for v in classes.values()):
        raise FormatError("E071", "'char_classes' must map names to strings", path=source)
    out["char_classes"] = dict(classes)
    for key in _LIST_KEYS:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise FormatError("E071", f"'{key}' must be a list of strings", path=source)
        out[key] = list(value)
    matches = data.get("matches", {})
    if not isinstance(matches, Mapping) or not all(isinstance(v, str) for v in matches.values()):
        raise FormatError("E071", "'matches' must map rule names to regexes", path=source)
    out["matches"] = dict(matches)
    specials = data.get("special_cases", {})
    if not isinstance(specials, Mapping):
        raise FormatError("E071", "'special_cases' must map strings to token lists", path=source)
    for key, pieces in specials.items():
        if (
            not isinstance(pieces, list)
            or not pieces
            or not all(isinstance(p, str) and p for p in pieces)
            or "".join(pieces) != key
        ):
            raise FormatError(
                "E072",
                f"Special case {key!r} must be a list of non-empty tokens that join to {key!r}",
                path=source,
                hint="Fix or remove that entry.",
            )
    out["special_cases"] = {k: list(v) for k, v in specials.items()}
    return out


class CompiledRules:
    """Rule tables compiled into the few regexes and dicts the tokenizer calls."""

    def __init__(self, data: dict[str, Any], source: str = "<rules>") -> None:
        self.data = data
        classes = data["char_classes"]

        def expand(pattern: str) -> str:
            def sub(m: re.Match[str]) -> str:
                if m.group(1) not in classes:
                    raise FormatError(
                        "E073", f"Unknown character class {m.group(0)} in {pattern!r}", path=source
                    )
                return classes[m.group(1)]

            return _CLASS_NAME.sub(sub, pattern)

        def compile_(pattern: str) -> re.Pattern[str] | None:
            if not pattern:
                return None
            try:
                return re.compile(pattern)
            except re.error as err:
                raise FormatError(
                    "E073",
                    f"Invalid tokenizer regex: {err}",
                    path=source,
                    hint="Fix the pattern in the rule table.",
                ) from err

        pre = "|".join(f"(?:{expand(p)})" for p in data["prefixes"])
        suf = "|".join(f"(?:{expand(p)})$" for p in data["suffixes"])
        inf = "|".join(f"(?:{expand(p)})" for p in data["infixes"])
        self._prefix = compile_(f"^(?:{pre})" if pre else "")
        self._suffix = compile_(suf)
        self._infix = compile_(inf)
        self.matches: list[tuple[str, re.Pattern[str]]] = []
        for name, pattern in data["matches"].items():
            compiled = compile_(expand(pattern))
            if compiled is not None:
                self.matches.append((name, compiled))
        self.specials: dict[str, list[str]] = dict(data["special_cases"])
        for emoticon in data["emoticons"]:
            self.specials.setdefault(emoticon, [emoticon])
        self.emoticons = frozenset(data["emoticons"])

    @classmethod
    def from_data(cls, data: Any, source: str = "<rules>") -> CompiledRules:
        """Validate and compile a rule table."""
        return cls(validate_rules(data, source), source)

    def prefix(self, s: str) -> int:
        """Length of the prefix at the start of ``s`` (0 if none)."""
        m = self._prefix.match(s) if self._prefix else None
        return m.end() if m else 0

    def suffix(self, s: str) -> int:
        """Length of the suffix at the end of ``s`` (0 if none)."""
        m = self._suffix.search(s) if self._suffix else None
        return len(s) - m.start() if m else 0

    def infixes(self, s: str) -> list[tuple[int, int]]:
        """Spans of the infixes inside ``s``."""
        return [m.span() for m in self._infix.finditer(s)] if self._infix else []

    def match(self, s: str) -> tuple[str, re.Match[str]] | None:
        """The first whole-string match rule (URL, e-mail, price...) that ``s`` satisfies."""
        for name, pattern in self.matches:
            m = pattern.fullmatch(s)
            if m:
                return name, m
        return None
