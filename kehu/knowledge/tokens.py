"""Tokens the assistant ranks on: jieba words of Chinese, Latin words, synonyms folded to one word.

The assistant keeps its own jieba Tokenizer so that the synonyms it adds as words never change how
the customer search (kehu.core.search) cuts text.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from pathlib import Path

import jieba

DATA = Path(__file__).parent / "data"
_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
STOPWORDS = frozenset((DATA / "stopwords.txt").read_text(encoding="utf-8").split())
HANDOVER_WORDS = ("转人工", "人工客服", "人工服务", "真人", "找人工", "客服人员", "human", "agent", "real person")

jieba.setLogLevel(logging.WARNING)


def default_synonym_groups() -> list[list[str]]:
    groups = []
    for line in (DATA / "synonyms.txt").read_text(encoding="utf-8").splitlines():
        words = line.split()
        if words and not line.startswith("#"):
            groups.append(words)
    return groups


class Analyzer:
    """Cuts text into ranking tokens with a given synonym list (one per index generation)."""

    def __init__(self, groups: list[list[str]]) -> None:
        self.canonical: dict[str, str] = {}
        self.tokenizer = jieba.Tokenizer()
        for group in groups:
            words = [unicodedata.normalize("NFKC", w).lower() for w in group if w.strip()]
            if not words:
                continue
            for word in words:
                self.canonical[word] = words[0]
                if _CJK.match(word):
                    self.tokenizer.add_word(word, freq=2000)
        self._lock = threading.Lock()

    def _cut(self, run: str) -> list[str]:
        """jieba's search mode (long words also as their known 2- and 3-character parts), except for
        synonym words, which stay whole: their parts would be words no article knows."""
        words: list[str] = []
        freq = self.tokenizer.FREQ
        for word in self.tokenizer.lcut(run):
            if len(word) > 2 and word not in self.canonical:
                for n in (2, 3):
                    if len(word) > n:
                        words += [word[i : i + n] for i in range(len(word) - n + 1) if freq.get(word[i : i + n])]
            words.append(word)
        return words

    def tokens(self, text: str) -> list[str]:
        text = unicodedata.normalize("NFKC", text or "").lower()
        result: list[str] = []
        for run in _RUNS.findall(text):
            if _CJK.match(run):
                with self._lock:  # jieba's lazy initialisation is not thread-safe
                    words = self._cut(run)
                # single characters are noise for ranking, unless the run is one character
                words = [w for w in words if len(w) > 1] or ([run] if len(run) == 1 else [])
            else:
                words = [run]
            for word in words:
                word = self.canonical.get(word, word)
                if word not in STOPWORDS:
                    result.append(word)
        return result


def wants_person(text: str) -> bool:
    lowered = (text or "").lower()
    return any(word in lowered for word in HANDOVER_WORDS)
