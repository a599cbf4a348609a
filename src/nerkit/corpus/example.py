"""Example: a Doc (its tokens) plus gold character spans, answer, meta and where it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import SpanError
from ..tokens import AlignMode, CharSpan, Doc, Misaligned, Span, align_spans


@dataclass(frozen=True)
class Source:
    """Where a record was read from: file, 1-based line (or record number for JSON arrays)."""

    path: str
    line: int | None = None
    record: int | None = None

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.path}:{self.line}"
        if self.record is not None:
            return f"{self.path} record {self.record}"
        return self.path


# "complete": the spans are all the entities of the text (manual, correct, review, annotated
# files). "binary": an answer about the spans alone (teach, Prodigy's ner.teach): accepted, they
# are entities; rejected, exactly those spans with those labels are not; the rest is unknown.
Kind = Literal["complete", "binary"]
KINDS: tuple[str, ...] = ("complete", "binary")


@dataclass
class Example:
    """One annotated text.

    ``spans`` are the gold entities as character offsets ``(start, end, label)`` and are kept
    exactly as read, aligned to tokens or not, so that writing the example back is lossless.
    ``doc`` holds the tokens: given by the file (CoNLL, Prodigy ``tokens``) or made by the
    tokenizer. ``extra`` keeps any other fields of the input record; ``span_attrs`` keeps the
    other keys of each input span (by ``(start, end, label)``) and ``token_attrs`` those of each
    input token, so writers can give them back. ``kind`` says whether ``spans`` are all the
    text's entities (``"complete"``) or an answer about those spans only (``"binary"``).
    ``unknown``: character ranges of a complete example whose tokens' tags are not known
    (training leaves them unknown, ``-1``, never ``O``), e.g. where a base model was unsure
    of a label this data never annotated (``nerkit train --base``); readers and writers
    ignore it.
    """

    doc: Doc
    spans: list[CharSpan] = field(default_factory=list)
    answer: str = "accept"
    meta: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    source: Source | None = None
    span_attrs: dict[CharSpan, dict[str, Any]] = field(default_factory=dict)
    token_attrs: list[dict[str, Any]] | None = None
    kind: Kind = "complete"
    unknown: list[CharSpan] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.doc.text

    def aligned(self, mode: AlignMode = "strict") -> tuple[list[Span], list[Misaligned]]:
        """Gold spans as token Spans, and the report of spans not on token boundaries."""
        return align_spans(self.doc, self.spans, mode)

    def reference(self, mode: AlignMode = "expand", *, overlaps: str = "keep-first") -> Doc:
        """A copy of the doc whose ``ents`` are the gold spans (aligned with ``mode``).

        Two spans can overlap (in the data, or once expanded to tokens): ``"keep-first"``
        keeps the first of them (training), ``"error"`` raises E103 naming the example
        (writers of formats that cannot hold both, so nothing is dropped unsaid).
        """
        ref = Doc(self.doc.text, self.doc.starts, self.doc.ends, check=False)
        spans, _ = self.aligned(mode)
        kept: list[Span] = []
        for span in sorted(spans, key=lambda s: (s.start, -s.end)):
            if not kept or span.start >= kept[-1].end:
                kept.append(span)
            elif overlaps == "error":
                raise SpanError(
                    "E103",
                    f"Entities overlap: {kept[-1].text!r} ({kept[-1].label}) and "
                    f"{span.text!r} ({span.label})",
                    path=self.source.path if self.source else None,
                    line=self.source.line if self.source else None,
                    offset=span.start_char,
                    hint="This format holds one entity per token: keep one of them (nerkit "
                    "data check lists every overlap), or write JSONL, which keeps both.",
                )
        ref.ents = kept
        return ref

    @property
    def labels(self) -> set[str]:
        return {label for _, _, label in self.spans}
