"""`nerkit config show [--config FILE | MODEL_DIR] [--set ...]`: print the resolved config."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import app

config_app = typer.Typer(help="Inspect training configs.", no_args_is_help=True)
app.add_typer(config_app, name="config")


# The --set option of every command that trains or shows a config.
SetOption = Annotated[
    list[str] | None, typer.Option("--set", help="Override a setting: section.key=value.")
]


@config_app.command("show")
def show_command(
    config: Annotated[
        Path | None,
        typer.Argument(help="A config TOML file, or a model directory (its config.toml)."),
    ] = None,
    model: Annotated[
        str, typer.Option("--model", "-m", help="Model type when the file names none.")
    ] = "neural",
    overrides: SetOption = None,
) -> None:
    """Print the config training would use: defaults, then the file, then --set overrides."""
    import tomli_w

    from ..training import resolve_config

    if config is not None and config.is_dir():
        config = config / "config.toml"
    resolved = resolve_config(model, config, overrides or [])
    typer.echo(tomli_w.dumps(resolved.to_dict()), nl=False)
