"""Training data as the model will meet it: data files and ``db:`` datasets read, re-tokenized
text, a dev set split off when there is none, and checks that dev (or test) is not the
training data again: W201 when dev texts are training texts (the dev score flatters the model
and picks the most overfitted epoch), W204 when test texts are, W203 when dev and test are
the same data (the test score is then not of unseen data).

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
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from os import PathLike
from pathlib import Path

import numpy as np

from ..corpus.answers import accepted
from ..corpus.example import Example
from ..errors import ConfigError, NerkitWarning, warn
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
    answer becomes dev; every answer on those texts leaves training. A text that carries the
    only example of a label stays in training (dev may then be a little smaller).

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
    # Texts are drawn for dev in a seeded order, passing over a text that carries the last
    # training example of a label: a label only dev has would be unknown to the model (E202).
    labels_of: dict[str, set[str]] = {}
    for ex in accepted(examples):
        labels_of.setdefault(ex.text, set()).update(label for _, _, label in ex.spans)
    left: dict[str, int] = {}
    for labs in labels_of.values():
        for lab in labs:
            left[lab] = left.get(lab, 0) + 1
    held: set[str] = set()
    for i in order.tolist():
        if len(held) == n_dev:
            break
        labs = labels_of.get(texts[i], set())
        if all(left[lab] > 1 for lab in labs):
            held.add(texts[i])
            for lab in labs:
                left[lab] -= 1
    if not held:
        raise ConfigError(
            "E331",
            f"--dev-split {fraction}: every one of the {len(texts)} annotated texts carries "
            "the only example of some label, so none can be held out",
            hint="Annotate more texts, or pass a dev file.",
        )
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


def read_splits(
    train_path: str | Path,
    dev_path: str | Path,
    test_path: str | Path,
    format: str | None = None,
    lang: str = "en",
) -> tuple[list[Example], list[Example], list[Example]]:
    """``(train, dev, test)``: what training learns from in the training file (complete and
    binary answers, :func:`~nerkit.corpus.trainable`) and the complete accepted examples of the
    dev and test files; every file is checked to exist before any is read."""
    from ..corpus import accepted, read, trainable
    from ..tokenizer import get_tokenizer

    for path in (train_path, dev_path, test_path):
        if not Path(path).is_file():
            raise ConfigError("E324", "No such data file", path=path, hint="Check the path.")
    tokenizer = get_tokenizer(lang)
    train = trainable(read(train_path, format=format, tokenizer=tokenizer))
    dev, test = (
        accepted(read(p, format=format, tokenizer=tokenizer)) for p in (dev_path, test_path)
    )
    return train, dev, test


def warn_dev_leak(
    train: Sequence[Example],
    dev: Sequence[Example],
    flattered: str = "the model",
    hint: str = "Pass a dev file with other texts, or use --dev-split 0.2 instead.",
    depth: int = 0,
) -> None:
    """W201 when dev texts are training texts too: the dev score flatters ``flattered`` and
    picks the most overfitted epoch."""
    if leak := leaked(train, dev):
        shared, n_dev = leak
        warn(
            "W201",
            f"{shared} of the {n_dev} dev texts are training texts too: the dev score will "
            f"flatter {flattered} and the best epoch will be the most overfitted one",
            hint=hint,
            depth=depth + 1,
        )


def check_held_out(
    train: Sequence[Example],
    dev: Sequence[Example],
    test: Sequence[Example],
    dev_path: str | Path,
    test_path: str | Path,
) -> None:
    """Warn when the dev or test data is not held out (W201, W203, W204; see the module
    docstring): each such score flatters every config, and a test score of the epoch picked on
    the test texts is no test score at all."""
    warn_dev_leak(train, dev, "every config", "Pass a dev file with other texts.")
    if leak := leaked(train, test):
        in_train, n_test = leak
        warn(
            "W204",
            f"{in_train} of the {n_test} test texts are training texts too: the test scores "
            "will flatter every config, most of all the ones that memorize",
            hint="Score on a test file with other texts.",
        )
    same_file = Path(dev_path).resolve() == Path(test_path).resolve()
    in_dev, n_test = shared_texts(dev, test)
    if same_file or leaked(dev, test):
        if same_file:
            what = f"The dev and test data are the same file ({test_path})"
        elif in_dev == n_test == len({ex.text for ex in dev}):
            what = f"The dev and test data are the same {n_test} texts"
        else:
            what = f"{in_dev} of the {n_test} test texts are dev texts too"
        warn(
            "W203",
            f"{what}: the best epoch is picked on them, so the test score is not of unseen "
            "texts and flatters every config",
            hint="Keep a test file of texts used neither for training nor for picking epochs.",
        )


@contextmanager
def w201_said_once() -> Iterator[None]:
    """Leave out train()'s own W201: check_held_out said it once for the whole run."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=re.escape("[W201]"), category=NerkitWarning)
        yield
