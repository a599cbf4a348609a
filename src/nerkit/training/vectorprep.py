"""Which word vectors each config of an experiment gets, training (and caching) them if asked.

A config's own ``vectors.path`` wins; then vectors of the kind it names (``[experiment] vectors``)
given as a directory; then vectors of that kind trained on raw text plus the training texts;
then the experiment's ``--vectors`` directory. Trained vectors live in
``CACHE/<kind>-<dim>d-<key>/``, the key a hash of the inputs (path, size, modification time)
and the settings, so a second run with the same inputs reuses them.

Example:
    >>> import numpy as np, tempfile
    >>> from nerkit.vectors import Vectors
    >>> d = tempfile.mkdtemp()
    >>> Vectors(["a", "b"], np.zeros((2, 4), np.float32), {"format": "glove"}).to_disk(d)
    >>> info = describe_vectors(d)
    >>> info.label, info.words, info.trained_on
    ('glove 4d', 2, 'imported')
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from .events import Progress, VectorsProgress, VectorsReady
from .specs import RunSpec

if TYPE_CHECKING:
    from ..corpus.example import Example


@dataclass
class VectorsInfo:
    """The vectors a config used: where, what kind, how big, trained on what."""

    path: str
    kind: str  # "word2vec", "fasttext", or the imported file's format
    dim: int
    words: int
    trained_on: str

    @property
    def label(self) -> str:
        return f"{self.kind} {self.dim}d"

    @property
    def description(self) -> str:
        return f"{self.label}, {self.words:,} words, trained on {self.trained_on}"


def describe_vectors(path: str | Path, trained_on: str | None = None) -> VectorsInfo:
    """Read the meta of the vectors directory at ``path`` (a clear error when it is not one)."""
    from ..vectors import Vectors

    p = Path(path)
    if not (p / "meta.json").is_file():
        raise ConfigError(
            "E325",
            "Not a vectors directory (no meta.json)",
            path=p,
            hint="Make one with `nerkit vectors train` or `nerkit vectors import`.",
        )
    vecs = Vectors.from_disk(p)
    meta = vecs.meta
    kind = str(meta.get("algorithm") or meta.get("format") or "vectors")
    if trained_on is None:
        sources = meta.get("training_data") or []
        trained_on = ", ".join(Path(s).name for s in sources) if sources else "imported"
    return VectorsInfo(str(p), kind, int(vecs.dim), len(vecs), trained_on)


def prepare_vectors(
    specs: Sequence[RunSpec],
    train_examples: Sequence[Example],
    train_path: str | Path,
    cache: Path,
    *,
    vectors: str | Path | None = None,
    raw: Sequence[str | Path] = (),
    given: Mapping[str, str | Path | None] | None = None,
    seed: int = 0,
    lang: str = "en",
    progress: Progress | None = None,
) -> dict[str, VectorsInfo]:
    """Config name -> the vectors it uses (configs without vectors are left out).

    Everything is checked before any vectors are trained: a config that needs vectors it
    cannot get is an error naming the options that would give them.
    """
    given = dict(given or {})
    for path in raw:
        if not Path(path).is_file():
            raise ConfigError("E324", "No such raw text file", path=path, hint="Check the path.")
    plan: dict[str, tuple[str, Any]] = {}
    for spec in specs:
        resolved = spec.resolve()
        vec = resolved.sections.get("vectors")
        own = getattr(vec, "path", "") if vec is not None else ""
        kind = spec.experiment.vectors
        if own:
            plan[spec.name] = ("dir", own)
        elif kind and given.get(kind):
            plan[spec.name] = ("dir", given[kind])
        elif kind and raw:
            plan[spec.name] = ("train", spec.experiment)
        elif spec.needs_vectors(resolved) and vectors:
            plan[spec.name] = ("dir", vectors)
        elif spec.needs_vectors(resolved):
            flag = {"word2vec": "--vectors-w2v DIR", "fasttext": "--vectors-ft DIR"}.get(kind, "")
            raise ConfigError(
                "E326",
                f"Config '{spec.name}' needs {kind or 'word'} vectors but none were given",
                path=spec.source,
                hint="Pass --vectors-raw FILE... to train them on raw text plus the training "
                f"texts, {flag + ', ' if flag else ''}--vectors DIR, or set vectors.path.",
            )
    infos: dict[str, VectorsInfo] = {}
    for name, (how, what) in plan.items():
        if how == "dir":
            infos[name] = describe_vectors(what)
    trained: dict[Path, VectorsInfo] = {}
    for name, (how, _) in plan.items():
        if how != "train":
            continue
        spec = next(s for s in specs if s.name == name)
        infos[name] = _train_cached(
            spec, train_examples, train_path, raw, cache, seed, lang, trained, progress
        )
    return infos


def _train_cached(
    spec: RunSpec,
    train_examples: Sequence[Example],
    train_path: str | Path,
    raw: Sequence[str | Path],
    cache: Path,
    seed: int,
    lang: str,
    done: dict[Path, VectorsInfo],
    progress: Progress | None,
) -> VectorsInfo:
    from ..vectors.train import train_vectors

    e = spec.experiment
    algo = e.vectors
    settings: dict[str, Any] = {
        "algo": algo,
        "dim": e.vectors_dim,
        "epochs": e.vectors_epochs,
        "min_count": e.vectors_min_count,
        "window": e.vectors_window,
        "seed": seed,
    }
    if algo == "fasttext":
        settings["bucket"] = e.vectors_bucket
    inputs = [*raw, train_path]
    stamp = [
        (str(Path(p).resolve()), Path(p).stat().st_size, Path(p).stat().st_mtime_ns) for p in inputs
    ]
    key = hashlib.sha256(json.dumps([settings, stamp]).encode()).hexdigest()[:10]
    out = cache / f"{algo}-{e.vectors_dim}d-{key}"
    trained_on = (
        ", ".join(Path(p).name for p in raw) + f" + training texts ({Path(train_path).name})"
    )
    if out in done:
        return done[out]
    cached = (out / "meta.json").is_file()
    if progress:
        progress(VectorsReady(algo, e.vectors_dim, str(out), cached))
    if not cached:
        cache.mkdir(parents=True, exist_ok=True)
        texts = cache / f"train-texts-{key}.txt"
        # One paragraph per training example: blank lines inside one would split it.
        with open(texts, "w", encoding="utf8") as fh:
            for ex in train_examples:
                fh.write(re.sub(r"\n\s*\n", "\n", ex.doc.text).strip() + "\n\n")
        try:
            train_vectors(
                [*raw, texts],
                out,
                algo=algo,
                dim=e.vectors_dim,
                window=e.vectors_window,
                min_count=e.vectors_min_count,
                epochs=e.vectors_epochs,
                workers=1,  # one worker: the same seed gives the same vectors
                seed=seed,
                format="text",
                bucket=e.vectors_bucket,
                lang=lang,
                progress=(
                    (lambda stage, n, total: progress(VectorsProgress(stage, n, total)))
                    if progress
                    else None
                ),
            )
        finally:
            texts.unlink(missing_ok=True)
    info = describe_vectors(out, trained_on=trained_on)
    done[out] = info
    return info
