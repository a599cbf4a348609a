"""`nerkit convert` and `nerkit data check` from the command line."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from nerkit.cli import app
from nerkit.corpus import read

runner = CliRunner()


def test_convert_conll_to_prodigy(resources, tmp_path):
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app, ["convert", str(resources / "conll_iob2.txt"), str(out), "--to", "prodigy"]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 3 examples (5 spans: LOC 2, ORG 1" in result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert records[0]["tokens"][0]["text"] == "EU" and records[0]["spans"][0]["label"] == "ORG"


def test_convert_detects_both_formats_and_writes_scheme(resources, tmp_path):
    out = tmp_path / "out.conll"
    result = runner.invoke(
        app, ["convert", str(resources / "prodigy_brands.jsonl"), str(out), "--scheme", "BILUO"]
    )
    assert result.exit_code == 0, result.output
    assert "Left out 2 rejected or ignored examples" in result.output
    assert "Topshop U-BRAND" in out.read_text().splitlines()
    assert [e.spans for e in read(out)][0] == [(7, 14, "BRAND"), (21, 31, "BRAND")]


def test_convert_from_flag_for_txt(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("Ann B-PER\n")
    result = runner.invoke(app, ["convert", str(src), str(tmp_path / "a.json"), "--from", "conll"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "a.json").read_text()) == [["Ann", {"entities": [[0, 3, "PER"]]}]]


def test_data_check_exit_codes(resources, tmp_path):
    ok = runner.invoke(app, ["data", "check", str(resources / "jsonl_plain.jsonl")])
    assert ok.exit_code == 0, ok.output
    assert "passed" in ok.output and "PRODUCT" in ok.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"text": "Selling for $650 now", "spans": [{"start": 9, "end": 13, "label": "PRICE"}]}\n'
        '{"text": "Hi Ann", "spans": [{"start": 3, "end": 9, "label": "PER"}]}\n'
    )
    result = runner.invoke(app, ["data", "check", str(bad)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "misaligned" in result.output and "out_of_bounds" in result.output
    assert "bad.jsonl:1" in result.output and "bad.jsonl:2" in result.output
    assert "failed: 3 errors" in result.output


def test_errors_print_without_traceback(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{"text": oops}\n')
    for args in (
        ["data", "check", str(bad)],
        ["convert", str(bad), str(tmp_path / "o.json")],
        ["convert", str(tmp_path / "missing.jsonl"), str(tmp_path / "o.json")],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "nerkit", *args], capture_output=True, text=True
        )
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr and "[E00" in proc.stderr
    assert "bad.jsonl:2" in proc.stderr or "missing.jsonl" in proc.stderr
