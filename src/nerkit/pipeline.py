"""The Pipeline (``nlp``): tokenizer plus an optional recognizer, loaded from or saved to a directory.

A model directory holds ``config.toml`` (the model type and its settings), ``labels.json``,
``tokenizer.json``, ``weights.safetensors``, ``meta.json`` and, when the model was calibrated
on dev data, ``calibration.json`` and ``calibration.safetensors``. Nothing in it is executed
when it is loaded. Entities scored below the model's thresholds (``[predict]``) are dropped.

Example:
    >>> nlp = blank("en")
    >>> [t.text for t in nlp("Hello, world!")]
    ['Hello', ',', 'world', '!']
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any, Literal, overload

from .corpus.files import file_sha256
from .errors import ConfigError, ModelError, NerkitError
from .models.base import EntityRecognizer, ScoredSpan
from .models.calibration import (
    CALIBRATION_JSON,
    CALIBRATION_TENSORS,
    Thresholds,
    thresholds_of,
)
from .models.registry import get_model_class
from .tokenizer import Tokenizer, get_tokenizer
from .tokens import Doc
from .version import __version__


class Pipeline:
    """Tokenizer + recognizer: ``doc = nlp(text)``, ``nlp.pipe(texts)``."""

    def __init__(
        self,
        tokenizer: Tokenizer,
        recognizer: EntityRecognizer | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.tokenizer = tokenizer
        self.recognizer = recognizer
        self.meta: dict[str, Any] = dict(meta or {})
        settings = getattr(recognizer, "predict_settings", None)
        # The scores entities need to be kept: the model's [predict] settings, which
        # ``set_thresholds`` (nerkit predict --threshold) can change for this pipeline.
        self.thresholds = thresholds_of(settings) if settings is not None else Thresholds()

    def set_thresholds(self, items: Iterable[str]) -> None:
        """Override the model's thresholds: ``["0.8"]`` for every label, ``["PRODUCT=0.7"]``
        for one (over the model's own).

        Raises:
            ConfigError: an item cannot be read (E381), or names a label the model does not
                have (E380).
        """
        thresholds = Thresholds.parse(items, self.thresholds)
        unknown = sorted(set(thresholds.per_label) - set(self.labels))
        if unknown:
            raise ConfigError(
                "E380",
                f"A threshold names label(s) the model does not have: {', '.join(unknown)}",
                hint=f"The model's labels: {', '.join(self.labels) or 'none'}.",
            )
        self.thresholds = thresholds

    @property
    def labels(self) -> tuple[str, ...]:
        return self.recognizer.labels if self.recognizer is not None else ()

    def make_doc(self, text: str) -> Doc:
        """Tokenize only."""
        return self.tokenizer(text)

    def __call__(self, text: str) -> Doc:
        return next(iter(self.pipe([text])))

    @overload
    def pipe(
        self, texts: Iterable[str], batch_size: int = ..., with_scores: Literal[False] = ...
    ) -> Iterator[Doc]: ...

    @overload
    def pipe(
        self, texts: Iterable[str], batch_size: int = ..., *, with_scores: Literal[True]
    ) -> Iterator[tuple[Doc, list[ScoredSpan]]]: ...

    def pipe(
        self, texts: Iterable[str], batch_size: int = 256, with_scores: bool = False
    ) -> Iterator[Doc] | Iterator[tuple[Doc, list[ScoredSpan]]]:
        """Process texts in batches; with ``with_scores`` yield ``(doc, scored_spans)``."""
        it = iter(texts)
        while batch := list(islice(it, batch_size)):
            docs = [self.tokenizer(t) for t in batch]
            if with_scores:
                yield from zip(docs, self.pipe_docs_scored(docs))
            else:
                yield from self.pipe_docs(docs)

    def pipe_docs(self, docs: list[Doc]) -> list[Doc]:
        """Set ``ents`` on already tokenized docs (in place) and return them."""
        if self.recognizer is not None:
            if self.thresholds.active:
                self.pipe_docs_scored(docs)
            else:
                for doc, spans in zip(docs, self.recognizer.predict(docs)):
                    doc.ents = spans
        return list(docs)

    def pipe_docs_scored(self, docs: list[Doc], thresholds: bool = True) -> list[list[ScoredSpan]]:
        """Set ``ents`` on already tokenized docs (in place) and return each doc's scored
        spans (the model's confidence in each entity), those below the thresholds dropped
        (``thresholds=False``: all of them)."""
        if self.recognizer is None:
            return [[] for _ in docs]
        scored = self.recognizer.predict_with_scores(docs)
        if thresholds:
            scored = self.thresholds.apply(scored)
        for doc, spans in zip(docs, scored):
            doc.ents = [s.span for s in spans]
        return scored

    def to_disk(self, path: str | Path) -> None:
        """Write the model directory (no pickle)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if self.recognizer is not None:
            self.recognizer.to_disk(path)
        self.tokenizer.to_disk(path / "tokenizer.json")
        meta = {
            "nerkit_version": __version__,
            "lang": self.tokenizer.lang,
            "model": getattr(self.recognizer, "name", None),
            "labels": list(self.labels),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            **{k: v for k, v in self.meta.items() if k not in ("nerkit_version",)},
        }
        (path / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
        seal(path)

    @classmethod
    def from_disk(cls, path: str | Path) -> Pipeline:
        path = Path(path)
        if not path.is_dir():
            raise ModelError(
                "E203",
                f"No model directory at '{path}'",
                hint="Pass the --output directory of `nerkit train`.",
            )
        meta = _read_meta(path)
        verify(path, meta.get("files") or {})
        try:
            tokenizer, recognizer = _load_parts(path, meta)
        except NerkitError:
            raise
        except Exception as err:  # untrusted bytes: whatever the parsers make of them
            raise ModelError(
                "E207",
                f"The model files are damaged or do not belong together "
                f"({type(err).__name__}: {str(err)[:300]})",
                path=path,
                hint="Load the unchanged directory nerkit train wrote, or train again.",
            ) from None
        return cls(tokenizer, recognizer, meta)


def _load_parts(path: Path, meta: dict[str, Any]) -> tuple[Tokenizer, EntityRecognizer | None]:
    tok_path = path / "tokenizer.json"
    tokenizer = (
        Tokenizer.from_disk(tok_path)
        if tok_path.exists()
        else get_tokenizer(meta.get("lang", "en"))
    )
    config_path = path / "config.toml"
    if not config_path.exists():
        return tokenizer, None
    try:
        config = tomllib.loads(config_path.read_text(encoding="utf8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ModelError("E204", f"Invalid config.toml: {err}", path=config_path) from None
    name = config.get("model", {}).get("name") if isinstance(config.get("model"), dict) else None
    if not name or not isinstance(name, str):
        raise ModelError(
            "E204",
            "config.toml has no [model] name",
            path=config_path,
            hint='The file should say e.g. name = "perceptron.v1" under [model].',
        )
    return tokenizer, get_model_class(name).from_disk(path)


# The files whose checksums meta.json records: what loading reads (and vectors/ below).
MODEL_FILES = (
    "config.toml",
    "labels.json",
    "tokenizer.json",
    "weights.safetensors",
    "clusters.safetensors",
    CALIBRATION_JSON,
    CALIBRATION_TENSORS,
)


def seal(path: str | Path, only: Iterable[str] | None = None) -> dict[str, str]:
    """Record in ``meta.json`` the SHA-256 of every file of the model directory that loading
    reads (``files``), so that :func:`verify` notices a file changed, swapped or damaged since.
    After rewriting some of them, ``only`` re-hashes just those."""
    path = Path(path)
    meta_path = path / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf8")) if meta_path.exists() else {}
    if only is not None:
        names = list(only)
        files = {**meta.get("files", {}), **{name: file_sha256(path / name) for name in names}}
    else:
        names = [n for n in MODEL_FILES if (path / n).is_file()]
        if (path / "vectors").is_dir():
            names += sorted(
                str(p.relative_to(path)) for p in (path / "vectors").rglob("*") if p.is_file()
            )
        files = {name: file_sha256(path / name) for name in names}
    meta["files"] = files
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    return files


def _read_meta(path: Path) -> dict[str, Any]:
    """The model directory's ``meta.json`` (empty when absent); E207 when it is not a JSON
    object."""
    if not (path / "meta.json").exists():
        return {}
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        meta = err
    if not isinstance(meta, dict):
        raise ModelError(
            "E207",
            f"meta.json is not a JSON object ({meta})",
            path=path,
            hint="Load the unchanged directory nerkit train wrote, or train again.",
        )
    return meta


def _is_model_file(name: object) -> bool:
    """Whether ``name`` is one a checksum may be recorded for: a model file, or a file of
    ``vectors/`` (never a path out of the directory)."""
    if not isinstance(name, str) or name in ("", ".") or "\\" in name:
        return False
    parts = Path(name).parts
    if Path(name).is_absolute() or ".." in parts:
        return False
    return name in MODEL_FILES or (len(parts) >= 2 and parts[0] == "vectors")


def verify(path: Path, files: object) -> None:
    """E207 when a file ``meta.json`` records is missing or its checksum differs, or the
    record itself is malformed (or names a file outside the model's)."""
    if not isinstance(files, dict) or not all(
        _is_model_file(name) and isinstance(digest, str) for name, digest in files.items()
    ):
        raise ModelError(
            "E207",
            "meta.json's file checksums are malformed or name files outside the model",
            path=path,
            hint="Load the unchanged directory nerkit train wrote, or train again.",
        )
    for name, digest in files.items():
        file = path / name
        if not file.is_file() or file_sha256(file) != digest:
            what = "is missing" if not file.is_file() else "has changed since the model was saved"
            raise ModelError(
                "E207",
                f"{name} {what} (its checksum is in meta.json): the model files no longer "
                "belong together",
                path=path,
                hint="Load the unchanged directory nerkit train wrote, or train again.",
            )


def load(path: str | Path) -> Pipeline:
    """Load a trained model directory.

    >>> nlp = load("training/model-best")  # doctest: +SKIP
    >>> [(e.text, e.label) for e in nlp("[USA-TX] [H] RTX 3080").ents]  # doctest: +SKIP
    """
    return Pipeline.from_disk(path)


def blank(lang: str = "en") -> Pipeline:
    """A pipeline with only a tokenizer."""
    return Pipeline(get_tokenizer(lang))
