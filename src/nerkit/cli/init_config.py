"""`nerkit init-config OUT.toml [--model neural]`: write the commented default config."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import app


@app.command("init-config")
def init_config_command(
    output: Annotated[Path, typer.Argument(help="TOML file to write ('-' prints it).")],
    model: Annotated[
        str, typer.Option("--model", "-m", help="Model type: neural or perceptron.")
    ] = "neural",
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a model type's default training config, with a comment on every setting."""
    from ..errors import ConfigError
    from ..training.commented import commented_config

    text = commented_config(model)
    if str(output) == "-":
        typer.echo(text, nl=False)
        return
    if output.exists() and not force:
        raise ConfigError(
            "E314", f"'{output}' already exists", path=output, hint="Pass --force to overwrite it."
        )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf8")
    typer.echo(f"Wrote {output}; train with: nerkit train TRAIN DEV -o MODEL --config {output}")
