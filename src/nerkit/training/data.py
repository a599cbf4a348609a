"""Training data as the model will meet it: re-tokenized text, a dev set split off when there
is none, and checks that dev (or test) is not the training data again.

Example:
    >>> from nerkit.corpus import Example
    >>> from nerkit.tokenizer import get_tokenizer
    >>> from nerkit.tokens import Doc
    >>> ex = Example(Doc.from_words(["1996-12-06", "Bonn"]), [(11, 15, "LOC")])
    >>> retokenize([ex], get_tokenizer("en"))[0].doc.words
    ['1996', '-', '12', '-', '06', 'Bonn']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from os import PathLike

import numpy as np

from ..corpus.answers import accepted
from ..corpus.example import Example
from ..errors import ConfigError
from ..tokens import Doc


def retokenize(examples: Iterable[Example], tokenizer: Callable[[str], Doc]) -> list[Example]:
    """The examples with the tokens ``tokenizer`` makes of their text (what prediction on raw
    text sees); spans stay the same character offsets. The file's own token attributes
    (Prodigy ``tokens`` keys) no longer apply and are dropped."""
    out = []
    for ex in examples:
        doc = tokenizer(ex.text)
        same = len(doc) == len(ex.doc) and bool(
            (doc.starts == ex.doc.starts).all() and (doc.ends == ex.doc.ends).all()
        )
        out.append(ex if same else dataclasses.replace(ex, doc=doc, token_attrs=None))
    return out


def split_dev(
    examples: Sequence[Example], fraction: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """``(train, dev)``: a seeded ``fraction`` of the distinct texts with a complete accepted
    answer becomes dev; every answer on those texts leaves training.

    Raises:
        ConfigError: ``fraction`` is not in (0, 1), or leaves no text on one side (E325).
    """
    if not 0.0 < fraction < 1.0:
        raise ConfigError(
            "E331",
            f"--dev-split must be a fraction between 0 and 1, got {fraction}",
            hint="e.g. --dev-split 0.2 keeps a fifth of the texts for choosing the best epoch.",
        )
    texts = list(dict.fromkeys(ex.text for ex in accepted(examples)))
    n_dev = int(round(fraction * len(texts)))
    if n_dev < 1 or n_dev >= len(texts):
        raise ConfigError(
            "E331",
            f"--dev-split {fraction} of {len(texts)} annotated texts leaves "
            f"{'no dev text' if n_dev < 1 else 'no training text'}",
            hint="Annotate more texts, or pass a dev file.",
        )
    order = np.random.default_rng(seed).permutation(len(texts))
    held = {texts[i] for i in order[:n_dev].tolist()}
    train = [ex for ex in examples if ex.text not in held]
    dev = [ex for ex in accepted(examples) if ex.text in held]
    return train, dev


# Held-out data that shares at least this share of its texts with the data it should be held
# out from gets a warning. Some sharing is natural: CoNLL-2003 repeats 4% of its dev sentences
# from train (short lines such as "SOCCER -"), which says nothing about the split.
LEAK_SHARE = 0.2


def shared_texts(a: Iterable[Example], b: Iterable[Example]) -> tuple[int, int]:
    """``(n, of)``: how many of the distinct texts of ``b`` are also texts of ``a``."""
    seen = {ex.text for ex in a}
    texts = {ex.text for ex in b}
    return len(texts & seen), len(texts)


def leaked(a: Iterable[Example], b: Iterable[Example]) -> tuple[int, int] | None:
    """``shared_texts(a, b)`` when at least :data:`LEAK_SHARE` of ``b``'s texts are in ``a``
    (``b`` is then not held out from ``a``), else None."""
    n, of = shared_texts(a, b)
    return (n, of) if of and n >= LEAK_SHARE * of else None


def read_data(
    path: str | PathLike[str],
    *,
    format: str | None = None,
    tokenizer: Callable[[str], Doc] | None = None,
    db: str | None = None,
) -> list[Example]:
    """The examples of a data file, or of ``db:NAME`` (a dataset of the store in database
    ``db``; the store is loaded for it, which needs the ``store`` extra)."""
    from ..corpus import read
    from ..corpus.sources import source_of

    found = source_of(path)
    if found is not None and found[0] == "db":
        from .. import store  # noqa: F401  (importing the store registers the db: source)
    return read(path, format=format, tokenizer=tokenizer, db=db)
