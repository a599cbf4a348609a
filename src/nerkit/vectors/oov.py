"""Coverage of annotated data by a vector table: the share of tokens, and of entity tokens, without a vector.

A token "has a vector" when :meth:`Vectors.get_row` finds it (exactly, else lowercased), or
when the table has fastText n-grams and the token has some: its vector is composed from them
(:meth:`Vectors.subword_vectors`), as the neural recognizer does. Those tokens are covered,
and counted apart as covered by subwords (``subword_*``).
Entity tokens are the tokens inside gold spans (spans not on token boundaries are expanded to
them); they are also counted per label, since names are where coverage usually fails.

Example:
    >>> import numpy as np
    >>> from nerkit.corpus import Example
    >>> from nerkit.tokens import Doc
    >>> vecs = Vectors(["ada", "wrote"], np.zeros((2, 2), dtype=np.float32))
    >>> ex = Example(Doc.from_words(["Ada", "Lovelace", "wrote"]), [(0, 12, "PER")])
    >>> report = oov_report(vecs, [ex])
    >>> report.tokens, report.oov_tokens, report.entity_tokens, report.oov_entity_tokens
    (3, 1, 2, 1)
    >>> report.per_label["PER"].oov_rate
    0.5
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from os import PathLike

import numpy as np

from ..corpus.example import Example
from .store import Vectors


@dataclass
class Coverage:
    """Tokens counted, how many of them have no vector, and how many get one from subwords."""

    tokens: int = 0
    oov: int = 0
    subword: int = 0

    @property
    def oov_rate(self) -> float:
        return self.oov / self.tokens if self.tokens else 0.0


@dataclass
class OOVReport:
    """Counts of tokens without a vector, overall, inside gold spans, and per label; and of
    tokens whose vector is composed from subwords (covered, not in ``oov_*``)."""

    tokens: int
    oov_tokens: int
    entity_tokens: int
    oov_entity_tokens: int
    per_label: dict[str, Coverage] = field(default_factory=dict)
    types: int = 0  # distinct token strings
    oov_types: int = 0
    top_oov: list[tuple[str, int]] = field(default_factory=list)  # most frequent unknown words
    subword_tokens: int = 0  # tokens not in the table whose vector comes from n-grams
    subword_entity_tokens: int = 0
    subword_types: int = 0

    @property
    def oov_rate(self) -> float:
        return self.oov_tokens / self.tokens if self.tokens else 0.0

    @property
    def entity_oov_rate(self) -> float:
        return self.oov_entity_tokens / self.entity_tokens if self.entity_tokens else 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "tokens": self.tokens,
            "oov_tokens": self.oov_tokens,
            "oov_rate": self.oov_rate,
            "entity_tokens": self.entity_tokens,
            "oov_entity_tokens": self.oov_entity_tokens,
            "entity_oov_rate": self.entity_oov_rate,
            "types": self.types,
            "oov_types": self.oov_types,
            "subword_tokens": self.subword_tokens,
            "subword_entity_tokens": self.subword_entity_tokens,
            "subword_types": self.subword_types,
            "per_label": {
                label: {
                    "tokens": c.tokens,
                    "oov": c.oov,
                    "oov_rate": c.oov_rate,
                    "subword": c.subword,
                }
                for label, c in sorted(self.per_label.items())
            },
            "top_oov": self.top_oov,
        }


def oov_report(vectors: Vectors, examples: Iterable[Example], top: int = 20) -> OOVReport:
    """Count the tokens of ``examples`` (and their gold entity tokens) that ``vectors`` lacks,
    and those it composes from subwords."""
    counts: Counter[str] = Counter()
    label_counts: dict[str, Counter[str]] = {}
    for ex in examples:
        words = ex.doc.words
        counts.update(words)
        for span in ex.reference("expand").ents:
            label_counts.setdefault(span.label, Counter()).update(words[span.start : span.end])
    # Each distinct word is looked up once.
    types = list(counts)
    rows = vectors.get_rows(types) if types else np.zeros(0, dtype=np.int64)
    unknown = [w for w, r in zip(types, rows.tolist()) if r < 0]
    subword = (
        {w for w in unknown if vectors.subword_buckets(w).size} if vectors.has_subwords else set()
    )
    missing = set(unknown) - subword
    oov_counts = Counter({w: counts[w] for w in unknown if w in missing})
    per_label = {
        label: Coverage(
            tokens=sum(c.values()),
            oov=sum(n for w, n in c.items() if w in missing),
            subword=sum(n for w, n in c.items() if w in subword),
        )
        for label, c in label_counts.items()
    }
    return OOVReport(
        tokens=sum(counts.values()),
        oov_tokens=sum(oov_counts.values()),
        entity_tokens=sum(c.tokens for c in per_label.values()),
        oov_entity_tokens=sum(c.oov for c in per_label.values()),
        per_label=per_label,
        types=len(types),
        oov_types=len(oov_counts),
        top_oov=oov_counts.most_common(top),
        subword_tokens=sum(counts[w] for w in subword),
        subword_entity_tokens=sum(c.subword for c in per_label.values()),
        subword_types=len(subword),
    )


def oov_report_file(
    vectors: Vectors | str | PathLike[str],
    data: str | PathLike[str],
    format: str | None = None,
    lang: str = "en",
    top: int = 20,
) -> OOVReport:
    """:func:`oov_report` of an annotated file (any format :mod:`nerkit.corpus` reads)."""
    from ..corpus import accepted, iter_read
    from ..tokenizer import get_tokenizer

    vecs = vectors if isinstance(vectors, Vectors) else Vectors.from_disk(vectors)
    examples = iter_read(data, format, tokenizer=get_tokenizer(lang))
    return oov_report(vecs, accepted(examples, binary=True), top=top)
