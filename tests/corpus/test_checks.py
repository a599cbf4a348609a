"""Data checks: each kind of problem is found, with its place; clean data passes."""

from __future__ import annotations

from nerkit.corpus import Example, Source, read
from nerkit.corpus.checks import check
from nerkit.tokens import Doc


def ex(text: str, spans, line: int = 1, words=None, answer="accept") -> Example:
    """An example tokenized on spaces (or given words), from 'mem.jsonl' at ``line``."""
    if words is None:
        doc = Doc.from_words(text.split(" ")) if text else Doc("", [], [])
        assert doc.text == text
    else:
        doc = Doc.from_words(words)
    return Example(doc, list(spans), answer=answer, source=Source("mem.jsonl", line))


def kinds(report, severity=None):
    return sorted(i.kind for i in report.issues if severity in (None, i.severity))


def test_clean_data_passes():
    report = check(
        [
            ex("Ann lives in Paris", [(0, 3, "PER"), (13, 18, "LOC")]),
            ex("Bob likes Rome", [(0, 3, "PER"), (10, 14, "LOC")], 2),
        ]
    )
    assert report.issues == [] and report.ok
    assert report.label_counts == {"PER": 2, "LOC": 2}
    assert (report.n_examples, report.n_spans) == (2, 4)


def test_misaligned_span_with_nearest():
    report = check([ex("Visit New York now", [(7, 14, "LOC")], 5)])
    (issue,) = report.errors
    assert issue.kind == "misaligned" and issue.source.line == 5
    assert (issue.start, issue.end, issue.text) == (7, 14, "ew York")
    assert "'New York' [6:14]" in issue.message


def test_whitespace_at_the_edges():
    doc = Doc("Visit  New York", [0, 7, 11], [5, 10, 15])
    report = check([Example(doc, [(5, 15, "LOC")])])
    assert "whitespace" in kinds(report, "error")


def test_whitespace_message_offers_the_trimmed_span():
    doc = Doc("Visit New York", [0, 5, 6, 10], [5, 6, 9, 14])  # a whitespace token at 5
    report = check([Example(doc, [(5, 14, "LOC")])])
    (issue,) = [i for i in report.errors if i.kind == "whitespace"]
    assert "'New York'" in issue.message


def test_overlap_and_out_of_bounds():
    report = check(
        [
            ex(
                "Ann lives in New York",
                [(13, 21, "LOC"), (17, 21, "GPE"), (13, 40, "X"), (3, 3, "Y")],
            )
        ]
    )
    assert kinds(report, "error").count("out_of_bounds") == 2
    assert "overlap" in kinds(report, "error")


def test_punctuation_at_the_edges():
    report = check(
        [
            ex("priced or $ 650", [(7, 11, "PRICE")], 1),  # 'or $': stray symbol: error
            ex("Salomon Bros . said", [(0, 14, "ORG")], 2),  # trailing '.': warning
            ex("paid $ 650 today", [(5, 10, "PRICE")], 3),  # symbol next to a number: fine
            ex("( Taiwan ) wins", [(0, 10, "LOC")], 4),  # brackets closed inside: fine
            ex("up 5 % today", [(3, 6, "PERCENT")], 5),  # % after a number: fine
        ]
    )
    by_line = {(i.source.line, i.severity) for i in report.issues if i.kind == "punctuation"}
    assert by_line == {(1, "error"), (2, "warning")}


def test_line_break_inside_a_span():
    doc = Doc("see https://x.io\n\nLooking for", [0, 4, 16, 18, 26], [3, 16, 18, 25, 29])
    report = check([Example(doc, [(4, 25, "URL")], source=Source("a.jsonl", 1))])
    assert kinds(report, "error") == ["line_break"]


def test_empty_and_duplicate_texts():
    report = check([ex("", [], 1), ex("Ann smiled", [(0, 3, "PER")], 2), ex("Ann smiled", [], 3)])
    assert kinds(report) == ["duplicate_text", "empty_text", "unlabelled"]
    dup = next(i for i in report.issues if i.kind == "duplicate_text")
    assert dup.source.line == 3 and dup.related.line == 2 and "differently" in dup.message
    assert report.ok  # warnings only


def test_label_conflict_and_unlabelled_occurrence_name_both_places():
    report = check(
        [
            ex("Jordan played well", [(0, 6, "PER")], 1),
            ex("Jordan is a country", [(0, 6, "LOC")], 2),
            ex("I saw New York and Jordan", [(6, 14, "LOC")], 3),
            ex("New York again", [], 4),
            ex("Newer York", [], 5),  # different tokens: not an occurrence
            ex("new york", [], 6),  # case differs: not an occurrence
        ]
    )
    conflict = next(i for i in report.warnings if i.kind == "label_conflict")
    assert (conflict.source.line, conflict.related.line, conflict.label) == (2, 1, "LOC")
    unlabelled = sorted(
        (i.source.line, i.text, i.related.line) for i in report.warnings if i.kind == "unlabelled"
    )
    assert unlabelled == [(3, "Jordan", 1), (4, "New York", 3)]


def test_rejected_examples_are_not_gold():
    report = check(
        [
            ex("Ann smiled", [(0, 3, "PER")], 1),
            ex("Ann smiled", [(0, 3, "ORG")], 2, answer="reject"),
            ex("Ann again", [], 3, answer="ignore"),
        ]
    )
    assert report.issues == []
    assert report.label_counts == {"PER": 1} and report.answers == {
        "accept": 1,
        "reject": 1,
        "ignore": 1,
    }


def test_hardwareswap_both_real_errors_are_reported(shared_data):
    path = shared_data("hardwareswap", "hardwareswap_annotated.jsonl")
    report = check(read(path, strict=False))
    errors = {(i.source.line, i.text, i.label) for i in report.errors}
    assert (1, "https://imgur.com/a/Rr3jRoJ\n\nLooking", "URL") in errors
    assert (4, "or $", "PRICE") in errors
    assert {i.source.path for i in report.errors} == {str(path)}
    assert len({(i.source.line, i.start) for i in report.errors}) == 2  # nothing else


def test_fashion_brands_have_no_alignment_errors(shared_data):
    report = check(read(shared_data("fashion_brands", "fashion_brands_training.jsonl")))
    assert "misaligned" not in kinds(report)
    assert report.label_counts == {"FASHION_BRAND": 527}
