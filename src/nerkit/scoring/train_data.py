"""The training data a model's ``meta.json`` records, when it is still there unchanged.

Recall on seen and unseen entities needs the model's training data. ``nerkit train`` records
its path and SHA-256 in ``meta.json`` (``train_data``); a file still at that path (relative
paths are relative to the current folder, as they were to ``nerkit train``) with the same
hash is the data the model learned from, so it can stand in when none is given. A changed
file, a store dataset (``db:NAME``, which may have grown since) or a missing file cannot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..corpus.files import file_sha256


def recorded_train_data(meta: dict[str, Any]) -> tuple[Path | None, str]:
    """The path of the training data ``meta`` records if it is unchanged, and why (not).

    The message says which file it is (and that it includes the dev texts held out of it, if
    training split some off), or why there is none.

    >>> recorded_train_data({})
    (None, "the model's meta.json records no training data file")
    """
    info = meta.get("train_data") or {}
    recorded = info.get("path")
    if not recorded:
        return None, "the model's meta.json records no training data file"
    path = Path(recorded)
    if not path.is_file():
        return None, f"its training data '{recorded}' (meta.json) is not a file here"
    digest = info.get("sha256")
    if not digest:
        return None, f"meta.json has no hash of its training data '{recorded}' to check it by"
    if digest != file_sha256(path):
        return None, f"its training data '{recorded}' (meta.json) has changed since training"
    note = f"'{recorded}', the model's training data (meta.json)"
    split = (meta.get("dev_data") or {}).get("split")
    if split:
        note += f", including the {split:.0%} dev split held out of it"
    return path, note
