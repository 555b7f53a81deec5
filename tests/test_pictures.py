"""Pictures drawn from the knowledge: valid PNGs of a phone-readable size, captions as text
alternatives in the reader's language, drawn once, never over someone else's file."""

from __future__ import annotations

import pytest

from bot import pictures
from bot.engine import Engine
from tests.fake_telegram import png_size


@pytest.fixture(scope="module")
def shown(engine: Engine) -> pictures.Facts:
    return pictures.facts(engine.store, engine.sources)


def test_every_camp_closure_comes_from_the_knowledge_in_date_order(shown):
    places = [c.place for c in shown.closures]
    assert places[:4] == ["Ogossagou", "Ber", "Goundam", "Ménaka"]
    assert {"Kidal", "Tessalit", "Aguelhok", "Ansongo", "Sévaré", "Timbuktu", "Gao",
            "Bamako"} <= set(places)
    assert [c.date for c in shown.closures] == sorted(c.date for c in shown.closures)
    # Every camp goes on the map at its declared place.
    assert all(9 < c.lat < 26 and -13 < c.lon < 5 for c in shown.closures)
    assert [t.person.split()[-1] for t in shown.heads][-2:] == ["annadif", "wane"]


@pytest.mark.parametrize("kind", pictures.KINDS)
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_pictures_are_pngs_wide_enough_for_a_phone(shown, kind, lang):
    data = pictures.draw(kind, shown, lang)
    width, height = png_size(data)
    assert width >= 1000 and height >= 800
    assert pictures.SOFTWARE.encode() in data[:4096]


def test_captions_list_the_camps_in_the_readers_language(shown):
    english = pictures.caption("map", shown, "en")
    french = pictures.caption("map", shown, "fr")
    assert "Kidal: 31 October 2023" in english and "Timbuktu: 28 December 2023" in english
    assert "Kidal : 31 octobre 2023" in french and "Tombouctou : 28 décembre 2023" in french
    assert "MINUSMA (" not in english and "Dates from:" in english
    for text in (english, french, pictures.caption("timeline", shown, "fr")):
        assert len(text.encode("utf-16-le")) // 2 <= 1024


def test_a_picture_is_drawn_once_per_version_and_language(shown, tmp_path, monkeypatch):
    drawn: list[str] = []
    real = pictures.draw

    def counting(kind, facts, lang):  # type: ignore[no-untyped-def]
        drawn.append(f"{kind}-{lang}")
        return real(kind, facts, lang)

    monkeypatch.setattr(pictures, "draw", counting)
    first = pictures.cached("map", shown, "fr", tmp_path, "v1abc")
    again = pictures.cached("map", shown, "fr", tmp_path, "v1abc")
    pictures.cached("map", shown, "en", tmp_path, "v1abc")
    pictures.cached("map", shown, "fr", tmp_path, "v2def")
    assert first == again and drawn == ["map-fr", "map-en", "map-fr"]


def test_a_file_the_bot_did_not_draw_is_never_replaced(shown, tmp_path):
    holiday = tmp_path / "map-en-v1abc.png"
    holiday.write_bytes(b"\x89PNG\r\n\x1a\n someone's holiday photo")
    with pytest.raises(pictures.ForeignPicture):
        pictures.cached("map", shown, "en", tmp_path, "v1abc")
    assert holiday.read_bytes().endswith(b"holiday photo")


def test_draw_command_writes_the_picture_and_prints_its_caption(tmp_path, capsys):
    from bot.cli import main
    from tests.conftest import KNOWLEDGE

    out = tmp_path / "timeline.png"
    code = main(["--knowledge", str(KNOWLEDGE), "--db", str(tmp_path / "i.sqlite"), "draw",
                 "timeline", "--out", str(out), "--lang", "fr"])
    assert code == 0 and png_size(out.read_bytes())[0] >= 1000
    assert "Kidal : 31 octobre 2023" in capsys.readouterr().out
    notes = tmp_path / "notes.png"
    notes.write_text("not a picture")
    assert main(["--knowledge", str(KNOWLEDGE), "--db", str(tmp_path / "i.sqlite"), "draw",
                 "map", "--out", str(notes)]) == 1
    assert notes.read_text() == "not a picture"


@pytest.mark.parametrize(("lang", "question"), [
    ("en", "How many camps did MINUSMA have?"),
    ("fr", "Combien de camps la MINUSMA avait-elle ?")])
def test_pictures_count_the_camps_the_answers_count(engine, shown, lang, question):
    """The pictures draw the camps declared in knowledge/camps.toml: Mopti's annexes, a step
    of the Mopti-Sévaré camp's closing, are not a fourteenth camp."""
    places = [c.place for c in shown.closures]
    assert "Mopti" not in places and len(places) == len(set(places)) == 13
    answered = engine.ask(question)
    assert answered.headline is not None
    assert float(dict(answered.headline.params)["value"]) == 13
    for kind in pictures.KINDS:
        assert " 13 " in pictures.caption(kind, shown, lang).split("\n", 1)[0]
