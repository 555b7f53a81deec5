from bot.cli import main
from bot.coverage import MANDATE_RESOLUTIONS, coverage, report
from bot.knowledge import load_knowledge
from tests.conftest import KNOWLEDGE


def test_the_real_knowledge_covers_the_whole_mission():
    cover = coverage(load_knowledge(KNOWLEDGE))
    assert cover.counts["events"] >= 400 and cover.counts["faq"] >= 80
    assert cover.thin_years == []  # at least 15 events every year from 2013 to 2024
    assert cover.missing_resolutions == []
    mandates = {e.resolution: e for e in cover.resolutions}
    for number in MANDATE_RESOLUTIONS[:-1]:  # 2690 ended the mandate
        assert any(f.what == "military-ceiling" for f in mandates[number].figures), number
    roles = {role for role, *_ in cover.leaders}
    assert roles == {"head-of-mission", "force-commander"}
    named = {country: events for country, events, *_ in cover.countries}
    for country in ("Chad", "Bangladesh", "Egypt", "Burkina Faso", "Togo", "Senegal", "Germany",
                    "Netherlands", "Sweden", "United Kingdom"):
        assert named.get(country, 0) >= 2, country


def test_gaps_are_named(small_knowledge):
    cover = coverage(load_knowledge(small_knowledge))
    text = report(cover)
    assert "years with fewer than 15 events: 2013, 2014" in text
    assert "mandate resolutions without an entry: 2100, 2164" in text


def test_stats_command_prints_the_tables(small_knowledge, capsys):
    assert main(["--knowledge", str(small_knowledge), "stats"]) == 0
    out = capsys.readouterr().out
    assert "## Events per year" in out and "| 2023 | 1      | 1" in out


def test_stats_prints_citations_per_publisher_kind(write_knowledge, capsys):
    from tests.conftest import SMALL_EVENTS, SMALL_FAQ, SMALL_SOURCES
    publishers = """
[[publisher]]
name = "MINUSMA"
kind = "primary"
host = "minusma.unmissions.org"

[[publisher]]
name = "Reposts"
kind = "aggregator"
host = "example.org"
"""
    sources = SMALL_SOURCES.replace("https://example.org/a", "https://minusma.unmissions.org/a")
    faq = SMALL_FAQ.replace('sources = ["src-a"]', 'sources = ["src-b"]')
    root = write_knowledge({"sources.toml": sources, "events.toml": SMALL_EVENTS,
                            "faq.toml": faq, "publishers.toml": publishers})
    cover = coverage(load_knowledge(root))
    # the event cites src-a (main and a version: once) and src-b; the FAQ entry src-b
    assert cover.citations_by_kind == {"primary": 1, "major": 0, "regional": 0,
                                       "aggregator": 2}
    assert cover.aggregator_only == ["what-is-testville"]
    assert main(["--knowledge", str(root), "stats"]) == 0
    out = capsys.readouterr().out
    assert "## Citations per publisher kind" in out and "| aggregator | 2         | 67%" in out
    assert "entries citing aggregators only: what-is-testville" in out
