"""One project's keyword index in memory: Okapi BM25 over the chunks' search terms with
the filters as a mask applied before ranking (ADR 0233).

Built from ``asset_chunks`` when the project's revision changes (any add or delete, in any
process); scoring is a few numpy adds per query term.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class ChunkDoc:
    chunk_id: str
    asset_id: str
    kind: str
    tags: frozenset[str]
    entity: str  # lowercased; "" when none
    terms: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class KeywordHit:
    doc: int
    score: float
    matched: tuple[str, ...]


class ProjectIndex:
    def __init__(self, docs: Sequence[ChunkDoc]) -> None:
        self.docs = list(docs)
        self.by_chunk = {d.chunk_id: i for i, d in enumerate(self.docs)}
        n = len(self.docs)
        lengths = np.array([len(d.terms) for d in self.docs], dtype=np.float32)
        avgdl = float(lengths.mean()) if n else 1.0
        self._norm = K1 * (1 - B + B * lengths / max(avgdl, 1e-9))
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for i, doc in enumerate(self.docs):
            for term, tf in Counter(doc.terms).items():
                ids, tfs = postings.setdefault(term, ([], []))
                ids.append(i)
                tfs.append(tf)
        self.postings: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]] = {
            t: (np.array(ids, dtype=np.int64), np.array(tfs, dtype=np.float32))
            for t, (ids, tfs) in postings.items()
        }
        self.idf = {
            t: math.log(1 + (n - len(ids) + 0.5) / (len(ids) + 0.5))
            for t, (ids, _) in postings.items()
        }
        self.kinds = np.array([d.kind for d in self.docs], dtype=object)

    def __len__(self) -> int:
        return len(self.docs)

    def mask(
        self, kinds: Sequence[str] | None, tags: Sequence[str] | None, entity: str | None
    ) -> npt.NDArray[np.bool_] | None:
        """Which chunks pass the filters (None: no filter). Tags: all of them must be on the
        asset; entity: the asset was added for it (case-insensitive)."""
        if not kinds and not tags and not entity:
            return None
        keep = np.ones(len(self.docs), dtype=bool)
        if kinds:
            keep &= np.isin(self.kinds, list(kinds))
        wanted = {t.strip().lower() for t in tags or () if t.strip()}
        name = (entity or "").strip().lower()
        if wanted or name:
            for i, doc in enumerate(self.docs):
                if keep[i] and (not wanted <= doc.tags or (name and doc.entity != name)):
                    keep[i] = False
        return keep

    def search(
        self,
        query_terms: Sequence[str],
        mask: npt.NDArray[np.bool_] | None,
        k: int,
        extra: Mapping[str, float] | None = None,
    ) -> list[KeywordHit]:
        """The ``k`` best chunks with a positive score, best first (ties: chunk order).
        ``extra``: more terms with their weights (the query's translations, ADR 0245)."""
        if not self.docs:
            return []
        scores = np.zeros(len(self.docs), dtype=np.float32)
        weights = dict.fromkeys(query_terms, 1.0)
        for term, weight in (extra or {}).items():
            weights.setdefault(term, weight)
        unique = list(weights)
        for term, weight in weights.items():
            posting = self.postings.get(term)
            if posting is None:
                continue
            ids, tfs = posting
            scores[ids] += weight * self.idf[term] * tfs * (K1 + 1) / (tfs + self._norm[ids])
        if mask is not None:
            scores[~mask] = 0.0
        positive = np.flatnonzero(scores > 0)
        if positive.size == 0:
            return []
        order = positive[np.lexsort((positive, -scores[positive]))][:k]
        hits: list[KeywordHit] = []
        for i in order:
            doc_terms = set(self.docs[i].terms)
            matched = tuple(t for t in unique if t in doc_terms)
            hits.append(KeywordHit(int(i), float(scores[i]), matched))
        return hits
