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

from skill.catalogue import Catalogue

FALLBACK = "AMAZON.FallbackIntent"
EMERGENCY = "EmergencyIntent"
OUT_OF_SCOPE = "OUT_OF_SCOPE"

# A wrong medical answer is worse than "I can't answer that": below this similarity, or
# this close to the runner-up, the matcher declines. Tuned on the development sets
# bench/questions/en-US.tsv and en-US.heldout.tsv.
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
        if self._is_exception(question):
            return False
        return any(p.search(text) for text in self._emergency_texts(question)
                   for p in self.catalogue.emergency_patterns)

    def _is_exception(self, question: str) -> bool:
        """Return True when [emergency].not_patterns say this is not a red flag."""
        return any(p.search(text) for text in self._emergency_texts(question)
                   for p in self.catalogue.emergency_exceptions)

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
        if intent == EMERGENCY and self._is_exception(question):
            # Sounds like a red flag, but the catalogue says this phrasing is not one.
            return Match(FALLBACK, confidence, intent)
        if intent == OUT_OF_SCOPE or score < self.min_score:
            return Match(FALLBACK, confidence, intent)
        if score - runner_up[1] < self.min_margin and runner_up[0] != intent:
            return Match(FALLBACK, confidence, runner_up[0])
        return Match(intent, confidence, runner_up[0])


# The commonest English words of three letters or more (the top 6,000 of the `wordfreq`
# package's English list, taken once and pasted here so the matcher needs nothing
# installed). A word in this list is a real word typed on purpose, never a slip to be
# "corrected" into a catalogue word ("bread" is not "break", "scary" is not "scar").
COMMON_WORDS = frozenset("""
aaron abandoned abc abilities ability able aboard abortion about above abroad absence absolute
absolutely abstract abuse academic academy accent accept acceptable acceptance accepted accepting
access accessible accident accidentally accidents accompanied accomplished accordance according
account accounting accounts accuracy accurate accused ace achieve achieved achievement acid
acknowledge acquire acquired acquisition acres across act acted acting action actions active
actively activist activists activities activity actor actors actress acts actual actually adam
adams adapted add added addiction adding addition additional additionally address addressed
addresses adds adjacent adjusted administration administrative admission admit admitted adopt
adopted adoption ads adult adults advance advanced advantage adventure adventures advertising
advice advised advisory advocate affair affairs affect affected affects afford affordable
afghanistan afraid africa african after afternoon afterwards again against age aged agencies agency
agenda agent agents ages aggressive ago agree agreed agreement agreements agricultural agriculture
ahead aid aids aim aimed aims air aircraft airlines airport aka alabama alan alarm alaska albert
album albums alcohol alert alex alexander ali alice alien alike alive all alleged allen alliance
allies allow allowed allowing allows almost alone along alongside alpha already alright also
alternate alternative although always amateur amazing amazon ambassador amendment america american
americans among amongst amount amounts amy analysis ancient and anderson andrew android andy angel
angeles angels anger angle angry animal animals animation anime ann anna anne anniversary announce
announced announcement annoying annual annually anonymous another answer answered answers anthony
anti antonio anxiety any anybody anymore anyone anything anytime anyway anywhere apart apartment
apologize app apparent apparently appeal appeals appear appearance appeared appearing appears apple
applicable application applications applied applies apply applying appointed appointment appreciate
appreciated appreciation approach approached approaches approaching appropriate approval approved
approximately apps april arab arabia arc architecture are area areas arena argentina argue argued
arguing argument arguments arizona arm armed arms army around arranged arrangement arrangements
arrest arrested arrival arrive arrived arrives arriving arrow arsenal art arthur article articles
artificial artist artistic artists arts artwork ash ashley asia asian aside ask asked asking asks
asleep aspect aspects ass assault assembly assessment asset assets asshole assigned assignment
assist assistance assistant associate associated associates association assume assumed assuming ate
athlete athletes athletic atlanta atlantic atmosphere attached attack attacked attacking attacks
attempt attempted attempting attempts attend attendance attended attending attention attitude
attorney attract attracted attraction attractive auction audience audio aug august aunt austin
australia australian author authorities authority authorized authors auto automatic automatically
autumn availability available avenue average aviation avoid awake award awarded awards aware
awareness away awesome awful awkward babe babies baby back backed background backing backup bacon
bacteria bad badly bag bags baker balance balanced ball balls baltimore ban band bands bang bank
banking bankruptcy banks banned banner bar barbara barcelona bare barely barrel barrier barry bars
base baseball based basement bases basic basically basis basketball bass bat bath bathroom batman
battery battle battles bay bbc beach beam beans bear bearing bears beast beat beaten beating beats
beautiful beauty became because become becomes becoming bed bedroom beds beef been beer before
began begin beginning begins begun behalf behavior behaviour behind beijing being beings belgium
belief beliefs believe believed believes believing bell belong belongs beloved below belt ben bench
bend beneath benefit benefits benjamin berlin beside besides best bet beta better between beyond
bias bible bid big bigger biggest bike bill billion bills billy bin binding biological biology bird
birds birmingham birth birthday bishop bit bitch bitcoin bite bits bitter black blacks blade blake
blame blank blast bless blessed blew blind block blocked blocking blocks blog blood bloody blow
blowing blown blue blues board boards boat boats bob bobby bodies body bold bomb bombs bond bonds
bone bones bonus book books boom boost boot boots border borders bored boring born boss boston both
bother bottle bottles bottom bought bound boundaries boundary bow bowl box boxes boxing boy
boyfriend boys brad brain branch branches brand brands brave brazil brazilian breach bread break
breakfast breaking breaks breast breath breathe breathing brian brick bridge brief briefly bright
brilliant bring bringing brings britain british bro broad broadcast broke broken bronze brooklyn
brother brothers brought brown bruce brush bubble bucks buddy budget buffalo bug build building
buildings built bulk bull bullet bullshit bunch burden bureau buried burn burned burning burns
burst bus bush business businesses busy but butt butter button buy buyers buying bye cabin cabinet
cable cage cake calendar california call called calling calls calm cambridge came camera cameras
cameron camp campaign campaigns campbell camps campus can canada canadian canal cancel cancelled
cancer candidate candidates candy cannot canon cant cap capabilities capable capacity cape capital
caps captain capture captured car carbon card cards care cared career careful carefully cares cargo
caribbean caring carl carolina carpet carried carrier carries carry carrying cars carter case cases
cash casino cast casting castle casual cat catch catching categories category catherine catholic
cats cattle caught cause caused causes causing cave cbs ceiling celebrate celebrated celebrating
celebration celebrity cell cells census cent center centers central centre cents centuries century
ceo ceremony certain certainly certificate certified chain chains chair chairman challenge
challenges challenging chamber champion champions championship chance chancellor chances change
changed changes changing channel channels chaos chapter character characteristics characters charge
charged charges charging charity charles charlie charlotte charm chart charter charts chase chasing
chat cheap cheaper cheating check checked checking checks cheers cheese chef chelsea chemical
chemicals chemistry cherry chest chicago chicken chief child childhood children chill china chinese
chip chips chocolate choice choices choose choosing chose chosen chris christ christian
christianity christians christmas christopher chronic chuck church churches cia cinema circle
circles circuit circumstances cited cities citizen citizens city civil civilian claim claimed
claiming claims clark class classes classic classical classification classified classroom clay
clean cleaning clear cleared clearly cleveland clever click client clients climate climb climbing
clinic clinical clinton clip clock close closed closely closer closest closet closing closure
clothes clothing cloud clouds club clubs clue cnn coach coaches coaching coal coalition coast
coastal coat cock code codes coffee cognitive coin coins cold cole collaboration collapse
colleagues collect collected collecting collection collections collective college colleges collins
colonel colonial colony color colorado colored colors colour colours columbia column com combat
combination combine combined come comedy comes comfort comfortable comic comics coming command
commander comment commentary comments commerce commercial commission commissioner commit commitment
committed committee common commonly commons commonwealth communicate communication communications
communist communities community companies companion company compare compared comparing comparison
compensation compete competing competition competitive competitors complain complaining complaint
complaints complete completed completely completion complex compliance complicated component
components composed composition compound comprehensive compromise computer computers con
concentration concept concepts concern concerned concerning concerns concert concluded conclusion
concrete condition conditions conduct conducted conference confidence confident confirm confirmed
conflict confused confusion congratulations congress congressional connect connected connecticut
connecting connection connections conscious consciousness consecutive consent consequences
conservation conservative conservatives consider considerable consideration considered considering
consistent consistently consists conspiracy constant constantly constitution constitutional
constructed construction consultant consumer consumers consumption contact contacts contain
contained containing contains contemporary content contents contest context continue continued
continues continuing continuous contract contracts contrary contrast contribute contributed
contribution contributions control controlled controller controlling controls controversial
controversy convenient convention conventional conversation conversations conversion convert
converted convicted conviction convince convinced cook cooked cookies cooking cool cooper
cooperation cop copies copper cops copy copyright core corn corner corp corporate corporation
corporations corps correct correctly corresponding corrupt corruption cost costa costs costume
cotton couch could council counsel count counter counties counting countries country counts county
couple couples courage course courses court courtesy courts cousin cover coverage covered covering
covers cow crack craft craig crap crash crazy cream create created creates creating creation
creative creator creature creatures credit credits creek crew cricket cried crime crimes criminal
criminals crisis criteria critical criticism critics crop cross crossed crossing crowd crown
crucial cruel cruise crush cry crying crystal cuba cultural culture cultures cup cups cure curious
currency current currently curriculum curve custody custom customer customers customs cut cute cuts
cutting cycle dad daddy daily dallas dam damage damaged damages damn dan dance dancing danger
dangerous daniel danny dare dark darkness data database date dated dates dating daughter daughters
dave david davis dawn day days dead deadline deadly deal dealer dealing deals dealt dean dear death
deaths debate debt debut dec decade decades december decent decide decided decides deciding
decision decisions deck declared decline declined decrease dedicated deemed deep deeper deeply deer
default defeat defeated defence defend defender defending defense defensive define defined
definitely definition degree degrees del delay delayed delete deleted delhi delicious deliver
delivered delivery delta demand demanded demanding demands democracy democrat democratic democrats
demonstrate demonstrated denied density dental denver deny department departments departure depend
dependent depending depends deposit depressed depression depth deputy der derived des describe
described describes describing description desert deserve deserved deserves design designated
designed designer designs desire desired desk desperate despite destination destiny destroy
destroyed destruction detail detailed details detective determination determine determined detroit
develop developed developer developers developing development developments device devices devil
devoted diabetes diagnosis dialogue diamond dick did didnt die died diego dies diet difference
differences different differently difficult difficulties difficulty dig digital dining dinner
diplomatic direct directed direction directions directly director directors dirt dirty disability
disabled disappeared disappointed disaster disc discipline discount discover discovered discovery
discrimination discuss discussed discussing discussion discussions disease diseases disgusting dish
dishes dismissed disney disorder disorders display displayed dispute distance distant distinct
distinguished distributed distribution district districts dive diverse diversity divide divided
divine division divisions divorce dna doc doctor doctors document documentary documents does dog
dogs doing dollar dollars domain domestic dominant dominated don donald done dont door doors dose
double doubt douglas down download downtown dozen dozens draft drag dragon drama dramatic draw
drawing drawn dream dreams dress dressed dressing drew drink drinking drinks drive driven driver
drivers drives driving drop dropped dropping drops drove drug drugs drum drunk dry dual duck dude
due duke dumb duration during dust dutch duties duty dvd dying dynamic each eagle eagles ear earl
earlier early earn earned earning earnings ears earth earthquake ease easier easily east easter
eastern easy eat eaten eating economic economics economy eddie edge edinburgh edit edited editing
edition editor editorial educated education educational edward effect effective effectively effects
efficiency efficient effort efforts egg eggs egypt egyptian eight eighth either elderly elected
election elections electoral electric electrical electricity electronic electronics element
elementary elements eleven eligible eliminate elite elizabeth else elsewhere email emails
embarrassing embassy embrace emerged emergency emerging emily emma emotion emotional emotions
emperor emphasis empire employed employee employees employer employers employment empty enable
enabled encounter encourage encouraged encouraging end ended ending endless ends enemies enemy
energy enforcement engage engaged engagement engaging engine engineer engineering engineers engines
england english enjoy enjoyed enjoying enormous enough ensure enter entered entering enterprise
entertaining entertainment entire entirely entitled entity entrance entry environment environmental
epic episode episodes equal equality equally equipment equipped equity equivalent era eric error
errors escape escaped especially essay essential essentially est establish established establishing
establishment estate estimate estimated estimates etc eternal ethics ethnic europe european
evaluation evans eve even evening event events eventually ever every everybody everyday everyone
everything everywhere evidence evil evolution exact exactly exam examination examine example
examples excellent except exception excess excessive exchange excited excitement exciting exclusive
exclusively excuse executed execution executive exercise exercises exhibit exhibition exist existed
existence existing exists exit expand expanded expanding expansion expect expectations expected
expecting expense expenses expensive experience experienced experiences experiment experimental
experiments expert experts explain explained explaining explains explanation exploration explore
explosion export exposed exposure express expressed expression extend extended extension extensive
extent external extra extraordinary extreme extremely eye eyes face facebook faced faces facilities
facility facing fact factor factors factory facts faculty fail failed failing fails failure fair
fairly faith fake fall fallen falling falls false fame familiar families family famous fan fancy
fans fantastic fantasy far farm farmer farmers farming farms fascinating fashion fast faster
fastest fat fate father fault favor favorite favour favourite fbi fear fears feature featured
features featuring feb february fed federal federation fee feed feedback feeding feel feeling
feelings feels fees feet fell fellow felt female females feminist fence festival fever few fewer
fiction field fields fifa fifteen fifth fifty fight fighter fighters fighting fights figure figured
figures file filed files fill filled filling film filming films filter final finally finals finance
financial financing find finding findings finds fine finest finger fingers finish finished
finishing fire fired fires firing firm firms first fiscal fish fishing fit fitness fits fitted five
fix fixed flag flash flat fleet flesh flew flexible flight flights flip floating flood floor
florida flow flower flowers flows fluid fly flying focus focused focusing folk folks follow
followed followers following follows food foods fool foot footage football for force forced forces
forcing ford foreign forest forever forget forgive forgot forgotten form formal format formation
formed former formerly forming forms formula fort forth fortune forty forum forward foster fought
found foundation founded founder four fourth fox frame framework france franchise francis francisco
frank franklin fraud fred free freedom freeze french frequency frequent frequently fresh friday
friend friendly friends friendship from front frozen fruit fuck fucked fuckin fucking fuel full
fully fun function functional functions fund fundamental funded funding funds funeral funny
furniture further furthermore future gain gained gaining gains galaxy gallery game games gaming
gang gap garage garbage garden gardens gary gas gate gates gather gathered gathering gave gay gear
gen gender gene general generally generate generated generation generations generic generous genes
genetic genius genre gentle gentleman gentlemen genuine george georgia german germans germany get
gets getting ghost giant giants gift gifts girl girlfriend girls give given gives giving glad
glasgow glass glasses global globe glory goal goals god gods goes going gold golden golf gone gonna
good goodbye goodness goods google gop gordon gorgeous gospel got gotta gotten governing government
governments governor grab grace grade grades gradually graduate graduated graham grain grammar
grand grandfather grandma grandmother grant granted grants graphic graphics grass grateful grave
gravity gray great greater greatest greatly greece greek green greg grew grey grid grip gross
ground grounds group groups grow growing grown grows growth guarantee guaranteed guard guardian
guards guess guest guests guidance guide guidelines guilt guilty guitar gulf gun guns guy guys gym
habit habits had haha hair half hall halloween ham hamilton hammer hand handed handful handle
handled handling hands handsome hang hanging happen happened happening happens happily happiness
happy harbor hard harder hardly hardware harm harmony harris harry harsh harvard harvey has hat
hate hated hates have haven having hawaii head headed heading headquarters heads heal healing
health healthcare healthy hear heard hearing heart hearts heat heating heaven heavily heavy height
heights held helen helicopter hell hello help helped helpful helping helps hence henry her here
heritage hero heroes herself hey hidden hide hiding high higher highest highlight highlights highly
highway hilarious hill hillary hills him himself hip hire hired hiring his historic historical
history hit hitler hits hitting hiv hmm hockey hold holder holding holds hole holes holiday
holidays hollywood holy home homeless homes homework honest honestly honey hong honor honour hood
hook hop hope hoped hopefully hopes hoping horn horrible horror horse horses hospital hospitals
host hosted hosting hosts hot hotel hotels hour hours house household households houses housing
houston how howard however http https huge huh human humanity humans humble humor hundred hundreds
hung hungry hunt hunter hunting hurry hurt hurting hurts husband hybrid ian ice icon iconic idea
ideal ideas identical identification identified identify identity idiot idk ignore ignored iii ill
illegal illinois illness illustrated image images imagination imagine immediate immediately
immigrants immigration immune impact imperial implement implementation implemented importance
important imposed impossible impressed impression impressive improve improved improvement
improvements improving inc inch inches incident incidents include included includes including
income incorporated increase increased increases increasing increasingly incredible incredibly
indeed independence independent index india indian indiana indians indicate indicated indicates
indigenous individual individuals indonesia industrial industries industry infected infection
infinite inflation influence influenced info inform information informed infrastructure ingredients
initial initially initiative injured injuries injury inner innocent innovation input inquiry insane
inside insight inspection inspector inspiration inspired instagram install installation installed
instance instant instantly instead institute institution institutions instruction instructions
instrument instruments insurance integrated integration integrity intellectual intelligence
intelligent intended intense intensity intent intention intentions inter interaction interactions
interest interested interesting interests interface interior internal international internet
interpretation intervention interview interviews into introduce introduced introducing introduction
invasion invented inventory invest invested investigate investigated investigation investigations
investing investment investments investors invitation invite invited involve involved involvement
involves involving ion ios iowa iphone iran iranian iraq ireland irish iron isis islam islamic
island islands isolated israel israeli issue issued issues italian italy item items its itself jack
jacket jackson jacob jail jake jam james jamie jan jane january japan japanese jason jay jazz
jealous jean jeff jennifer jeremy jerry jersey jerusalem jessica jesus jet jewelry jewish jews jim
jimmy job jobs joe john johnny johnson join joined joining joint joke jokes jon jonathan jones
jordan jose joseph josh journal journalism journalist journalists journey joy juan judge judges
judgment judicial juice julia july jump jumped jumping june jungle junior jury just justice justify
justin kansas kate keen keep keeping keeps keith kelly ken kennedy kent kentucky kenya kept kevin
key keyboard keys khan kick kicked kicking kid kidding kids kill killed killer killing kills kim
kind kinda kinds king kingdom kings kiss kit kitchen knee knees knew knife knight knock knocked
know knowing knowledge known knows kong korea korean kyle lab label labor laboratory labour lack
ladies lady laid lake lakes land landed landing lands landscape lane language languages lap laptop
large largely larger largest larry las laser last lasting late lately later latest latin latter
laugh laughed laughing launch launched laura law lawrence laws lawyer lawyers lay layer layers
laying lazy lead leader leaders leadership leading leads leaf league lean learn learned learning
lease least leather leave leaves leaving lecture led lee left leg legacy legal legally legend
legendary legislation legislative legislature legitimate legs length lens leo lesbian less lesser
lesson lessons let lets letter letters letting level levels lewis liability liberal liberals
liberty libraries library license licensed lie lied lies lieutenant life lifestyle lifetime lift
light lighting lightning lights like liked likely likes limit limited limits lincoln line linear
lines link linked links lion lions lip lips liquid lisa list listed listen listened listening
listing lists lit literally literary literature little live lived liver liverpool lives living lmao
load loaded loads loan loans local locally located location locations lock locked log logic logical
logo lol london lonely long longer longest look looked looking looks loop loose lord los lose loses
losing loss losses lost lot lots loud louis louisiana love loved lovely lover lovers loves loving
low lower lowest loyal loyalty ltd luck lucky luke lunch luxury lying lyrics mac machine machines
mad made madison madrid magazine magic magical magnetic mail main maine mainly mainstream maintain
maintained maintaining maintenance major majority make maker makers makes makeup making malaysia
male males mall mama man manage managed management manager managers managing manchester mandatory
manhattan manner manual manufactured manufacturer manufacturers manufacturing many map maps mar
marathon march margaret margin maria marie marijuana marine mario mark marked market marketing
markets marks marriage married marry mars marshall martin marvel mary maryland mask mason mass
massachusetts massive master masters match matches mate material materials math mathematics matt
matter matters matthew mature max maximum may maybe mayor meal meals mean meaning meaningful means
meant meanwhile measure measured measures meat mechanical mechanics mechanism medal media medical
medication medicine medium meet meeting meetings meets melbourne member members membership memorial
memories memory men mental mentally mention mentioned menu mercy mere merely mess message messages
met metal meters method methods metres metro metropolitan mexican mexico miami michael michelle
michigan microsoft mid middle midnight might migration mike mild mile miles military milk mill
miller million millions mills min mind minded minds mine mines mini minimal minimum mining minister
ministers ministry minnesota minor minority minute minutes miracle mirror miss missed missile
missing mission missions mississippi missouri mistake mistakes mitchell mix mixed mixing mixture
mobile mode model models moderate modern modified molecular mom moment moments monday money monitor
monitoring monster monsters month monthly months mood moon moore moral more moreover morgan morning
morris mortgage moscow most mostly mother mothers motion motivated motivation motor mount mountain
mountains mounted mouse mouth move moved movement movements moves movie movies moving mps mrs much
mud multi multiple mum municipal murder murdered murphy murray muscle muscles museum music musical
muslim muslims must mutual myself mysterious mystery nah nail naked name named names nancy
narrative narrow nasa nasty nathan nation national nations native natural naturally nature naval
navy nazi nba near nearby nearest nearly necessarily necessary neck need needed needs negative
negotiations neighbor neighborhood neighbors neil neither nelson nerve nervous net netflix
netherlands network networks neutral never nevertheless new newly news newspaper newspapers next
nfl nice nick nigeria night nightmare nights nine noble nobody noise nominated non none nonsense
noon nope nor normal normally norman north northern northwest norway nose not note noted notes
nothing notice noticed notion nov novel november now nowadays nowhere nuclear number numbers
numerous nurse nurses nursing nuts oak obama object objective objects observation observed obtain
obtained obvious obviously occasion occasional occasionally occasions occupation occupied occur
occurred occurs ocean oct october odd odds off offense offensive offer offered offering offers
office officer officers offices official officially officials often ohio oil okay oklahoma old
older oldest oliver olympic olympics once one ones ongoing online only ontario onto open opened
opening openly opens opera operate operated operates operating operation operational operations
operator operators opinion opinions opponent opponents opportunities opportunity opposed opposite
opposition option options oral orange order ordered orders ordinary oregon organ organic
organisation organisations organization organizations organized oriented origin original originally
orleans oscar other others otherwise ought our ours ourselves out outcome outdoor outer outfit
output outside outstanding over overall overcome overnight overseas overview owe own owned owner
owners ownership owns oxford oxygen pace pacific pack package packed page pages paid pain painful
paint painted painting paintings pair pairs pakistan palace palestinian palm pan panel panic pants
paper papers par parade paradise parallel parent parents paris parish park parker parking parks
parliament parliamentary part partial partially participants participate participating
participation particular particularly parties partly partner partners partnership parts party pass
passage passed passenger passengers passes passing passion past pat patch patent path pathetic
patience patient patients patrick patrol pattern patterns paul pay paying payment payments pays
peace peaceful peak pearl peer pen penalty pennsylvania pension people peoples pepper per perceived
percent percentage perception perfect perfectly perform performance performances performed
performing perhaps period periods permanent permission permit permitted perry person personal
personality personally personnel persons perspective pet pete peter petition phase phenomenon phil
philadelphia philip philippines philosophy phoenix phone phones photo photograph photographer
photographs photography photos phrase physical physically physician physics piano pic pick picked
picking picks pics picture pictures pie piece pieces pig pile pilot pilots pin pink pipe piss
pissed pit pitch pittsburgh pizza place placed places placing plain plan plane planes planet
planned planning plans plant plants plastic plate plates platform platforms play played player
players playing playoff playoffs plays pleasant please pleased pleasure plenty plot plug plus
pocket podcast poem poems poet poetry point pointed pointing points poland pole police policies
policy polish political politician politicians politics poll pollution pool poor pop pope popular
popularity population populations porn port portfolio portion portland portrait position positions
positive possession possibilities possibility possible possibly post posted poster posting posts
pot potato potential potentially potter pound pounds poverty powder power powered powerful powers
practical practically practice practices praise pray prayer prayers pre precious precise precisely
predicted prefer preference preferred pregnancy pregnant preliminary premier premiere premium
preparation prepare prepared preparing presence present presentation presented presents preserve
presidency president presidential press pressed pressure pretend pretty prevent preventing
prevention previous previously price prices pride priest primarily primary prime prince princess
principal principle principles print printed printing prior priority prison prisoner prisoners
privacy private privilege prize pro probably problem problems procedure procedures proceed
proceedings process processes processing produce produced producer producers produces producing
product production productive productivity products prof profession professional professionals
professor profile profit profits program programme programming programs progress progressive
project projects prominent promise promised promises promote promoted promoting promotion proof
propaganda proper properly properties property proposal proposals proposed prospect protect
protected protecting protection protective protein protest protests protocol proud prove proved
proven provide provided providers provides providing province provision provisions psychological
psychology pub public publication publications publicly published publisher publishing pull pulled
pulling pump punch punishment punk pupils purchase purchased pure purple purpose purposes pursue
pursuit push pushed pushing pussy put putin puts putting qualified qualify quality quarter quarters
queen queensland quest question questions quick quickly quiet quietly quit quite quote quoted
quotes race races rachel racial racing racism racist radar radiation radical radio raid rail
railroad railway rain raise raised raising rally ram ran random range rangers ranging rank ranked
ranking ranks rap rape rapid rapidly rare rarely rat rate rated rates rather rating ratings ratio
raw ray reach reached reaches reaching react reaction reactions read reader readers reading reads
ready real realise realistic reality realize realized really rear reason reasonable reasons recall
receive received receives receiving recent recently reception recipe recognition recognize
recognized recommend recommendations recommended record recorded recording records recover
recovered recovery red reduce reduced reducing reduction refer reference references referred
referring refers reflect reflected reflection reform refugees refuse refused regard regarded
regarding regardless regards regime region regional regions register registered registration regret
regular regularly regulation regulations regulatory rejected relate related relating relation
relations relationship relationships relative relatively relatives relax release released releases
releasing relevant reliable relief religion religious rely remain remained remaining remains
remarkable remarks remember remembered remind reminded reminder reminds remote removal remove
removed removing rent rep repair repeat repeated repeatedly replace replaced replacement replacing
replied reply report reported reportedly reporter reporting reports represent representation
representative representatives represented representing represents republic republican republicans
reputation request requested requests require required requirement requirements requires requiring
rescue research researchers reserve reserved reserves residence resident residential residents
resist resistance resolution resolve resort resource resources respect respective respectively
respond responded response responses responsibilities responsibility responsible rest restaurant
restaurants restore restored restricted restrictions result resulted resulting results resume
retail retain retired retirement retreat return returned returning returns rev reveal revealed
reveals revenge revenue reverse review reviewed reviews revised revolution revolutionary reward
rice rich richard richmond rick rid ride ridge ridiculous riding rifle right rights ring rings rio
rip rise rising risk risks rival river rivers road roads rob robert roberts robin robinson robot
rock rocket rocks rocky rod roger role roles roll rolled rolling rolls roman romance romantic rome
ron roof rookie room rooms root roots rose ross rough roughly round rounds route routes routine row
roy royal rubber rude rugby ruin ruined rule ruled rules ruling run runner running runs rural rush
russell russia russian russians ryan sacred sacrifice sad sadly safe safely safety said saint
saints sake salad salary sale sales salt sam same sample samples samsung samuel san sand sandwich
sandy santa sarah sat satellite satisfaction satisfied saturday sauce saudi save saved saving
savings saw say saying says scale scandal scared scary scenario scene scenes schedule scheduled
scheme scholars scholarship school schools science sciences scientific scientist scientists scope
score scored scores scoring scotland scott scottish scratch scream screaming screen screening screw
script sea seal sealed sean search searching season seasons seat seats seattle sec second secondary
seconds secret secretary secrets section sections sector secure secured securities security see
seed seeds seeing seek seeking seeks seem seemed seems seen sees segment select selected selection
self sell selling semi senate senator send sending sends senior sense sensitive sent sentence
sentences separate separated separation sept september sequence serial series serious seriously
serve served server serves service services serving session sessions set sets setting settings
settle settled settlement seven seventh several severe sex sexual sexually sexy shade shadow shake
shall shame shape shaped share shared shares sharing sharp she shed sheep sheet sheets shell
shelter sheriff shield shift shine ship shipping ships shirt shirts shit shock shocked shoe shoes
shoot shooting shop shopping shops shore short shorter shortly shot shots should shoulder shoulders
show showed shower showing shown shows shut shy sick side sides sight sign signal signals signature
signed significance significant significantly signing signs silence silent silly silver similar
similarly simon simple simply simultaneously sin since sing singapore singer singing single singles
sink sir sister sisters sit site sites sits sitting situated situation situations six sixth size
sized sizes ski skill skilled skills skin skip sky slave slavery slaves sleep sleeping slept slide
slight slightly slip slow slowly small smaller smart smell smile smiling smith smoke smoking smooth
snake snap snow soap soccer social socialist society soft software soil solar sold soldier soldiers
sole solely solid solo solution solutions solve some somebody somehow someone something sometime
sometimes somewhat somewhere son song songs sons sony soon sooner sorry sort sorts sought soul
souls sound sounded sounds soup source sources south southeast southern soviet space spaces spain
spanish spare speak speaker speakers speaking speaks special specialist species specific
specifically spectrum speech speed spell spend spending spent spider spin spirit spirits spiritual
split spoke spoken sponsored sport sporting sports spot spots spotted spray spread spreading spring
springs spy squad square sri stability stable stadium staff stage stages stairs stake stand
standard standards standing stands stanley star staring stars start started starting starts state
stated statement statements states stating station stations statistical statistics stats status
stay stayed staying stays steady steal stealing steam steel stem step stephen stepped steps
sterling steve steven stewart stick sticks still stock stocks stole stolen stomach stone stones
stood stop stopped stopping stops storage store stored stores stories storm story straight strain
strange stranger strangers strategic strategies strategy stream streaming streams street streets
strength stress stressed stretch strict strictly strike strikes striking string strip stroke strong
stronger strongest strongly struck structural structure structures struggle struggling stuart stuck
student students studied studies studio study studying stuff stunning stupid style styles sub
subject subjects submit submitted subsequent subsequently substance substantial substitute succeed
succeeded success successful successfully such suck sucks sudden suddenly sue suffer suffered
suffering sufficient sugar suggest suggested suggesting suggestion suggestions suggests suicide
suit suitable suite suits sum summary summer summit sun sunday sunshine super superior supplied
supplies supply support supported supporters supporting supports suppose supposed supreme sure
surely surface surgeon surgery surprise surprised surprising surrounded surrounding surveillance
survey survival survive survived susan suspect suspected suspended suspension sustainable sustained
swear sweat sweden swedish sweet swift swim swimming swing swiss switch switched switzerland sword
sydney symbol symptoms syndrome syria syrian system systems table tables tackle tactics tag tail
take taken takes taking tale talent talented talk talked talking talks tall tank tanks tap tape
target targeted targets task tasks taste tattoo taught tax taxes taxi taylor tbh tea teach teacher
teachers teaching team teams tear tears tech technical technique techniques technologies technology
ted teen teenage teens teeth telephone television tell telling tells temperature temperatures
temple temporary ten tend tends tennessee tennis tension term terminal terms terrible territory
terror terrorism terrorist terrorists terry test tested testimony testing tests texas text texts
thai thailand than thank thanks that thats the theater theatre theft their them theme themes
themselves then theories theory therapy there therefore these they thick thin thing things think
thinking thinks third thirty this tho thomas thompson those thou though thought thoughts thousand
thousands thread threat threatened threatening threats three threw throat through throughout throw
throwing thrown thunder thursday thus ticket tickets tie tied tier ties tiger tigers tight till tim
time timeline times timing tiny tip tips tired tissue title titles tobacco today together toilet
tokyo told tom tommy tomorrow ton tone tongue tonight tons tony too took tool tools top topic
topics toronto torture total totally touch touched touching tough tour tourism tourist tournament
tours toward towards tower town towns toxic toy toys trace track tracking tracks trade traded
trading tradition traditional traffic tragedy trail trailer train trained training trains trans
transaction transactions transfer transferred transformation transit transition translated
translation transmission transport transportation trap trapped trash trauma travel traveling
travelling treasure treasury treat treated treating treatment treaty tree trees trend trends trial
trials tribe tribute trick tricks tried tries trigger trip triple trips troops trophy tropical
trouble truck trucks true truly trump trust trusted truth try trying tube tuesday tune tunnel
turkey turkish turn turned turner turning turns tweet twelve twenty twice twin twins twist twitter
two tyler type types typical typically ugh ugly ukraine ukrainian ultimate ultimately ultra unable
uncle uncomfortable under underground underlying understand understanding understands understood
unemployment unexpected unfair unfortunate unfortunately uniform union unions unique unit united
units unity universal universe universities university unknown unless unlike unlikely unnecessary
until unusual upcoming update updated updates upgrade upon upper ups upset urban urgent usa usage
use used useful useless user users uses using usual usually utah utility vacation valid valley
valuable value values valve van vancouver variable variety various vary vast vegas vegetables
vehicle vehicles venture venue verse version versions versus vertical very vessel vessels veteran
veterans via vice victim victims victor victoria victorian victory video videos vietnam view viewed
viewers views villa village villages vincent vintage violation violence violent virgin virginia
virtual virtually virus visa visible vision visit visited visiting visitors visits visual vital
vocal voice voices vol volume volumes volunteer volunteers von vote voted voters votes voting
vulnerable wage wages wait waited waiting wake wales walk walked walker walking walks wall wallet
walls walter wanna want wanted wanting wants war ward warm warned warning warrant warren warrior
warriors wars was wash washing washington waste wasted watch watched watching water waters watson
wave waves way wayne ways weak weakness wealth wealthy weapon weapons wear wearing weather web
website websites wedding wednesday weed week weekend weekly weeks weight weird welcome welfare well
wells welsh went were west western wet what whatever wheel wheels when whenever where whereas
wherever whether which while whilst white who whoever whole whom whose why wide widely wider
widespread wife wild wildlife will william williams willing wilson win wind window windows winds
wine wing wings winner winners winning wins winter wire wireless wisconsin wisdom wise wish wishes
with within without witness witnesses woke wolf woman women won wonder wondered wonderful wondering
wood wooden woods word words wore work worked worker workers working works workshop world worlds
worldwide worn worried worries worry worrying worse worship worst worth worthy would wound wounded
wow wrap wrapped wrestling wright write writer writers writes writing written wrong wrote wtf xbox
yard yards yea yeah year years yellow yep yes yesterday yet yield yoga york you young younger your
yours yourself youth youtube zealand zero zone zones zoo
""".split())
