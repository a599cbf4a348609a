"""A model type's default configuration as a commented TOML file (``nerkit init-config``).

The comments are the settings dataclasses' own: a trailing ``# ...`` on a field, or ``#``
lines right above it, so the file and the code cannot drift apart.

Example:
    >>> text = commented_config("perceptron")
    >>> "[train]" in text and "max_epochs = 15" in text
    True
    >>> import tomllib; tomllib.loads(text)["model"]["name"]
    'perceptron.v1'
"""

from __future__ import annotations

import inspect
import re
from dataclasses import MISSING, fields
from typing import Any

import tomli_w

from ..models.registry import get_model_class

_FIELD = re.compile(r"^\s+(\w+)\s*:[^#]*?(?:#\s*(.*))?$")
_COMMENT = re.compile(r"^\s+#\s?(.*)$")


def field_comments(cls: type) -> dict[str, str]:
    """Field name -> its comment in the source of dataclass ``cls`` ('' when it has none)."""
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        return {}
    out: dict[str, str] = {}
    above: list[str] = []
    for line in source.splitlines()[1:]:
        if m := _COMMENT.match(line):
            above.append(m.group(1).strip())
            continue
        if m := _FIELD.match(line):
            parts = [*above, (m.group(2) or "").strip()]
            out[m.group(1)] = " ".join(p for p in parts if p)
        above = []
    return out


def _default(f: Any) -> Any:
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return None


def commented_config(model: str = "neural") -> str:
    """The default config of ``model`` as TOML text with a comment on every setting."""
    cls = get_model_class(model)
    name = cls.name
    lines = [
        f"# nerkit training config for {name}: every setting with its default.",
        "# Use it with: nerkit train TRAIN DEV --output MODEL --config THIS_FILE",
        "# Any setting can also be changed on the command line: --set section.key=value",
        "",
    ]
    for section, typ in cls.config_sections.items():
        doc = (typ.__doc__ or "").strip().splitlines()
        if doc:
            lines.append(f"# {doc[0]}")
        lines.append(f"[{section}]")
        if section == "model":
            lines.append(f'name = "{name}"  # the model type and its version')
        comments = field_comments(typ)
        for f in fields(typ):
            value = _default(f)
            if value is None:
                continue  # TOML has no null: leaving the key out keeps the default
            if isinstance(value, dict):  # inline, so it stays a key of this section
                items = ", ".join(tomli_w.dumps({k: v}).strip() for k, v in value.items())
                text = f"{f.name} = {{{items}}}" if items else f"{f.name} = {{}}"
            else:
                text = tomli_w.dumps({f.name: value}).strip()
            comment = comments.get(f.name, "")
            lines.append(f"{text}  # {comment}" if comment else text)
        lines.append("")
    return "\n".join(lines)
