"""Match a typed or spoken question to a catalogue intent offline, declining when unsure.

Red flags first (regular expressions from the catalogue's [emergency] table), then
out-of-scope patterns ([matcher].out_of_scope_patterns), then a TF-IDF comparison against
every sample utterance. Words are spelled out, stemmed, merged with their synonyms
([matcher].synonyms) and corrected for typing slips against the catalogue's own
vocabulary (but a common English word is never "corrected": see COMMON_WORDS). A phrasal
verb may hold its object inside a synonym phrase ("knock her out"). A word weighs by how
few intents use it, so the word that names a topic outweighs a sentence frame shared by
many. Words the catalogue has never seen still weigh in the question, so a question mostly
about something else scores low and falls back.

It is pure Python, so it runs wherever the kiosk runs. Sentence embeddings
(all-MiniLM-L6-v2) were measured and left out: see bench/README.md. This module is for the
kiosk and the command line: the Lambda path never imports it.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from skill.catalogue import FALLBACK_INTENT, Catalogue

FALLBACK = FALLBACK_INTENT
EMERGENCY = "EmergencyIntent"
OUT_OF_SCOPE = "OUT_OF_SCOPE"

# A wrong medical answer is worse than "I can't answer that": below this similarity, or
# this close to the runner-up, the matcher declines. Tuned on the development sets
# bench/questions/en-US.tsv, en-US.heldout.tsv and en-US.nearmiss.tsv.
MIN_SCORE = 0.34
MIN_MARGIN = 0.05
# Words so common in questions that they say nothing about the topic.
STOPWORDS = frozenset("""
a an the i me my mine we us our you your he him his she her they them their it its this that
these those is am are was were be been being do does did have has had will would shall should
can could may might must to of in on at for with about from by as and or but so if then than
just um uh er well please tell know want wondering wonder ok okay oh hi hello sorry really
like also any some there here get got im ive id dont mum mom dad mother father husband wife
son daughter someone somebody doctor thing things
not no yes very much many actually exactly even still basically ask asking asked said
say says one bit little lot quite too all up out into over off again right now sure mean
think thought guess under
""".split())

CONTRACTIONS = {"can't": "can not", "cant": "can not", "won't": "will not", "wont": "will not",
                "don't": "do not", "didn't": "did not", "doesn't": "does not", "i'm": "i am",
                "it's": "it is", "what's": "what is", "isn't": "is not", "i've": "i have",
                "i'll": "i will", "she's": "she is", "he's": "he is", "how's": "how is",
                "where's": "where is", "who's": "who is", "there's": "there is",
                "cannot": "can not"}

# Question words: they tell topics apart ("where" or "how long") but never make a match alone.
QUESTION_WORDS = frozenset("what whats how why when where which who whom".split())

# Objects that may sit inside a phrasal verb ("put her under", "knock him out").
OBJECTS = frozenset("me you him her it them us".split())

# Typing slips: words of at least this many letters may be one edit from a known word,
# and words of at least LONG_WORD letters two edits.
MIN_CORRECTABLE = 5
MIN_SHORT_CORRECTABLE = 3
LONG_WORD = 8
# How much a word the catalogue has never seen weighs, relative to the rarest known word
# (short ones are more often slips or filler, so they weigh less).
UNKNOWN_WEIGHT = 1.0
SHORT_UNKNOWN_WEIGHT = 0.5
# How much a corrected word weighs relative to a word typed right (a guess is a guess).
CORRECTED_WEIGHT = 0.8


def normalize(text: str) -> str:
    """Lower-case, spell out contractions and drop punctuation, keeping words apart."""
    text = text.lower().replace("\u2019", "'")
    text = re.sub(r"\bx[ .\-]*rays?\b", lambda m: "xrays" if m.group(0).endswith("s") else "xray",
                  text)
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    words = [CONTRACTIONS.get(word, word) for word in text.split()]
    return " ".join(word.replace("'", "") for word in words)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Cut common English endings so 'driving', 'drives' and 'drive' meet."""
    for suffix in ("ations", "ation", "ings", "ing", "edly", "ies", "ied", "ed", "es", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word.rstrip("e") if len(word) > 4 else word


def _deletes(word: str, depth: int) -> set[str]:
    """Every string reached from a word by deleting up to `depth` letters."""
    found, frontier = {word}, {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def _edit_distance(first: str, second: str) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count once)."""
    rows = [list(range(len(second) + 1))]
    for i, a in enumerate(first, 1):
        row = [i] + [0] * len(second)
        for j, b in enumerate(second, 1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (a != b))
            if i > 1 and j > 1 and a == second[j - 2] and first[i - 2] == b:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


class Speller:
    """Corrects a word to the nearest word of a known vocabulary, or leaves it alone."""

    def __init__(self, vocabulary: Counter):
        self.vocabulary = vocabulary
        self.index: dict[str, set[str]] = defaultdict(set)
        for word in vocabulary:
            if len(word) >= MIN_SHORT_CORRECTABLE + 1:
                for variant in _deletes(word, 2 if len(word) >= LONG_WORD - 1 else 1):
                    self.index[variant].add(word)

    def correct(self, word: str) -> str | None:
        """Return the known word this one was probably meant to be, or None."""
        if len(word) < MIN_SHORT_CORRECTABLE:
            return None
        candidates: set[str] = set()
        if len(word) < MIN_CORRECTABLE:
            # Short words are only mended by a missing letter ("lon", "rech"): swapping a
            # letter in a short word too often makes another real word ("full", "fall").
            candidates = {c for c in self.index.get(word, set()) if len(c) == len(word) + 1}
            depth = 1
        else:
            depth = 2 if len(word) >= LONG_WORD else 1
            for variant in _deletes(word, depth):
                candidates |= self.index.get(variant, set())
        # People rarely mistype the first letter; a guess that changes it is a new word.
        scored = [(_edit_distance(word, c), -self.vocabulary[c], c) for c in candidates
                  if c[0] == word[0]]
        scored = [s for s in scored if s[0] <= depth]
        return min(scored)[2] if scored else None


@dataclass(frozen=True)
class Match:
    """The matcher's verdict on one question."""

    intent: str
    confidence: float
    runner_up: str = ""


@dataclass(frozen=True)
class Analysis:
    """What the matcher made of a question's words."""

    words: tuple[str, ...]  # the words as typed, with slips mended
    terms: tuple[str, ...]  # stemmed words after synonyms and corrections
    unknown: tuple[str, ...]  # content words the catalogue has never seen
    corrected: tuple[str, ...]  # terms that came from correcting a typing slip


class QuestionMatcher:
    """Nearest sample utterance by TF-IDF cosine, with red flags checked before anything else."""

    def __init__(self, catalogue: Catalogue, *, min_score: float = MIN_SCORE,
                 min_margin: float = MIN_MARGIN):
        """Index every sample utterance of the catalogue."""
        self.catalogue = catalogue
        self.min_score, self.min_margin = min_score, min_margin
        # Synonyms: a stemmed phrase (tuple of words) -> the concept's own word.
        self.synonyms: dict[tuple[str, ...], str] = {}
        for concept, phrases in catalogue.synonyms.items():
            for phrase in phrases:
                self.synonyms[tuple(stem(w) for w in normalize(phrase).split())] = concept
        self.longest_synonym = max((len(p) for p in self.synonyms), default=1)
        self.phrase_starts = frozenset(p[0] for p in self.synonyms if len(p) > 1)

        labelled = [(intent, sample) for intent, topic in catalogue.topics.items()
                    for sample in topic.samples]
        labelled += [(OUT_OF_SCOPE, sample) for sample in catalogue.out_of_scope]
        # The words the catalogue knows, as typed (to correct slips) and as stemmed terms.
        spelled: Counter = Counter()
        for _, sample in labelled:
            spelled.update(normalize(sample).split())
        for phrases in catalogue.synonyms.values():
            for phrase in phrases:
                spelled.update(normalize(phrase).split())
        spelled.update(STOPWORDS)
        self.speller = Speller(spelled)
        self.known_words = frozenset(spelled)
        self.known_stems = frozenset(stem(w) for w in spelled) | frozenset(catalogue.synonyms)

        bags = [self._features(self.analyse(sample)) for _, sample in labelled]
        # A feature's weight is how few intents use it, not how few samples: a word found in
        # every sample of one intent ("balloon") is that intent's best clue, and a topic
        # with many templates must not drown the words of a topic with few.
        owners: dict[str, set[str]] = defaultdict(set)
        for (intent, _), bag in zip(labelled, bags, strict=True):
            for feature in bag:
                owners[feature].add(intent)
        total = len({intent for intent, _ in labelled})
        self.idf = {f: math.log((1 + total) / (1 + len(n))) + 1.0 for f, n in owners.items()}
        self.unknown_idf = (math.log(1 + total) + 1.0) * UNKNOWN_WEIGHT
        # Samples that differ only in words that carry no weight ("my mum", "my dad") are
        # one sample to the matcher: index each once.
        self.labels = []
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        seen: set[tuple[str, frozenset]] = set()
        for (intent, _), bag in zip(labelled, bags, strict=True):
            key = (intent, frozenset(bag.items()))
            if key in seen:
                continue
            seen.add(key)
            for feature, weight in self._weigh(bag).items():
                self.postings[feature].append((len(self.labels), weight))
            self.labels.append(intent)

    # -- reading a question -------------------------------------------------------------

    def analyse(self, text: str) -> Analysis:
        """Spell out, correct, stem and fold synonyms of a question's words."""
        words = normalize(text).split()
        fixed: list[tuple[str, bool]] = []  # (word, corrected?)
        index = 0
        while index < len(words):
            word = words[index]
            if word in self.known_words or word.isdigit() or stem(word) in self.known_stems \
                    or word in COMMON_WORDS:
                fixed.append((word, False))
            elif index + 1 < len(words) and word + words[index + 1] in self.known_words:
                fixed.append((word + words[index + 1], True))  # "kypho plasty"
                index += 1
            elif correction := self.speller.correct(word):
                fixed.append((correction, True))  # "kyphoplsty"
            elif (split := self._split(word)) is not None:
                fixed += [(part, True) for part in split]  # "sameday"
            else:
                fixed.append((word, False))
            index += 1
        stems = [(w if w in STOPWORDS else stem(w), c) for w, c in fixed]
        terms: list[str] = []
        corrected: list[str] = []
        index = 0
        while index < len(stems):
            phrases = self._phrases(stems, index) if stems[index][0] in self.phrase_starts \
                else [(1, stems[index:index + 1])]
            for size, span in phrases:
                phrase = tuple(s for s, _ in span)
                if phrase in self.synonyms:
                    terms.append(self.synonyms[phrase])
                    if any(c for _, c in span):
                        corrected.append(terms[-1])
                    index += size
                    break
            else:
                terms.append(stems[index][0])
                if stems[index][1]:
                    corrected.append(terms[-1])
                index += 1
        unknown = tuple(t for t in terms if t not in self.known_stems and t not in STOPWORDS
                        and not t.isdigit())
        return Analysis(tuple(w for w, _ in fixed), tuple(terms), unknown, tuple(corrected))

    def _phrases(self, stems: list[tuple[str, bool]], index: int
                 ) -> Iterator[tuple[int, list[tuple[str, bool]]]]:
        """Yield (words used, phrase) starting at index, longest first.

        A phrasal verb may hold its object inside it ("knock her out", "blow it up"):
        the object is also tried left out, so the phrase still meets its synonym.
        """
        for size in range(min(self.longest_synonym + 1, len(stems) - index), 0, -1):
            span = stems[index:index + size]
            if size > 2 and span[1][0] in OBJECTS:
                yield size, [span[0]] + span[2:]
            if size <= self.longest_synonym:
                yield size, span

    def _split(self, word: str) -> tuple[str, str] | None:
        for cut in range(3, len(word) - 2):
            first, second = word[:cut], word[cut:]
            if first in self.known_words and second in self.known_words \
                    and first not in STOPWORDS and second not in STOPWORDS:
                return first, second
        return None

    def _features(self, analysis: Analysis) -> Counter:
        """Return weighted features: content terms and word pairs."""
        words = list(analysis.terms)
        corrected = set(analysis.corrected)
        found: Counter = Counter()
        for word in words:
            if word in STOPWORDS or word.isdigit():
                continue
            kind = "q:" if word in QUESTION_WORDS else "w:"
            found[kind + word] += CORRECTED_WEIGHT if word in corrected else 1.0
        for first, second in zip(words, words[1:], strict=False):
            if first not in STOPWORDS or second not in STOPWORDS:
                found[f"b:{first} {second}"] += 0.5
        return found

    def _weigh(self, bag: Counter, *, query: bool = False) -> dict[str, float]:
        weighted = {}
        for feature, count in bag.items():
            idf = self.idf.get(feature)
            if idf is None:
                # A word never seen still counts against the match; an unseen pair does not.
                idf = 0.0
                if query and feature.startswith("w:"):
                    short = len(feature) - 2 < MIN_CORRECTABLE
                    idf = self.unknown_idf * (SHORT_UNKNOWN_WEIGHT if short else 1.0)
            weighted[feature] = count * idf
        norm = math.sqrt(sum(w * w for w in weighted.values())) or 1.0
        return {f: w / norm for f, w in weighted.items() if w}

    # -- verdicts -------------------------------------------------------------------------

    def _emergency_texts(self, question: str) -> list[str]:
        text = " ".join(question.lower().replace("\u2019", "'").split())
        text = " ".join(re.sub(r"[^a-z0-9' ]+", " ", text).split())
        corrected = " ".join(" ".join(w for w in self._spelled(text)).split())
        return [text, corrected] if corrected != text else [text]

    def _spelled(self, text: str) -> list[str]:
        out = []
        for word in text.split():
            bare = word.replace("'", "")
            if bare in self.known_words or word in CONTRACTIONS or bare.isdigit():
                out.append(word)
            else:
                out.append(self.speller.correct(bare) or word)
        return out

    def is_emergency(self, question: str) -> bool:
        """Return True when a question names a red-flag symptom."""
        texts = self._emergency_texts(question)
        if self._is_exception(texts):
            return False
        return any(p.search(text) for text in texts for p in self.catalogue.emergency_patterns)

    def _is_exception(self, texts: list[str]) -> bool:
        """Return True when [emergency].not_patterns say this is not a red flag."""
        return any(p.search(text) for text in texts for p in self.catalogue.emergency_exceptions)

    def is_out_of_scope(self, question: str) -> bool:
        """Return True when a question matches one of the catalogue's out-of-scope patterns."""
        # Read as typed and with slips mended: a mended word may hide the one that mattered.
        texts = {normalize(question), " ".join(self.analyse(question).words)}
        return any(p.search(text) for p in self.catalogue.out_of_scope_patterns
                   for text in texts)

    def scores(self, question: str) -> dict[str, float]:
        """Return each intent's best TF-IDF cosine similarity to the question."""
        query = self._weigh(self._features(self.analyse(question)), query=True)
        totals: dict[int, float] = defaultdict(float)
        topical: set[int] = set()  # samples sharing at least one content word
        for feature, weight in query.items():
            for index, sample_weight in self.postings.get(feature, ()):
                totals[index] += weight * sample_weight
                if feature.startswith("w:"):
                    topical.add(index)
        best: dict[str, float] = {}
        for index, score in totals.items():
            if index not in topical:
                continue  # "what is the ..." alone says nothing about the topic
            label = self.labels[index]
            if score > best.get(label, 0.0):
                best[label] = score
        return best

    def match(self, question: str) -> Match:
        """Return the intent for a question, or the fallback when unsure or out of scope."""
        if self.is_emergency(question):
            return Match(EMERGENCY, 1.0)
        if self.is_out_of_scope(question):
            return Match(FALLBACK, 1.0, OUT_OF_SCOPE)
        ranked = sorted(self.scores(question).items(), key=lambda item: item[1], reverse=True)
        if not ranked:
            return Match(FALLBACK, 0.0)
        (intent, score), runner_up = ranked[0], ranked[1] if len(ranked) > 1 else ("", 0.0)
        confidence = round(score, 3)
        if intent == EMERGENCY and self._is_exception(self._emergency_texts(question)):
            # Sounds like a red flag, but the catalogue says this phrasing is not one.
            return Match(FALLBACK, confidence, intent)
        if intent == OUT_OF_SCOPE or score < self.min_score:
            return Match(FALLBACK, confidence, intent)
        if score - runner_up[1] < self.min_margin and runner_up[0] != intent \
                and intent != EMERGENCY:
            # A close call declines, except a red flag: a false alarm costs less than a miss.
            return Match(FALLBACK, confidence, runner_up[0])
        return Match(intent, confidence, runner_up[0])


# Real words typed on purpose, never "corrected" into catalogue words (see the file's header
# for where the list comes from and its license).
COMMON_WORDS = frozenset(
    word for line in (Path(__file__).parent / "data" / "common-words.txt").read_text(
        encoding="utf-8").splitlines() if not line.startswith("#") for word in line.split()
)
