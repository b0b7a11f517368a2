"""A learned second opinion on "I need support now", beside the phrase patterns.

Patterns catch what someone thought to write down; people in distress say it in endless other
ways. This small model (scikit-learn: TF-IDF over character and word n-grams, then a linear
support vector machine) is trained from content/distress_examples.yaml plus every example and
near miss in distress.yaml, each time that content changes (a fraction of a second), so peers
extend it by adding examples, not code. Crisis lines come first when the patterns OR the
model say so.

Text is normalised as the patterns see it (case, accents, apostrophes) and never
spell-corrected. Rule 2: nothing about a message is stored or logged here; the fitted model
holds only its training examples' n-gram weights.
"""

from __future__ import annotations

import collections
import hashlib
import importlib.metadata
import itertools
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

from bot.content.schema.distress import DistressFile
from bot.content.schema.distress_examples import DistressExamplesFile
from bot.directory.distress import Distress
from bot.directory.phrases import normalise

_SKLEARN = importlib.metadata.version("scikit-learn")  # a model kept by another one is retrained
LONGEST = 2000  # characters looked at, as for the patterns
STRENGTH = 2.0  # LinearSVC's C, chosen with the leave-one-set-out figures (benchmarks.distress)


_TFIDF = {"sublinear_tf": True, "lowercase": False}  # already lower case: see ``normalise``
_WORD = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern
CHARS = (2, 5)  # character n-grams, within words
WORDS = (1, 2)  # words and pairs of words

Weights = dict[str, tuple[float, float]]  # n-gram → (its idf, its weight in the model)


def _plain(text: str) -> str:
    return normalise(text[:LONGEST])


def char_grams(plain: str) -> list[str]:
    """The character n-grams of ``plain``, as TfidfVectorizer(analyzer="char_wb") takes them."""
    grams = []
    for word in plain.split():
        padded = f" {word} "
        for n in range(CHARS[0], CHARS[1] + 1):
            grams += [padded[i : i + n] for i in range(max(len(padded) - n, 0) + 1)]
            if len(padded) <= n:  # a short word counts once, as scikit-learn counts it
                break
    return grams


def word_grams(plain: str) -> list[str]:
    """The words and pairs of words of ``plain``, as TfidfVectorizer takes them."""
    words = _WORD.findall(plain)
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def _part(grams: list[str], weights: Weights) -> float:
    """One block of the model: sublinear tf × idf, normalised to length 1, · weights."""
    counts = collections.Counter(g for g in grams if g in weights)
    dot = squares = 0.0
    for gram, n in counts.items():
        idf, weight = weights[gram]
        value = (1.0 + math.log(n)) * idf
        dot += value * weight
        squares += value * value
    return dot / math.sqrt(squares) if squares else 0.0


def fit_pipeline(distress: Sequence[str], ordinary: Sequence[str]) -> Any:
    """Train with scikit-learn (imported only here: reading a kept model needs none of it,
    which spares every start the second or so its import takes)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion, make_pipeline
    from sklearn.svm import LinearSVC

    features = FeatureUnion(
        [
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=CHARS, **_TFIDF)),
            ("words", TfidfVectorizer(ngram_range=WORDS, **_TFIDF)),
        ]
    )
    pipeline = make_pipeline(
        features, LinearSVC(C=STRENGTH, class_weight="balanced", random_state=0)
    )
    texts = [_plain(t) for t in [*distress, *ordinary]]
    pipeline.fit(texts, [1] * len(distress) + [0] * len(ordinary))
    return pipeline


class DistressModel:
    """A fitted model as plain weights, and the threshold at which it alone says "needs
    support now". Scoring is a few dictionary look-ups per n-gram, in plain Python."""

    def __init__(self, chars: Weights, words: Weights, intercept: float, threshold: float):
        self.chars, self.words, self.intercept = chars, words, intercept
        self.threshold = threshold

    @classmethod
    def fit(cls, distress: Sequence[str], ordinary: Sequence[str], threshold: float) -> Self:
        return cls.from_pipeline(fit_pipeline(distress, ordinary), threshold)

    @classmethod
    def from_pipeline(cls, pipeline: Any, threshold: float) -> Self:
        """The weights of a pipeline from ``fit_pipeline``: the blocks' vocabularies and idf,
        and the linear model's coefficients, which run over the blocks in order."""
        (_, chars), (_, words) = pipeline.steps[0][1].transformer_list
        coefficients = pipeline.steps[-1][1].coef_[0]
        blocks: list[Weights] = []
        offset = 0
        for vectorizer in (chars, words):
            blocks.append(
                {
                    gram: (float(vectorizer.idf_[i]), float(coefficients[offset + i]))
                    for gram, i in vectorizer.vocabulary_.items()
                }
            )
            offset += len(vectorizer.vocabulary_)
        return cls(blocks[0], blocks[1], float(pipeline.steps[-1][1].intercept_[0]), threshold)

    def scores(self, texts: Sequence[str]) -> list[float]:
        """How strongly each text reads as "I need support now": around 0 the model is
        unsure, above it leans to yes, below to no."""
        return [
            _part(char_grams(plain), self.chars)
            + _part(word_grams(plain), self.words)
            + self.intercept
            for plain in map(_plain, texts)
        ]

    def says(self, text: str) -> bool:
        return self.scores([text])[0] >= self.threshold

    def to_json(self) -> str:
        return json.dumps(
            {
                "intercept": self.intercept,
                **{
                    part: [list(weights), *map(list, zip(*weights.values(), strict=True))]
                    for part, weights in (("chars", self.chars), ("words", self.words))
                },
            }
        )

    @classmethod
    def from_json(cls, text: str, threshold: float) -> Self:
        """A model written by ``to_json``: each block as its n-grams, idfs and weights."""
        data = json.loads(text)
        blocks: list[Weights] = []
        for part in ("chars", "words"):
            grams, idfs, weights = data[part]
            blocks.append(dict(zip(grams, zip(idfs, weights, strict=True), strict=True)))
        return cls(blocks[0], blocks[1], float(data["intercept"]), threshold)


def training_lists(
    examples: DistressExamplesFile, patterns: DistressFile, without: str | None = None
) -> tuple[list[str], list[str]]:
    """The distress and ordinary messages to learn from: every group (but ``without``, which
    the benchmark holds out) and every example and near miss of the patterns."""
    distress = [e for p in patterns.patterns for e in p.examples]
    ordinary = list(patterns.near_misses)
    for group in examples.groups:
        if group.id != without:
            distress += group.distress
            ordinary += group.ordinary
    return distress, ordinary


_trained: dict[bytes, DistressModel] = {}  # the last model, by what it learned from
_kept_in: list[Path] = []  # the folder fitted models are kept in between runs, when set
_KEPT = "distress-model-{}.json"


def keep_models_in(folder: Path | None) -> None:
    """Keep fitted models in ``folder`` (the service's data folder) between runs, so a start
    with unchanged examples reads the model back (tens of milliseconds) instead of training it again
    (about 0.3 s, plus about a second to import scikit-learn). The file holds the n-gram
    weights learned from the content's examples (JSON), never a message."""
    _kept_in[:] = [folder] if folder is not None else []


def _kept(key: bytes) -> Path | None:
    return _kept_in[0] / _KEPT.format(key.hex()[:32]) if _kept_in else None


def _read_kept(key: bytes, threshold: float) -> DistressModel | None:
    path = _kept(key)
    if path is None:
        return None
    try:
        return DistressModel.from_json(path.read_text("utf-8"), threshold)
    except (OSError, ValueError, KeyError, TypeError):  # only a cache (cut short?): train again
        return None


def _write_kept(key: bytes, model: DistressModel) -> None:
    path = _kept(key)
    if path is None or not path.parent.is_dir():  # never creates the data folder itself
        return
    try:
        for old in path.parent.glob(_KEPT.format("*")):
            old.unlink(missing_ok=True)
        spare = path.with_suffix(".partial")
        spare.write_text(model.to_json(), "utf-8")
        spare.replace(path)
    except OSError:
        return  # only a cache: the next start trains again


def train(
    examples: DistressExamplesFile, patterns: DistressFile, without: str | None = None
) -> DistressModel:
    """The model for these examples: the last one when it learned from the very same messages
    (a reload that changed another file, a copy of the same content), else the one kept in the
    data folder by an earlier run, else trained now."""
    distress, ordinary = training_lists(examples, patterns, without)
    key = hashlib.sha256(
        json.dumps([_SKLEARN, STRENGTH, CHARS, WORDS, distress, ordinary]).encode()
    ).digest()
    model = _trained.get(key) or _read_kept(key, examples.threshold)
    if model is None:
        model = DistressModel.fit(distress, ordinary, examples.threshold)
        _write_kept(key, model)
    elif model.threshold != examples.threshold:  # only the threshold changed
        model = DistressModel(model.chars, model.words, model.intercept, examples.threshold)
    _trained.clear()
    _trained[key] = model
    return model


LEARNED = "learned"  # what ``which`` answers when only the model recognised distress


class Recogniser:
    """Patterns OR model: crisis lines come first when either says "needs support now".
    The patterns answer first (cheap, and they name the entry that matched); the model is
    asked only when no pattern recognised the message."""

    def __init__(self, patterns: Distress, model: DistressModel) -> None:
        self.patterns = patterns
        self.model = model

    def which(self, text: str) -> str | None:
        """The id of the pattern entry that recognises distress, ``LEARNED`` when only the
        model does, or None."""
        found = self.patterns.which(text)
        if found is None and self.model.says(text):
            return LEARNED
        return found

    def recognises(self, text: str) -> bool:
        return self.which(text) is not None
