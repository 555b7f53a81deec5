"""Property tests over the real knowledge base."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from bot.engine import Engine
from bot.knowledge import load_knowledge
from bot.render import render_html, render_plain, visible_len
from tests.conftest import KNOWLEDGE

KB = load_knowledge(KNOWLEDGE)
PHRASINGS = [(faq.id, q) for faq in KB.faqs for q in faq.questions]


def _noisy(text: str, draw_case: bool, zero_width: bool, strip_accents: bool) -> str:
    if strip_accents:
        text = "".join(c for c in unicodedata.normalize("NFKD", text)
                       if not unicodedata.combining(c))
    if draw_case:
        text = text.upper()
    if zero_width:  # invisible characters hidden inside words, as pasted text often has
        text = " ".join(
            w[:1] + "\u200b" + w[1:-1] + "\u200d" + w[-1:] if len(w) > 2 else w
            for w in text.split(" ")
        )
    return text


def test_every_faq_phrasing_finds_its_own_entry(engine: Engine):
    for faq_id, question in PHRASINGS:
        answer = engine.ask(question)
        assert answer.is_answer, question
        assert answer.items[0].doc_id == faq_id, (question, answer.items[0].doc_id)


@given(st.sampled_from(PHRASINGS), st.booleans(), st.booleans(), st.booleans())
def test_faq_phrasings_survive_case_accents_and_invisible_characters(
    engine: Engine, pair, upper, zero_width, strip_accents
):
    faq_id, question = pair
    answer = engine.ask(_noisy(question, upper, zero_width, strip_accents))
    assert answer.items and answer.items[0].doc_id == faq_id


@given(st.text(max_size=300))
def test_any_text_gets_an_answer_that_renders(engine: Engine, text):
    answer = engine.ask(text)
    assert 0.0 <= answer.confidence <= 1.0
    # Telegram counts a message after parsing its HTML: tags and links' addresses are free.
    assert visible_len(render_html(answer)) <= 4096
    render_plain(answer)


def test_letters_that_fold_away_leave_no_question(engine: Engine):
    """"1Æ" folds to "1" (hypothesis found it): a bare number is no topic, never a budget."""
    for text in ("1Æ", "2Œ", "3 ß"):
        answer = engine.ask(text)
        assert not answer.is_answer
