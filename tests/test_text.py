from hypothesis import given
from hypothesis import strategies as st

from bot.text import AliasMap, fold, longest_phrases, name_like_words, stem, terms


def test_fold_removes_case_accents_punctuation_and_invisible_characters():
    assert fold("Sévaré") == fold("SEVARE") == "sevare"
    assert fold("Ki\u200bdal\u200d!") == "kidal"
    assert fold("d'Ansongo a-t-il fermé ?") == "d ansongo a t il ferme"
    assert fold("\u202eKidal\u202c") == "kidal"


def test_stem_strips_plurals_only():
    assert [stem(w) for w in ("camps", "casualties", "kidal", "gas", "status")] == [
        "camp", "casualty", "kidal", "gas", "status",
    ]


def test_aliases_map_multi_word_variants_onto_one_term():
    aliases = AliasMap()
    aliases.add("peacekeepers", ["blue helmets", "casques bleus"])
    aliases.add("Timbuktu", ["Tombouctou"], place=True)
    assert terms("Les casques bleus ont quitté Tombouctou", aliases) == [
        "peacekeeper", "quitte", "timbuktu",
    ]
    assert "timbuktu" in aliases.places


def test_alias_trace_names_the_tokens_behind_each_term():
    aliases = AliasMap()
    aliases.add("head of mission", ["ran the mission", "ran"])
    assert aliases.trace(["who", "ran", "minusma"]) == [
        ("who", ("who",)), ("head", ("ran",)), ("of", ("ran",)), ("mission", ("ran",)),
        ("minusma", ("minusma",)),
    ]


def test_name_like_words_are_capitalised_or_upper_case_words_after_the_first():
    assert name_like_words("When did UNMISS open its base in Juba?") == {"unmiss", "juba"}
    assert name_like_words("when did unmiss open its base in juba") == set()


@given(st.text())
def test_folding_never_crashes_and_yields_plain_ascii_words(text):
    folded = fold(text)
    assert folded == folded.strip()
    assert all((ch.isalnum() and ch.isascii()) or ch == " " for ch in folded)
    terms(text, AliasMap())


def test_longest_phrases_read_the_longest_name_first_and_never_overlap():
    known = {"gao", "gao camp", "camp", "kidal"}
    words = "the gao camp and kidal camp".split()
    assert list(longest_phrases(words, known, 4)) == [
        (1, 2, "gao camp"), (4, 1, "kidal"), (5, 1, "camp")]
    assert next(longest_phrases(words, known, 1)) == (1, 1, "gao")
