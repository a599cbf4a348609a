"""`nerkit vectors import|train|oov`: bring in, train and check word vectors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from . import app
from .db import load_store_for

vectors_app = typer.Typer(
    help="Word vectors: import word2vec/GloVe/fastText files or spaCy pipelines, train them, "
    "check coverage.",
    no_args_is_help=True,
)
app.add_typer(vectors_app, name="vectors")


def _progress_bar() -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    )


@vectors_app.command("import")
def import_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="A word2vec (.bin/.txt), GloVe or fastText (.vec/.bin) file, a spaCy pipeline "
            "directory, or the name of an installed spaCy pipeline (en_core_web_lg).",
            show_default=False,
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Vectors directory to write.")],
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="word2vec-bin, word2vec-text, glove, fasttext-vec, fasttext-bin or spacy "
            "(detected if omitted).",
        ),
    ] = None,
) -> None:
    """Convert vectors to nerkit's directory format (safetensors + keys + meta).

    A fastText .bin model keeps its subword n-grams, so unknown words get vectors.
    """
    from rich.console import Console

    from ..vectors import import_vectors

    with _progress_bar() as bar:
        task = bar.add_task(f"Importing {file.name}", total=None)
        vectors = import_vectors(
            file,
            output,
            format,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    Console().print(
        f"Imported {len(vectors):,} vectors of dim {vectors.dim} ({vectors.meta['format']})"
        + (f" and {len(vectors.ngrams):,} subword vectors" if vectors.ngrams is not None else "")
        + f" to [bold]{output}[/]",
        highlight=False,
    )


@vectors_app.command("train")
def train_command(
    raw: Annotated[
        list[Path],
        typer.Argument(help="Text files (paragraphs), JSONL with 'text', or annotated data."),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Vectors directory to write.")],
    algo: Annotated[str, typer.Option("--algo", help="word2vec or fasttext.")] = "word2vec",
    dim: Annotated[int, typer.Option("--dim", help="Vector dimension.")] = 100,
    window: Annotated[int, typer.Option("--window", help="Context window either side.")] = 5,
    min_count: Annotated[
        int, typer.Option("--min-count", help="Ignore words seen fewer times.")
    ] = 3,
    epochs: Annotated[
        int,
        typer.Option("--epochs", help="Passes over the text; 0: enough to see ~25M tokens (5-20)."),
    ] = 0,
    workers: Annotated[
        int, typer.Option("--workers", help="Threads; 1 with --seed gives identical vectors.")
    ] = 2,
    lowercase: Annotated[
        bool, typer.Option("--lowercase/--no-lowercase", help="Lowercase tokens first.")
    ] = True,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    format: Annotated[
        str | None,
        typer.Option("--format", "-f", help="'text' or an annotated format (detected if omitted)."),
    ] = None,
    ngrams: Annotated[
        bool, typer.Option("--ngrams/--no-ngrams", help="fastText: also store subword vectors.")
    ] = True,
    bucket: Annotated[
        int, typer.Option("--bucket", help="fastText: number of hashed subword vectors.")
    ] = 2**18,
) -> None:
    """Train word2vec or fastText vectors (gensim) on texts tokenized by nerkit."""
    from rich.console import Console

    from ..vectors.train import train_vectors

    with _progress_bar() as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                label = "Tokenizing files" if stage == "tokenize" else f"Training {algo} (epochs)"
                tasks[stage] = bar.add_task(label, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        result = train_vectors(
            raw,
            output,
            algo=algo,
            dim=dim,
            window=window,
            min_count=min_count,
            epochs=epochs,
            workers=workers,
            lowercase=lowercase,
            seed=seed,
            format=format,
            ngrams=ngrams,
            bucket=bucket,
            progress=progress,
        )
    Console().print(
        f"Trained {len(result.vectors):,} vectors of dim {dim} on {result.n_tokens:,} tokens "
        f"({result.n_sentences:,} texts): tokenizing {result.tokenize_seconds:.1f}s, "
        f"training {result.seconds:.1f}s. Written to [bold]{output}[/]",
        highlight=False,
    )


@vectors_app.command("oov")
def oov_command(
    vectors: Annotated[Path, typer.Argument(help="A vectors directory.")],
    data: Annotated[Path, typer.Argument(help="Annotated data (any format nerkit reads).")],
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="Data format (detected if omitted).")
    ] = None,
    top: Annotated[int, typer.Option("--top", help="List this many frequent unknown words.")] = 10,
    lang: Annotated[str, typer.Option("--lang", help="Tokenizer language.")] = "en",
) -> None:
    """Share of tokens, and of entity tokens per label, that have no vector.

    With fastText subwords, a word not in the table whose vector comes from its n-grams is
    covered; the "from subwords" column counts those.
    """
    from rich.console import Console
    from rich.table import Table

    load_store_for(data)
    from ..vectors.oov import oov_report_file

    report = oov_report_file(vectors, data, format, lang=lang, top=top)
    subwords = report.subword_types > 0
    table = Table(title=f"Tokens without a vector in {data.name}")
    columns = ("", "tokens", "without vector", "share") + (("from subwords",) if subwords else ())
    for col in columns:
        table.add_column(col, justify="left" if not col else "right")
    rows = [
        ("all tokens", report.tokens, report.oov_tokens, report.oov_rate, report.subword_tokens),
        (
            "entity tokens",
            report.entity_tokens,
            report.oov_entity_tokens,
            report.entity_oov_rate,
            report.subword_entity_tokens,
        ),
    ]
    for label, cov in sorted(report.per_label.items()):
        rows.append((f"  {label}", cov.tokens, cov.oov, cov.oov_rate, cov.subword))
    for name, tokens, oov, rate, subword in rows:
        cells = [name, f"{tokens:,}", f"{oov:,}", f"{100 * rate:.2f}%"]
        table.add_row(*cells, *([f"{subword:,}"] if subwords else []))
    console = Console()
    console.print(table)
    if report.top_oov:
        words = ", ".join(f"{w} ({n})" for w, n in report.top_oov)
        console.print(f"Most frequent unknown words: {words}", highlight=False)
