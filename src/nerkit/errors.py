"""One exception hierarchy for nerkit, with searchable codes.

Every error says what was wrong, where (file, line, record, character offset) and what
to do about it. Codes are stable: ``E0xx`` data and formats, ``E1xx`` tokens and tags,
``E2xx`` models and training, ``E3xx`` configuration and CLI, ``E4xx`` the dataset store,
``E5xx`` the annotation app; ``W2xx`` warnings. Each code has one meaning and one class,
listed in one table (``error_codes.txt`` beside this module, read by :func:`codes`), from
which docs/errors.md is generated (``python -m nerkit.errors``).

Example:
    >>> err = FormatError("E001", "Invalid JSON", path="a.jsonl", line=3, hint="Fix the quote.")
    >>> str(err)
    '[E001] a.jsonl:3: Invalid JSON. Fix the quote.'
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from os import PathLike

# Set by the CLI's SIGINT/SIGTERM handler, which also raises KeyboardInterrupt. Long loops
# (atomic writes, batch prediction) check it too: a KeyboardInterrupt raised while the garbage
# collector runs a finalizer is printed and swallowed, and the work would go on.
INTERRUPTED = threading.Event()


def check_interrupted() -> None:
    """Raise KeyboardInterrupt if the process was asked to stop (see ``INTERRUPTED``)."""
    if INTERRUPTED.is_set():
        raise KeyboardInterrupt


class NerkitError(Exception):
    """Base of every error nerkit raises on purpose."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        path: str | PathLike[str] | None = None,
        line: int | None = None,
        record: int | str | None = None,
        offset: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.record = record
        self.offset = offset
        self.hint = hint
        super().__init__(self.__str__())

    @property
    def where(self) -> str:
        """The location as ``file:line`` plus record and offset, or '' when unknown."""
        parts: list[str] = []
        if self.path is not None:
            parts.append(self.path if self.line is None else f"{self.path}:{self.line}")
        elif self.line is not None:
            parts.append(f"line {self.line}")
        if self.record is not None:
            parts.append(f"record {self.record}")
        if self.offset is not None:
            parts.append(f"offset {self.offset}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where
        text = f"[{self.code}] "
        if where:
            text += f"{where}: "
        text += self.message.rstrip(".") + "."
        if self.hint:
            text += " " + self.hint
        return text


class FormatError(NerkitError, ValueError):
    """A data file cannot be read: malformed JSON, unknown format, empty or binary file."""


class SpanError(NerkitError, ValueError):
    """A span is invalid: past the end of its text, empty, negative, or not on tokens."""


class TagError(NerkitError, ValueError):
    """A tag sequence is invalid: unknown tag, unknown or mixed scheme, broken sequence."""


class ConfigError(NerkitError, ValueError):
    """A configuration value or command-line option is invalid."""


class ModelError(NerkitError, RuntimeError):
    """A model cannot be trained, saved or loaded."""


class LabelError(ModelError):
    """Data carries a label the model was not trained with."""


class StoreError(NerkitError, RuntimeError):
    """The dataset store refused: no such dataset, a bad annotation, an unusable database."""


class OptionalDependencyError(NerkitError, ImportError):
    """An optional extra (spaCy interop, web, serve) is needed but not installed."""


def missing_extra(package: str, extra: str, feature: str) -> OptionalDependencyError:
    """Build the error raised when ``package`` is needed for ``feature`` but absent."""
    return OptionalDependencyError(
        "E301",
        f"{feature} needs the optional package '{package}', which is not installed",
        hint=f"Install it with: pip install 'nerkit[{extra}]'",
    )


class NerkitWarning(UserWarning):
    """Something that will not stop a run but will make its result misleading.

    Codes: ``W2xx`` training and evaluation. The CLI prints them as they happen; from
    Python they are ordinary :mod:`warnings` (filter them by category).
    """

    def __init__(self, code: str, message: str, hint: str | None = None) -> None:
        self.code = code
        self.message = message
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"[{self.code}] {self.message.rstrip('.')}."
        return f"{text} {self.hint}" if self.hint else text


def warn(code: str, message: str, hint: str | None = None, *, depth: int = 0) -> None:
    """Issue a :class:`NerkitWarning` (shown once per place, like any Python warning), at the
    caller of the function that calls this one; ``depth`` more frames up for a helper."""
    import warnings

    warnings.warn(NerkitWarning(code, message, hint), stacklevel=3 + depth)


@dataclass(frozen=True)
class Code:
    """One error or warning code: the class that carries it, what it means (every message
    with the code is this meaning with its specifics) and what to do about it in general
    (each message's hint is more precise)."""

    code: str
    kind: str  # the NerkitError subclass, or "NerkitWarning"
    meaning: str
    action: str


def codes() -> dict[str, Code]:
    """The table of every code (``error_codes.txt`` beside this module), read on first use.

    >>> c = codes()["E001"]
    >>> c.kind, c.meaning
    ('FormatError', 'Invalid JSON in a data file')
    """
    global _CODES
    if _CODES is None:
        from importlib.resources import files

        text = files("nerkit").joinpath("error_codes.txt").read_text(encoding="utf8")
        rows = (line.split(" | ") for line in text.splitlines() if line and line[0] != "#")
        _CODES = {code: Code(code, kind, meaning, action) for code, kind, meaning, action in rows}
    return _CODES


_CODES: dict[str, Code] | None = None


def errors_markdown() -> str:
    """docs/errors.md, generated from :func:`codes`."""
    lines = [
        "# Error and warning codes",
        "",
        "Generated from `src/nerkit/error_codes.txt` by `python -m nerkit.errors > "
        "docs/errors.md`; a test keeps the two in step. Every error says what was wrong, where "
        "(file, line, record, offset) and what to do in its own words; this table says what "
        "each code means.",
        "",
        "| code | raised as | meaning | what to do |",
        "|---|---|---|---|",
    ]
    lines += [f"| {c.code} | `{c.kind}` | {c.meaning} | {c.action} |" for c in codes().values()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(errors_markdown(), end="")
