"""A learned second opinion on "I need support now", beside the phrase patterns.

Patterns catch what someone thought to write down; people in distress say it in endless other
ways. This small model (scikit-learn: TF-IDF over character and word n-grams, then a linear
support vector machine) is trained from content/distress_examples.yaml plus every example and
near miss in distress.yaml, so peers extend it by adding examples, not code. Crisis lines come
first when the patterns OR the model say so.

Its weights ship with the content (content/distress_model.json, written by ``python -m bot
train-distress-model``), named by the sha256 of what they learned from: a start with those
very examples reads them (tens of milliseconds) and never imports scikit-learn, whose import
and training are most of a second start's cost on a busy host. When peers changed the
examples, the service answers at once with the shipped weights while a new model is trained
on a worker thread (``Learning``), then kept in the data folder for the next start.

Text is normalised as the patterns see it (case, accents, apostrophes) and never
spell-corrected. Rule 2: nothing about a message is stored or logged here; the fitted model
holds only its training examples' n-gram weights.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import importlib.metadata
import itertools
import json
import logging
import marshal
import math
import re
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Self

from bot.content import cache
from bot.content.schema.distress import DistressFile
from bot.content.schema.distress_examples import DistressExamplesFile
from bot.content.yamlfile import load_yaml_model
from bot.directory.distress import Distress
from bot.directory.phrases import normalise

log = logging.getLogger(__name__)

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

    def to_json(self, learned_from: str) -> str:
        """The weights as JSON, named by ``key`` of what they learned from (and, for whoever
        reads the file, the scikit-learn that trained them)."""
        return json.dumps(
            {
                "learned_from": learned_from,
                "scikit_learn": importlib.metadata.version("scikit-learn"),
                "intercept": self.intercept,
                **{
                    part: [list(weights), *map(list, zip(*weights.values(), strict=True))]
                    for part, weights in (("chars", self.chars), ("words", self.words))
                },
            }
        )

    @classmethod
    def from_json(cls, text: str, threshold: float, learned_from: str | None) -> Self | None:
        """A model written by ``to_json``, if it learned from ``learned_from`` (else None;
        with None, whatever it learned from): each block as its n-grams, idfs and weights."""
        return cls.from_weights(_weights(text), threshold, learned_from)

    @classmethod
    def from_weights(cls, kept: Kept, threshold: float, learned_from: str | None) -> Self | None:
        """A model from what ``_weights`` read, if it learned from ``learned_from`` (as
        ``from_json``)."""
        found, chars, words, intercept = kept
        if learned_from is not None and found != learned_from:
            return None
        return cls(chars, words, intercept, threshold)


#: A model's weights as read from its JSON: what it learned from, its two blocks, intercept.
Kept = tuple[str | None, Weights, Weights, float]


def _weights(text: str) -> Kept:
    """The weights in a model's JSON. Kept in the content cache as they are (``_CACHED_*``):
    a change to what this returns needs a new version there (``.v1`` → ``.v2``), or warm
    starts would go on reading items of the old layout (``_cached`` catches only some)."""
    data = json.loads(text)
    blocks: list[Weights] = []
    for part in ("chars", "words"):
        grams, idfs, weights = data[part]
        blocks.append(dict(zip(grams, zip(idfs, weights, strict=True), strict=True)))
    found = data.get("learned_from")
    return found if isinstance(found, str) else None, blocks[0], blocks[1], float(data["intercept"])


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


def key(distress: Sequence[str], ordinary: Sequence[str]) -> str:
    """What a model learned from, and how (sha256, hex): a kept or shipped model is used only
    for the very same messages and settings."""
    said = json.dumps([STRENGTH, CHARS, WORDS, list(distress), list(ordinary)])
    return hashlib.sha256(said.encode()).hexdigest()


SHIPPED = "distress_model.json"  # in the content folder, beside distress_examples.yaml
_trained: dict[str, DistressModel] = {}  # the last model, by what it learned from
_kept_in: list[Path] = []  # the folder fitted models are kept in between runs, when set
_KEPT = "distress-model-{}.json"
_fitting = threading.Lock()  # one training at a time: a second one waits, then reuses it


def keep_models_in(folder: Path | None) -> None:
    """Keep fitted models in ``folder`` (the service's data folder) between runs, so a start
    after peers changed the examples trains once, not at every start. The file holds the
    n-gram weights learned from the content's examples (JSON), never a message."""
    _kept_in[:] = [folder] if folder is not None else []


def _kept(learned_from: str) -> Path | None:
    return _kept_in[0] / _KEPT.format(learned_from[:32]) if _kept_in else None


def _read(path: Path | None, learned_from: str | None, threshold: float) -> DistressModel | None:
    """The model in ``path`` if it learned from exactly these examples; None if not, or if
    it cannot be read (a cache cut short, say: then it is trained again)."""
    if path is None:
        return None
    try:
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        kind = _CACHED_SHIPPED if path.name == SHIPPED else _CACHED_KEPT
        kept = _cached(kind, digest)
        if kept is None:
            kept = _weights(raw.decode("utf-8"))
            cache.write(kind, digest, cache.sealed(marshal.dumps(kept)))
        return DistressModel.from_weights(kept, threshold, learned_from)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


#: The weights read from a model's JSON, kept in the content cache by the file's sha256 (the
#: shipped one, and the one trained and kept in the data folder; each replaces its older).
#: Why: reading the JSON (1.2 MB) was 30-40 ms of every start's CPU, marshal's a quarter of it.
_CACHED_SHIPPED = "weights.distress_model.v1"
_CACHED_KEPT = "weights.distress_model_kept.v1"


def _cached(kind: str, digest: str) -> Kept | None:
    """The weights kept for a file of this sha256, exactly as written, or None."""
    body = cache.opened(cache.read(kind, digest))
    if body is None:
        return None
    try:
        found, chars, words, intercept = marshal.loads(body)
    except (ValueError, EOFError, TypeError):
        return None
    if not (isinstance(chars, dict) and isinstance(words, dict) and isinstance(intercept, float)):
        return None
    # Each n-gram's (idf, weight), as ``_weights`` makes it: an item of another layout (a
    # change made without a new version) is left, and the JSON read. One entry is enough.
    for pair in (next(iter(block.values()), (0.0, 0.0)) for block in (chars, words)):
        if not (isinstance(pair, tuple) and len(pair) == 2):
            return None
        if not all(isinstance(value, float) for value in pair):
            return None
    return found if isinstance(found, str) else None, chars, words, intercept


def _write_kept(learned_from: str, model: DistressModel) -> None:
    path = _kept(learned_from)
    if path is None or not path.parent.is_dir():  # never creates the data folder itself
        return
    try:
        for old in path.parent.glob(_KEPT.format("*")):
            old.unlink(missing_ok=True)
        spare = path.with_suffix(".partial")
        spare.write_text(model.to_json(learned_from), "utf-8")
        spare.replace(path)
    except OSError:
        return  # only a cache: the next start trains again


def _remembered(learned_from: str, model: DistressModel, threshold: float) -> DistressModel:
    if model.threshold != threshold:  # only the threshold changed
        model = DistressModel(model.chars, model.words, model.intercept, threshold)
    _trained.clear()
    _trained[learned_from] = model
    return model


def train(
    examples: DistressExamplesFile, patterns: DistressFile, without: str | None = None
) -> DistressModel:
    """The model for these examples: the last one when it learned from the very same messages
    (a reload that changed another file, a copy of the same content), else the one kept in the
    data folder by an earlier run, else trained now (importing scikit-learn)."""
    distress, ordinary = training_lists(examples, patterns, without)
    learned_from = key(distress, ordinary)
    with _fitting:
        model = _trained.get(learned_from) or _read(
            _kept(learned_from), learned_from, examples.threshold
        )
        if model is None:
            model = DistressModel.fit(distress, ordinary, examples.threshold)
            _write_kept(learned_from, model)
        return _remembered(learned_from, model, examples.threshold)


Learn = Callable[[], "DistressModel"]


def prepare(
    examples: DistressExamplesFile, patterns: DistressFile, content: Path
) -> tuple[DistressModel, Learn | None]:
    """The model to use now, without training when any model learned from these very
    examples is at hand (in memory, shipped in ``content``, kept in the data folder). When
    none is, the shipped weights (learned from older examples) serve meanwhile, with how to
    train the right one (``Learning`` runs it on a worker thread once the service answers);
    with no usable shipped weights at all, it is trained now."""
    distress, ordinary = training_lists(examples, patterns)
    learned_from = key(distress, ordinary)
    threshold = examples.threshold
    model = (
        _trained.get(learned_from)
        or _read(content / SHIPPED, learned_from, threshold)
        or _read(_kept(learned_from), learned_from, threshold)
    )
    if model is not None:
        return _remembered(learned_from, model, threshold), None
    older = _read(content / SHIPPED, None, threshold)
    if older is None:
        return train(examples, patterns), None
    return older, lambda: train(examples, patterns)


def write_shipped(content: Path) -> Path:
    """Train from the examples in ``content`` and write the weights the service ships with
    (``python -m bot train-distress-model``): run it after changing distress_examples.yaml
    or the examples and near misses in distress.yaml, and commit the file with them."""
    examples = load_yaml_model(
        content / "distress_examples.yaml",
        DistressExamplesFile,
        shown_as="distress_examples.yaml",
    )
    patterns = load_yaml_model(content / "distress.yaml", DistressFile, shown_as="distress.yaml")
    distress, ordinary = training_lists(examples, patterns)
    model = DistressModel.fit(distress, ordinary, examples.threshold)
    path = content / SHIPPED
    spare = path.with_suffix(".partial")
    spare.write_text(model.to_json(key(distress, ordinary)) + "\n", "utf-8")
    spare.replace(path)
    return path


LEARNED = "learned"  # what ``which`` answers when only the model recognised distress


class Recogniser:
    """Patterns OR model: crisis lines come first when either says "needs support now".
    The patterns answer first (cheap, and they name the entry that matched); the model is
    asked only when no pattern recognised the message."""

    def __init__(
        self, patterns: Distress, model: DistressModel, learn: Learn | None = None
    ) -> None:
        self.patterns = patterns
        self.model = model
        #: How to train the right model, while ``model`` is the shipped one learned from
        #: older examples (see ``prepare``); None once the model fits the examples.
        self.learn = learn

    def which(self, text: str) -> str | None:
        """The id of the pattern entry that recognises distress, ``LEARNED`` when only the
        model does, or None."""
        found = self.patterns.which(text)
        if found is None and self.model.says(text):
            return LEARNED
        return found

    def recognises(self, text: str) -> bool:
        return self.which(text) is not None


class Learning:
    """Trains the model on a worker thread when the content's examples changed since the
    shipped weights were made, so the service answers at once (with the shipped weights, which
    still recognise everything they learned) instead of first importing scikit-learn and
    training. Started once the service answers; a reload with changed examples starts it again.
    The trained model is kept in the data folder, so the next start reads it back."""

    def __init__(self, current: Callable[[], Recogniser]) -> None:
        self._current = current
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        """Train now if the current content needs it (call once the service answers)."""
        recogniser = self._current()
        if recogniser.learn is None:
            return
        log.info(
            "distress model: the examples changed since content/%s was made; using the shipped"
            " weights while a new model is trained on a worker thread (python -m bot"
            " train-distress-model updates the shipped ones)",
            SHIPPED,
        )
        task = asyncio.create_task(self._train(recogniser, recogniser.learn))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def reloaded(self, _: object) -> None:
        """After a reload (``ContentStore.on_reload``): its examples may have changed."""
        self.start()

    async def _train(self, recogniser: Recogniser, learn: Learn) -> None:
        began = time.monotonic()
        try:
            model = await asyncio.to_thread(learn)
        except Exception:
            log.exception("distress model: training failed; keeping the shipped weights")
            return
        recogniser.model, recogniser.learn = model, None
        log.info("distress model: trained in %.1f s and in use", time.monotonic() - began)

    async def settled(self) -> None:
        """Wait until no training is under way (the new model is in use, or training failed
        and the shipped weights stay)."""
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def stop(self) -> None:
        """Let a training under way finish (a few seconds at most): it keeps its model in
        the data folder, and no thread is left writing there after the service stopped."""
        await self.settled()
