"""The one decision over ranked candidates (bot/decide.py)."""

from dataclasses import replace

from bot import decide
from bot.engine import Engine


def _ranked(engine: Engine, text: str):
    q = engine.lexicon.parse(text)
    return q, engine.ranker.rank(q)


def test_four_outcomes_and_nothing_else(engine: Engine):
    outcomes = set()
    for text in ("When did MINUSMA leave Kidal?", "When did MINUSMA leave Gao?",
                 "What is the capital of Peru?", "how many trucks were stuck in gao in 2023"):
        q, ranked = _ranked(engine, text)
        outcomes.add(decide.choose(q, ranked, df=engine.lexicon.df,
                                   n_docs=engine.lexicon.n_docs).kind)
    assert outcomes <= {"answer", "did-you-mean", "which-one", "decline"}
    assert {"answer", "decline"} <= outcomes


def test_the_thresholds_in_force_are_the_ones_the_engine_uses(engine: Engine):
    assert engine.thresholds == decide.IN_FORCE
    q, ranked = _ranked(engine, "When did MINUSMA leave Kidal?")
    strict = replace(decide.IN_FORCE, confident=1.01, safe=1.01, ahead=1.01)
    kwargs = {"df": engine.lexicon.df, "n_docs": engine.lexicon.n_docs}
    assert decide.choose(q, ranked, **kwargs).kind == "answer"
    assert decide.choose(q, ranked, thresholds=strict, **kwargs).kind != "answer"


def test_one_clear_candidate_below_the_bar_is_offered_back_not_declined(engine: Engine):
    q, ranked = _ranked(engine, "When did MINUSMA leave Kidal?")
    lower = replace(decide.IN_FORCE, confident=1.01, safe=1.01, ahead=1.01, did_you_mean=0.0,
                    lead=0.0)
    decision = decide.choose(q, ranked, df=engine.lexicon.df, n_docs=engine.lexicon.n_docs,
                             thresholds=lower)
    assert decision.kind == "did-you-mean" and decision.best.id == "kidal-closure"
    answer = engine.ask("When did MINUSMA leave Kidal?")
    assert answer.kind == "fact"


def test_a_count_of_something_no_concept_measures_is_declined(engine: Engine):
    answer = engine.ask("How many drones did MINUSMA have in Gao?")
    assert not answer.is_answer


def test_an_entry_backing_up_the_best_one_is_no_rival_for_the_lead(engine):
    """The overview of the 2022 abstentions and resolution 2640's own entry tell one thing:
    the lead is measured to the next candidate about something else."""
    from bot import decide

    q = engine.lexicon.parse("which two council members abstained on the 2022 minusma renewal")
    ranked = engine.ranker.rank(q)
    assert {ranked[0].id, ranked[1].id} == {"abstentions-2022", "resolution-2640"}
    assert decide._lead(ranked[0], ranked) > ranked[0].score - ranked[1].score
    assert engine.ask(q.raw).is_answer
