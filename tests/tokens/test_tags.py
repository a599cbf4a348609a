import pytest
from hypothesis import given
from hypothesis import strategies as st

from nerkit.errors import TagError
from nerkit.tokens import SCHEMES, convert_tags, detect_scheme, spans_to_tags, tags_to_spans

LABELS = ["PER", "LOC", "B-ORG", "X_Y"]  # a label may itself contain '-' or '_'


@st.composite
def span_sets(draw):
    """Non-overlapping token spans over a sequence of n tokens."""
    n = draw(st.integers(0, 30))
    spans, pos = [], 0
    while pos < n:
        if draw(st.booleans()):
            length = draw(st.integers(1, min(4, n - pos)))
            spans.append((pos, pos + length, draw(st.sampled_from(LABELS))))
            pos += length
        else:
            pos += draw(st.integers(1, 3))
    return n, spans


@pytest.mark.parametrize("scheme", SCHEMES)
@given(data=span_sets())
def test_spans_tags_spans_is_identity(scheme, data):
    n, spans = data
    tags = spans_to_tags(spans, n, scheme)
    assert len(tags) == n
    assert tags_to_spans(tags, scheme) == spans


@given(data=span_sets(), src=st.sampled_from(SCHEMES), dst=st.sampled_from(SCHEMES))
def test_conversion_between_schemes_keeps_spans(data, src, dst):
    n, spans = data
    converted = convert_tags(spans_to_tags(spans, n, src), dst, src)
    assert tags_to_spans(converted, dst) == spans


def test_known_encodings():
    spans = [(0, 1, "PER"), (1, 3, "PER"), (4, 5, "LOC")]
    assert spans_to_tags(spans, 5, "IOB1") == ["I-PER", "B-PER", "I-PER", "O", "I-LOC"]
    assert spans_to_tags(spans, 5, "IOB2") == ["B-PER", "B-PER", "I-PER", "O", "B-LOC"]
    assert spans_to_tags(spans, 5, "BIOES") == ["S-PER", "B-PER", "E-PER", "O", "S-LOC"]
    assert spans_to_tags(spans, 5, "BILUO") == ["U-PER", "B-PER", "L-PER", "O", "U-LOC"]


def test_detect_scheme():
    assert detect_scheme(["B-PER", "I-PER", "O"]) == "IOB2"
    assert detect_scheme(["I-PER", "I-PER", "O", "I-LOC"]) == "IOB1"
    assert detect_scheme(["S-PER", "B-LOC", "E-LOC"]) == "BIOES"
    assert detect_scheme(["U-PER", "B-LOC", "L-LOC"]) == "BILUO"


def test_mixed_schemes_are_an_error():
    with pytest.raises(TagError, match="E116"):
        detect_scheme(["S-PER", "O", "U-LOC"])
    with pytest.raises(TagError, match="Mixed"):
        detect_scheme(["I-PER", "O", "B-LOC", "I-LOC"])


def test_unknown_tag_names_position():
    with pytest.raises(TagError) as err:
        tags_to_spans(["O", "PER", "O"], "IOB2")
    assert err.value.offset == 1 and "Unknown tag 'PER'" in str(err.value)


def test_prefix_outside_scheme():
    with pytest.raises(TagError, match="not part of the IOB2 scheme"):
        tags_to_spans(["B-PER", "L-PER"], "IOB2")


def test_unclosed_biluo_entity():
    with pytest.raises(TagError, match="not closed"):
        tags_to_spans(["B-PER", "O"], "BILUO")
    with pytest.raises(TagError, match="never begun"):
        tags_to_spans(["O", "L-PER"], "BILUO")


def test_iob2_is_lenient_like_conlleval():
    # An I- that does not continue an entity starts one (conlleval's reading).
    assert tags_to_spans(["O", "I-PER", "I-LOC"], "IOB2") == [(1, 2, "PER"), (2, 3, "LOC")]
