"""`nerkit convert`: read annotated data in one format and write it in another."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ..corpus import read, resolve_format, write
from ..corpus.readwrite import format_for_output
from . import app


@app.command("convert")
def convert_command(
    input: Annotated[Path, typer.Argument(help="The file to read.")],
    output: Annotated[Path, typer.Argument(help="The file to write (replaced if it exists).")],
    from_: str = typer.Option(
        None,
        "--from",
        help="Input format (conll, prodigy, jsonl, spacy-json, doccano, "
        "labelstudio, spacy); detected from the extension and content when left out.",
    ),
    to: str = typer.Option(
        None,
        "--to",
        help="Output format; when left out, from OUTPUT's extension: .jsonl plain JSONL, "
        ".json spaCy tuples, .spacy DocBin, .conll/.iob CoNLL.",
    ),
    scheme: str = typer.Option("IOB2", "--scheme", help="Tag scheme of CoNLL output."),
    input_scheme: str = typer.Option(
        None, "--input-scheme", help="Tag scheme of CoNLL input (detected when left out)."
    ),
) -> None:
    """Convert INPUT to OUTPUT and print what was written.

    Example: nerkit convert train.conll train.jsonl --to prodigy
    """
    source = resolve_format(input, from_)
    examples = read(input, source, scheme=input_scheme)
    target = resolve_format(output, to) if to else format_for_output(output)
    expanded = 0
    if target.has_tokens:
        expanded = sum(len(ex.aligned()[1]) for ex in examples if ex.answer == "accept")
    written = write(examples, output, target.name, scheme=scheme)
    spans = Counter(label for ex in examples if ex.answer == "accept" for _, _, label in ex.spans)
    labels = ", ".join(f"{label} {n:,}" for label, n in spans.most_common())
    console = Console(highlight=False)
    console.print(
        f"Wrote {written:,} examples ({sum(spans.values()):,} spans: {labels or 'none'}) "
        f"from {input} ({source.name}) to {output} ({target.name})",
        markup=False,
    )
    if written < len(examples):
        console.print(
            f"Left out {len(examples) - written:,} rejected or ignored examples: "
            f"{target.name} cannot record an answer.",
            markup=False,
        )
    if expanded:
        console.print(
            f"Expanded {expanded:,} spans that were not on token boundaries to whole tokens "
            "(see nerkit data check).",
            markup=False,
        )
