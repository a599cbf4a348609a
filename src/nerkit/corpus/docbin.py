"""spaCy DocBin (``.spacy``) files: read and written through spaCy, imported only when used.

Tokens and entities come from the spaCy docs; whitespace that spaCy cannot hang on a token
(more than one space, newlines) becomes whitespace tokens, as spaCy itself does. An Example's
answer, meta and fields travel in ``doc.user_data`` so a round trip is lossless.

Example:
    >>> import pathlib, tempfile
    >>> from nerkit.tokens import Doc
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.spacy"
    >>> write_docbin([Example(Doc.from_words(["Hi", "Ann"]), [(3, 6, "PER")])], p)
    1
    >>> next(read_docbin(p)).spans
    [(3, 6, 'PER')]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import FormatError, missing_extra
from ..tokens import Doc
from .example import Example, Source
from .files import TokenizerFn, atomic_target
from .records import record_fields

_KEY = "nerkit"  # user_data key holding answer, meta and extra


def _spacy(feature: str) -> Any:
    try:
        import spacy
        import spacy.tokens  # noqa: F401
    except ImportError:
        raise missing_extra("spacy", "spacy", feature) from None
    return spacy


def read_docbin(
    path: Path,
    *,
    tokenizer: TokenizerFn | None = None,
    scheme: str | None = None,
    strict: bool = True,
) -> Iterator[Example]:
    """Read the docs of a ``.spacy`` file (needs spaCy)."""
    spacy = _spacy("Reading .spacy files")
    try:
        docbin = spacy.tokens.DocBin().from_disk(path)
        docs = list(docbin.get_docs(spacy.vocab.Vocab()))
    except Exception as err:  # spaCy raises assorted errors for a corrupt file
        raise FormatError(
            "E013",
            f"Not a readable spaCy DocBin ({type(err).__name__}: {err})",
            path=path,
            hint="Make the file with DocBin.to_disk, or pass the right --from.",
        ) from None
    for n, sdoc in enumerate(docs, 1):
        starts = [t.idx for t in sdoc]
        ends = [t.idx + len(t.text) for t in sdoc]
        doc = Doc(sdoc.text, starts, ends, check=False)
        spans = [(e.start_char, e.end_char, e.label_) for e in sdoc.ents]
        saved = sdoc.user_data.get(_KEY) or {}
        yield Example(
            doc,
            spans,
            answer=saved.get("answer", "accept"),
            meta=dict(saved.get("meta") or {}),
            extra=dict(saved.get("extra") or {}),
            source=Source(str(path), None, n),
        )


def to_spacy(ex: Example, vocab: Any) -> Any:
    """A spaCy Doc with ``ex``'s tokens (plus whitespace tokens) and gold entities."""
    from spacy.tokens import Doc as SpacyDoc

    words, spaces = _words_and_spaces(ex.doc)
    sdoc = SpacyDoc(vocab, words=words, spaces=spaces)
    ents = []
    for span in ex.reference("expand", overlaps="error").ents:
        ent = sdoc.char_span(span.start_char, span.end_char, label=span.label)
        if ent is not None:
            ents.append(ent)
    sdoc.ents = ents
    saved: dict[str, Any] = {}
    if ex.answer != "accept":
        saved["answer"] = ex.answer
    if ex.meta:
        saved["meta"] = ex.meta
    fields = record_fields(ex.extra)
    if fields:
        saved["extra"] = fields
    if saved:
        sdoc.user_data[_KEY] = saved
    return sdoc


def _words_and_spaces(doc: Doc) -> tuple[list[str], list[bool]]:
    text = doc.text
    words: list[str] = []
    spaces: list[bool] = []
    starts, ends = doc.starts.tolist(), doc.ends.tolist()
    if not starts:
        return ([text], [False]) if text else ([], [])
    if starts[0] > 0:
        words.append(text[: starts[0]])
        spaces.append(False)
    for i, (s, e) in enumerate(zip(starts, ends)):
        gap = text[e : starts[i + 1] if i + 1 < len(starts) else len(text)]
        words.append(text[s:e])
        spaces.append(gap[:1] == " ")
        rest = gap[1:] if gap[:1] == " " else gap
        if rest:
            words.append(rest)
            spaces.append(False)
    return words, spaces


def write_docbin(examples: Iterable[Example], path: Path, *, scheme: str = "IOB2") -> int:
    """Write a ``.spacy`` DocBin (needs spaCy); returns the count."""
    spacy = _spacy("Writing .spacy files")
    vocab = spacy.vocab.Vocab()
    docbin = spacy.tokens.DocBin(store_user_data=True)
    count = 0
    for ex in examples:
        docbin.add(to_spacy(ex, vocab))
        count += 1
    with atomic_target(path) as tmp:
        tmp.write_bytes(docbin.to_bytes())
    return count
