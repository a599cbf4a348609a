"""`nerkit convert`: read annotated data in one format and write it in another."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ..corpus import accepted, read, resolve_format, write
from ..corpus.files import check_not_input
from ..corpus.readwrite import format_for_output, writable
from . import app
from .db import load_store_for


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
    load_store_for(input)
    check_not_input(output, input)
    source = resolve_format(input, from_)
    examples = read(input, source, scheme=input_scheme)
    target = resolve_format(output, to) if to else format_for_output(output)
    left_out: Counter[str] = Counter()
    kept = list(writable(examples, target, left_out))
    expanded = 0
    if target.has_tokens:
        expanded = sum(len(ex.aligned()[1]) for ex in accepted(kept, binary=True))
    written = write(kept, output, target.name, scheme=scheme)
    spans = Counter(label for ex in accepted(kept, binary=True) for _, _, label in ex.spans)
    labels = ", ".join(f"{label} {n:,}" for label, n in spans.most_common())
    console = Console(highlight=False)
    console.print(
        f"Wrote {written:,} examples ({sum(spans.values()):,} spans: {labels or 'none'}) "
        f"from {input} ({source.name}) to {output} ({target.name})",
        markup=False,
    )
    for line in left_out_lines(left_out, target.name):
        console.print(line, markup=False)
    if expanded:
        console.print(
            f"Expanded {expanded:,} spans that were not on token boundaries to whole tokens "
            "(see nerkit data check).",
            markup=False,
        )


def left_out_lines(left_out: Counter[str], format_name: str) -> list[str]:
    """What ``nerkit convert`` and ``nerkit db export`` say about examples left out."""
    lines = []
    binary = left_out.get("binary", 0)
    if binary:
        lines.append(
            f"Left out {binary:,} binary answers (teach): {format_name} cannot say that an "
            "answer is about its spans alone, so they would read back as complete gold. "
            "Write prodigy or jsonl to keep them."
        )
    answers = sum(n for reason, n in left_out.items() if reason != "binary")
    if answers:
        lines.append(
            f"Left out {answers:,} rejected or ignored examples: "
            f"{format_name} cannot record an answer."
        )
    return lines
