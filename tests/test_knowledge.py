import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import knowledge as knowledge_module
from bot.knowledge import check_knowledge, knowledge_files, load_knowledge
from bot.store import knowledge_fingerprint
from tests.conftest import KNOWLEDGE, SMALL_EVENTS, SMALL_FAQ, SMALL_SOURCES


def test_the_real_knowledge_base_is_valid_and_complete():
    kb = load_knowledge(KNOWLEDGE)
    assert len(kb.sources) >= 90 and len(kb.events) >= 90 and len(kb.faqs) >= 15
    cited = {s for e in kb.events for s in e.sources} | {s for f in kb.faqs for s in f.sources}
    assert cited <= set(kb.sources)


def test_every_withdrawal_site_has_its_closing_event():
    kb = load_knowledge(KNOWLEDGE)
    closures = {(e.date.iso, p) for e in kb.events
                if e.kind in ("camp-closure", "handover") for p in e.places}
    for date, place in [
        ("2023-08-03", "Ogossagou"), ("2023-08-13", "Ber"), ("2023-08-16", "Goundam"),
        ("2023-08-25", "Ménaka"), ("2023-10-21", "Tessalit"), ("2023-10-21", "Douentza"),
        ("2023-10-23", "Aguelhok"), ("2023-10-31", "Kidal"), ("2023-11-18", "Ansongo"),
        ("2023-12-08", "Sévaré"), ("2023-12-12", "Gao"), ("2023-12-28", "Timbuktu"),
        ("2024-07-22", "Gao"), ("2024-11-15", "Bamako"),
    ]:
        assert (date, place) in closures, (date, place)


def test_disagreements_from_the_facts_file_are_kept_as_versions():
    kb = load_knowledge(KNOWLEDGE)
    entries = {e.id: e for e in (*kb.events, *kb.faqs)}
    for entry_id in ("sevare-closure", "kidal-closure", "final-toll", "camp-count", "death-toll"):
        versions = entries[entry_id].versions
        assert len(versions) >= 2, entry_id
        assert len({v.sources for v in versions}) >= 2, entry_id


def test_inbox_drafts_are_not_loaded(small_knowledge: Path):
    (small_knowledge / "inbox").mkdir()
    (small_knowledge / "inbox" / "draft.toml").write_text("this is = not [valid")
    assert all("inbox" not in p.parts for p in knowledge_files(small_knowledge))
    kb, problems = check_knowledge(small_knowledge)
    assert kb is not None and problems == []


def test_syntax_errors_name_file_and_line(write_knowledge):
    root = write_knowledge({"sources.toml": SMALL_SOURCES, "bad.toml": "[[event]]\nid = \n"})
    kb, problems = check_knowledge(root)
    assert kb is None
    assert [(Path(p.path).name, p.line) for p in problems] == [("bad.toml", 2)]
    assert "TOML syntax" in problems[0].message


def test_every_problem_is_reported_at_once_with_its_line(write_knowledge):
    events = """
    [[event]]
    id = "ok-event"
    date = 2023-01-01
    title = "Fine"
    summary = "Fine."
    kind = "milestone"
    sources = ["src-a"]

    [[event]]
    id = "bad-date"
    date = "2023-13-01"
    title = "Bad date"
    summary = "x"
    kind = "milestone"
    sources = ["src-a"]

    [[event]]
    id = "no-source"
    date = 2023-01-02
    title = "No source"
    summary = "x"
    kind = "milestone"
    sources = []

    [[event]]
    id = "missing-summary"
    date = 2023-01-03
    title = "No summary"
    kind = "milestone"
    sources = ["nope"]

    [[event]]
    id = "ok-event"
    date = 2023-01-04
    title = "Duplicate"
    summary = "x"
    kind = "milestone"
    sources = ["src-a"]
    """
    root = write_knowledge({"sources.toml": SMALL_SOURCES, "events.toml": events})
    kb, problems = check_knowledge(root)
    assert kb is None
    found = {(p.line, p.message) for p in problems}
    assert (11, "event 'bad-date': date: '2023-13-01' has no such month") in found
    assert (23, "event 'no-source': sources: must list at least one") in found
    assert (25, "event 'missing-summary': missing field 'summary'") in found
    assert any(line == 33 and "duplicate id 'ok-event'" in msg for line, msg in found)
    assert all(p.path.endswith("events.toml") for p in problems)
    assert len(problems) == 4


def test_unknown_source_is_reported_on_the_sources_line(write_knowledge):
    events = SMALL_EVENTS.replace('sources = ["src-b"]', 'sources = ["src-missing"]')
    root = write_knowledge({"s.toml": SMALL_SOURCES, "e.toml": events, "f.toml": SMALL_FAQ})
    _, problems = check_knowledge(root)
    assert [str(p).split(":", 1)[1] for p in problems] == [
        "16: event 'testville-closure': unknown source 'src-missing'"
    ]


def test_unknown_fields_and_sections_are_problems(write_knowledge):
    root = write_knowledge({
        "s.toml": SMALL_SOURCES.replace('publisher = "Agency"', 'publisher = "A"\nauthor = "x"'),
        "x.toml": "[[events]]\nid = 'x'\n",
    })
    messages = [p.message for p in check_knowledge(root)[1]]
    assert any("unknown field 'author'" in m for m in messages)
    assert any("unknown section 'events'" in m for m in messages)


def test_missing_or_empty_folder(tmp_path):
    assert "not found" in check_knowledge(tmp_path / "nope")[1][0].message
    assert "no knowledge files" in check_knowledge(tmp_path)[1][0].message


def test_binary_file_is_reported_not_raised(write_knowledge):
    root = write_knowledge({"s.toml": SMALL_SOURCES})
    (root / "junk.toml").write_bytes(b"id = 1\n\xff\xfe\x00")
    problems = check_knowledge(root)[1]
    assert [(Path(p.path).name, p.line, p.message) for p in problems] == [
        ("junk.toml", 2, "not valid UTF-8 text")
    ]


def test_a_question_variant_may_not_mean_two_things(write_knowledge):
    aliases = """
    [[alias]]
    canonical = "head of mission"
    variants = ["SRSG"]

    [[alias]]
    canonical = "force commander"
    variants = ["commander"]
    question_variants = ["led", "srsg"]
    """
    root = write_knowledge({"sources.toml": SMALL_SOURCES, "aliases.toml": aliases})
    kb, problems = check_knowledge(root)
    assert kb is None
    assert [(p.path, p.line) for p in problems] == [(str(root / "aliases.toml"), 8)]
    assert problems[0].message.startswith("alias 'srsg' already means 'head of mission'")


def _messages(root: Path) -> list[str]:
    return [f"{Path(p.path).name}:{p.line}: {p.message}" for p in check_knowledge(root)[1]]


def test_an_end_before_its_start_and_a_year_outside_the_era_are_refused(write_knowledge):
    root = write_knowledge({"sources.toml": SMALL_SOURCES, "e.toml": """
        [[event]]
        id = "backwards"
        date = 2023-05-02
        end_date = 2023-05-01
        title = "Ends before it starts"
        summary = "A typo."
        kind = "operation"
        sources = ["src-a"]

        [[event]]
        id = "far-future"
        date = 2099-01-01
        title = "A mistyped year"
        summary = "Another typo."
        kind = "operation"
        sources = ["src-a"]

        [[event]]
        id = "context"
        date = 1960-09-22
        title = "Mali's independence"
        summary = "Context, on purpose."
        kind = "politics"
        outside_era = true
        sources = ["src-a"]
        """})
    messages = _messages(root)
    assert any(m.startswith("e.toml:1: event 'backwards'") and "before date" in m
               for m in messages)
    assert any(m.startswith("e.toml:10: event 'far-future'") and "outside the mission's era"
               in m for m in messages)
    assert not any("'context'" in m for m in messages)


def test_a_cited_source_must_quote_its_evidence(write_knowledge):
    sources = SMALL_SOURCES.replace(
        'evidence = ["The camp closed on 19 November."]\n', "")
    root = write_knowledge({"sources.toml": sources, "events.toml": SMALL_EVENTS})
    [message] = _messages(root)
    assert message.startswith("sources.toml:9: source 'src-b' is cited")
    assert "has no evidence" in message


def test_one_happening_told_twice_is_reported_unless_marked_distinct(write_knowledge):
    twice = """
        [[event]]
        id = "first-account"
        date = 2023-11-18
        title = "MINUSMA leaves Testville"
        summary = "One account."
        kind = "camp-closure"
        places = ["Testville"]
        sources = ["src-a"]

        [[event]]
        id = "second-account"
        date = 2023-11-18
        title = "Camp at Testville closed"
        summary = "Another account."
        kind = "camp-closure"
        places = ["Testville"]
        sources = ["src-b"]
        """
    root = write_knowledge({"sources.toml": SMALL_SOURCES, "e.toml": twice})
    [message] = _messages(root)
    assert message.startswith("e.toml:10: event 'second-account': same subject (testville)")
    assert "as a version" in message and "distinct_from" in message
    marked = twice.replace('        sources = ["src-b"]',
                           '        sources = ["src-b"]\n        distinct_from = ["first-account"]')
    root = write_knowledge({"sources.toml": SMALL_SOURCES, "e.toml": marked})
    assert _messages(root) == []


# --- bounded reading: a hostile or mistaken file never hangs or crashes a reader ------------


def _run_check(root: Path) -> subprocess.CompletedProcess[str]:
    """`python -m bot check` in its own process, so that a hang fails the test instead of
    freezing the whole run."""
    return subprocess.run([sys.executable, "-m", "bot", "--knowledge", str(root), "check"],
                          capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parent.parent)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX feature")
def test_a_fifo_named_toml_is_refused_at_once(write_knowledge):
    root = write_knowledge({"s.toml": SMALL_SOURCES})
    os.mkfifo(root / "pipe.toml")
    done = _run_check(root)  # before: blocked forever opening the FIFO
    assert done.returncode == 1
    assert "pipe.toml:0: skipped: not a regular file" in done.stderr
    kb, problems = check_knowledge(root)
    assert kb is None and len(problems) == 1
    assert knowledge_fingerprint(root)  # the fingerprint does not block on it either


def test_an_oversized_file_is_refused(write_knowledge, monkeypatch):
    root = write_knowledge({"s.toml": SMALL_SOURCES})
    monkeypatch.setattr(knowledge_module, "MAX_FILE_BYTES", 1000)
    (root / "big.toml").write_text("# " + "x" * 2000 + "\n")
    problems = check_knowledge(root)[1]
    assert [(Path(p.path).name, p.message.split(" (")[0]) for p in problems] == [
        ("big.toml", "skipped: too large")]


def test_deep_nesting_is_a_problem_not_a_recursion_error(write_knowledge):
    root = write_knowledge({"s.toml": SMALL_SOURCES})
    (root / "deep.toml").write_text("ok = 1\nx = " + "[" * 100_000 + "]" * 100_000 + "\n")
    (root / "nested.toml").write_text(
        '[[event]]\nid = "n"\nextra = ' + "[" * 20 + "1" + "]" * 20 + "\n")
    problems = {Path(p.path).name: p for p in check_knowledge(root)[1]}
    deep, nested = problems["deep.toml"], problems["nested.toml"]
    assert deep.line == 2 and "nested too deeply" in deep.message
    assert nested.line == 1 and "nested more than" in nested.message
    done = _run_check(root)
    assert done.returncode == 1 and "Traceback" not in done.stderr


# --- line numbers point where the entry or field starts -------------------------------------


def test_line_numbers_point_at_the_field_not_at_text_that_looks_like_one(write_knowledge):
    events = '''
    # a comment
    [[event]]
    id = "tricky"
    date = 2023-01-01
    title = "Tricky"
    summary = """A summary whose second line reads like a field:
    kind = "milestone" is written here as text.
    """
    kind = "no-such-kind"
    sources = ["src-a"]
    '''
    root = write_knowledge({"s.toml": SMALL_SOURCES, "e.toml": events,
                            "x.toml": "ok = 1\n\n[stray]\nkey = 2\n",
                            "y.toml": "# header\n\nevent = 3\n"})
    problems = {(Path(p.path).name, p.line, p.message.split(":")[0])
                for p in check_knowledge(root)[1]}
    assert ("e.toml", 9, "event 'tricky'") in problems  # the real `kind =` line, not line 7
    assert any(name == "x.toml" and line == 1 for name, line, _ in problems)  # `ok = 1`
    assert any(name == "x.toml" and line == 3 for name, line, _ in problems)  # [stray]
    assert any(name == "y.toml" and line == 3 for name, line, _ in problems)


CAMP_PLACES = """
[[alias]]
canonical = "Testville"
variants = ["Testvile"]
kind = "place"

[[alias]]
canonical = "Testregion"
variants = ["Test region"]
kind = "place"

[[alias]]
canonical = "Annexville"
variants = ["Annexvile"]
kind = "place"
"""
CAMP_EVENTS = """
[[event]]
id = "testville-closure"
date = 2023-11-18
title = "Testville camp closed"
summary = "The last peacekeepers left."
kind = "camp-closure"
places = ["Testville", "Testregion"]
sources = ["src-a"]

[[event]]
id = "annex-handover"
date = 2023-11-01
title = "Annex handed over"
summary = "An annex went first."
kind = "handover"
places = ["Annexville"]
sources = ["src-a"]
"""


def test_a_camp_names_a_place_its_closing_and_coordinates_near_mali(write_knowledge):
    root = write_knowledge({"s.toml": SMALL_SOURCES, "a.toml": CAMP_PLACES,
                            "e.toml": CAMP_EVENTS, "camps.toml": """
    [[camp]]
    id = "testville"
    name = "Testville camp"
    place = "Testville"
    region = "Testregion"
    coordinates = [16.0, -3.0]
    closed_by = "testville-closure"
    steps = ["annex-handover"]
    """})
    kb, problems = check_knowledge(root)
    assert problems == [] and kb is not None
    assert [c.id for c in kb.camps] == ["testville"]

    root = write_knowledge({"camps.toml": """
    [[camp]]
    id = "testville"
    name = "Testville camp"
    place = "Testville"
    region = "Nowhere"
    coordinates = [16.0, -3.0]
    closed_by = "annex-handover"
    steps = ["no-such-event"]

    [[camp]]
    id = "swapped"
    name = "Swapped camp"
    place = "Annexville"
    region = "Testregion"
    coordinates = [-3.0, 16.0]
    closed_by = "testville-closure"
    """})
    found = {(Path(p.path).name, p.line, p.message) for p in check_knowledge(root)[1]}
    messages = " | ".join(m for _, _, m in found)
    assert "not in or near Mali (latitude first" in messages
    assert "region 'Nowhere' is no place's canonical name" in messages
    assert "unknown event 'no-such-event'" in messages
    assert "does not have 'Testville' among its places" in messages
    # Every problem names the camps file and the line of the field at fault.
    assert ("camps.toml", 5, "camp 'testville': region 'Nowhere' is no place's canonical "
            "name; add an [[alias]] with kind = \"place\"") in found
    # The camp-closure left unclaimed is named, at its kind's line.
    assert any(name == "e.toml" and "'testville-closure' is a 'camp-closure' but no [[camp]]"
               in message for name, _, message in found)


def test_a_camp_closes_with_the_last_closing_of_its_town(write_knowledge):
    root = write_knowledge({"s.toml": SMALL_SOURCES, "a.toml": CAMP_PLACES,
                            "e.toml": CAMP_EVENTS + """
    [[event]]
    id = "testville-hangar"
    date = 2024-02-01
    title = "A hangar in Testville handed over"
    summary = "A hangar, not the camp."
    kind = "handover"
    places = ["Testville"]
    sources = ["src-a"]
    """, "camps.toml": """
    [[camp]]
    id = "testville"
    name = "Testville camp"
    place = "Testville"
    region = "Testregion"
    coordinates = [16.0, -3.0]
    closed_by = "testville-closure"
    steps = ["annex-handover", "testville-hangar"]
    """})
    messages = [p.message for p in check_knowledge(root)[1]]
    assert any("'testville-hangar' closes a site in Testville later than" in m
               for m in messages)
    assert any("step 'testville-hangar' comes after the camp closed" in m for m in messages)


def test_without_camps_no_closing_has_to_belong_to_one(write_knowledge):
    """A knowledge folder that declares no camp (a test's) is not held to the camp rules."""
    root = write_knowledge({"s.toml": SMALL_SOURCES, "a.toml": CAMP_PLACES,
                            "e.toml": CAMP_EVENTS})
    assert check_knowledge(root)[1] == []


def test_the_real_knowledge_declares_thirteen_sites_and_no_annex(write_knowledge):
    from tests.conftest import KNOWLEDGE

    kb, problems = check_knowledge(KNOWLEDGE)
    assert kb is not None, problems
    assert len(kb.camps) == 13
    assert sum(c.kind == "temporary-base" for c in kb.camps) == 1
    steps = {s for c in kb.camps for s in c.steps}
    assert {"mopti-annexes-handover", "gao-camp-castor-handover"} <= steps
    # The count the answers give (the FAQ's figure) is the number of camps declared.
    counted = {f.value for faq in kb.faqs for f in faq.figures if f.what == "camps"}
    assert counted == {13}


PUBLISHERS = """
[[publisher]]
name = "MINUSMA"
kind = "primary"
host = "minusma.unmissions.org"

[[publisher]]
name = "Example Wire"
kind = "major"
hosts = ["example.org", "news.example.org"]
note = "an agency"
"""


def test_the_real_knowledge_names_a_publisher_for_every_source():
    kb = load_knowledge(KNOWLEDGE)
    assert kb.publishers and all(s.publisher_kind for s in kb.sources.values())
    banned = {h for p in kb.publishers if p.banned for h in p.all_hosts()}
    assert banned  # the known content farms are listed, and so never cited


def test_publishers_give_sources_their_kind_and_www_is_ignored(write_knowledge):
    sources = SMALL_SOURCES.replace("https://example.org/b", "https://www.example.org/b")
    root = write_knowledge({"sources.toml": sources, "events.toml": SMALL_EVENTS,
                            "faq.toml": SMALL_FAQ, "publishers.toml": PUBLISHERS})
    kb = load_knowledge(root)
    assert {s.id: s.publisher_kind for s in kb.sources.values()} == {"src-a": "major",
                                                                      "src-b": "major"}
    assert [p.name for p in kb.publishers] == ["MINUSMA", "Example Wire"]


def test_a_source_whose_host_has_no_publisher_is_refused(write_knowledge):
    sources = SMALL_SOURCES.replace("https://example.org/b", "https://blog.example.org/b")
    root = write_knowledge({"sources.toml": sources, "events.toml": SMALL_EVENTS,
                            "faq.toml": SMALL_FAQ, "publishers.toml": PUBLISHERS})
    kb, problems = check_knowledge(root)
    assert kb is None
    # a subdomain is not its parent's unless listed; the problem points at the url line
    url_line = sources.lstrip().splitlines().index('url = "https://blog.example.org/b"') + 1
    assert [(Path(p.path).name, p.line) for p in problems] == [("sources.toml", url_line)]
    assert "no [[publisher]] for host 'blog.example.org'" in problems[0].message


def test_a_content_farm_is_never_cited_and_publishers_are_checked(write_knowledge):
    farm = PUBLISHERS + """
[[publisher]]
name = "Farm"
kind = "aggregator"
host = "farm.example.net"
banned = true

[[publisher]]
name = "Bad"
kind = "major"
host = "https://bad.example.net/x"

[[publisher]]
name = "Odd"
kind = "major"
host = "odd.example.net"
banned = true

[[publisher]]
name = "Twice"
kind = "regional"
host = "example.org"
"""
    sources = SMALL_SOURCES.replace("https://example.org/b", "https://farm.example.net/b")
    root = write_knowledge({"sources.toml": sources, "events.toml": SMALL_EVENTS,
                            "faq.toml": SMALL_FAQ, "publishers.toml": farm})
    kb, problems = check_knowledge(root)
    assert kb is None
    messages = "\n".join(str(p) for p in problems)
    assert "'Farm' is a banned content farm" in messages
    assert "is not a host name" in messages
    assert "only an aggregator can be banned" in messages
    assert "host 'example.org' already belongs to 'Example Wire'" in messages


def test_the_publisher_kind_is_derived_never_written(write_knowledge):
    sources = SMALL_SOURCES.replace('publisher = "Agency"',
                                    'publisher = "Agency"\npublisher_kind = "primary"')
    root = write_knowledge({"sources.toml": sources, "events.toml": SMALL_EVENTS,
                            "faq.toml": SMALL_FAQ})
    kb, problems = check_knowledge(root)
    assert kb is None
    assert any("'publisher_kind' is set from the [[publisher]] entries" in str(p)
               for p in problems)


def test_a_reprint_names_its_original(write_knowledge):
    sources = SMALL_SOURCES.replace('publisher = "Agency"', 'publisher = "Agency"\n'
                                    'original = "AFP"')
    root = write_knowledge({"sources.toml": sources, "events.toml": SMALL_EVENTS,
                            "faq.toml": SMALL_FAQ, "publishers.toml": PUBLISHERS})
    assert load_knowledge(root).sources["src-b"].original == "AFP"


def test_a_headline_opening_on_a_pronoun_is_refused(write_knowledge):
    """Issue 21, defect 3: an answer shared into another chat began with "It"."""
    faq = """
    [[faq]]
    id = "end-resolution"
    questions = ["Which resolution ended MINUSMA?"]
    fact = "It ended MINUSMA's mandate on 30 June 2023."
    answer = "Resolution 2690 ended the mandate."
    sources = ["src-a"]
    """
    root = write_knowledge({"sources.toml": SMALL_SOURCES, "faq.toml": faq})
    kb, problems = check_knowledge(root)
    assert kb is None
    assert any("opens on a pronoun" in p.message and p.line == 4 for p in problems), problems
