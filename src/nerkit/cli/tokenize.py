"""`nerkit tokenize`: show how a text is tokenized, and with --explain which rule made each token."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..tokenizer import Tokenizer, get_tokenizer
from . import app


@app.command("tokenize")
def tokenize_command(
    text: str = typer.Argument(..., help="The text to tokenize."),
    explain: bool = typer.Option(False, "--explain", help="Show the rule behind each token."),
    lang: str = typer.Option("en", "--lang", help="Language of the built-in rules."),
    model: str = typer.Option(
        None, "--model", help="A tokenizer.json or model folder to use instead of --lang."
    ),
) -> None:
    """Print the tokens of TEXT, one per line with character offsets.

    Example: nerkit tokenize "Don't pay $650 for U.S. shoes :)" --explain
    """
    tok = Tokenizer.from_disk(model) if model else get_tokenizer(lang)
    console = Console(highlight=False)
    if explain:
        table = Table("#", "rule", "token")
        for i, (rule, token) in enumerate(tok.explain(text)):
            table.add_row(str(i), rule, Text(_show(token)))
        console.print(table)
        return
    doc = tok(text)
    for start, end in zip(doc.starts.tolist(), doc.ends.tolist()):
        console.print(f"{start:>6} {end:>6}  {_show(text[start:end])}", markup=False)


def _show(token: str) -> str:
    """Tokens as typed, except whitespace, which is shown quoted and escaped (' ', '\\n')."""
    return repr(token) if token.isspace() else token
