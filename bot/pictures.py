"""Pictures where people would rather look than read: the mission's decade and its withdrawal
on one time axis, and a map of Mali with every camp coloured by its closure date.

Everything drawn comes from the index (the camps declared in knowledge/camps.toml with their
positions and closings, heads of mission, mandate resolutions); labels follow the reader's
language. Drawing uses matplotlib's Agg backend through the Figure API (no pyplot, no
display, safe in a worker thread). Pictures are cached per knowledge version and language in
a folder beside the index, and a file is only ever replaced if this bot wrote it (its PNG
carries the bot's name).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import tempfile
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from babel import Locale
from babel.dates import format_date

from bot import derive
from bot.i18n import Lang, human_date, say
from bot.models import Phrase, Source
from bot.render import cut
from bot.store import Store, Tenure

Kind = Literal["timeline", "map"]
KINDS: tuple[Kind, ...] = ("timeline", "map")
SOFTWARE = "minusma-bot"  # written into every PNG; a file without it is never replaced
OUTLINE = Path(__file__).with_name("data") / "mali_region.geojson"
TIMELINE_SIZE = (16, 9)  # inches, at DPI: 1600 x 900 pixels
MAP_SIZE = (13, 11)  # 1300 x 1100 pixels
DPI = 100
# The decade takes this share of the axis; the withdrawal, a year and a half, the rest.
DECADE_SHARE = 0.45
COLOURS = "viridis"
CHAR_SHARE = 0.0044  # width of a 9-point character, as a share of the timeline's axis
LABEL_CHAR_PX = 7.0  # a 10-point character on the map, in pixels
LABEL_HEIGHT_PX = 34.0  # two lines of it
VIEW = (-12.8, 5.0, 9.8, 25.2)  # the map's frame: west, east, south, north
CAPTION_UNITS = 1024  # Telegram's limit for a photo's caption, in UTF-16 code units
# Neighbours as Natural Earth names them (ISO 3166 alpha-3) and as Babel names territories.
_ISO2 = {"MLI": "ML", "DZA": "DZ", "NER": "NE", "BFA": "BF", "CIV": "CI", "GIN": "GN",
         "SEN": "SN", "MRT": "MR"}


@dataclass(frozen=True)
class Closure:
    """The day one of the mission's camps closed (knowledge/camps.toml), and where it was."""

    place: str
    place_fr: str
    date: str  # ISO, as precise as known
    sources: tuple[str, ...]
    lat: float
    lon: float

    def name(self, lang: Lang) -> str:
        return self.place_fr if lang == "fr" else self.place


def camp_closures(store: Store) -> list[Closure]:
    """Each declared camp's closing, in date order."""
    camps = store.camps()
    events = {d.id: d for d in store.docs(c.closed_by for c in camps)}
    return [Closure(c.place, c.place_fr, c.closed, tuple(events[c.closed_by].entry.sources),
                    c.lat, c.lon)
            for c in camps if c.closed_by in events]


@dataclass(frozen=True)
class Facts:
    """What the pictures show, read from the index once, so that drawing (in a worker
    thread) never touches the database."""

    closures: tuple[Closure, ...]
    heads: tuple[Tenure, ...]  # each head of mission once, in order
    resolutions: tuple[tuple[int, str], ...]  # number, ISO day adopted
    heads_end: str  # ISO day the last head of mission left (else the last camp's closing)
    publishers: tuple[str, ...]  # who the closure dates come from


def facts(store: Store, sources: dict[str, Source]) -> Facts:
    closures = camp_closures(store)
    tenures = store.tenures()
    heads: list[Tenure] = []  # from the first entry naming each (appointment or arrival)
    for tenure in tenures:
        if tenure.role == "head-of-mission" and all(t.person != tenure.person for t in heads):
            heads.append(tenure)
    adopted: dict[int, str] = {}
    for doc in store.events_of_kinds(("mandate",), limit=100_000):
        number = doc.entry.resolution
        if number is not None and doc.precision == "day":
            adopted.setdefault(number, doc.date_lo or "")
    line = derive.holders(tenures, "head-of-mission")
    # The last head's bar ends when the knowledge says they left (December 2023); the
    # liquidation that followed, to the last camp's handover, had its own chief.
    closed = (line[-1].end[0] if line and line[-1].end[0]
              else max([_day(c.date).isoformat() for c in closures] or [""]))
    cited = Counter(sources[s].publisher for c in closures for s in c.sources if s in sources)
    publishers = [name for name, _ in cited.most_common()]  # the most cited first
    return Facts(tuple(closures), tuple(heads), tuple(adopted.items()), closed,
                 tuple(publishers))


def _day(iso: str) -> dt.date:
    parts = [int(p) for p in iso.split("-")]
    return dt.date(parts[0], parts[1] if len(parts) > 1 else 7, parts[2] if len(parts) > 2
                   else 15 if len(parts) > 1 else 1)


def _short(iso: str, lang: Lang) -> str:
    """A closure date in few characters: "31 Oct 2023", "31 oct. 2023", "Dec 2023"."""
    day = _day(iso)
    pattern = "d MMM y" if iso.count("-") == 2 else "MMM y"
    return format_date(day, pattern, locale=lang)


# --- drawing --------------------------------------------------------------------------------


def _num(day: dt.date) -> float:
    """A date as matplotlib's axes count it."""
    from matplotlib.dates import date2num

    return float(date2num(day))  # type: ignore[no-untyped-call]


def _figure(size: tuple[float, float]) -> Any:
    # Imported here: matplotlib takes half a second to load, and only pictures need it.
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=size, dpi=DPI)


def _png(figure: Any) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": SOFTWARE})
    return out.getvalue()


def _colours(closures: Sequence[Closure]) -> tuple[Any, Any, Any]:
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    numbers = [_num(_day(c.date)) for c in closures]
    norm = Normalize(min(numbers), max(numbers) if max(numbers) > min(numbers)
                     else min(numbers) + 1)
    return colormaps[COLOURS], norm, numbers


def draw_timeline(facts: Facts, lang: Lang = "en") -> bytes:
    """Heads of mission, mandate resolutions and every camp closure on one time axis: the
    decade compressed on the left, the withdrawal stretched on the right."""
    import numpy as np

    closures = facts.closures
    tenures = facts.heads
    resolutions = facts.resolutions
    start = dt.date(min([int(day[:4]) for _, day in resolutions] or [2013]), 1, 1)
    end_year = max([_day(c.date).year for c in closures] or [2024])
    end = dt.date(end_year, 12, 31)
    first_closure = _day(closures[0].date) if closures else dt.date(end_year - 1, 7, 1)
    split = dt.date(first_closure.year, max(1, first_closure.month - 2), 1)
    knots = [_num(start), _num(split), _num(end)]
    shares = [0.0, DECADE_SHARE, 1.0]

    def forward(x: Any) -> Any:
        return np.interp(x, knots, shares)

    def inverse(y: Any) -> Any:
        return np.interp(y, shares, knots)

    figure = _figure(TIMELINE_SIZE)
    ax = figure.add_axes((0.03, 0.14, 0.94, 0.74))
    ax.set_xscale("function", functions=(forward, inverse))
    ax.set_xlim(knots[0], knots[-1])
    ax.set_ylim(0, 4.4)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.axvspan(knots[1], knots[2], color="#f3efe6", zorder=0)
    ax.text(knots[1], 4.1, say(Phrase.of("picture-withdrawal"), lang), fontsize=13,
            va="top", ha="left", color="#6b5b3e")

    # Heads of mission: one bar each, to the next one's arrival; the last until they left.
    heads_end = _day(facts.heads_end) if facts.heads_end else end
    ends = [_num(_day(t.first)) for t in tenures[1:]] + [_num(heads_end)]
    for n, (tenure, until) in enumerate(zip(tenures, ends, strict=True)):
        begin = _num(_day(tenure.first))
        if until <= begin:
            continue
        y = 3.35 if n % 2 == 0 else 3.05
        ax.plot([begin, until], [y, y], color="#1f4e79", linewidth=9, solid_capstyle="butt")
        ax.text((begin + until) / 2, y + 0.17, tenure.name.split()[-1], ha="center",
                fontsize=10, color="#1f4e79")
    ax.text(knots[0], 3.75, say(Phrase.of("picture-heads"), lang), fontsize=11,
            color="#1f4e79", ha="left")

    # Mandate resolutions: a tick each, numbered.
    for number, day in resolutions:
        x = _num(_day(day))
        ax.plot([x, x], [2.25, 2.55], color="#7a7a7a", linewidth=1.2)
        ax.text(x, 2.6, str(number), rotation=90, fontsize=8, ha="center", va="bottom",
                color="#555555")
    ax.text(knots[0], 2.05, say(Phrase.of("picture-resolutions"), lang), fontsize=11,
            color="#555555", ha="left")

    # Camp closures: a dot each, labelled; a label goes on the lowest row where it does not
    # overlap its neighbours (widths estimated in axis fractions from the label's length).
    if closures:
        cmap, norm, numbers = _colours(closures)
        row_ends: list[float] = []
        for closure, x in zip(closures, numbers, strict=True):
            label = f"{closure.name(lang)}\n{_short(closure.date, lang)}"
            half = max(len(line) for line in label.split("\n")) * CHAR_SHARE / 2
            centre = float(forward(x))
            row = next((r for r, taken in enumerate(row_ends) if taken < centre - half),
                       len(row_ends))
            if row == len(row_ends):
                row_ends.append(0.0)
            row_ends[row] = centre + half
            height = 0.35 + row * 0.42
            ax.plot([x, x], [0.15, height], color="#bbbbbb", linewidth=0.8, zorder=1)
            ax.scatter([x], [0.15], s=70, color=cmap(norm(x)), zorder=3, edgecolors="black",
                       linewidths=0.5)
            ax.text(x, height + 0.03, label, fontsize=9, ha="center", va="bottom")

    years = [_num(dt.date(y, 1, 1)) for y in range(start.year, split.year + 1)]
    months = []
    month = dt.date(split.year, split.month, 1)
    while month <= end:
        if month.month % 3 == 1:
            months.append(month)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    ticks = years + [_num(m) for m in months if _num(m) > knots[1] + 20]
    labels = ([str(y) for y in range(start.year, split.year + 1)]
              + [format_date(m, "MMM y", locale=lang) for m in months
                 if _num(m) > knots[1] + 20])
    ax.set_xticks(ticks)
    ax.set_xticklabels(labels, fontsize=10)
    figure.suptitle(say(Phrase.of("picture-timeline-title"), lang), fontsize=17, y=0.97)
    figure.text(0.03, 0.03, say(Phrase.of("picture-timeline-note"), lang), fontsize=10,
                color="#555555")
    return _png(figure)


@lru_cache(maxsize=1)
def _outlines() -> list[tuple[str, list[list[tuple[float, float]]]]]:
    """Each country of the outline file: its ISO code and its rings (longitude, latitude)."""
    data = json.loads(OUTLINE.read_text(encoding="utf-8"))
    countries = []
    for feature in data["features"]:
        geometry = feature["geometry"]
        polygons = (geometry["coordinates"] if geometry["type"] == "MultiPolygon"
                    else [geometry["coordinates"]])
        rings = [[(float(x), float(y)) for x, y in polygon[0]] for polygon in polygons]
        countries.append((feature["properties"]["iso_a3"], rings))
    return countries


def draw_map(facts: Facts, lang: Lang = "en") -> bytes:
    """Mali and its neighbours, every camp coloured by its closure date and labelled."""
    import math

    from matplotlib.cm import ScalarMappable
    from matplotlib.dates import DateFormatter
    from matplotlib.patches import Polygon

    closures = list(facts.closures)
    figure = _figure(MAP_SIZE)
    ax = figure.add_axes((0.04, 0.06, 0.8, 0.86))
    names = Locale.parse(lang).territories
    for iso3, rings in _outlines():
        mali = iso3 == "MLI"
        for ring in rings:
            ax.add_patch(Polygon(ring, closed=True, facecolor="#f6f1e4" if mali else "#e8e8e8",
                                 edgecolor="#6b5b3e" if mali else "#aaaaaa",
                                 linewidth=1.6 if mali else 0.8, zorder=1))
        if not mali:
            # The name where the country shows: the middle of its outline inside the frame.
            shown = [pt for ring in rings for pt in ring
                     if VIEW[0] + 1 < pt[0] < VIEW[1] - 1 and VIEW[2] + 1 < pt[1] < VIEW[3] - 1]
            if shown:
                x = sum(pt[0] for pt in shown) / len(shown)
                y = sum(pt[1] for pt in shown) / len(shown)
                ax.text(x, y, names.get(_ISO2.get(iso3, ""), iso3), fontsize=11,
                        color="#888888", ha="center", style="italic", zorder=2)
    ax.set_xlim(VIEW[0], VIEW[1])
    ax.set_ylim(VIEW[2], VIEW[3])
    ax.set_aspect(1 / math.cos(math.radians(17)))
    ax.set_xticks([])
    ax.set_yticks([])
    if closures:
        cmap, norm, numbers = _colours(closures)
        placed: list[tuple[float, float, float, float]] = []  # boxes taken, in pixels
        points = [ax.transData.transform((c.lon, c.lat)) for c in closures]
        placed += [(x - 8, y - 8, x + 8, y + 8) for x, y in points]
        for closure, value, (px, py) in zip(closures, numbers, points, strict=True):
            ax.scatter([closure.lon], [closure.lat], s=140, color=cmap(norm(value)),
                       edgecolors="black", linewidths=0.7, zorder=4)
            label = f"{closure.name(lang)}\n{_short(closure.date, lang)}"
            width = max(len(line) for line in label.split("\n")) * LABEL_CHAR_PX + 8
            dx, dy, box = _free_spot(px, py, width, LABEL_HEIGHT_PX, placed)
            placed.append(box)
            ax.annotate(label, (closure.lon, closure.lat), xytext=(dx, dy),
                        textcoords="offset pixels", fontsize=10, zorder=5,
                        ha="left" if dx >= 0 else "right", va="center",
                        arrowprops={"arrowstyle": "-", "color": "#777777", "linewidth": 0.7,
                                    "shrinkA": 0, "shrinkB": 6},
                        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white",
                              "alpha": 0.85, "linewidth": 0})
        bar = figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, fraction=0.04,
                              pad=0.02)
        bar.ax.yaxis.set_major_formatter(
            DateFormatter("%Y-%m"))  # type: ignore[no-untyped-call]
        bar.set_label(say(Phrase.of("picture-closed-on"), lang), fontsize=11)
    figure.suptitle(say(Phrase.of("picture-map-title"), lang), fontsize=17, y=0.97)
    figure.text(0.04, 0.02, say(Phrase.of("picture-map-note"), lang), fontsize=9,
                color="#555555")
    return _png(figure)


Box = tuple[float, float, float, float]
# Where a label may go around its dot, nearest first (pixel offsets of the label's anchor).
_SPOTS = [(14, 0), (-14, 0), (14, 26), (-14, 26), (14, -26), (-14, -26), (40, 48),
          (-40, 48), (40, -48), (-40, -48), (70, 0), (-70, 0), (60, 80), (-60, -80)]


def _overlap(a: Box, b: Box) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def _free_spot(x: float, y: float, width: float, height: float,
               placed: Sequence[Box]) -> tuple[float, float, Box]:
    """The nearest offset where a label covers no other label or dot (else the least)."""
    best: tuple[float, float, float, Box] | None = None
    for dx, dy in _SPOTS:
        left = x + dx if dx >= 0 else x + dx - width
        box = (left, y + dy - height / 2, left + width, y + dy + height / 2)
        covered = sum(_overlap(box, other) for other in placed)
        if covered == 0:
            return dx, dy, box
        if best is None or covered < best[0]:
            best = (covered, dx, dy, box)
    assert best is not None
    return best[1], best[2], best[3]


# --- captions: the pictures' text alternative -----------------------------------------------


def caption(kind: Kind, facts: Facts, lang: Lang) -> str:
    """What the picture shows, in words: its text alternative (within Telegram's 1024
    characters for a caption)."""
    closures = facts.closures
    lines = [say(Phrase.of(f"picture-{kind}-caption", count=len(closures)), lang)]
    lines += [say(Phrase.of("dated", when=c.name(lang), title=human_date(c.date, lang)), lang)
              for c in closures]
    lines.append(say(Phrase.of("picture-sources",
                               publishers=", ".join(facts.publishers[:6])), lang))
    return cut("\n".join(lines), CAPTION_UNITS)


_DRAWING = threading.Lock()


def draw(kind: Kind, facts: Facts, lang: Lang) -> bytes:
    """One picture at a time: matplotlib's first import (and its font cache) is not safe to
    run from two threads at once, and a picture is drawn once per knowledge version anyway."""
    with _DRAWING:
        return draw_timeline(facts, lang) if kind == "timeline" else draw_map(facts, lang)


# --- the cache ------------------------------------------------------------------------------


def is_our_picture(path: Path) -> bool:
    """A PNG this bot drew: it names the bot in its metadata."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return head.startswith(b"\x89PNG") and SOFTWARE.encode() in head


class ForeignPicture(Exception):
    """A file this bot did not draw stands where a picture would go."""


def write_picture(data: bytes, path: Path) -> None:
    """Write atomically; never over a file this bot did not draw."""
    if path.exists() and not is_our_picture(path):
        raise ForeignPicture(f"{path} exists and is not a picture this bot drew; "
                             "refusing to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def cached(kind: Kind, facts: Facts, lang: Lang, folder: Path, version: str) -> Path:
    """The picture for this knowledge version and language, drawn once."""
    path = folder / f"{kind}-{lang}-{version[:12] or 'current'}.png"
    if not is_our_picture(path):
        write_picture(draw(kind, facts, lang), path)
    return path


def picture_folder(db_path: Path) -> Path:
    return db_path.with_name("pictures")
