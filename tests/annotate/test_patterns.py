"""The pattern matcher: phrases, token attributes, ops, overlaps, and the real patterns file."""

from __future__ import annotations

from pathlib import Path

import pytest

from nerkit.annotate.patterns import PatternMatcher, read_patterns, token_shape
from nerkit.errors import FormatError
from nerkit.tokenizer import get_tokenizer

SHARED = Path(__file__).parents[2] / ".." / "shared" / "data"
tok = get_tokenizer("en")


def matches(patterns: list[dict], text: str) -> list[tuple[str, str]]:
    doc = tok(text)
    return [(text[s:e], label) for s, e, label in PatternMatcher(patterns)(doc)]


def test_phrase_matches_on_token_boundaries_only() -> None:
    p = [{"label": "B", "pattern": "Ann Taylor"}]
    assert matches(p, "I like Ann Taylor and Ann Taylors.") == [("Ann Taylor", "B")]


def test_lower_text_orth_keys_are_case_insensitive() -> None:
    p = [
        {"label": "B", "pattern": [{"LOWER": "gucci"}]},
        {"label": "X", "pattern": [{"text": "x"}, {"ORTH": "y"}]},
    ]
    assert matches(p, "GUCCI x y X y") == [("GUCCI", "B"), ("x y", "X")]


def test_is_digit_is_punct_shape() -> None:
    assert matches([{"label": "N", "pattern": [{"is_digit": True}]}], "in 2019 or 20x") == [
        ("2019", "N")
    ]
    assert matches([{"label": "P", "pattern": [{"IS_PUNCT": True}]}], "hi !") == [("!", "P")]
    assert matches([{"label": "S", "pattern": [{"shape": "Xxxxx"}]}], "see Paris or paris") == [
        ("Paris", "S")
    ]
    assert token_shape("Gucci") == "Xxxxx" and token_shape("ABCDEFG") == "XXXX"


def test_ops_optional_star_plus_keep_the_longest() -> None:
    p = [
        {
            "label": "M",
            "pattern": [
                {"lower": "new"},
                {"lower": "york", "op": "?"},
                {"is_digit": True, "op": "+"},
            ],
        }
    ]
    assert matches(p, "new york 1 2 and new 3") == [("new york 1 2", "M"), ("new 3", "M")]
    star = [{"label": "S", "pattern": [{"lower": "a"}, {"lower": "b", "op": "*"}]}]
    assert matches(star, "a b b c a") == [("a b b", "S"), ("a", "S")]
    neg = [{"label": "N", "pattern": [{"lower": "the"}, {"lower": "end", "op": "!"}]}]
    assert matches(neg, "the end the start") == [("the start", "N")]


def test_overlaps_keep_the_longest_match() -> None:
    p = [{"label": "A", "pattern": "Ann"}, {"label": "B", "pattern": "Ann Taylor"}]
    assert matches(p, "Ann Taylor") == [("Ann Taylor", "B")]


@pytest.mark.parametrize(
    "record",
    [
        {"pattern": "x"},
        {"label": "X", "pattern": 3},
        {"label": "X", "pattern": [{"lemma": "x"}]},
        {"label": "X", "pattern": [{"lower": "x", "op": "{2}"}]},
    ],  # fmt: skip
)
def test_malformed_patterns_say_what_is_wrong(record: dict) -> None:
    with pytest.raises(FormatError) as err:
        PatternMatcher([record])
    assert err.value.code == "E501"


def test_a_bad_line_in_a_file_names_the_line(tmp_path: Path) -> None:
    p = tmp_path / "p.jsonl"
    p.write_text('{"label": "X", "pattern": "x"}\n{oops\n')
    with pytest.raises(FormatError) as err:
        read_patterns(p)
    assert err.value.line == 2


def test_the_fashion_brands_patterns_file() -> None:
    path = SHARED / "fashion_brands" / "fashion_brands_patterns.jsonl"
    if not path.exists():
        pytest.skip(f"shared data not found: {path}")
    matcher = PatternMatcher.from_file(path)
    assert len(matcher) == 100 and matcher.labels == {"FASHION_BRAND"}
    texts = {
        "I bought a dress at Topshop and shoes from CHANEL.": ["Topshop", "CHANEL"],
        "Ann Taylor has nice coats; Naked and Famous jeans too.": [
            "Ann Taylor",
            "Naked and Famous",
        ],
        "Nothing to see here.": [],
    }
    for text, want in texts.items():
        assert [text[s:e] for s, e, _ in matcher(tok(text))] == want
