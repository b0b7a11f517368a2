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

import hashlib
import json
import pickle
from collections.abc import Sequence
from pathlib import Path

import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.svm import LinearSVC

from bot.content.schema.distress import DistressFile
from bot.content.schema.distress_examples import DistressExamplesFile
from bot.directory.distress import Distress
from bot.directory.phrases import normalise

LONGEST = 2000  # characters looked at, as for the patterns
STRENGTH = 2.0  # LinearSVC's C, chosen with the leave-one-set-out figures (benchmarks.distress)


_TFIDF = {"sublinear_tf": True, "lowercase": False}  # already lower case: see ``normalise``


def _plain(text: str) -> str:
    return normalise(text[:LONGEST])


class DistressModel:
    """One fitted model and the threshold at which it alone says "needs support now"."""

    def __init__(self, distress: Sequence[str], ordinary: Sequence[str], threshold: float):
        self.threshold = threshold
        features = FeatureUnion(
            [
                ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), **_TFIDF)),
                ("words", TfidfVectorizer(ngram_range=(1, 2), **_TFIDF)),
            ]
        )
        self._pipeline = make_pipeline(
            features, LinearSVC(C=STRENGTH, class_weight="balanced", random_state=0)
        )
        texts = [_plain(t) for t in [*distress, *ordinary]]
        labels = [1] * len(distress) + [0] * len(ordinary)
        self._pipeline.fit(texts, labels)

    def scores(self, texts: Sequence[str]) -> list[float]:
        """How strongly each text reads as "I need support now": around 0 the model is
        unsure, above it leans to yes, below to no."""
        return [float(s) for s in self._pipeline.decision_function([_plain(t) for t in texts])]

    def says(self, text: str) -> bool:
        return self.scores([text])[0] >= self.threshold


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
_KEPT = "distress-model-{}.pickle"


def keep_models_in(folder: Path | None) -> None:
    """Keep fitted models in ``folder`` (the service's data folder) between runs, so a start
    with unchanged examples reads the model back (about 10 ms) instead of training it again
    (about 0.3 s). The file holds n-gram weights of the content's examples, never a message;
    it is read only from the service's own data folder, as trusted as its database."""
    _kept_in[:] = [folder] if folder is not None else []


def _kept(key: bytes) -> Path | None:
    return _kept_in[0] / _KEPT.format(key.hex()[:32]) if _kept_in else None


def _read_kept(key: bytes) -> DistressModel | None:
    path = _kept(key)
    if path is None:
        return None
    try:
        model = pickle.loads(path.read_bytes())
    except Exception:  # only a cache: missing, cut short or from another version: train again
        return None
    return model if isinstance(model, DistressModel) else None


def _write_kept(key: bytes, model: DistressModel) -> None:
    path = _kept(key)
    if path is None or not path.parent.is_dir():  # never creates the data folder itself
        return
    try:
        for old in path.parent.glob(_KEPT.format("*")):
            old.unlink(missing_ok=True)
        spare = path.with_suffix(".partial")
        spare.write_bytes(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
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
        json.dumps([sklearn.__version__, STRENGTH, examples.threshold, distress, ordinary]).encode()
    ).digest()
    model = _trained.get(key) or _read_kept(key)
    if model is None:
        model = DistressModel(distress, ordinary, examples.threshold)
        _write_kept(key, model)
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
