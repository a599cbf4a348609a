"""Training that continues from a trained model (``nerkit train --base``), without forgetting.

The new model starts from the base's weights, vocabulary and labels, adds the labels of the
new data, and trains on the new data. The new data is complete only for the labels it
annotates: a text it gives no ``ORG`` in may still hold one. So, unless ``train.rehearsal``
is off, training does not read the new texts as "no old entity here" (which would erase the
old labels) but merges into them the base's own predictions of the old labels
(:func:`with_base_predictions`): a prediction the base is sure of (score >= ``MIN_SCORE``)
becomes an entity, one it is unsure of leaves its tokens unknown (``Example.unknown``,
``-1`` in :mod:`nerkit.models.targets`), never ``O``. Rehearsal texts (the old training data
or any raw text) add the base's predictions of all its labels on texts like the old ones
(:func:`rehearsal_examples`), ``train.rehearsal_ratio`` of them per new training example.

The dev data gets the base's predictions of the old labels too (whether or not rehearsal is
on): it does not annotate them either, and the new model finding them is no mistake.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..corpus.example import Example
from ..corpus.files import file_sha256
from ..errors import ConfigError, ModelError
from ..tokens import CharSpan, Doc
from .config import ResolvedConfig, build_config

if TYPE_CHECKING:
    from ..models.base import EntityRecognizer
    from ..pipeline import Pipeline

# A base prediction scored below this leaves its tokens unknown instead of being an entity.
MIN_SCORE = 0.5


@dataclass
class Base:
    """A trained model that training continues from."""

    path: Path
    nlp: Pipeline
    config: dict[str, Any]  # its config.toml
    weights_sha256: str

    @property
    def recognizer(self) -> EntityRecognizer:
        assert self.nlp.recognizer is not None
        return self.nlp.recognizer

    @property
    def labels(self) -> tuple[str, ...]:
        return self.recognizer.labels

    def record(self) -> dict[str, Any]:
        """What the new model's ``meta.json`` says of its base (``base``)."""
        return {
            "path": str(self.path),
            "model": self.config["model"]["name"],
            "labels": list(self.labels),
            "weights_sha256": self.weights_sha256,
        }


def load_base(path: str | PathLike[str], model_name: str) -> Base:
    """Load the model directory ``path`` as the base of a ``model_name`` model.

    Raises:
        ModelError: ``path`` is not a trained model directory (E340); it is a model of
            another type (E341); its files are damaged or changed (E204, E207).
    """
    from ..pipeline import Pipeline

    path = Path(path)
    if not (path / "config.toml").is_file() or not (path / "weights.safetensors").is_file():
        raise ModelError(
            "E340",
            f"The base '{path}' is not a trained model directory (no config.toml and "
            "weights.safetensors)",
            path=path,
            hint="Pass the --output directory of an earlier `nerkit train`.",
        )
    try:
        config = tomllib.loads((path / "config.toml").read_text(encoding="utf8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ModelError("E204", f"Invalid config.toml: {err}", path=path) from None
    name = config.get("model", {}).get("name") if isinstance(config.get("model"), dict) else None
    if name != model_name:
        raise ModelError(
            "E341",
            f"The base is a {name or 'unknown'} model, but this run trains {model_name}: "
            "training continues only from a model of the same type",
            path=path,
            hint=f"Train a {str(name).split('.v')[0]} model (--model / --config), or start "
            f"from a {model_name.split('.v')[0]} base.",
        )
    nlp = Pipeline.from_disk(path)  # checks every file against meta.json's checksums
    # The checksum loading has just verified; a model saved before checksums were recorded
    # is hashed here.
    weights = "weights.safetensors"
    digest = (nlp.meta.get("files") or {}).get(weights) or file_sha256(path / weights)
    return Base(path, nlp, config, digest)


def continued_config(resolved: ResolvedConfig, base: Base) -> ResolvedConfig:
    """``resolved`` with the base's settings of what the model is (every section but
    ``[train]``; not ``labels``, which may add labels) where the config and ``--set`` leave
    them at their defaults. A setting given another value stays, and the model's
    ``start_from`` decides whether it can continue with it (E342 when not)."""
    defaults = build_config(resolved.name, {})
    sections = dict(resolved.sections)
    for section, value in resolved.sections.items():
        theirs = base.config.get(section)
        if section == "train" or not isinstance(theirs, dict):
            continue
        given, default = asdict(value), asdict(defaults.sections[section])
        for key in given:
            if key != "labels" and key in theirs and given[key] == default[key]:
                given[key] = theirs[key]
        sections[section] = type(value)(**given)
    return ResolvedConfig(resolved.name, sections)


def with_base_predictions(
    examples: Sequence[Example],
    base: EntityRecognizer,
    old_labels: Iterable[str],
    new_names: Iterable[str] = (),
) -> tuple[list[Example], int]:
    """The complete accepted ``examples`` with the base's predictions of ``old_labels``
    merged in where they overlap no span of the example (binary answers as they are).
    A prediction over one of ``new_names`` (the texts the new data annotates with a new
    label) leaves its tokens unknown: the base calling a brand ORG where the new data
    forgot to mark it would teach the new model that the brand is no brand.
    Returns them and the number of spans added."""
    labels = set(old_labels)
    complete = [i for i, ex in enumerate(examples) if ex.kind == "complete"]
    out = list(examples)
    if not labels or not complete:
        return out, 0
    names = _names(new_names)
    predicted = base.predict_with_scores([examples[i].doc for i in complete])
    added = 0
    for i, scored in zip(complete, predicted):
        ex = examples[i]
        spans, unknown = list(ex.spans), list(ex.unknown)
        taken = _occurrences(ex.text, names) if names else []
        for sc in scored:
            span = (sc.span.start_char, sc.span.end_char, sc.span.label)
            if span[2] not in labels or any(_overlap(span, g) for g in ex.spans):
                continue
            if sc.score >= MIN_SCORE and not any(_overlap(span, t) for t in taken):
                spans.append(span)
                added += 1
            else:
                unknown.append(span)
        if len(spans) > len(ex.spans) or len(unknown) > len(ex.unknown):
            out[i] = dataclasses.replace(ex, spans=sorted(spans), unknown=unknown)
    return out, added


def rehearsal_examples(
    docs: Sequence[Doc],
    base: EntityRecognizer,
    new_names: Iterable[str] = (),
    limit: int | None = None,
    seed: int = 0,
) -> list[Example]:
    """Complete examples of ``docs`` (at most ``limit`` of them, drawn with ``seed``) whose
    entities are the base's confident predictions of its labels. Its unsure predictions,
    every occurrence of one of ``new_names`` (the texts of the new data's entities: a
    rehearsal text never says whether one is an entity of a new label) and the predictions
    over one are unknown."""
    docs = [d for d in docs if len(d)]
    if limit is not None and len(docs) > limit:
        pick = np.random.default_rng(seed).choice(len(docs), size=limit, replace=False)
        docs = [docs[i] for i in sorted(pick.tolist())]
    names = _names(new_names)
    out = []
    for doc, scored in zip(docs, base.predict_with_scores(docs)):
        spans: list[CharSpan] = []
        taken = _occurrences(doc.text, names)
        unknown: list[CharSpan] = list(taken)
        for sc in scored:
            span = (sc.span.start_char, sc.span.end_char, sc.span.label)
            sure = sc.score >= MIN_SCORE and not any(_overlap(span, t) for t in taken)
            (spans if sure else unknown).append(span)
        out.append(Example(doc, spans, unknown=unknown))
    return out


def _names(new_names: Iterable[str]) -> list[str]:
    return sorted({n for n in new_names if n.strip()}, key=len, reverse=True)


def rehearsal_docs(
    sources: Sequence[str | PathLike[str]],
    tokenizer: Callable[[str], Doc],
    format: str | None = None,
) -> list[Doc]:
    """The texts of ``sources``, tokenized: a ``str`` is a text; a path is a data file
    whose texts are used (its annotations are not: the base's predictions are), or a plain
    text file (``.txt`` that is not CoNLL), one text per non-empty line.

    Raises:
        ConfigError: a path that is no readable file (E343).
    """
    from ..corpus.formats import looks_like_conll
    from .data import read_data

    texts: list[str] = []
    for source in sources:
        if isinstance(source, str):
            texts.append(source)
            continue
        path = Path(source)
        if not path.is_file():
            raise ConfigError(
                "E343",
                f"No rehearsal file '{path}'",
                path=path,
                hint="Pass the base's training data or a text file (one text per line) to "
                "--rehearse, or leave --rehearse out.",
            )
        if path.suffix.lower() == ".txt" and not looks_like_conll(path):
            with open(path, encoding="utf8", errors="replace") as fh:
                texts.extend(line.strip() for line in fh if line.strip())
        else:
            texts.extend(ex.text for ex in read_data(path, format=format))
    return [tokenizer(t) for t in texts]


def _overlap(a: CharSpan, b: CharSpan) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _occurrences(text: str, names: Sequence[str]) -> list[CharSpan]:
    """Where each of ``names`` occurs in ``text`` as a whole word (or words)."""
    out: list[CharSpan] = []
    for name in names:
        start = text.find(name)
        while start >= 0:
            end = start + len(name)
            if not (start and text[start - 1].isalnum()) and not (
                end < len(text) and text[end].isalnum()
            ):
                out.append((start, end, "?"))
            start = text.find(name, start + 1)
    return out
