"""Plain text that starts with a bracket is not mistaken for JSON."""

import pytest

from nerkit.corpus.formats import detect_format
from nerkit.errors import FormatError


@pytest.mark.parametrize(
    "first_line",
    ["[USA-TX] [H] RTX 3080 [W] PayPal", "{not json} just braces in a post", "[1] first item"],
)
def test_bracketed_text_is_not_json(tmp_path, first_line):
    path = tmp_path / "posts.txt"
    path.write_text(first_line + "\nsecond post\n", encoding="utf8")
    with pytest.raises(FormatError) as err:
        detect_format(path)
    assert err.value.code == "E007"  # "cannot tell": callers may then read it as text


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('[["Hi Ann", {"entities": [[3, 6, "PER"]]}]]\n', "spacy-json"),
        ('[\n  ["Hi Ann", {"entities": [[3, 6, "PER"]]}]\n]\n', "spacy-json"),
        ('{"text": "Hi Ann", "spans": [{"start": 3, "end": 6, "label": "PER"}]}\n', "jsonl"),
    ],
)
def test_json_in_a_txt_file_is_still_detected(tmp_path, content, expected):
    path = tmp_path / "data.txt"
    path.write_text(content, encoding="utf8")
    assert detect_format(path).name == expected
