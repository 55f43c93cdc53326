"""Vietnamese analysis, the query parser and snippets (pure functions)."""
from __future__ import annotations

import unicodedata

import pytest

from archive.search.analysis import analysed, number_form, syllables
from archive.search.query import NO_WORDS, Clause, parse
from archive.search.snippets import highlight, snippet


@pytest.mark.parametrize("text", ["Quyết định", "QUYẾT ĐỊNH", "quyet dinh", "quyết  định",
                                  unicodedata.normalize("NFD", "Quyết định")])
def test_every_spelling_of_quyet_dinh_folds_the_same(text):
    assert syllables(text) == ["quyet", "dinh"]


def test_d_with_stroke_folds_to_d_which_unicode_decomposition_does_not():
    assert unicodedata.normalize("NFKD", "Đất đai").startswith("Đ")   # why we map it ourselves
    assert analysed("Đất đai ĐƯỜNG") == "dat dai duong"


def test_exact_form_keeps_every_mark_and_tells_dat_from_dat():
    assert syllables("Đất ĐẶT", exact=True) == ["đất", "đặt"]
    assert syllables(unicodedata.normalize("NFD", "Đặt"), exact=True) == ["đặt"]


def test_numbers_are_indexed_as_their_parts_in_order():
    assert number_form("123", "QĐ-UBND") == "123 qd ubnd"
    assert number_form("15/2021", "QĐ-UBND") == "15 2021 qd ubnd"
    assert number_form(None, None) == ""


def test_words_are_anded_terms_and_quotes_make_a_phrase():
    q = parse('"phát triển du lịch" năm 2026')
    assert q.clauses == (Clause("phrase", ("phat", "trien", "du", "lich")),
                         Clause("term", ("nam",)), Clause("term", ("2026",)))
    assert parse('"du"').clauses == (Clause("term", ("du",)),)


@pytest.mark.parametrize("text,tokens", [("123/QĐ-UBND", ("123", "qd", "ubnd")),
                                          ("123/qd-ubnd", ("123", "qd", "ubnd")),
                                          ("QĐ-UBND", ("qd", "ubnd")),
                                          ("15/2021/QĐ-UBND", ("15", "2021", "qd", "ubnd"))])
def test_so_ky_hieu_becomes_a_number_clause(text, tokens):
    assert parse(text).clauses == (Clause("number", tokens),)


def test_exact_mode_keeps_diacritics_in_terms_but_numbers_stay_folded():
    q = parse("đất 5/QĐ-UBND", exact=True)
    assert q.clauses == (Clause("term", ("đất",)), Clause("number", ("5", "qd", "ubnd")))


@pytest.mark.parametrize("text", ["!!!", "---", '"', "()", "*", "   ", "…", "«»"])
def test_punctuation_only_gives_no_clause_and_a_notice(text):
    q = parse(text)
    assert q.empty
    assert (NO_WORDS in q.notices) == bool(text.strip())


@pytest.mark.parametrize("text", ['AND OR NOT (x*) "', 'a:b NEAR(c d)', "'; DROP TABLE x; --",
                                  "\x00\x1f", "a" * 5000, "đ " * 200])
def test_hostile_or_odd_syntax_never_raises_and_stays_bounded(text):
    q = parse(text)
    assert len(q.clauses) <= 24
    assert all(t.isalnum() for c in q.clauses for t in c.tokens)


def test_repeated_words_are_one_clause():
    assert len(parse("du lich du lich").clauses) == 2


def test_highlight_marks_matches_with_their_diacritics_and_escapes_html():
    out = highlight("Quyết định <b>du lịch</b> & đất", {"quyet", "dinh", "lich", "dat"})
    assert out == ("<mark>Quyết</mark> <mark>định</mark> &lt;b&gt;du <mark>lịch</mark>"
                   "&lt;/b&gt; &amp; <mark>đất</mark>")


def test_highlight_exact_mode_marks_only_the_exact_spelling():
    assert highlight("đất đặt", {"đất"}, exact=True) == "<mark>đất</mark> đặt"


def test_highlight_does_not_mark_inside_longer_words():
    assert highlight("dinhdinh dinh", {"dinh"}) == "dinhdinh <mark>dinh</mark>"


def test_snippet_is_taken_around_the_matches():
    text = "mở đầu " * 100 + "Quyết định phát triển du lịch cộng đồng" + " kết thúc" * 100
    out = snippet(text, {"du", "lich"}, width=120)
    assert "<mark>du</mark> <mark>lịch</mark>" in out
    assert out.startswith("…") and out.endswith("…") and len(out) < 200


def test_snippet_without_match_is_the_beginning():
    assert snippet("Văn bản số một " * 50, {"zzz"}, width=40).startswith("Văn bản số một")
