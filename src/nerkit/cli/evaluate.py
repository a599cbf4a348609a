"""`nerkit evaluate MODEL DATA`: exact-match P/R/F per label, recall on seen and unseen
entities, and prediction speed; with `--html` / `--json` the report: bootstrap intervals,
error types, scores by length, calibration, errors in context."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from . import app
from .db import DbOption, load_store_for

if TYPE_CHECKING:
    from ..scoring import Recall


@app.command("evaluate")
def evaluate_command(
    model: Annotated[Path, typer.Argument(help="Model directory written by `nerkit train`.")],
    data: Annotated[Path, typer.Argument(help="Annotated data to score against.")],
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="Data format (detected if omitted).")
    ] = None,
    json_out: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help="Also write the scores and the report's numbers (intervals, error types, "
            "lengths, calibration) as JSON here.",
        ),
    ] = None,
    html_out: Annotated[
        Path | None,
        typer.Option(
            "--html",
            help="Also write the report, one self-contained HTML page, here.",
        ),
    ] = None,
    resamples: Annotated[
        int, typer.Option("--resamples", help="Bootstrap resamples of the documents.", min=1)
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Docs per prediction batch.")
    ] = 256,
    gold_tokens: Annotated[
        bool,
        typer.Option(
            "--gold-tokens",
            help="Predict on the data's own tokens (CoNLL's, Prodigy's) instead of tokenizing "
            "each text with the model's tokenizer as a user's text would be.",
        ),
    ] = False,
    train: Annotated[
        str | None,
        typer.Option(
            "--train",
            help="Training data (file or db:DATASET): recall on entities it annotated (seen) "
            "and on the others (unseen). Default: the model's training data file recorded in "
            "meta.json, if it is still there unchanged.",
            show_default=False,
        ),
    ] = None,
    threshold: Annotated[
        list[str] | None,
        typer.Option(
            "--threshold",
            help="Score as if entities below this score were dropped: 0.8 for every label, "
            "PRODUCT=0.7 for one (repeatable; over the model's [predict] thresholds).",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Score MODEL on DATA: precision, recall and F1 per label (exact span match), recall on
    seen and unseen entities."""
    from rich.console import Console
    from rich.table import Table

    from ..corpus import accepted, read
    from ..pipeline import load
    from ..scoring import evaluate, recorded_train_data
    from ..scoring.analysis import analyse
    from ..training.log import read_log

    nlp = load(model)
    if threshold:
        nlp.set_thresholds(threshold)
    load_store_for(data, train)
    examples = accepted(read(data, format, tokenizer=nlp.tokenizer, db=db))
    console = Console(highlight=False, soft_wrap=True)  # no line breaks inside a path
    train_path: str | Path | None = train
    if train is not None:
        seen_note = f"'{train}' (--train)"
    else:
        train_path, seen_note = recorded_train_data(nlp.meta)
    load_store_for(train_path)
    train_examples = read(train_path, tokenizer=nlp.tokenizer, db=db) if train_path else None
    result = evaluate(
        nlp,
        examples,
        batch_size=batch_size,
        tokens="gold" if gold_tokens else "raw",
        train=train_examples,
        with_scores=html_out is not None or json_out is not None,
    )
    analysis = None
    if html_out is not None or json_out is not None:
        analysis = analyse(result, n_resamples=resamples, seed=seed, training_log=read_log(model))
    scores, split = result.scores, result.seen_unseen
    table = Table(title=f"{model} on {data}")
    for col in ("label", "precision", "recall", "F1", "support"):
        table.add_column(col, justify="left" if col == "label" else "right")
    for label, prf in sorted(scores.per_label.items()):
        table.add_row(
            label,
            *(f"{100 * v:.2f}" for v in (prf.precision, prf.recall, prf.f1)),
            str(prf.support),
        )
    table.add_section()
    table.add_row(
        "micro",
        *(f"{100 * v:.2f}" for v in (scores.precision, scores.recall, scores.f1)),
        str(scores.micro.support),
        style="bold",
    )
    table.add_row("macro F1", "", "", f"{100 * scores.macro_f1:.2f}", "")
    console.print(table)
    if analysis is not None:
        f1, types = analysis.intervals.micro["f1"], analysis.type_counts
        console.print(
            f"micro F1 95% interval [{100 * f1.low:.2f}, {100 * f1.high:.2f}] "
            f"({resamples} bootstrap resamples of the documents, seed {seed}); "
            + ", ".join(f"{n} {t.replace('_', ' and ')}" for t, n in types.items())
        )
    if split is not None:
        seen_table = Table(title="Recall on entities seen / unseen in training")
        for col in ("label", "seen", "recall seen", "unseen", "recall unseen"):
            seen_table.add_column(col, justify="left" if col == "label" else "right")
        for label, groups in sorted(split.per_label.items()):
            seen_table.add_row(label, *_recall_cells(groups.seen), *_recall_cells(groups.unseen))
        seen_table.add_section()
        seen_table.add_row(
            "all", *_recall_cells(split.seen), *_recall_cells(split.unseen), style="bold"
        )
        console.print(seen_table)
        console.print(
            f"Seen: the entity's text (lowercased) is an entity in {seen_note}; "
            f"{result.n_train_entities:,} distinct entity texts"
        )
    else:
        console.print(f"No recall on seen/unseen entities: {seen_note}; pass --train TRAIN")
    if not gold_tokens and nlp.recognizer is not None:
        if nlp.recognizer.config().get("train", {}).get("gold_tokens"):
            console.print(
                "This model was trained on its data's own tokens (train.gold_tokens); "
                "--gold-tokens scores it on such tokens"
            )
    how = (
        "tokenization + prediction of the raw texts, with the model's tokenizer"
        if result.tokens == "raw"
        else "prediction on the data's own tokens, --gold-tokens"
    )
    console.print(
        f"{result.n_examples} examples, {result.n_words} words, "
        f"{result.words_per_second:,.0f} words/s ({how})"
    )
    if json_out is not None and analysis is not None:
        out = {**result.to_dict(), "report": analysis.to_dict()}
        json_out.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf8")
    if html_out is not None and analysis is not None:
        from ..report import render_report

        page = render_report(
            result, analysis, title=f"{model.name} on {data.name}", labels=nlp.labels
        )
        html_out.write_text(page, encoding="utf8")
        console.print(f"Report written to {html_out}")


def _recall_cells(r: Recall) -> tuple[str, str]:
    """Found/total and recall in percent; ``-`` for a group without entities."""
    return f"{r.found}/{r.total}", f"{100 * r.recall:.2f}" if r.total else "-"
