"""Compare question matchers side by side and choose the thresholds by cross-validation.

Every candidate trains on the same data: the catalogue's samples, red-flag examples and
out-of-scope phrases, plus the development sets (bench/questions/README.md). Each
development set is held out in turn and scored by a model trained without it, so its
author is new to the model, as a blind set's author is; the thresholds are chosen on
those held-out scores (`--random-folds` uses five random folds instead, which mixes each
author's questions into training and flatters every figure). The blind sets are then
scored by a model trained on all the development rows, with those thresholds
(`--no-blind` skips them). Candidates: the shipped classifier (one logistic regression on
TF-IDF features and all-MiniLM-L6-v2 vectors side by side, over the whole question and its
final question), with `--all` the average of a regression on each (shipped until
2026-12-02), the shipped one without its sounds channel and on the whole question only,
each kind of feature alone, and where wordllama is installed (`--wordllama`)
its static word embeddings (weights in the wheel) alone, averaged with TF-IDF, and side by
side with TF-IDF in one logistic regression."""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import matcher_accuracy  # noqa: E402

from skill.catalogue import load_catalogue  # noqa: E402
from skill.understanding import matcher as m  # noqa: E402

FOLDS = 5
# How much the nearest known questions' vote counts beside the two regressions (--neighbours).
NEIGHBOUR_WEIGHT = 0.25

GRID = {
    "answer": (0.6, 0.65, 0.7, 0.75, 0.8, 0.85),
    "margin": (0.05, 0.1, 0.2),
    "choice": (0.1, 0.15, 0.2, 0.25),
    "decline": (0.2, 0.25, 0.3, 0.4, 0.5),
    "emergency": (0.35, 0.5, 0.7, 0.85),
}


class Fixed:
    """A matcher whose probabilities were computed ahead, for scoring many thresholds."""

    rules: dict[str, bool] = {}  # the red-flag rules' verdicts, which no threshold changes
    set_aside: dict[str, bool] = {}

    def __init__(self, catalogue, probabilities: dict[str, dict[str, float]], thresholds):
        self.inner = m.QuestionMatcher.__new__(m.QuestionMatcher)
        self.inner.catalogue, self.inner.thresholds = catalogue, thresholds
        # The rules' verdicts, read once per question for every threshold tried.
        self.inner._set_aside = lambda q: self.set_aside[q]
        self.inner.is_out_of_scope = lambda q: self.rules[q][1]
        self.probabilities = probabilities

    def match(self, question: str) -> m.Match:
        if question not in self.rules:
            self.rules[question] = (
                m.QuestionMatcher.is_emergency(self.inner, question),
                m.QuestionMatcher.is_out_of_scope(self.inner, question))
            self.set_aside[question] = m.QuestionMatcher._set_aside(self.inner, question)
        if self.rules[question][0]:
            return m.Match(m.EMERGENCY, 1.0)
        return self.inner.decide(question, self.probabilities[question])


def probabilities_of(model, questions, vectors=None) -> dict[str, dict[str, float]]:
    """Return a fitted model's probability for every label, by question."""
    return by_question(model, questions, model.predict_proba(
        vectors if vectors is not None else [m.normalize(q) for q in questions]))


def by_question(model, questions, rows) -> dict[str, dict[str, float]]:
    """Name each row of predict_proba's answer by its question and each column by its label."""
    classes = [str(c) for c in model.classes_]
    return {q: dict(zip(classes, map(float, r), strict=True))
            for q, r in zip(questions, rows, strict=True)}


def tfidf_probabilities(catalogue, train_rows, questions) -> dict[str, dict[str, float]]:
    """Fit the TF-IDF classifier alone on train_rows."""
    return probabilities_of(m.fit_tfidf(*m.training_data(catalogue, train_rows)), questions)


def embedding_probabilities(catalogue, train_rows, questions):
    """Fit logistic regression on all-MiniLM-L6-v2 sentence vectors alone."""
    model = m.fit_embedding(*m.training_data(catalogue, train_rows))
    return probabilities_of(model, questions,
                            m.training_vectors([m.normalize(q) for q in questions]))


def neighbour_probabilities(catalogue, train_rows, questions):
    """Fit scikit-learn's k-nearest neighbours (5, by cosine distance) on the sentence vectors."""
    from sklearn.neighbors import KNeighborsClassifier

    texts, labels, _ = m.training_data(catalogue, train_rows)
    model = KNeighborsClassifier(n_neighbors=5, weights="distance", metric="cosine")
    model.fit(m.training_vectors(texts), labels)
    return probabilities_of(model, questions,
                            m.training_vectors([m.normalize(q) for q in questions]))


def with_neighbours(regressions, weight=NEIGHBOUR_WEIGHT):
    """Weigh the nearest known questions' vote into the regressions' average."""
    def run(catalogue, train_rows, questions):
        a = regressions(catalogue, train_rows, questions)
        b = neighbour_probabilities(catalogue, train_rows, questions)
        # The backstop's emergency probability stays the regressions': with the neighbours'
        # vote in it, one more held-out red flag was missed.
        return {q: {k: a[q][k] if k == m.EMERGENCY else (1 - weight) * a[q][k] + weight * b[q][k]
                    for k in a[q]} for q in questions}
    return run


def wordllama_encoder(cache={}):  # noqa: B006
    """Return WordLlama's static embeddings (weights shipped in the wordllama wheel)."""
    if "model" not in cache:
        import wordllama
        from safetensors import safe_open
        from tokenizers import Tokenizer
        from wordllama.inference import WordLlamaInference

        # By hand: WordLlama.load() looks for the tokenizer in tokenizer/, the wheel ships it in
        # tokenizers/, so load() would fetch it from Hugging Face (unreachable here).
        root = Path(wordllama.__file__).parent
        tokenizer = Tokenizer.from_file(
            str(root / "tokenizers" / "l2_supercat_tokenizer_config.json"))
        with safe_open(str(root / "weights" / "l2_supercat_256.safetensors"), framework="np") as f:
            cache["model"] = WordLlamaInference(f.get_tensor("embedding.weight"), tokenizer)
    return cache["model"]


def wordllama_probabilities(catalogue, train_rows, questions):
    """Fit logistic regression on WordLlama embeddings."""
    from sklearn.linear_model import LogisticRegression

    encoder = wordllama_encoder()
    texts, labels, weights = m.training_data(catalogue, train_rows)
    model = LogisticRegression(C=10.0, max_iter=3000)
    model.fit(encoder.embed(texts, norm=True), labels, sample_weight=weights)
    return probabilities_of(model, questions,
                            encoder.embed([m.normalize(q) for q in questions], norm=True))


def joint_probabilities(catalogue, train_rows, questions):
    """Fit the shipped classifier (m.fit_classifier): TF-IDF and MiniLM in one regression."""
    model = m.fit_classifier(*m.training_data(catalogue, train_rows))
    asked = [m.normalize(q) for q in questions]
    return by_question(model, questions, model.predict_proba(asked, m.training_vectors(asked)))


def joint_wordllama_probabilities(catalogue, train_rows, questions):
    """Fit one logistic regression on TF-IDF features and WordLlama embeddings side by side."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_union

    encoder = wordllama_encoder()
    texts, labels, weights = m.training_data(catalogue, train_rows)
    features = make_union(
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=1),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
    )

    train = m.joint_features(features.fit_transform(texts), encoder.embed(texts, norm=True))
    model = LogisticRegression(C=m.REGULARIZATION, max_iter=3000)
    model.fit(train, labels, sample_weight=weights)
    asked = [m.normalize(q) for q in questions]
    return probabilities_of(model, questions, m.joint_features(
        features.transform(asked), encoder.embed(asked, norm=True)))


def averaged(first, second):
    """Average two candidates' probabilities."""
    def run(catalogue, train_rows, questions):
        a = first(catalogue, train_rows, questions)
        b = second(catalogue, train_rows, questions)
        return {q: {k: (a[q].get(k, 0) + b[q].get(k, 0)) / 2 for k in a[q]} for q in questions}
    return run


def with_final_question(candidate):
    """Average a candidate's probabilities for the whole question and its final question."""
    def run(catalogue, train_rows, questions):
        final = {q: m.final_question(q) for q in questions}
        found = candidate(catalogue, train_rows, list(dict.fromkeys([*questions,
                                                                    *final.values()])))
        return {q: {k: (found[q][k] + found[final[q]][k]) / 2 for k in found[q]}
                for q in questions}
    return run


def without_sounds(candidate):
    """Run a candidate with the TF-IDF classifier's Metaphone channel turned off."""
    def run(catalogue, train_rows, questions):
        m.PHONETIC = False
        try:
            return candidate(catalogue, train_rows, questions)
        finally:
            m.PHONETIC = True
    return run


def folds_of(rows, sets: list[str] | None = None) -> list[set[int]]:
    """Split row numbers into folds: five at random, or one per question set when sets given."""
    if sets is not None:
        return [{i for i, name in enumerate(sets) if name == held}
                for held in dict.fromkeys(sets)]
    order = list(range(len(rows)))
    random.Random(0).shuffle(order)
    return [{i for n, i in enumerate(order) if n % FOLDS == fold} for fold in range(FOLDS)]


def out_of_fold(candidate, catalogue, rows, sets: list[str] | None = None):
    """Return each development question's probabilities from a model trained without it."""
    found = {}
    folds = folds_of(rows, sets)
    for number, held in enumerate(folds, 1):
        train = [r for i, r in enumerate(rows) if i not in held]
        found.update(candidate(catalogue, train, [rows[i][0] for i in held]))
        print(f"    fold {number} of {len(folds)} done", file=sys.stderr, flush=True)
    return found


def development_rows_by_set(locale: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Return the development rows and, for each, the name of the set it comes from."""
    by_set = m.development_sets(locale)
    return ([row for rows in by_set.values() for row in rows],
            [name for name, rows in by_set.items() for _ in rows])


def score(result) -> tuple:
    """Rank thresholds: meet the safety limits first, then offer and decline the most."""
    safe = (result["red-flag recall"] == 1.0 and result["false emergencies"] <= 0.01
            and result["confident wrong topic"] <= 0.01)
    # A missed red flag is the worst mistake; a wrong answer or a false alarm costs more
    # than a decline or a "Did you mean".
    harm = (10 * (1 - result["red-flag recall"]) + result["false emergencies"]
            + result["confident wrong topic"])
    return (safe, result["in-scope offered"] + result["out-of-scope declined"]
            + 0.25 * result["in-scope answered"] - 4 * harm)


def choose_thresholds(catalogue, probabilities, rows):
    """Grid-search the thresholds on out-of-fold probabilities."""
    best = None
    for values in itertools.product(*GRID.values()):
        thresholds = m.Thresholds(**dict(zip(GRID, values, strict=True)))
        result = matcher_accuracy.evaluate(Fixed(catalogue, probabilities, thresholds), rows)
        key = score(result)
        if best is None or key > best[0]:
            best = (key, thresholds, result)
    return best[1], best[2]


def backstop_alone(catalogue, probabilities, rows) -> list[str]:
    """Say how many red flags the learned backstop catches by itself, at several thresholds.

    The rules were widened on every development set, so held out they still catch every
    red flag there; this is how the backstop would do on a new author's red flags that the
    rules miss, and what it adds in false alarms on questions the rules leave alone.
    """
    inner = m.QuestionMatcher.__new__(m.QuestionMatcher)
    inner.catalogue = catalogue
    flags = [(q, e == m.EMERGENCY) for q, e in rows]
    red_flags = sum(red for _, red in flags)
    # Neither depends on the threshold: read each question's rules once.
    set_aside = {q: inner._set_aside(q) for q, _ in flags}
    ruled = {q: inner.is_emergency(q) for q, _ in flags}
    said = []
    for limit in (0.3, 0.35, 0.4, 0.5, 0.6, 0.85):
        fires = {q: probabilities[q].get(m.EMERGENCY, 0.0) >= limit and not set_aside[q]
                 for q, _ in flags}
        caught = sum(fires[q] for q, red in flags if red)
        alarms = sum(fires[q] for q, red in flags if not red and not ruled[q])
        said.append(f"  backstop alone at {limit:4}: catches {caught / red_flags:6.1%} of "
                    f"{red_flags} red flags, adds {alarms / (len(flags) - red_flags):5.2%} "
                    "false alarms")
    return said


def line(name, result) -> str:
    return (f"  {name:22} red flags {result['red-flag recall']:6.1%}  false alarms "
            f"{result['false emergencies']:5.1%}  wrong {result['confident wrong topic']:5.1%}  "
            f"offered {result['in-scope offered']:6.1%}  "
            f"answered {result['in-scope answered']:6.1%}  "
            f"declined {result['out-of-scope declined']:6.1%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--all", action="store_true",
                        help="also measure the shipped model without the sounds channel and on "
                             "the whole question only, and each classifier alone")
    parser.add_argument("--misses", action="store_true",
                        help="list the development questions missed under cross-validation")
    parser.add_argument("--no-blind", action="store_true", help="score the development sets only")
    parser.add_argument("--neighbours", action="store_true",
                        help="also measure the shipped model with a k-nearest-neighbours vote "
                             "weighed in (not shipped: see bench/README.md)")
    parser.add_argument("--wordllama", action="store_true",
                        help="also measure WordLlama's static embeddings (pip install wordllama)")
    parser.add_argument("--random-folds", action="store_true",
                        help="cross-validate on five random folds instead of holding out one "
                             "development set at a time")
    args = parser.parse_args()
    catalogue = load_catalogue("en-US")
    rows, sets = development_rows_by_set("en-US")
    # The regression over both kinds of feature that ships, and the average of two
    # regressions, one on each, that shipped before it (2026-12-02).
    averaged_pair = averaged(tfidf_probabilities, embedding_probabilities)
    candidates = {"shipped: one regression on both": with_final_question(joint_probabilities)}
    if args.neighbours:
        candidates["shipped, with the nearest questions' vote"] = with_final_question(
            with_neighbours(joint_probabilities))
    if args.all:
        candidates["average of two regressions"] = with_final_question(averaged_pair)
        candidates["shipped, without the sounds channel"] = without_sounds(
            with_final_question(joint_probabilities))
        candidates["shipped, whole question only"] = joint_probabilities
        candidates["tfidf + logistic"] = tfidf_probabilities
        candidates["minilm + logistic"] = embedding_probabilities
        candidates["minilm + nearest neighbours"] = neighbour_probabilities
    if args.wordllama:
        candidates["wordllama + logistic"] = wordllama_probabilities
        candidates["average tfidf+wordllama"] = averaged(tfidf_probabilities,
                                                         wordllama_probabilities)
        candidates["joint tfidf+wordllama"] = joint_wordllama_probabilities
    blind = {p.name: m.read_question_set(p)
             for p in sorted(matcher_accuracy.QUESTIONS.glob("en-US.blind*.tsv"))}
    for name, candidate in candidates.items():
        print(f"\n{name}: cross-validating on {len(rows)} development questions",
              file=sys.stderr)
        started = time.perf_counter()
        probabilities = out_of_fold(candidate, catalogue, rows,
                                    None if args.random_folds else sets)
        thresholds, result = choose_thresholds(catalogue, probabilities, rows)
        print(f"\n{name} ({time.perf_counter() - started:.0f} s)\n  thresholds {thresholds}")
        print(line("development (5-fold)" if args.random_folds else "development (by set)",
                   result))
        if not args.random_folds:
            for held in dict.fromkeys(sets):
                held_rows = [r for r, s in zip(rows, sets, strict=True) if s == held]
                print(line(f"  {held.removeprefix('en-US.')}", matcher_accuracy.evaluate(
                    Fixed(catalogue, probabilities, thresholds), held_rows)))
        if not args.random_folds:
            print("\n".join(backstop_alone(catalogue, probabilities, rows)))
        if args.misses:
            for question, expected, got, choices, _ in result["misses"]:
                offered = f" {list(choices)}" if choices else ""
                print(f"    {expected:26} -> {got:24}{offered}  {question}")
        if args.no_blind:
            continue
        questions = [q for set_rows in blind.values() for q, _ in set_rows]
        full = candidate(catalogue, rows, questions)
        for set_name, set_rows in blind.items():
            print(line(set_name, matcher_accuracy.evaluate(Fixed(catalogue, full, thresholds),
                                                           set_rows)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
