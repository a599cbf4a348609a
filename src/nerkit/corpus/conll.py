"""CoNLL column files: one token per line, the word first and the NER tag last.

Any number of columns; the ones between word and tag are kept in
``extra["conll_columns"]`` (one list per token) so writing gives them back. A whitespace-only
line ends a sentence, ``-DOCSTART-`` lines start a document: the next sentence gets
``meta["doc_start"] = True`` and the line itself in ``extra["conll_docstart"]``; every
sentence of a file with documents gets ``meta["doc_id"]``. The tag scheme (IOB1, IOB2,
BIOES, BILUO) is detected over the whole file unless ``scheme`` forces one.

Example:
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.conll"
    >>> _ = p.write_text("New B-LOC\\nYork I-LOC\\nrocks O\\n")
    >>> ex = next(read_conll(p))
    >>> ex.text, ex.spans
    ('New York rocks', [(0, 8, 'LOC')])
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import FormatError, TagError
from ..tokens import Doc, detect_scheme, normalize_scheme, spans_to_tags, tags_to_spans
from .example import Example, Source
from .files import TokenizerFn, atomic_write_lines, iter_lines

_TAG_PREFIXES = frozenset("BIELUS")


class _Sentence:
    __slots__ = ("line", "words", "tags", "columns", "docstart", "doc_id")

    def __init__(self, line: int, docstart: list[str], doc_id: int | None) -> None:
        self.line = line
        self.words: list[str] = []
        self.tags: list[str] = []
        self.columns: list[list[str]] = []
        self.docstart = docstart
        self.doc_id = doc_id


def read_conll(
    path: Path,
    *,
    tokenizer: TokenizerFn | None = None,
    scheme: str | None = None,
    strict: bool = True,
) -> Iterator[Example]:
    """Read a CoNLL file: one Example per sentence, tokens as given, text = words joined by spaces.

    Raises:
        FormatError: a line with a different number of columns than the file's first one.
        TagError: an unknown tag, mixed tag schemes, or a broken BIOES/BILUO sequence; each
            names the file and line.
    """
    sentences, sep = _parse(path)
    forced = normalize_scheme(scheme) if scheme else None
    sch = forced or _detect(path, sentences)
    for sent in sentences:
        try:
            token_spans = tags_to_spans(sent.tags, sch) if sent.tags else []
        except TagError as err:
            raise TagError(
                err.code,
                err.message,
                path=path,
                line=sent.line + (err.offset or 0),
                hint=err.hint or f"Fix the tags, or pass scheme=/--scheme if this is not {sch}.",
            ) from None
        doc = Doc.from_words(sent.words)
        starts, ends = doc.starts, doc.ends
        spans = [(int(starts[s]), int(ends[e - 1]), label) for s, e, label in token_spans]
        meta: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        if sent.doc_id is not None:
            meta["doc_id"] = sent.doc_id
        if sent.docstart:
            meta["doc_start"] = True
            extra["conll_docstart"] = sent.docstart
        if any(sent.columns):
            extra["conll_columns"] = sent.columns
        if sep != " ":
            extra["conll_sep"] = sep
        yield Example(doc, spans, meta=meta, extra=extra, source=Source(str(path), sent.line))


def _parse(path: Path) -> tuple[list[_Sentence], str]:
    sentences: list[_Sentence] = []
    sent: _Sentence | None = None
    docstart: list[str] = []
    doc_id: int | None = None
    n_cols = 0
    sep = " "
    known_tags: set[str] = {"O"}  # tags already validated: the check runs once per distinct tag
    for lineno, line in iter_lines(path):
        fields = line.rstrip().split("\t") if sep == "\t" else line.split()
        if not fields or not line.strip():
            sent = None
            continue
        if fields[0] == "-DOCSTART-":
            sent = None
            docstart.append(line)
            doc_id = 0 if doc_id is None else doc_id + 1
            continue
        if n_cols == 0:
            if "\t" in line:
                sep = "\t"
                fields = line.rstrip().split("\t")
            n_cols = len(fields)
            if n_cols == 1:
                raise FormatError(
                    "E022",
                    "The CoNLL file's token lines have one column (the word) and no NER tag",
                    path=path,
                    line=lineno,
                    hint="Give each token its tag as the last column (O, B-PER, I-PER, ...); "
                    "text without annotations goes in a .txt or JSONL file.",
                )
        if len(fields) != n_cols:
            raise FormatError(
                "E011",
                f"This line has {len(fields)} columns but the file's first token line has {n_cols}",
                path=path,
                line=lineno,
                hint="Every token line needs the same columns (word first, NER tag last); a "
                "word with a space in it splits into two columns.",
            )
        if sent is None:
            sent = _Sentence(lineno, docstart, doc_id)
            docstart = []
            sentences.append(sent)
        sent.words.append(fields[0])
        tag = fields[-1]
        if tag not in known_tags:
            _check_tag(tag, path, lineno)
            known_tags.add(tag)
        sent.tags.append(tag)
        sent.columns.append(fields[1:-1])
    return sentences, sep


def _check_tag(tag: str, path: Path, line: int) -> None:
    if not (len(tag) > 2 and tag[1] in "-_" and tag[0] in _TAG_PREFIXES):
        raise TagError(
            "E111",
            f"Unknown tag '{tag}'",
            path=path,
            line=line,
            hint="The last column must be 'O' or a prefix B/I/E/L/S/U, '-' and a label "
            "(like B-PER); check the columns of this line.",
        )


def _detect(path: Path, sentences: list[_Sentence]) -> str:
    def all_tags() -> Iterator[str]:
        for sent in sentences:
            yield from sent.tags
            yield "O"

    try:
        return detect_scheme(all_tags())
    except TagError as err:
        first, second = _locate_mixture(sentences)
        raise TagError(
            err.code,
            f"{err.message}: line {first[0]} has '{first[1]}' and line {second[0]} has "
            f"'{second[1]}'",
            path=path,
            line=second[0],
            hint="Convert the file to one scheme, or pass scheme=/--scheme to read it as one.",
        ) from None


def _locate_mixture(sentences: list[_Sentence]) -> tuple[tuple[int, str], tuple[int, str]]:
    """The first line of each of the two schemes that are mixed (for the error message)."""
    es = lu = i_start = b_start = None
    for sent in sentences:
        prev = "O"
        for k, tag in enumerate(sent.tags):
            where = (sent.line + k, tag)
            p = tag[0] if tag != "O" else "O"
            if p in "ES" and es is None:
                es = where
            if p in "LU" and lu is None:
                lu = where
            starts_entity = prev == "O" or prev[2:] != tag[2:]
            if p == "I" and starts_entity and i_start is None:
                i_start = where
            if p == "B" and starts_entity and b_start is None:
                b_start = where
            prev = tag
    pair = (es, lu) if es and lu else (i_start, b_start)
    a, b = sorted(x for x in pair if x is not None)
    return a, b


def write_conll(examples: Iterable[Example], path: Path, *, scheme: str = "IOB2") -> int:
    """Write examples as CoNLL (``word [columns...] tag``), one blank line after each sentence.

    Spans not on token boundaries are expanded to whole tokens; whitespace tokens are left out.
    Returns the number of examples written.
    """
    sch = normalize_scheme(scheme)
    count = 0

    def lines() -> Iterator[str]:
        nonlocal count
        for ex in examples:
            count += 1
            words, token_spans = token_view(ex)
            sep = ex.extra.get("conll_sep", " ")
            columns = ex.extra.get("conll_columns")
            if columns is not None and len(columns) != len(words):
                columns = None
            if ex.meta.get("doc_start"):
                for line in ex.extra.get("conll_docstart") or [_docstart(columns, sep)]:
                    yield line
                    yield ""
            tags = spans_to_tags(token_spans, len(words), sch)
            for i, (word, tag) in enumerate(zip(words, tags)):
                if any(ch.isspace() for ch in word):
                    raise FormatError(
                        "E012",
                        f"Token {i} {word!r} contains whitespace, which CoNLL cannot hold",
                        path=str(ex.source) if ex.source else None,
                        hint="Re-tokenize the text so that no token contains a space.",
                    )
                if columns is None:
                    yield f"{word}{sep}{tag}"
                else:
                    yield sep.join([word, *columns[i], tag])
            if words:
                yield ""

    atomic_write_lines(path, lines())
    return count


def _docstart(columns: list[list[str]] | None, sep: str) -> str:
    n_middle = len(columns[0]) if columns else 0
    return sep.join(["-DOCSTART-", *(["-X-"] * n_middle), "O"])


def token_view(ex: Example) -> tuple[list[str], list[tuple[int, int, str]]]:
    """The non-whitespace words of ``ex`` and its gold spans as token indices over them.

    Spans not on token boundaries are expanded to whole tokens; overlapping spans are E103.
    """
    doc = ex.doc
    words = doc.words
    keep = [not w.isspace() for w in words]
    # new index of each token = number of kept tokens before it
    index = [0] * (len(words) + 1)
    for i, k in enumerate(keep):
        index[i + 1] = index[i] + k
    spans = []
    for span in ex.reference("expand", overlaps="error").ents:
        s, e = index[span.start], index[span.end]
        if s < e:
            spans.append((s, e, span.label))
    return [w for w, k in zip(words, keep) if k], spans
