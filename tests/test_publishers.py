from bot.compose import citation
from bot.models import PartialDate, Publisher, Source
from bot.publishers import (
    cited_as,
    host_index,
    host_of,
    primary_first,
    publisher_of,
    reprint_label,
)


def _source(sid: str, kind: str | None, publisher: str = "P", original: str | None = None
            ) -> Source:
    return Source(id=sid, title="T", publisher=publisher, date=PartialDate(2023),
                  url=f"https://{sid}.example.org/x", original=original,
                  publisher_kind=kind)  # type: ignore[arg-type]


def test_hosts_are_matched_exactly_after_dropping_www():
    un = Publisher(name="United Nations", kind="primary", hosts=("un.org", "news.un.org"))
    index = host_index([un])
    assert host_of("https://WWW.UN.org/en/x") == "un.org"
    assert publisher_of("https://www.un.org/x", index) is un
    assert publisher_of("https://news.un.org/fr/story", index) is un
    assert publisher_of("https://press.un.org/en", index) is None  # not listed: not un.org's


def test_citations_are_ordered_primary_major_regional_aggregator():
    sources = [_source("a", "aggregator"), _source("r", "regional"), _source("u", None),
               _source("m", "major"), _source("p", "primary"), _source("m2", "major")]
    assert [s.id for s in primary_first(sources)] == ["p", "m", "m2", "r", "a", "u"]


def test_a_reprint_is_labelled_with_its_original():
    assert reprint_label("Maliweb", "AFP") == "AFP, via Maliweb"
    assert reprint_label("Reuters", "reuters") == "Reuters"
    assert reprint_label("MINUSMA", None) == "MINUSMA"
    source = _source("x", "regional", "Bamada.net", "APA")
    assert cited_as(source) == "APA, via Bamada.net"
    assert citation(source).publisher == "APA, via Bamada.net"
