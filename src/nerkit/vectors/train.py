"""Train word2vec or fastText vectors with gensim on raw or annotated text, tokenized by nerkit.

Inputs are plain text (paragraphs separated by blank lines; a file of one document per line
works too), JSONL with a ``text`` field, or any annotated format :mod:`nerkit.corpus` reads. Every
text goes through our tokenizer, so the keys match the tokens the models will look up. Texts
are tokenized once into a temporary file of one sentence per line, which gensim then reads
once per epoch (it needs a restartable iterable), so memory does not grow with the corpus.

Determinism: with a ``seed`` and ``workers=1`` the same inputs give the same vectors. With
several workers gensim's threads race on shared weights (Hogwild), so results vary slightly
from run to run.

Example:
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.txt").write_text("The cat sat on the mat.\\n\\nThe dog sat on the log.\\n" * 20)
    >>> result = train_vectors([d / "a.txt"], d / "vecs", dim=8, min_count=1, workers=1)  # doctest: +SKIP
    >>> result.vectors.dim  # doctest: +SKIP
    8
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError, FormatError, missing_extra
from .keys import key_hash
from .store import Vectors

ALGORITHMS = ("word2vec", "fasttext")
MAX_SENTENCE = 10_000  # gensim ignores the words of a sentence past this many
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class TrainVectorsResult:
    """What :func:`train_vectors` made: the vectors (memory-mapped from disk) and counts."""

    vectors: Vectors
    seconds: float  # gensim training only
    tokenize_seconds: float
    n_sentences: int
    n_tokens: int
    settings: dict[str, Any] = field(default_factory=dict)


def auto_epochs(n_tokens: int, seen: int = 25_000_000) -> int:
    """Passes over ``n_tokens`` of text that see about ``seen`` tokens, between 5 and 20.

    gensim's 5 suits corpora of hundreds of millions of words; on the million or so that a
    domain usually has, more passes give better vectors (CoNLL-2003 test F1 of the neural
    recognizer with static vectors trained on 1.3M tokens: 85.9 with 5 epochs and min_count
    3, 86.2 with 20 and min_count 2; see benchmarks/README.md).
    """
    return max(5, min(20, round(seen / max(n_tokens, 1))))


def train_vectors(
    inputs: Sequence[str | PathLike[str]],
    output: str | PathLike[str],
    *,
    algo: str = "word2vec",
    dim: int = 100,
    window: int = 5,
    min_count: int = 3,
    epochs: int = 0,
    workers: int = 2,
    lowercase: bool = True,
    seed: int = 0,
    format: str | None = None,
    ngrams: bool = True,
    bucket: int = 2**18,
    min_n: int = 3,
    max_n: int = 6,
    lang: str = "en",
    progress: Progress | None = None,
) -> TrainVectorsResult:
    """Tokenize ``inputs`` with nerkit's tokenizer, train ``algo`` (skip-gram) and save to ``output``.

    For fastText the table holds the full-word vectors of the vocabulary; with ``ngrams`` the
    ``bucket`` subword vectors are stored too, so :meth:`Vectors.get_vector` composes vectors for
    unknown words (``bucket * dim * 4`` bytes: 105 MB at the defaults and dim 100).
    ``format`` names the annotated format of the inputs, or ``"text"``; None detects it.
    ``epochs`` 0 picks :func:`auto_epochs` of the token count.
    """
    if algo not in ALGORITHMS:
        raise ConfigError("E309", f"Unknown algorithm '{algo}'", hint="Use word2vec or fasttext.")
    try:
        from gensim.models import FastText, Word2Vec
        from gensim.models.callbacks import CallbackAny2Vec
    except ImportError as err:
        raise missing_extra("gensim", "vectors", "Training word vectors") from err
    for p in inputs:
        if not Path(p).is_file():
            raise FormatError("E065", "No such file", path=p, hint="Check the path.")
    with tempfile.TemporaryDirectory(prefix="nerkit-vectors-") as tmp:
        cache = Path(tmp) / "sentences.jsonl"
        t0 = time.perf_counter()
        n_sentences, n_tokens = _write_sentences(inputs, cache, format, lowercase, lang, progress)
        tokenize_seconds = time.perf_counter() - t0
        if n_tokens == 0:
            raise FormatError(
                "E067",
                "The inputs have no text",
                path=inputs[0] if inputs else None,
                hint="Check the files and --format.",
            )
        sentences = _CachedSentences(cache)
        epochs = epochs or auto_epochs(n_tokens)
        settings: dict[str, Any] = {
            "dim": dim,
            "window": window,
            "min_count": min_count,
            "epochs": epochs,
            "workers": workers,
            "seed": seed,
            "sg": 1,
        }

        class _EpochProgress(CallbackAny2Vec):  # type: ignore[misc]
            def __init__(self) -> None:
                self.epoch = 0

            def on_epoch_end(self, model: Any) -> None:
                self.epoch += 1
                if progress is not None:
                    progress("train", self.epoch, epochs)

        common = dict(
            vector_size=dim,
            window=window,
            min_count=min_count,
            epochs=epochs,
            workers=max(1, workers),
            seed=seed,
            sg=1,
            # Python's str hash changes per process; a stable one keeps runs reproducible.
            hashfxn=_stable_hash,
        )
        t0 = time.perf_counter()
        if algo == "word2vec":
            model = Word2Vec(**common)
        else:
            model = FastText(**common, min_n=min_n, max_n=max_n, bucket=bucket if ngrams else 0)
            settings.update(min_n=min_n, max_n=max_n, bucket=bucket if ngrams else 0)
        model.build_vocab(corpus_iterable=sentences)
        if len(model.wv) == 0:
            raise FormatError(
                "E067",
                f"No word occurs at least {min_count} times",
                path=inputs[0],
                hint="Lower --min-count or give more text.",
            )
        model.train(
            corpus_iterable=sentences,
            total_examples=model.corpus_count,
            epochs=epochs,
            callbacks=[_EpochProgress()],
        )
        seconds = time.perf_counter() - t0
    wv = model.wv
    meta: dict[str, Any] = {
        "source": None,
        "format": "trained",
        "algorithm": algo,
        "training_data": [str(p) for p in inputs],
        "lowercase": lowercase,
        "settings": settings,
        "tokens": n_tokens,
        "sentences": n_sentences,
        "training_seconds": round(seconds, 2),
        "gensim": _gensim_version(),
    }
    ngram_table = None
    if algo == "fasttext" and ngrams and bucket > 0:
        ngram_table = np.asarray(wv.vectors_ngrams, dtype=np.float32)
        meta.update(min_n=min_n, max_n=max_n, bucket=bucket)
    Vectors(
        list(wv.index_to_key), np.asarray(wv.vectors, dtype=np.float32), meta, ngram_table
    ).to_disk(output)
    return TrainVectorsResult(
        vectors=Vectors.from_disk(output),
        seconds=seconds,
        tokenize_seconds=tokenize_seconds,
        n_sentences=n_sentences,
        n_tokens=n_tokens,
        settings=settings,
    )


def _stable_hash(text: str) -> int:
    return key_hash(text) & 0xFFFFFFFF


def _gensim_version() -> str:
    import gensim

    return str(gensim.__version__)


class _CachedSentences:
    """A restartable iterable over the token lists of the cache file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[list[str]]:
        with open(self.path, encoding="utf8") as fh:
            for line in fh:
                yield json.loads(line)


def iter_texts(path: Path, format: str | None = None) -> Iterator[list[str] | str]:
    """The texts of one input: strings to tokenize, or token lists when the format has them."""
    from ..corpus import iter_read, resolve_format

    if format != "text":
        try:
            fmt = resolve_format(path, format)
        except FormatError:
            if format is not None:
                raise
            fmt = None
        if fmt is not None:
            for ex in iter_read(path, fmt):
                yield ex.doc.words
            return
    yield from _paragraphs(path)


def _paragraphs(path: Path) -> Iterator[str]:
    """Blank-line separated paragraphs; a file of one document per line is one per line."""
    lines: list[str] = []
    with open(path, encoding="utf8", errors="replace") as fh:
        for line in fh:
            if line.strip():
                lines.append(line)
                continue
            if lines:
                yield "".join(lines)
                lines = []
    if lines:
        yield "".join(lines)


def _write_sentences(
    inputs: Sequence[str | PathLike[str]],
    cache: Path,
    format: str | None,
    lowercase: bool,
    lang: str,
    progress: Progress | None,
) -> tuple[int, int]:
    from ..tokenizer import get_tokenizer

    tokenizer = get_tokenizer(lang)
    n_sentences = n_tokens = 0
    with open(cache, "w", encoding="utf8") as out:
        for i, path in enumerate(inputs):
            for text in iter_texts(Path(path), format):
                words = tokenizer(text).words if isinstance(text, str) else list(text)
                if lowercase:
                    words = [w.lower() for w in words]
                for a in range(0, len(words), MAX_SENTENCE):
                    chunk = words[a : a + MAX_SENTENCE]
                    out.write(json.dumps(chunk, ensure_ascii=False) + "\n")
                    n_sentences += 1
                    n_tokens += len(chunk)
            if progress is not None:
                progress("tokenize", i + 1, len(inputs))
    return n_sentences, n_tokens
