"""Growing a trained model's tag set: each old tag's weights land where its name is in the
new tag set (ids move), so a grown model scores the old tags exactly as its base did."""

from __future__ import annotations

import numpy as np
import pytest

from nerkit.corpus import Example
from nerkit.models.growth import grown_labels, tag_map
from nerkit.models.perceptron import PerceptronRecognizer
from nerkit.models.perceptron.decode import greedy_decode
from nerkit.models.perceptron.features import FeatureExtractor, TagKeys
from nerkit.models.tagset import TagSet
from nerkit.tokens import Doc
from nerkit.vocab import Vocab

OLD = TagSet(("LOC", "PER"))
NEW = TagSet(("BRAND", "LOC", "ZONE", "PER"))  # BRAND before LOC: every old id moves


def test_tag_map_matches_tags_by_name():
    where = tag_map(OLD, NEW)
    assert [NEW.names[i] for i in where[:-1]] == OLD.names
    assert where[-1] == NEW.start
    with pytest.raises(ValueError):
        tag_map(NEW, OLD)


def test_grown_labels_keep_the_base_labels():
    assert grown_labels(("PER", "LOC"), ["BRAND", "LOC"]) == ("BRAND", "LOC", "PER")
    assert grown_labels(("PER", "LOC"), ["BRAND"], configured=["BRAND"]) == ("BRAND", "PER", "LOC")


def test_grown_tag_keys_keep_the_history_rows_and_give_new_tags_unused_ones():
    plain = TagKeys.plain(OLD.n_tags + 1)
    grown = plain.grown(OLD, NEW)
    where = tag_map(OLD, NEW)
    fx_old = FeatureExtractor(2**12)
    fx_new = FeatureExtractor(2**12, tag_keys=grown)
    p1_old, p2_old = fx_old.tag_history_rows(OLD.n_tags + 1)
    p1_new, p2_new = fx_new.tag_history_rows(NEW.n_tags + 1)
    assert (p1_new[where] == p1_old).all()
    assert (p2_new[np.ix_(where, where)] == p2_old).all()
    tag_word = fx_old.batch(Vocab(), [["Ann", "in", "Oslo"]]).tag_word
    prev = np.array([OLD.start, 6, 0])
    assert (
        fx_new.tag_word_rows(tag_word, where[prev]) == fx_old.tag_word_rows(tag_word, prev)
    ).all()
    # New tags hash to keys no old tag (nor the start symbol) had, and all pairs stay distinct.
    new_only = np.setdiff1d(np.arange(NEW.n_tags + 1), where)
    assert not set(grown.keys[new_only].tolist()) & set(plain.keys.tolist())
    assert len(np.unique(grown.pairs())) == (NEW.n_tags + 1) ** 2
    # Growing twice keeps the first growth's keys.
    again = grown.grown(NEW, TagSet(("A", *NEW.labels)))
    assert (again.keys[tag_map(NEW, TagSet(("A", *NEW.labels)))] == grown.keys).all()


def test_perceptron_grown_weights_score_old_tags_as_the_base_did():
    docs = [Doc.from_words(w.split()) for w in ("Ann Lee flew to Oslo", "Bob met Ann in Rome")]
    base = PerceptronRecognizer(hash_rows=2**12, ensemble=1, max_epochs=3).fit(
        [Example(docs[0], [(0, 7, "PER"), (16, 20, "LOC")]), Example(docs[1], [(0, 3, "PER")])]
    )
    assert base.weights_ is not None
    grown = PerceptronRecognizer(hash_rows=2**12)
    grown.start_from(base)
    weights, keys = grown.grown_weights(NEW)
    where = tag_map(OLD, NEW)[:-1]
    assert (weights[:, where] == base.weights_).all()
    new_cols = np.setdiff1d(np.arange(NEW.n_tags), where)
    assert not weights[:, new_cols].any()
    # With the new tags ruled out, the grown model decodes exactly the base's tags.
    weights[:, new_cols] = -1e6
    batch_old = FeatureExtractor(2**12).batch(Vocab(), [d.words for d in docs])
    tags_old, _, _ = greedy_decode(base.weights_, batch_old, FeatureExtractor(2**12), OLD)
    fx_new = FeatureExtractor(2**12, tag_keys=keys)
    tags_new, _, _ = greedy_decode(
        weights, fx_new.batch(Vocab(), [d.words for d in docs]), fx_new, NEW
    )
    assert (tags_new == tag_map(OLD, NEW)[tags_old]).all()
    assert tags_old.any()  # the base found entities: the comparison says something


def test_neural_grown_state_moves_tag_rows_and_keeps_the_rest():
    torch = pytest.importorskip("torch")
    from nerkit.models.neural.crf import CRF
    from nerkit.models.neural.featurize import Featurizer
    from nerkit.models.neural.network import Network, grown_state, to_batch
    from nerkit.models.neural.settings import NeuralSettings

    settings = NeuralSettings(hash_rows=256, affix_rows=64, word_dim=8, hidden=8, char_dim=4)

    def net(tags: TagSet) -> Network:
        return Network(settings, CRF(tags.allowed, tags.last_penalty == 0)).eval()

    torch.manual_seed(0)
    base, fresh = net(OLD), net(NEW)
    with torch.no_grad():
        for p in base.crf.parameters():
            p.normal_()
    base.mark_seen(np.array([[3, 4, 5, 6]]))
    where = tag_map(OLD, NEW)
    fresh.load_state_dict(grown_state(base.state_dict(), fresh.state_dict(), where))
    feats = Featurizer(256, 64, 3, 24)([["Ann", "met", "Bob"]])
    batch = to_batch(feats)
    with torch.no_grad():
        em_old, em_new = base.emissions(batch), fresh.emissions(batch)
    cols = torch.from_numpy(where[:-1])
    assert torch.allclose(em_new[..., cols], em_old)
    assert torch.equal(fresh.crf.transitions[cols][:, cols], base.crf.transitions)
    assert torch.equal(fresh.crf.start[cols], base.crf.start)
    assert torch.equal(fresh.seen0, base.seen0)
    new_only = torch.from_numpy(np.setdiff1d(np.arange(NEW.n_tags), where))
    assert not fresh.crf.transitions[new_only].any()
