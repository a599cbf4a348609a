"""A loaded neural model predicts with `predict_threads` CPU threads; training uses `threads`."""

import pytest

torch = pytest.importorskip("torch")

from nerkit.models.neural.recognizer import NeuralRecognizer  # noqa: E402

from .contract import TWO_SENTENCES  # noqa: E402
from .test_neural_contract import TINY  # noqa: E402


@pytest.fixture
def restore_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_loaded_model_uses_predict_threads(tmp_path, restore_threads):
    model = NeuralRecognizer(**{**TINY, "max_epochs": 1, "threads": 2}).fit(TWO_SENTENCES)
    assert torch.get_num_threads() == 2
    model.to_disk(tmp_path)
    NeuralRecognizer.from_disk(tmp_path)
    assert torch.get_num_threads() == 1  # the default predict_threads
    (tmp_path / "config.toml").write_text(
        (tmp_path / "config.toml").read_text().replace("predict_threads = 1", "predict_threads = 2")
    )
    NeuralRecognizer.from_disk(tmp_path)
    assert torch.get_num_threads() == 2
