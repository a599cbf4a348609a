"""An interrupted write (SIGINT or SIGTERM) leaves neither a half output file nor a temporary
file behind (issue #10)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nerkit.models import get_model_class
from nerkit.models.testing import TWO_SENTENCES
from nerkit.pipeline import Pipeline
from nerkit.tokenizer import get_tokenizer


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_an_interrupted_predict_leaves_no_files(tmp_path: Path, sig: signal.Signals) -> None:
    model = tmp_path / "model"
    recognizer = get_model_class("perceptron")(hash_rows=2**12, max_epochs=2).fit(TWO_SENTENCES)
    Pipeline(get_tokenizer("en"), recognizer).to_disk(model)
    texts = tmp_path / "posts.txt"
    texts.write_text("Angela Merkel visited Paris on Monday with Acme Corp .\n" * 400_000)
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "nerkit", "predict", str(model), str(texts), "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        # A test run started in the background (nohup, `cmd &`) ignores SIGINT, and a child
        # inherits that: give predict the default disposition a user's terminal gives it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".out.jsonl.tmp*")) and time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"predict ended before it was interrupted: {proc.stderr.read()!r}")
        time.sleep(0.05)
    assert list(tmp_path.glob(".out.jsonl.tmp*")), "predict never started writing"
    proc.send_signal(sig)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"predict went on after {sig.name}: {proc.stderr.read()!r}")
    assert proc.returncode != 0
    assert not out.exists()
    assert not list(tmp_path.glob(".out.jsonl.tmp*")), "the temporary file was left behind"
