"""The assistant: BM25 over published articles, offline, in the process (no search server).

`ask(question, audience)` ranks the articles the audience may read (visitors: public; staff: internal
and public; drafts never) and returns the best article with a confidence in [0, 1]:
coverage (the share of the question's known words, weighted by idf, that the best article
contains), lowered for each word no article knows and for matches on common words only, and damped
when the runner-up is almost as good. The index is built
once per process and rebuilt when KnowledgeState.stamp changes (every article or synonym write
bumps it), so asking costs one tiny query plus the ranking. See docs/adr/0010-channels-conversations-knowledge.md.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings

from .choices import ArticleStatus
from .models import Article, KnowledgeState, SynonymGroup
from .tokens import Analyzer, default_synonym_groups

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 3  # a word of the title counts as three words of the body
UNKNOWN_WORD_FACTOR = 0.85
SPECIFIC_SHARE = 0.6  # the best article must match at least this share of a rare word's weight


def thresholds() -> tuple[float, float]:
    """(answer, offer): at or above `answer` the assistant answers; between them it offers the two best."""
    config = getattr(settings, "KEHU", {})
    return float(config.get("ASSISTANT_ANSWER_CONFIDENCE", 0.6)), float(config.get("ASSISTANT_OFFER_CONFIDENCE", 0.3))


@dataclass
class Hit:
    article_id: int
    title: str
    score: float
    confidence: float


@dataclass
class Result:
    question_tokens: list[str]
    hits: list[Hit] = field(default_factory=list)

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None

    @property
    def confidence(self) -> float:
        return self.hits[0].confidence if self.hits else 0.0


class Index:
    def __init__(self, rows: list[tuple[int, str, str, str]], analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self.ids: list[int] = []
        self.titles: list[str] = []
        self.public: list[bool] = []
        self.lengths: list[int] = []
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for article_id, title, body, status in rows:
            doc = len(self.ids)
            counts = Counter(analyzer.tokens(body))
            for token in analyzer.tokens(title):
                counts[token] += TITLE_WEIGHT
            for token, tf in counts.items():
                postings[token].append((doc, tf))
            self.ids.append(article_id)
            self.titles.append(title)
            self.public.append(status == ArticleStatus.PUBLIC)
            self.lengths.append(sum(counts.values()))
        self.postings = dict(postings)
        n = max(len(self.ids), 1)
        self.avgdl = (sum(self.lengths) / n) or 1.0
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}
        self.unknown_idf = math.log(1 + (n + 0.5) / 0.5)

    def search(self, question: str, *, public_only: bool, limit: int = 3) -> Result:
        tokens = list(dict.fromkeys(self.analyzer.tokens(question)))
        result = Result(question_tokens=tokens)
        if not tokens or not self.ids:
            return result
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, float] = defaultdict(float)
        known_weight = 0.0
        unknown = 0
        for token in tokens:
            idf = self.idf.get(token)
            if idf is None:
                unknown += 1
                continue
            known_weight += idf
            for doc, tf in self.postings[token]:
                if public_only and not self.public[doc]:
                    continue
                norm = K1 * (1 - B + B * self.lengths[doc] / self.avgdl)
                scores[doc] += idf * tf * (K1 + 1) / (tf + norm)
                matched[doc] += idf
        if not scores:
            return result
        ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)[:limit]
        top = ranked[0][1]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        # Words no article contains make the question less likely to be about the best article, but
        # a visitor's filler words ("东西", "怎么弄") should not sink a clear match: each costs 15 %.
        unknown_penalty = UNKNOWN_WORD_FACTOR**unknown
        # A match on common words only (each in many articles) is not evidence of an answer.
        specific = min(1.0, matched[ranked[0][0]] / (SPECIFIC_SHARE * self.unknown_idf))
        for position, (doc, score) in enumerate(ranked):
            coverage = matched[doc] / known_weight if known_weight else 0.0
            # a near tie with the runner-up means the question does not single out one article
            separation = 1.0 - (runner_up / top) ** 4 if position == 0 and top else 0.0
            if position == 0:
                confidence = coverage * unknown_penalty * specific * (0.8 + 0.2 * separation)
            else:
                confidence = coverage * unknown_penalty * specific * 0.8 * score / top
            result.hits.append(Hit(self.ids[doc], self.titles[doc], score, round(min(confidence, 1.0), 4)))
        return result


_cache: dict[str, object] = {}
_lock = threading.Lock()


def current_generation() -> str:
    return KnowledgeState.objects.filter(pk=1).values_list("stamp", flat=True).first() or ""


def synonym_groups() -> list[list[str]]:
    groups = [row.split() for row in SynonymGroup.objects.values_list("words", flat=True)]
    return [g for g in groups if g] or default_synonym_groups()


def build_index() -> Index:
    rows = list(
        Article.objects.filter(status__in=(ArticleStatus.INTERNAL, ArticleStatus.PUBLIC))
        .order_by("id")
        .values_list("id", "title", "body", "status")
    )
    return Index(rows, Analyzer(synonym_groups()))


def get_index() -> Index:
    generation = current_generation()
    if not generation:  # no state row (a flushed database): do not trust any cached index
        return build_index()
    index = _cache.get("index")
    if index is not None and _cache.get("generation") == generation:
        return index  # type: ignore[return-value]
    with _lock:
        if _cache.get("index") is None or _cache.get("generation") != generation:
            _cache["index"] = build_index()
            _cache["generation"] = generation
        return _cache["index"]  # type: ignore[return-value]


def ask(question: str, *, public_only: bool = True, limit: int = 3) -> Result:
    """Rank published articles for a question. Drafts are never in the index."""
    return get_index().search(question, public_only=public_only, limit=limit)
