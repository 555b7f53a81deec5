import datetime as dt
import json
import os
import tomllib
from pathlib import Path

import pytest

from bot import ingest as ingest_module
from bot.cli import main
from bot.ingest import (
    IngestWarning,
    ingest,
    parse_article,
    parse_html,
    parse_list,
    read_page,
    write_drafts,
)
from bot.knowledge import check_knowledge, load_knowledge
from tests.conftest import KNOWLEDGE, ROOT

FIXTURES = Path(__file__).with_name("fixtures") / "ingest"
SEEDS = ROOT.parent / "shared" / "seeds"


def fixture(name: str) -> Path:
    return FIXTURES / name


def test_html_listing_items_have_title_absolute_url_teaser_and_date():
    items, _ = parse_html(fixture("listing.html").read_text(), "listing.html")
    by_title = {i.title: i for i in items}
    assert set(by_title) == {"Camp at Testville closes its gates",
                             "A new clinic opens in Sampletown",
                             "Patrol near Exampleville ends safely"}
    camp = by_title["Camp at Testville closes its gates"]
    assert camp.url == "https://minusma.unmissions.org/en/camp-at-testville-closes"
    assert camp.date == dt.date(2023, 3, 2)  # its dateline, a day before the listing date
    assert camp.teaser.startswith("The mission closed its camp at Testville")
    clinic = by_title["A new clinic opens in Sampletown"]
    assert clinic.date == dt.date(2023, 2, 10) and "&" in clinic.teaser
    patrol = by_title["Patrol near Exampleville ends safely"]
    assert patrol.url == "https://minusma.unmissions.org/en/patrol-near-exampleville"


def test_pages_of_other_sites_are_refused():
    with pytest.raises(IngestWarning, match="not a MINUSMA page"):
        parse_html(fixture("other-site.html").read_text(), "other-site.html")


def test_text_list_items_including_continued_lines():
    items = parse_list(fixture("list.txt").read_text(), "list.txt")
    assert [(i.date.isoformat(), i.teaser[:30]) for i in items] == [
        ("2023-03-02", "The mission closed its camp at"),
        ("2023-02-20", "Peacekeepers escorted a convoy"),
        ("2023-02-14", "A workshop on justice brought "),
    ]


@pytest.mark.parametrize(
    ("name", "date", "title", "teaser"),
    [
        ("article.txt", "2023-03-02", "Camp at Testville closes its gates", "The mission closed"),
        ("article-variant.txt", "2023-04-12", "Mission news in brief", "Officials met"),
    ],
)
def test_article_dateline_title_and_teaser(name, date, title, teaser):
    [item] = parse_article(fixture(name).read_text(), name)
    assert (item.date.isoformat(), item.title) == (date, title)
    assert item.teaser.startswith(teaser) and item.url is None


def test_one_story_seen_in_three_files_is_one_candidate():
    files = [fixture(n) for n in ("listing.html", "list.txt", "article.txt")]
    candidates, warnings = ingest(files)
    assert warnings == []
    camp = [c for c in candidates if "Testville" in c.title]
    assert len(camp) == 1
    assert camp[0].title == "Camp at Testville closes its gates"
    assert camp[0].url == "https://minusma.unmissions.org/en/camp-at-testville-closes"
    assert camp[0].date == dt.date(2023, 3, 2)
    assert sorted(Path(p).name for p in camp[0].seen_in) == ["article.txt", "list.txt",
                                                             "listing.html"]
    assert len(candidates) == 5  # camp, clinic, patrol, convoy, workshop


def test_bad_files_give_one_warning_each_and_the_rest_goes_through(tmp_path):
    binary = tmp_path / "picture.toml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    files = [fixture("empty.txt"), binary, fixture("notes.txt"), fixture("other-site.html"),
             tmp_path / "missing.html", fixture("article.txt")]
    candidates, warnings = ingest(files)
    assert len(candidates) == 1
    assert [w.split(": ", 1)[1] for w in warnings] == [
        "empty file", "binary file, not a saved page",
        "no dated stories found (not a listing or an article)",
        "not a MINUSMA page (its address is on news.example.com)",
        "cannot be read (No such file or directory)",
    ]


def test_cli_json_prints_one_object_per_candidate(capsys):
    code = main(["ingest", "--json", str(fixture("listing.html")), str(fixture("notes.txt"))])
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 3
    assert all(set(r) == {"date", "title", "url", "summary", "seen_in", "duplicate_of"}
               for r in rows)
    assert err.count("\n") == 1 and err.startswith("warning: ")


def test_drafts_are_valid_knowledge_once_a_curator_moves_them(tmp_path):
    inbox = tmp_path / "knowledge" / "inbox"
    candidates, _ = ingest([fixture("listing.html")])
    written, cited, pending = write_drafts(candidates, inbox, load_knowledge(KNOWLEDGE))
    assert (len(written), cited, pending) == (3, 0, 0)
    for path in written:
        data = tomllib.loads(path.read_text())
        assert data["event"][0]["summary"].startswith("TODO, in our own words.")
    # Drafts in inbox/ are not live; moved out, they validate as they are.
    assert check_knowledge(tmp_path / "knowledge")[1][0].message.startswith("no knowledge")
    for path in written:
        path.rename(tmp_path / "knowledge" / path.name)
    kb, problems = check_knowledge(tmp_path / "knowledge")
    assert problems == [] and kb is not None and len(kb.events) == 3


def test_drafts_skip_cited_stories_and_never_overwrite(tmp_path, small_knowledge):
    inbox = tmp_path / "inbox"
    kb = load_knowledge(small_knowledge)  # cites "Closure of the camp in Testville", 18 Nov 2023
    candidates, _ = ingest([fixture("list.txt")])
    first = write_drafts(candidates, inbox, kb)
    again = write_drafts(candidates, inbox, kb)
    assert (len(first[0]), first[2]) == (3, 0)
    assert (len(again[0]), again[2]) == (0, 3)
    (inbox / first[0][0].name).write_text("# a curator's edits\n")
    write_drafts(candidates, inbox, kb)
    assert (inbox / first[0][0].name).read_text() == "# a curator's edits\n"


def test_already_cited_by_url_or_by_date_and_title(tmp_path, write_knowledge):
    knowledge = write_knowledge({"s.toml": """
        [[source]]
        id = "by-url"
        title = "Something else entirely"
        publisher = "MINUSMA"
        date = 2020-01-01
        url = "https://minusma.unmissions.org/en/camp-at-testville-closes/"

        [[source]]
        id = "by-title"
        title = "A NEW clinic opens in Sampletown"
        publisher = "MINUSMA"
        date = 2023-02-10
        url = "https://elsewhere.example.org/clinic"
        """})
    candidates, _ = ingest([fixture("listing.html")])
    written, cited, _ = write_drafts(candidates, tmp_path / "inbox", load_knowledge(knowledge))
    assert cited == 2 and [p.name[:10] for p in written] == ["2023-02-01"]


def test_nothing_is_written_half(tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    real_replace = os.replace
    calls = []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(ingest_module.os, "replace", failing_replace)
    candidates, _ = ingest([fixture("listing.html")])
    with pytest.raises(OSError):
        write_drafts(candidates, inbox, None)
    names = sorted(p.name for p in inbox.iterdir())
    assert len(names) == 1 and names[0].endswith(".toml")  # the first draft, whole; no temp file
    tomllib.loads((inbox / names[0]).read_text())


def test_cli_writes_drafts_into_the_knowledge_inbox(tmp_path, small_knowledge, capsys):
    code = main(["--knowledge", str(small_knowledge), "ingest", str(fixture("article.txt"))])
    out = capsys.readouterr().out
    assert code == 0 and "1 draft(s) written" in out
    assert len(list((small_knowledge / "inbox").glob("*.toml"))) == 1
    assert check_knowledge(small_knowledge)[1] == []  # the inbox is not live knowledge


# --- the seed pages, when ../shared/seeds is there -----------------------------------------

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not present")


def seed(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*"))


@needs_seeds
def test_seed_press_release_list():
    items, _ = read_page(seed("000"))
    assert [i.date.isoformat() for i in items] == [
        "2023-12-08", "2023-11-23", "2023-11-22", "2023-11-18", "2023-11-10", "2023-10-31",
        "2023-10-23", "2023-10-23", "2023-10-22", "2023-10-19",
    ]
    assert items[0].teaser.startswith("MINUSMA today closed its camp in Sevare")


@needs_seeds
def test_seed_home_page_listing():
    items, links = read_page(seed("001"))
    titles = {i.title for i in items}
    assert "After ten years of presence, MINUSMA closes its base in Ansongo" in titles
    assert "Odyssey of the last MINUSMA convoy from Kidal to Gao" in titles
    assert all(i.url and i.url.startswith("https://minusma.unmissions.org/en/") for i in items)
    ansongo = next(i for i in items if "Ansongo" in i.title)
    assert ansongo.date == dt.date(2023, 11, 18)
    # The Kidal closure is only in the page's ticker: a link without a date.
    kidal = next(link for link in links if "Kidal, marking" in link.title)
    assert kidal.url.endswith("/en/minusma-closes-its-camp-kidal-marking-end-its-presence-region")


@needs_seeds
def test_seed_articles_and_2022_list():
    [sevare], _ = read_page(seed("002"))
    assert (sevare.date, sevare.title) == (dt.date(2023, 12, 8),
                                           "Closure of the MINUSMA camp in Sevare, Mopti region")
    [tdi], _ = read_page(seed("004"))
    assert (tdi.date, tdi.title) == (dt.date(2023, 12, 12), "UN Peacekeeping mission ends in Mali")
    items, _ = read_page(seed("003"))
    assert len(items) == 9 and items[-1].date == dt.date(2021, 12, 8)
    assert items[1].teaser.startswith("Jacqueline Feinting")  # text on the line below its date


@needs_seeds
def test_seed_stories_merge_across_files():
    candidates, warnings = ingest(sorted(SEEDS.iterdir()))
    # Only links to pages that are not dated stories anywhere (thematic pages) are left over.
    assert all("undated link" in w for w in warnings)
    kidal = next(c for c in candidates if c.date == dt.date(2023, 10, 31))
    assert kidal.title.startswith("MINUSMA closes its camp in Kidal")  # the ticker's headline
    assert kidal.url and kidal.url.endswith(
        "minusma-closes-its-camp-kidal-marking-end-its-presence-region")
    assert all(c.date for c in candidates)
    sevare = next(c for c in candidates if "Sevare" in c.title)
    assert sevare.url == "https://minusma.unmissions.org/en/closure-minusma-camp-sevare-mopti-region"
    assert sorted(Path(p).name[:3] for p in sevare.seen_in) == ["000", "001", "002"]
    assert sevare.date == dt.date(2023, 12, 8)
    assert len(candidates) == 20


TICKER = """<html><head>
<link rel="canonical" href="https://minusma.unmissions.org/en"></head>
<body><div class="ticker"><ul>
<li><a href="/en/mission-closes-its-camp-at-testville-ending-its-presence">Mission closes
its camp at Testville, ending its presence in the region</a></li>
<li><a href="/en/about-the-mission-and-its-many-tasks">About the mission and its many
tasks</a></li>
</ul></div></body></html>"""
DATED = """  • 02 Mar 2023 - Bamako, 2 March 2023 - The mission ended its presence in the Testville
region today, after its last convoy left the camp.
  • 01 Mar 2023 - The mission opened a clinic in Sampletown for the region's families.
"""


def test_an_undated_link_takes_the_date_of_the_same_story(tmp_path):
    (tmp_path / "home.html").write_text(TICKER)
    (tmp_path / "list.txt").write_text(DATED)
    candidates, warnings = ingest(ingest_module.page_files([tmp_path]))
    testville = next(c for c in candidates if "Testville" in c.title)
    assert testville.date == dt.date(2023, 3, 2)
    assert testville.url == ("https://minusma.unmissions.org/en/"
                             "mission-closes-its-camp-at-testville-ending-its-presence")
    assert testville.title.startswith("Mission closes its camp at Testville")
    clinic = next(c for c in candidates if "clinic" in c.summary)
    assert clinic.url is None  # nothing links to it: no address is made up
    assert [w for w in warnings if "About the mission" in w]  # matched nothing: reported


def test_a_folder_is_read_whole_hidden_files_aside(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "list.txt").write_text(DATED)
    (tmp_path / ".hidden.txt").write_text(DATED)
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    assert [p.name for p in ingest_module.page_files([tmp_path])] == ["list.txt"]


def test_stories_already_in_the_knowledge_are_marked_and_not_drafted(tmp_path, small_knowledge):
    list_file = tmp_path / "list.txt"
    list_file.write_text("  • 18 Nov 2023 - The last peacekeepers left the camp in Testville, "
                         "which closed today.\n")
    candidates, _ = ingest([list_file])
    kb = load_knowledge(small_knowledge)
    ingest_module.mark_duplicates(candidates, kb)
    assert candidates[0].duplicate_of == "testville-closure"
    written, known, _ = write_drafts(candidates, tmp_path / "inbox", kb)
    assert (written, known) == ([], 1)


def test_progress_shows_on_a_terminal_only():
    import io

    from bot.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    quiet, loud = io.StringIO(), Terminal()
    for stream in (quiet, loud):
        progress = Progress(3, "reading pages", stream)
        for name in ("a", "b", "c"):
            progress.step(name)
        progress.close()
    assert quiet.getvalue() == ""
    assert "reading pages: 3/3" in loud.getvalue()
