"""Match a typed or spoken question to a catalogue intent offline, declining when unsure."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from skill.catalogue import Catalogue

FALLBACK = "AMAZON.FallbackIntent"
EMERGENCY = "EmergencyIntent"
OUT_OF_SCOPE = "OUT_OF_SCOPE"

# A wrong medical answer is worse than "I can't answer that": below this similarity, or
# this close to the runner-up, the matcher declines. Tuned on bench/questions/en-US.tsv.
MIN_SCORE = 0.34
MIN_MARGIN = 0.02

# Words so common in questions that they say nothing about the topic.
STOPWORDS = frozenset("""
a an the i me my mine we us our you your he him his she her they them their it its this that
these those is am are was were be been being do does did have has had will would shall should
can could may might must to of in on at for with about from by as and or but so if then than
just um uh er well please tell know want wondering wonder ok okay oh hi hello sorry really
like also any some there here get got im ive id dont mum mom dad mother father husband wife
son daughter someone somebody doctor thing things
""".split())

CONTRACTIONS = {"can't": "can not", "cant": "can not", "won't": "will not", "wont": "will not",
                "don't": "do not", "didn't": "did not", "doesn't": "does not", "i'm": "i am",
                "it's": "it is", "what's": "what is", "isn't": "is not", "i've": "i have",
                "i'll": "i will", "she's": "she is", "he's": "he is", "how's": "how is",
                "where's": "where is", "who's": "who is", "there's": "there is"}


def normalize(text: str) -> str:
    """Lower-case, spell out contractions and drop punctuation, keeping words apart."""
    text = text.lower().replace("\u2019", "'").replace("x-ray", "x ray").replace("x. ray", "x ray")
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    words = [CONTRACTIONS.get(word, word) for word in text.split()]
    return " ".join(word.replace("'", "") for word in words)


def stem(word: str) -> str:
    """Cut common English endings so 'driving', 'drives' and 'drive' meet."""
    for suffix in ("ations", "ation", "ings", "ing", "edly", "ies", "ied", "ed", "es", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word.rstrip("e") if len(word) > 4 else word


def features(text: str) -> Counter:
    """Return weighted features: stemmed words, word pairs, and letter runs for typos."""
    words = [stem(w) for w in normalize(text).split()]
    content = [w for w in words if w not in STOPWORDS]
    found: Counter = Counter()
    for word in content:
        found["w:" + word] += 1.0
        padded = f"<{word}>"
        # Letter runs let "kyphoplasy" and "ballon" still meet their words.
        for size in (3, 4):
            for start in range(len(padded) - size + 1):
                found[f"c{size}:" + padded[start:start + size]] += 0.15
    for first, second in zip(words, words[1:], strict=False):
        if first not in STOPWORDS or second not in STOPWORDS:
            found[f"b:{first} {second}"] += 0.5
    return found


@dataclass(frozen=True)
class Match:
    """The matcher's verdict on one question."""

    intent: str
    confidence: float
    runner_up: str = ""


class QuestionMatcher:
    """Nearest sample utterance by TF-IDF cosine, with red flags checked before anything else."""

    def __init__(self, catalogue: Catalogue, *, min_score: float = MIN_SCORE,
                 min_margin: float = MIN_MARGIN):
        self.catalogue = catalogue
        self.min_score, self.min_margin = min_score, min_margin
        labelled = [(intent, sample) for intent, topic in catalogue.topics.items()
                    for sample in topic.samples]
        labelled += [(OUT_OF_SCOPE, sample) for sample in catalogue.out_of_scope]
        bags = [features(sample) for _, sample in labelled]
        document_frequency: Counter = Counter()
        for bag in bags:
            document_frequency.update(bag.keys())
        total = len(bags)
        self.idf = {f: math.log((1 + total) / (1 + n)) + 1.0 for f, n in document_frequency.items()}
        self.labels = [intent for intent, _ in labelled]
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for index, bag in enumerate(bags):
            for feature, weight in self._weigh(bag).items():
                self.postings[feature].append((index, weight))

    def _weigh(self, bag: Counter) -> dict[str, float]:
        weighted = {f: count * self.idf.get(f, 0.0) for f, count in bag.items()}
        norm = math.sqrt(sum(w * w for w in weighted.values())) or 1.0
        return {f: w / norm for f, w in weighted.items() if w}

    def is_emergency(self, question: str) -> bool:
        """Return True when a question names a red-flag symptom."""
        text = " ".join(question.lower().replace("\u2019", "'").split())
        text = re.sub(r"[^a-z0-9' ]+", " ", text)
        if any(p.search(text) for p in self.catalogue.emergency_exceptions):
            return False
        return any(p.search(text) for p in self.catalogue.emergency_patterns)

    def scores(self, question: str) -> dict[str, float]:
        """Return each intent's best cosine similarity to the question."""
        query = self._weigh(features(question))
        totals: dict[int, float] = defaultdict(float)
        for feature, weight in query.items():
            for index, sample_weight in self.postings.get(feature, ()):
                totals[index] += weight * sample_weight
        best: dict[str, float] = {}
        for index, score in totals.items():
            label = self.labels[index]
            if score > best.get(label, 0.0):
                best[label] = score
        return best

    def match(self, question: str) -> Match:
        """Return the intent for a question, or the fallback when unsure or out of scope."""
        if self.is_emergency(question):
            return Match(EMERGENCY, 1.0)
        ranked = sorted(self.scores(question).items(), key=lambda item: item[1], reverse=True)
        if not ranked:
            return Match(FALLBACK, 0.0)
        (intent, score), runner_up = ranked[0], ranked[1] if len(ranked) > 1 else ("", 0.0)
        confidence = round(score, 3)
        if intent == OUT_OF_SCOPE or score < self.min_score:
            return Match(FALLBACK, confidence, intent)
        if score - runner_up[1] < self.min_margin and runner_up[0] != intent:
            return Match(FALLBACK, confidence, runner_up[0])
        return Match(intent, confidence, runner_up[0])
