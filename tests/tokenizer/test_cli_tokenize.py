"""`nerkit tokenize` prints tokens with offsets, or the rule table with --explain."""

from __future__ import annotations

from typer.testing import CliRunner

from nerkit.cli import app

runner = CliRunner()


def test_tokenize_prints_offsets() -> None:
    result = runner.invoke(app, ["tokenize", "Don't  stop"])
    assert result.exit_code == 0, result.output
    lines = [line.split(maxsplit=2) for line in result.output.splitlines()]
    assert lines == [["0", "2", "Do"], ["2", "5", "n't"], ["6", "7", "' '"], ["7", "11", "stop"]]


def test_tokenize_explain_shows_rules() -> None:
    result = runner.invoke(app, ["tokenize", "(see https://x.com) [b]", "--explain"])
    assert result.exit_code == 0, result.output
    assert "URL_MATCH" in result.output and "PREFIX" in result.output
    cells = [row.split("│")[3].strip() for row in result.output.splitlines() if row.count("│") == 4]
    assert cells[-3:] == ["[", "b", "]"]  # printed literally, not taken as rich markup


def test_tokenize_with_saved_tokenizer(tmp_path) -> None:
    from nerkit.tokenizer import get_tokenizer

    get_tokenizer("en").to_disk(tmp_path / "tokenizer.json")
    result = runner.invoke(app, ["tokenize", "I'm", "--model", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert [line.split() for line in result.output.splitlines()] == [
        ["0", "1", "I"],
        ["1", "3", "'m"],
    ]
