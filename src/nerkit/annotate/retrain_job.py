"""One retraining of the annotation app, run in its own process (``retrain.py`` starts it).

``python -m nerkit.annotate.retrain_job SPEC.json`` reads the dataset's answers from the
store (what ``nerkit train db:DATASET`` reads: complete accepted answers and binary
accept/reject answers), splits off the stable dev split
(:func:`~nerkit.training.data.split_dev_stable`), trains a model with
:func:`nerkit.training.train` from the session model's config, scores the model in use on
the same dev texts, and writes what happened as JSON to ``SPEC["result"]``. It never raises:
a failure is the result's ``error`` (a coded message when nerkit raised it).

The spec (JSON): ``db`` (store URL), ``dataset``, ``version``, ``output`` (the new model's
directory), ``result`` (where the result goes), ``config`` (the config.toml to train with),
``overrides`` (``section.key=value``), ``tokenizer`` (a model directory whose tokenizer.json
the new model takes), ``labels``, ``current`` (the directory of the model in use),
``dev`` (a data path or ``db:NAME``: fixed dev texts; None: the stable split), ``dev_split``,
``seed``, ``min_dev`` (fewer dev texts: train without dev texts and say so).
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

from ..corpus.files import atomic_write_lines


def run(spec: dict[str, Any]) -> dict[str, Any]:
    """Train and score as ``spec`` says (see the module doc); the result as a dict."""
    result: dict[str, Any] = {
        "version": spec["version"],
        "output": spec["output"],
        "started": time.time(),
        "error": None,
        "warnings": [],
    }
    try:
        _train(spec, result)
    except Exception as err:  # anything: the server must hear how it ended
        from ..errors import NerkitError

        if not isinstance(err, NerkitError):
            traceback.print_exc()  # into the job's log file
        result["error"] = (
            str(err) if isinstance(err, NerkitError) else f"{type(err).__name__}: {err}"
        )
    result["finished"] = time.time()
    return result


def _train(spec: dict[str, Any], result: dict[str, Any]) -> None:
    from ..corpus import accepted
    from ..pipeline import load
    from ..scoring import evaluate
    from ..tokenizer import Tokenizer
    from ..training import train
    from ..training.data import read_data, split_dev_stable

    tokenizer = Tokenizer.from_disk(Path(spec["tokenizer"]) / "tokenizer.json")
    examples = read_data(f"db:{spec['dataset']}", tokenizer=tokenizer, db=spec["db"])
    if spec.get("dev"):  # fixed dev texts; the dataset's answers on them do not train
        dev = accepted(read_data(spec["dev"], tokenizer=tokenizer, db=spec["db"]))
        held = {ex.text for ex in dev}
        train_examples = [ex for ex in examples if ex.text not in held]
    else:
        train_examples, dev = split_dev_stable(examples, spec["dev_split"], spec["seed"])
    dev_texts = len({ex.text for ex in dev})
    result["dev_texts"] = dev_texts
    result["complete"] = sum(1 for ex in examples if ex.kind == "complete")
    result["binary"] = sum(1 for ex in examples if ex.kind == "binary")
    use_dev = dev if dev_texts >= spec["min_dev"] else None
    labels = list(dict.fromkeys([*spec["labels"], *sorted(_labels(examples))]))
    overrides = [*spec["overrides"], f"model.labels={json.dumps(labels)}"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trained = train(
            train_examples,
            use_dev,
            spec["output"],
            config=spec["config"],
            overrides=overrides,
            tokenizer=tokenizer,
        )
    result["warnings"] = [str(w.message) for w in caught]
    result["n_train"] = trained.n_train
    result["n_dev"] = trained.n_dev
    if use_dev is None or trained.evaluation is None:
        result["dev_f1"] = result["current_f1"] = None
        return
    result["dev_f1"] = trained.evaluation.scores.f1
    # The model in use, from its directory (not the copy teach updated in memory), on the
    # same dev texts: the comparison the swap rule makes.
    result["current_f1"] = evaluate(load(spec["current"]), use_dev).scores.f1


def _labels(examples: Any) -> set[str]:
    return {label for ex in examples for _, _, label in ex.spans}


def main(argv: list[str]) -> int:
    """Run the job of the spec file ``argv[0]``; exit status 0 once the result is written."""
    spec = json.loads(Path(argv[0]).read_text(encoding="utf8"))
    try:
        os.nice(10)  # the annotators' requests come first
    except (AttributeError, OSError):  # pragma: no cover - not POSIX, or not allowed
        pass
    result = run(spec)
    atomic_write_lines(Path(spec["result"]), [json.dumps(result, indent=2)])
    return 0


if __name__ == "__main__":  # pragma: no cover - run by retrain.py in a subprocess
    sys.exit(main(sys.argv[1:]))
