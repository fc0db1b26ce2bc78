"""The lexicon's respellings, checked by each offline engine's own phoneme output.

espeak-ng prints IPA with primary (ˈ) and secondary (ˌ) stress; flite's `t2p` prints its
phones with the stressed vowels marked 1. Each is compared syllable by syllable with the
lexicon's IPA: the same number of syllables, the stress where the IPA puts it.
"""

from __future__ import annotations

import re

import pytest

from skill.audio import EspeakEngine, respeller
from skill.audio.engines import FliteEngine
from skill.catalogue import load_catalogue

PRIMARY, SECONDARY, UNSTRESSED = "P", "S", "-"
# One vowel nucleus: a diphthong, or one vowel letter (length marks follow it).
IPA_NUCLEUS = re.compile(r"(aɪ|aʊ|eɪ|oʊ|ɔɪ|əʊ|[aeiouyæɑɒɐəɚɛɜɝɞɪɨʉʊʌɔøœɤɯᵻ])ː?")
CMU_VOWEL = re.compile(r"^(aa|ae|ah|ao|aw|ax|axr|ay|eh|er|ey|ih|ix|iy|ow|oy|uh|uw)([0-9]?)$")


def ipa_stress(ipa: str) -> list[str]:
    """Return each syllable's stress, in order, from IPA with ˈ and ˌ marks."""
    pattern, pending, at = [], UNSTRESSED, 0
    while at < len(ipa):
        character = ipa[at]
        if character in "ˈˌ":
            pending = PRIMARY if character == "ˈ" else SECONDARY
            at += 1
            continue
        nucleus = IPA_NUCLEUS.match(ipa, at)
        if nucleus:
            pattern.append(pending)
            pending = UNSTRESSED
            at = nucleus.end()
        else:
            at += 1
    return pattern


def cmu_stress(phones: str) -> list[str]:
    """Return each syllable's stress from flite's phones: 1 is stressed, no digit is not."""
    pattern = []
    for phone in phones.split():
        vowel = CMU_VOWEL.match(phone)
        if vowel:
            pattern.append(PRIMARY if vowel.group(2) == "1" else UNSTRESSED)
    return pattern


def espeak_problems(expected: list[str], heard: list[str]) -> list[str]:
    """Say where espeak's stress differs: one primary, on the IPA's primary syllable.

    espeak adds rhythmic secondary stresses of its own, so those are not compared.
    """
    if len(heard) != len(expected):
        return [f"{len(heard)} syllables, not {len(expected)}"]
    primaries = [i for i, stress in enumerate(heard) if stress == PRIMARY]
    if primaries != [expected.index(PRIMARY)]:
        return [f"primary stress on syllable(s) {[i + 1 for i in primaries]}, "
                f"not {expected.index(PRIMARY) + 1}"]
    return []


def flite_problems(expected: list[str], heard: list[str]) -> list[str]:
    """Say where flite's stress differs: flite marks stressed or not, with no secondary.

    The IPA's primary syllable must be stressed, and no syllable the IPA leaves unstressed.
    """
    if len(heard) != len(expected):
        return [f"{len(heard)} syllables, not {len(expected)}"]
    wrong = [i + 1 for i, (want, got) in enumerate(zip(expected, heard, strict=True))
             if (want == PRIMARY and got != PRIMARY) or (want == UNSTRESSED and got != UNSTRESSED)]
    return [f"stress wrong on syllable(s) {wrong}"] if wrong else []


SHIPPED = load_catalogue("en-US")
LEXICON = {entry.word: entry for entry in SHIPPED.lexicon}
RESPELL = respeller({entry.word: entry.respelling for entry in SHIPPED.lexicon})


def test_the_stress_reader_reads_the_lexicons_own_ipa():
    assert ipa_stress("ˈkaɪfoʊˌplæsti") == ["P", "-", "S", "-"]
    assert ipa_stress("ˌɑstioʊpəˈroʊsɪs") == ["S", "-", "-", "-", "P", "-"]
    assert cmu_stress("pau k ay1 f ax p l ae1 s t iy pau") == ["P", "-", "P", "-"]
    # The respellings the issue found wrong are caught: a second primary, an added primary.
    assert espeak_problems(ipa_stress("ˈkaɪfoʊˌplæsti"), ipa_stress("kˈaɪfoʊplˈæsti"))
    assert espeak_problems(ipa_stress("ˌɑstioʊpəˈroʊsɪs"), ipa_stress("ˈɑːstɪˌoʊpɔːɹˈoʊsɪs"))


@pytest.mark.parametrize("word", sorted(LEXICON))
def test_espeak_stresses_each_respelling_as_the_ipa_does(word):
    entry = LEXICON[word]
    engine = EspeakEngine(respell=RESPELL)
    heard = engine.ipa(word)
    assert heard == EspeakEngine().ipa(entry.respelling)  # the respelling is what it read
    assert espeak_problems(ipa_stress(entry.ipa), ipa_stress(heard)) == [], (
        f"{word}: espeak says {heard} for {entry.respelling!r}; the IPA is {entry.ipa}")


@pytest.mark.parametrize("word", sorted(LEXICON))
def test_flite_stresses_each_respelling_as_the_ipa_does(word):
    assert FliteEngine.available(), (
        "Debian's flite (slt voice) is not installed; install it with "
        "`sudo apt-get install -y flite` (.ci/run does) and run the tests again.")
    entry = LEXICON[word]
    engine = FliteEngine(respell=RESPELL)
    stressed = engine.stressed_phones(word)
    # t2p's phones are what the slt voice itself speaks, digits aside.
    assert re.sub(r"[0-9]", "", stressed) == engine.phones(word)
    assert flite_problems(ipa_stress(entry.ipa), cmu_stress(stressed)) == [], (
        f"{word}: flite says {stressed} for {entry.respelling!r}; the IPA is {entry.ipa}")


def test_respellings_reach_the_engines_in_a_sentence():
    sentence = "Is kyphoplasty like vertebroplasty for osteoporosis?"
    respelled = RESPELL(sentence)
    for word, entry in LEXICON.items():
        if word in sentence:
            assert entry.respelling in respelled
    assert EspeakEngine(respell=RESPELL).ipa(sentence) == EspeakEngine().ipa(respelled)
    assert FliteEngine(respell=RESPELL).phones(sentence) == FliteEngine().phones(respelled)
