"""The short path of ``postgres_fts.vector_literal`` must give exactly the
literal of the fully accounted ``bounded_vector_literal`` (PostgreSQL would
otherwise index a document differently depending on its size)."""
from __future__ import annotations

import random

import pytest

from archive.search.analysis import analysed, number_form
from archive.search.postgres_fts import MAX_POSITION, bounded_vector_literal, vector_literal

SAMPLES = [
    "Quyết định về việc phát triển du lịch tỉnh Quảng Nam năm 2024",
    "Công văn số 123/QĐ-UBND ngày 15/3/2024 của Ủy ban nhân dân tỉnh",
    "đất đặt đắt Đạt dat",
    "",
    "a",
]


def _random_text(rng: random.Random, words: int) -> str:
    vocab = ["văn", "bản", "quyết", "định", "du", "lịch", "đất", "đai", "số", "2024",
             "ủy", "ban", "nhân", "dân", "x" * 600, "phát", "triển"]
    return " ".join(rng.choice(vocab) for _ in range(words))


@pytest.mark.parametrize("title", SAMPLES)
@pytest.mark.parametrize("body", SAMPLES)
def test_short_path_equals_bounded(title, body):
    fields = [("A", number_form("123", "QĐ-UBND")), ("B", analysed(title)), ("D", analysed(body))]
    assert vector_literal(fields) == bounded_vector_literal(fields)


def test_repeated_words_and_long_tokens_agree():
    rng = random.Random(7)
    for words in (10, 300, 2000, 6000):
        fields = [("B", _random_text(rng, 20)), ("D", _random_text(rng, words))]
        assert vector_literal(fields) == bounded_vector_literal(fields)


def test_a_word_keeps_at_most_256_positions():
    literal = vector_literal([("D", " ".join(["dat"] * 400))])
    assert literal.count(",") == 255


def test_huge_text_takes_the_bounded_path():
    body = " ".join(f"w{i}" for i in range(MAX_POSITION + 50))
    literal = vector_literal([("D", body)])
    assert literal == bounded_vector_literal([("D", body)])
    assert f"'w{MAX_POSITION + 10}':{MAX_POSITION}D" in literal    # clamped, as PostgreSQL does
