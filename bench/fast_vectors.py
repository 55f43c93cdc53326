"""A faster ``postgres_fts.vector_literal`` (prototype; not used by the app).

``python bench/fast_vectors.py`` checks that it returns exactly the same literal
as the app's function on generated documents and times both.

Same output, fewer Python operations per token: the per-token UTF-8 width and
1 MB accounting of ``vector_literal`` only matter for huge texts, so they run
only when a text could reach the limits (a token can only exceed 2047 bytes
if it has more than 511 characters; the vector can only near 1 MB, and
positions can only be clamped at 16383, for texts far longer than a
document's usual extracted text); below that, positions strictly increase,
so the "same position" check is not needed either.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402
from archive.search import postgres_fts as pf  # noqa: E402


def vector_literal(fields: list[tuple[str, str]]) -> str:
    total = sum(len(t) for _w, t in fields)
    # A huge text (OCR of hundreds of pages) may hit the limits: the app's function.
    if total * 4 >= pf.MAX_VECTOR_BYTES // 5 or (total + 1) // 2 + len(fields) >= pf.MAX_POSITION:
        return pf.vector_literal(fields)
    # Below those sizes no position is clamped (so two occurrences never share a
    # position), no vector nears 1 MB, and only a token over 511 characters can
    # exceed 2047 bytes.
    words: dict[str, list[str]] = {}
    position = 0
    per_word = pf.MAX_POSITIONS_PER_WORD
    for weight, analysed_text in fields:
        if position:
            position += 1
        for position, token in enumerate(analysed_text.split(), position + 1):
            if len(token) > 511 and len(token.encode("utf-8")) > pf.MAX_WORD_BYTES:
                continue
            entry = words.get(token)
            if entry is None:
                words[token] = [f"{position}{weight}"]
            elif len(entry) < per_word:
                entry.append(f"{position}{weight}")
    quote = pf._quote
    return " ".join(f"{quote(w)}:{','.join(p)}" for w, p in words.items())


def vectors_of(entry) -> tuple[str, str]:
    return (vector_literal([("A", entry.number), ("B", entry.title), ("D", entry.body)]),
            vector_literal([("B", entry.xtitle), ("D", entry.xbody)]))


if __name__ == "__main__":
    ctx = corpus.Context(1, {u: k for k, u in enumerate(
        ["vanthu", "chanhvanphong", "giamdoc", "phogiamdoc", "truongphong.vh", "chuyenvien.vh",
         "truongphong.dl", "chuyenvien.dl"], 1)},
        {a: k for k, a in enumerate(["VP", "QLVH", "QLDL", "QLTDTT", "XDNSVHGD"], 1)},
        {(d, y): 1 for y in range(corpus.START.year, corpus.END.year + 1)
         for d in ("incoming", "outgoing")})
    entries = [corpus.index_entry(r) for r in corpus.documents(ctx, 2000)]
    for label, fn in (("app vectors_of", pf.vectors_of), ("fast vectors_of", vectors_of)):
        t0 = time.process_time()
        out = [fn(e) for e in entries]
        print(f"{label}: {(time.process_time() - t0) / len(entries) * 1000:.3f} ms CPU per doc")
    assert [pf.vectors_of(e) for e in entries] == [vectors_of(e) for e in entries]
    print("identical literals for", len(entries), "documents")
