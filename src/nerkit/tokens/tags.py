"""Pure conversions between token spans and tag sequences in IOB1, IOB2, BIOES and BILUO.

Token spans are ``(start, end, label)`` tuples with ``end`` exclusive. All functions are
pure: plain lists in, plain lists out.

Example:
    >>> spans_to_tags([(0, 2, "LOC")], 3, "BILUO")
    ['B-LOC', 'L-LOC', 'O']
    >>> tags_to_spans(['B-LOC', 'I-LOC', 'O'], "IOB2")
    [(0, 2, 'LOC')]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from ..errors import TagError

Scheme = Literal["IOB1", "IOB2", "BIOES", "BILUO"]
SCHEMES: tuple[Scheme, ...] = ("IOB1", "IOB2", "BIOES", "BILUO")
TokenSpan = tuple[int, int, str]

_PREFIXES: dict[str, frozenset[str]] = {
    "IOB1": frozenset("BI"),
    "IOB2": frozenset("BI"),
    "BIOES": frozenset("BIES"),
    "BILUO": frozenset("BILU"),
}

# Spellings of each scheme (upper-cased, hyphens removed); built once, as normalize_scheme runs
# for every sentence read or written.
_ALIASES: dict[str, Scheme] = {
    "IOB": "IOB2",
    "BIO": "IOB2",
    "IOB2": "IOB2",
    "IOB1": "IOB1",
    "BIOES": "BIOES",
    "IOBES": "BIOES",
    "BILOU": "BILUO",
    "BILUO": "BILUO",
    "BIOUL": "BILUO",
    "IOBLU": "BILUO",
}


def normalize_scheme(scheme: str) -> Scheme:
    """Accept common spellings (``bio``, ``iob``, ``bioul``, ``iobes``) and return the canonical name."""
    key = scheme.upper().replace("-", "")
    if key not in _ALIASES:
        raise TagError(
            "E110",
            f"Unknown tag scheme '{scheme}'",
            hint=f"Use one of {', '.join(SCHEMES)}.",
        )
    return _ALIASES[key]


def split_tag(tag: str, position: int | None = None) -> tuple[str, str]:
    """Split ``B-PER`` into ``('B', 'PER')``; ``O`` gives ``('O', '')``."""
    if tag == "O":
        return "O", ""
    if len(tag) > 2 and tag[1] in "-_" and tag[0] in "BIELUS":
        return tag[0], tag[2:]
    raise TagError(
        "E111",
        f"Unknown tag '{tag}'",
        offset=position,
        hint="Tags must be 'O' or a prefix B/I/E/L/S/U, a '-' and a label, like 'B-PER'.",
    )


def spans_to_tags(spans: Iterable[TokenSpan], n_tokens: int, scheme: str = "BILUO") -> list[str]:
    """Tags for ``n_tokens`` tokens marking ``spans`` in ``scheme``.

    Raises:
        TagError: spans overlap, are empty or fall outside the sequence.
    """
    sch = normalize_scheme(scheme)
    tags = ["O"] * n_tokens
    prev_end, prev_label = -1, None
    for start, end, label in sorted(spans):
        if not 0 <= start < end <= n_tokens:
            raise TagError(
                "E112", f"Span ({start}, {end}, {label!r}) is empty or outside {n_tokens} tokens"
            )
        if start < prev_end:
            raise TagError("E113", f"Span ({start}, {end}, {label!r}) overlaps the span before it")
        single = end - start == 1
        if sch == "IOB2":
            tags[start] = f"B-{label}"
            for i in range(start + 1, end):
                tags[i] = f"I-{label}"
        elif sch == "IOB1":
            begin = "B" if start == prev_end and label == prev_label else "I"
            tags[start] = f"{begin}-{label}"
            for i in range(start + 1, end):
                tags[i] = f"I-{label}"
        else:
            last, unit = ("E", "S") if sch == "BIOES" else ("L", "U")
            if single:
                tags[start] = f"{unit}-{label}"
            else:
                tags[start] = f"B-{label}"
                for i in range(start + 1, end - 1):
                    tags[i] = f"I-{label}"
                tags[end - 1] = f"{last}-{label}"
        prev_end, prev_label = end, label
    return tags


def tags_to_spans(tags: Sequence[str], scheme: str | None = None) -> list[TokenSpan]:
    """Token spans encoded by ``tags``; the scheme is detected when not given.

    IOB1 and IOB2 follow conlleval: an ``I-X`` that does not continue an ``X`` entity starts
    one. BIOES and BILUO must be well formed.

    Raises:
        TagError: an unknown tag, a prefix outside the scheme, or a broken BIOES/BILUO sequence.
    """
    sch = normalize_scheme(scheme) if scheme else detect_scheme(tags)
    allowed = _PREFIXES[sch]
    spans: list[TokenSpan] = []
    start, label = -1, ""
    strict = sch in ("BIOES", "BILUO")
    last, unit = ("E", "S") if sch == "BIOES" else ("L", "U")
    for i, tag in enumerate(tags):
        prefix, lab = split_tag(tag, i)
        if prefix != "O" and prefix not in allowed:
            raise TagError(
                "E114",
                f"Tag '{tag}' at token {i} is not part of the {sch} scheme",
                offset=i,
                hint="Convert the file to one scheme or pass the right --scheme.",
            )
        if not strict:
            if prefix == "O":
                if start >= 0:
                    spans.append((start, i, label))
                start = -1
            elif prefix == "B" or start < 0 or lab != label:
                if start >= 0:
                    spans.append((start, i, label))
                start, label = i, lab
            continue
        if start >= 0 and (prefix not in ("I", last) or lab != label):
            raise TagError(
                "E115",
                f"Entity '{label}' begun at token {start} is not closed before token {i} ('{tag}')",
                offset=i,
                hint=f"In {sch} every B- needs an {last}- of the same label.",
            )
        if prefix == "O":
            continue
        if prefix == unit:
            spans.append((i, i + 1, lab))
        elif prefix == "B":
            start, label = i, lab
        elif prefix in ("I", last):
            if start < 0:
                raise TagError(
                    "E115",
                    f"Tag '{tag}' at token {i} continues an entity that was never begun",
                    offset=i,
                    hint=f"In {sch} an entity starts with B- or {unit}-.",
                )
            if prefix == last:
                spans.append((start, i + 1, label))
                start = -1
    if start >= 0:
        if strict:
            raise TagError(
                "E115",
                f"Entity '{label}' begun at token {start} is not closed at the end of the sequence",
                offset=start,
            )
        spans.append((start, len(tags), label))
    return spans


def detect_scheme(tags: Iterable[str]) -> Scheme:
    """Guess the scheme of one or more tag sequences (pass them concatenated with ``O``).

    BILUO if L-/U- occur, BIOES if E-/S- occur, IOB1 if an ``I-X`` starts an entity,
    otherwise IOB2.

    Raises:
        TagError: prefixes of two schemes are mixed (E/S with L/U, or IOB1 and IOB2 starts).
    """
    seen: set[str] = set()
    prev_prefix, prev_label = "O", ""
    i_starts = b_after_outside = False
    for i, tag in enumerate(tags):
        prefix, label = split_tag(tag, i)
        seen.add(prefix)
        if prefix == "I" and (prev_prefix == "O" or prev_label != label):
            i_starts = True
        if prefix == "B" and (prev_prefix == "O" or prev_label != label):
            b_after_outside = True
        prev_prefix, prev_label = prefix, label
    has_es, has_lu = bool(seen & {"E", "S"}), bool(seen & {"L", "U"})
    if has_es and has_lu:
        raise TagError(
            "E116",
            "Mixed tag schemes: both BIOES (E-/S-) and BILUO (L-/U-) tags occur",
            hint="Convert the data to one scheme first.",
        )
    if has_lu:
        return "BILUO"
    if has_es:
        return "BIOES"
    if i_starts and b_after_outside:
        raise TagError(
            "E116",
            "Mixed tag schemes: some entities start with I- (IOB1) and others with B- after O (IOB2)",
            hint="Convert the data to one scheme, or pass --scheme to read it as one.",
        )
    return "IOB1" if i_starts else "IOB2"


def convert_tags(tags: Sequence[str], to: str, source: str | None = None) -> list[str]:
    """Re-encode ``tags`` from ``source`` (detected when omitted) into scheme ``to``."""
    return spans_to_tags(tags_to_spans(tags, source), len(tags), to)


def biluo_tag_names(labels: Iterable[str]) -> list[str]:
    """All BILUO tags for ``labels``: ``O`` first, then B/I/L/U of each label in order."""
    names = ["O"]
    for label in labels:
        names.extend(f"{p}-{label}" for p in "BILU")
    return names
