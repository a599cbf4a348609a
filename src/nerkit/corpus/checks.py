"""Data checks: find annotation mistakes before they cost a training run.

``check(examples)`` returns a report of issues, each an error or a warning with the file, line
and character offsets it is about:

errors
    spans past the end of their text or empty (``out_of_bounds``), overlapping spans
    (``overlap``), spans not on token boundaries, with the nearest span that is
    (``misaligned``), spans with whitespace at an edge (``whitespace``), spans across a line
    break (``line_break``), spans that begin or end with a lone symbol token such as the
    ``$`` of ``"or $"`` (``punctuation``; symbols next to a number, as in ``"$ 90"`` or
    ``"50 %"``, are fine).
warnings
    spans that begin or end with a lone punctuation token, as ``"Salomon Bros ."``
    (``punctuation``; brackets and quotes closed inside the span are fine; a warning because
    some corpora, CoNLL-2003 among them, keep an abbreviation's period as its own token),
    empty texts, the same span twice (``duplicate_span``), the same text twice
    (``duplicate_text``), the same string with different labels (``label_conflict``), and a
    string labelled in one place but not in another (``unlabelled``; whole tokens,
    case-sensitive). These dataset-wide checks use accepted examples only.

Example:
    >>> from nerkit.tokens import Doc
    >>> doc = Doc("for $650 OBO", [0, 4, 5, 9], [3, 5, 8, 12])
    >>> report = check([Example(doc, [(1, 5, "PRICE")])])
    >>> sorted({i.kind for i in report.errors})
    ['misaligned', 'punctuation']
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from ..tokens import align_spans
from .example import Example, Source

Severity = Literal["error", "warning"]

_OPEN_CLOSE = {"(": ")", "[": "]", "{": "}", '"': '"', "'": "'", "“": "”", "‘": "’", "«": "»"}
_NUMERIC_SYMBOLS = frozenset("%#°")  # not category S*, but belong with a number like symbols do


@dataclass(frozen=True)
class Issue:
    """One problem found in the data, and where."""

    severity: Severity
    kind: str
    message: str
    source: Source | None = None
    start: int | None = None
    end: int | None = None
    label: str | None = None
    text: str | None = None
    related: Source | None = None  # the other place, for duplicates and inconsistencies

    @property
    def where(self) -> str:
        loc = str(self.source) if self.source else "?"
        if self.start is not None:
            loc += f" [{self.start}:{self.end}]"
        return loc


@dataclass
class CheckReport:
    """The issues found, plus counts of examples, spans, labels and answers."""

    issues: list[Issue] = field(default_factory=list)
    n_examples: int = 0
    n_spans: int = 0
    label_counts: Counter[str] = field(default_factory=Counter)
    label_examples: Counter[str] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when no error was found (warnings allowed)."""
        return not self.errors

    def kinds(self) -> Counter[str]:
        return Counter(i.kind for i in self.issues)


def check(examples: Iterable[Example], *, max_span_tokens: int = 10) -> CheckReport:
    """Check annotated examples; see the module docstring for what is checked.

    ``max_span_tokens`` bounds the length of labelled strings searched for unlabelled
    occurrences (longer ones are rare and costly to look for).
    """
    report = CheckReport()
    gold: list[tuple[Example, list[tuple[int, int, str]]]] = []
    for ex in examples:
        report.n_examples += 1
        report.answers[ex.answer] += 1
        aligned = _check_example(ex, report)
        if ex.answer == "accept":
            report.n_spans += len(ex.spans)
            report.label_counts.update(label for _, _, label in ex.spans)
            report.label_examples.update({label for _, _, label in ex.spans})
            gold.append((ex, aligned))
    _check_duplicates(gold, report)
    _check_consistency(gold, report, max_span_tokens)
    return report


def _issue(
    report: CheckReport,
    severity: Severity,
    kind: str,
    message: str,
    ex: Example,
    span: tuple[int, int, str] | None = None,
    related: Source | None = None,
) -> None:
    start, end, label = span if span else (None, None, None)
    text = ex.text[start:end] if span else None
    report.issues.append(
        Issue(severity, kind, message, ex.source, start, end, label, text, related)
    )


def _check_example(ex: Example, report: CheckReport) -> list[tuple[int, int, str]]:
    """Per-example checks; returns the spans that are on token boundaries (token indices)."""
    text = ex.text
    if not text.strip():
        _issue(
            report,
            "warning",
            "empty_text",
            "The text is empty" if not text else "The text is only whitespace",
            ex,
        )
    valid = []
    for span in ex.spans:
        start, end, label = span
        if end > len(text) or start < 0:
            _issue(
                report,
                "error",
                "out_of_bounds",
                f"Span ({start}, {end}, {label}) runs past the end of its text "
                f"({len(text)} characters)",
                ex,
                (max(start, 0), min(end, len(text)), label),
            )
        elif start >= end:
            _issue(
                report,
                "error",
                "out_of_bounds",
                f"Span ({start}, {end}, {label}) is empty or reversed",
                ex,
                span,
            )
        else:
            valid.append(span)
    ordered = sorted(valid)
    for a, b in zip(ordered, ordered[1:]):
        if a == b:
            _issue(
                report, "warning", "duplicate_span", f"The same span is given twice ({a[2]})", ex, b
            )
        elif b[0] < a[1]:
            _issue(
                report,
                "error",
                "overlap",
                f"Overlaps the span {text[a[0] : a[1]]!r} ({a[2]}) at [{a[0]}:{a[1]}]",
                ex,
                b,
            )
    spans, misaligned = align_spans(ex.doc, valid, "strict")
    for bad in misaligned:
        near = bad.nearest_text(ex.doc)
        hint = (
            f"; nearest span on token boundaries: {near!r} [{bad.nearest[0]}:{bad.nearest[1]}]"
            if bad.nearest
            else ""
        )
        _issue(
            report,
            "error",
            "misaligned",
            f"Not on token boundaries ({bad.reason}){hint}",
            ex,
            (bad.start, bad.end, bad.label),
        )
    for start, end, label in valid:
        span_text = text[start:end]
        if span_text[0].isspace() or span_text[-1].isspace():
            edge = "starts" if span_text[0].isspace() else "ends"
            _issue(
                report,
                "error",
                "whitespace",
                f"The span {edge} with whitespace; trim it to {span_text.strip()!r}",
                ex,
                (start, end, label),
            )
        if "\n" in span_text.strip():
            _issue(
                report,
                "error",
                "line_break",
                "The span runs across a line break (into the next word or paragraph?)",
                ex,
                (start, end, label),
            )
    aligned_keys = {(s.start_char, s.end_char, s.label): s for s in spans}
    for span in valid:
        tok = aligned_keys.get(span)
        if tok is not None:
            units = [
                (int(ex.doc.starts[i]), int(ex.doc.ends[i])) for i in range(tok.start, tok.end)
            ]
        else:
            units = _chunks(text, span[0], span[1])
        problem = _edge_punctuation(text, units)
        if problem:
            _issue(report, problem[0], "punctuation", problem[1], ex, span)
    return [(s.start, s.end, s.label) for s in spans]


def _chunks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Whitespace-separated pieces of ``text[start:end]`` as offsets."""
    out = []
    i = start
    while i < end:
        while i < end and text[i].isspace():
            i += 1
        j = i
        while j < end and not text[j].isspace():
            j += 1
        if j > i:
            out.append((i, j))
        i = j
    return out


def _is_punct(s: str) -> bool:
    return bool(s) and all(unicodedata.category(ch)[0] in "PS" for ch in s)


def _is_numeric_symbol(s: str) -> bool:
    return all(unicodedata.category(ch)[0] == "S" or ch in _NUMERIC_SYMBOLS for ch in s)


def _edge_punctuation(text: str, units: list[tuple[int, int]]) -> tuple[Severity, str] | None:
    """Severity and reason when the first or last token of a span is stray punctuation."""
    if not units:
        return None
    words = [text[s:e] for s, e in units]
    span_text = text[units[0][0] : units[-1][1]]
    for edge, k, neighbour in (("begins", 0, 1), ("ends", len(words) - 1, len(words) - 2)):
        word = words[k]
        if not _is_punct(word):
            continue
        if edge == "begins" and word in _OPEN_CLOSE and _OPEN_CLOSE[word] in span_text[len(word) :]:
            continue
        if edge == "ends" and any(
            word == close and op in span_text[: -len(word)] for op, close in _OPEN_CLOSE.items()
        ):
            continue
        if (
            _is_numeric_symbol(word)
            and 0 <= neighbour < len(words)
            and any(ch.isdigit() for ch in words[neighbour])
        ):
            continue
        symbol = any(unicodedata.category(ch)[0] == "S" for ch in word)
        return (
            "error" if symbol else "warning",
            f"The span {edge} with the {'symbol' if symbol else 'punctuation'} token "
            f"{word!r}; leave it out of the span",
        )
    return None


def _check_duplicates(
    gold: list[tuple[Example, list[tuple[int, int, str]]]], report: CheckReport
) -> None:
    first: dict[str, Example] = {}
    for ex, _ in gold:
        if not ex.text.strip():
            continue
        seen = first.setdefault(ex.text, ex)
        if seen is ex:
            continue
        same = sorted(seen.spans) == sorted(ex.spans)
        _issue(
            report,
            "warning",
            "duplicate_text",
            f"The same text appears at {seen.source}" + ("" if same else ", annotated differently"),
            ex,
            related=seen.source,
        )


def _check_consistency(
    gold: list[tuple[Example, list[tuple[int, int, str]]]], report: CheckReport, max_tokens: int
) -> None:
    # surface string -> label -> first (example, char span)
    labelled: dict[str, dict[str, tuple[Example, tuple[int, int, str]]]] = {}
    lengths: set[int] = set()
    first_words: set[str] = set()
    for ex, spans in gold:
        words = None
        for s, e, label in spans:
            if e - s > max_tokens:
                continue
            cs, ce = int(ex.doc.starts[s]), int(ex.doc.ends[e - 1])
            by_label = labelled.setdefault(ex.text[cs:ce], {})
            if label not in by_label:
                by_label[label] = (ex, (cs, ce, label))
                if len(by_label) > 1:
                    other_label, (other, _) = next(iter(by_label.items()))
                    _issue(
                        report,
                        "warning",
                        "label_conflict",
                        f"{ex.text[cs:ce]!r} is labelled {label} here but {other_label} at "
                        f"{other.source}",
                        ex,
                        (cs, ce, label),
                        related=other.source,
                    )
            lengths.add(e - s)
            words = words or ex.doc.words
            first_words.add(words[s])
    if not labelled:
        return
    ordered_lengths = sorted(lengths, reverse=True)
    for ex, spans in gold:
        doc = ex.doc
        text = ex.text
        words = doc.words
        starts, ends = doc.starts.tolist(), doc.ends.tolist()
        covered = [False] * len(words)
        for s, e, _ in spans:
            for i in range(s, e):
                covered[i] = True
        # misaligned gold spans still cover their characters: do not flag what they touch
        # (the tokens ending after cs and starting before ce; both offset lists are sorted)
        for cs, ce, _ in ex.spans:
            for i in range(bisect_right(ends, cs), bisect_left(starts, ce)):
                covered[i] = True
        i = 0
        while i < len(words):
            if covered[i] or words[i] not in first_words:
                i += 1
                continue
            for n in ordered_lengths:
                j = i + n
                if j > len(words) or any(covered[i:j]):
                    continue
                surface = text[starts[i] : ends[j - 1]]
                found = labelled.get(surface)
                if found:
                    label, (other, _) = next(iter(found.items()))
                    _issue(
                        report,
                        "warning",
                        "unlabelled",
                        f"{surface!r} is not labelled here but is {label} at {other.source}",
                        ex,
                        (starts[i], ends[j - 1], label),
                        related=other.source,
                    )
                    i = j - 1
                    break
            i += 1
