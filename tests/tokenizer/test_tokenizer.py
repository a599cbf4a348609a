"""The English tokenizer: spaCy's conventions, explain(), rule tables as data, disk round-trip."""

from __future__ import annotations

import json
import unicodedata

import pytest

from nerkit.errors import ConfigError, FormatError, ModelError
from nerkit.tokenizer import Tokenizer, get_tokenizer
from nerkit.tokenizer.lang import load_rules


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    return get_tokenizer("en")


def spans(tok: Tokenizer, text: str) -> list[tuple[str, int]]:
    doc = tok(text)
    return [(text[s:e], s) for s, e in zip(doc.starts.tolist(), doc.ends.tolist())]


# Expected values were produced by spaCy 3.8's spacy.blank("en").tokenizer.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a  b", [("a", 0), (" ", 2), ("b", 3)]),
        ("a\n\nb", [("a", 0), ("\n\n", 1), ("b", 3)]),
        (" a", [(" ", 0), ("a", 1)]),
        ("  a", [("  ", 0), ("a", 2)]),
        ("a \n b", [("a", 0), ("\n ", 2), ("b", 4)]),
        ("a\tb", [("a", 0), ("\t", 1), ("b", 2)]),
        ("a ", [("a", 0)]),
        ("a  ", [("a", 0), (" ", 2)]),
        (" ", [(" ", 0)]),
        ("a\n b", [("a", 0), ("\n ", 1), ("b", 3)]),
        (" \n a", [(" \n ", 0), ("a", 3)]),
        ("a \xa0 b", [("a", 0), ("\xa0 ", 2), ("b", 4)]),
        ("a\r\nb", [("a", 0), ("\r\n", 1), ("b", 3)]),
        ("", []),
    ],
)
def test_whitespace_follows_spacy(tok: Tokenizer, text: str, expected: list) -> None:
    assert spans(tok, text) == expected
    assert tok(text).text == text


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("don't", ["do", "n't"]),
        ("Can't", ["Ca", "n't"]),
        ("I'm", ["I", "'m"]),
        ("I’m", ["I", "’m"]),
        ("dont", ["do", "nt"]),
        ("its", ["its"]),
        ("well", ["well"]),
        ("y'all", ["y'", "all"]),
        ("gonna", ["gon", "na"]),
        ("'em", ["'em"]),
        ("Levi's", ["Levi", "'s"]),
        ("Mr. Smith", ["Mr.", "Smith"]),
        ("U.S.", ["U.S."]),
        ("J.", ["J."]),
        ("p. 12", ["p.", "12"]),
        ("w/d.", ["w", "/", "d", "."]),
        ("3pm", ["3", "pm"]),
        ("5km", ["5", "km"]),
        ("$650", ["$", "650"]),
        ("wait...", ["wait", "..."]),
        ("a--b", ["a", "--", "b"]),
        ("well-known", ["well", "-", "known"]),
        ("3-day", ["3", "-", "day"]),
        ("$50-ish", ["$", "50", "-", "ish"]),
        ("COVID-19", ["COVID-19"]),
        ("0.50/mg", ["0.50/mg"]),
        ("5-10", ["5", "-", "10"]),
        ('"quoted"', ['"', "quoted", '"']),
        ("(brackets)", ["(", "brackets", ")"]),
        (":)", [":)"]),
        ("<3", ["<3"]),
        ("great:)", ["great", ":", ")"]),
        ("https://x.com/a?b=1).", ["https://x.com/a?b=1", ")", "."]),
        ("hi@example.com", ["hi@example.com"]),
        ("end.Then", ["end", ".", "Then"]),
        ("74°", ["74", "°"]),
        ("gangsta''", ["gangsta", "''"]),
        ("*bad*.", ["*", "bad", "*", "."]),
    ],
)
def test_english_rules(tok: Tokenizer, text: str, words: list[str]) -> None:
    assert tok(text).words == words


def test_explain_names_the_rules(tok: Tokenizer) -> None:
    assert tok.explain("(don't)") == [
        ("PREFIX", "("),
        ("SPECIAL", "do"),
        ("SPECIAL", "n't"),
        ("SUFFIX", ")"),
    ]
    assert tok.explain("see https://x.com :) well-known") == [
        ("TOKEN", "see"),
        ("URL_MATCH", "https://x.com"),
        ("EMOTICON", ":)"),
        ("TOKEN", "well"),
        ("INFIX", "-"),
        ("TOKEN", "known"),
    ]


@pytest.mark.parametrize("text", ["Hi  there,\n\n 'you' (OK)?", " x", "", "a\t\tb :) $5.", "   "])
def test_explain_agrees_with_call(tok: Tokenizer, text: str) -> None:
    assert [t for _, t in tok.explain(text)] == tok(text).words


def test_cache_gives_same_result_on_repeat(tok: Tokenizer) -> None:
    text = "Don't stop (me) now... I'm having such a good time!"
    first = spans(tok, text)
    assert spans(tok, text) == first
    assert [d.words for d in tok.pipe([text, text])] == [tok(text).words] * 2


def test_adding_a_special_case_changes_only_that_string() -> None:
    rules = load_rules("en")
    rules["special_cases"]["kinda"] = ["kind", "a"]
    custom = Tokenizer("en", rules=rules)
    assert custom("kinda (kinda)").words == ["kind", "a", "(", "kind", "a", ")"]
    assert custom("kind of don't").words == get_tokenizer("en")("kind of don't").words


def test_disk_round_trip(tok: Tokenizer, tmp_path) -> None:
    tok.to_disk(tmp_path / "tokenizer.json")
    data = json.loads((tmp_path / "tokenizer.json").read_text(encoding="utf-8"))
    assert data["lang"] == "en" and "don't" in data["special_cases"]
    loaded = Tokenizer.from_disk(tmp_path / "tokenizer.json")
    text = "I'm at https://x.com, paying $650 for U.S. shoes :)"
    assert loaded.lang == "en"
    assert spans(loaded, text) == spans(tok, text)
    assert Tokenizer.from_disk(tmp_path).lang == "en"  # a folder holding tokenizer.json


def test_from_disk_bad_files(tmp_path) -> None:
    with pytest.raises(ModelError, match="not found") as err:
        Tokenizer.from_disk(tmp_path / "missing.json")
    assert "missing.json" in str(err.value)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(FormatError, match="bad.json"):
        Tokenizer.from_disk(bad)
    bad.write_text(json.dumps({"lang": "en", "special_cases": {"ab": ["a", "c"]}}))
    with pytest.raises(FormatError, match="Special case"):
        Tokenizer.from_disk(bad)
    bad.write_text(json.dumps({"lang": "en", "prefixes": ["("]}))
    with pytest.raises(FormatError, match="Invalid tokenizer regex"):
        Tokenizer.from_disk(bad)


def test_unknown_language() -> None:
    with pytest.raises(ConfigError, match="en"):
        get_tokenizer("zz")


def test_packaged_json_matches_its_generator() -> None:
    from nerkit.tokenizer.lang import en

    packaged = load_rules("en")
    if packaged.get("unicode_version") != unicodedata.unidata_version:
        pytest.skip("en.json was generated with another Unicode database version")
    assert en.build_rules() == packaged, "run: python -m nerkit.tokenizer.lang.en"
