"""The training log: one JSON line per dev evaluation, and a plot of the dev F1 curve.

Written into the model directory as training goes (``training_log.jsonl``), so a long run can
be watched with ``tail -f``; ``dev_f1.png`` is drawn at the end (matplotlib, if installed).

Example:
    >>> import tempfile, json, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> log = TrainingLog(out)
    >>> log({"epoch": 1, "step": 10, "loss": 2.5, "dev": {"precision": 0.5, "recall": 0.4, "f1": 0.44}})
    >>> json.loads((out / LOG_FILE).read_text())["dev_f1"]
    0.44
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LOG_FILE = "training_log.jsonl"
PLOT_FILE = "dev_f1.png"


class TrainingLog:
    """A training callback that appends each evaluation to ``DIR/training_log.jsonl``."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / LOG_FILE
        self.path.write_text("", encoding="utf8")
        self.records: list[dict[str, Any]] = []

    def __call__(self, info: dict[str, Any]) -> None:
        record = {k: v for k, v in info.items() if k != "dev"}
        dev = info.get("dev") or {}
        for key in ("precision", "recall", "f1"):
            record[f"dev_{key}"] = dev.get(key)
        self.records.append(record)
        with open(self.path, "a", encoding="utf8") as fh:
            fh.write(json.dumps(record, default=str) + "\n")

    def plot(self) -> Path | None:
        """Draw the dev F1 of each evaluation to ``DIR/dev_f1.png``; None without data or
        without matplotlib."""
        points = [r for r in self.records if isinstance(r.get("dev_f1"), float)]
        if not points:
            return None
        try:
            import matplotlib

            matplotlib.use("Agg")  # no display needed
            import matplotlib.pyplot as plt
        except ImportError:
            return None
        fig, ax = plt.subplots(figsize=(6, 4))
        groups: dict[Any, list[dict[str, Any]]] = {}
        for r in points:
            groups.setdefault(r.get("member"), []).append(r)
        for member, rows in groups.items():
            xs = [
                r["epoch"] if isinstance(r.get("epoch"), int | float) else i + 1
                for i, r in enumerate(rows)
            ]
            label = f"model {member}" if member is not None else None
            ax.plot(xs, [100 * r["dev_f1"] for r in rows], marker="o", label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel("dev F1")
        ax.grid(True, alpha=0.3)
        if len(groups) > 1:
            ax.legend()
        out = self.directory / PLOT_FILE
        fig.tight_layout()
        fig.savefig(out, dpi=100)
        plt.close(fig)
        return out


def read_log(directory: str | Path) -> list[dict[str, Any]]:
    """The records of ``DIR/training_log.jsonl``; none when the file is missing. A line that
    is not a JSON object (a run killed mid-write) is left out."""
    path = Path(directory) / LOG_FILE
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records
