"""Regenerate bot/data/everyday_words.txt: the everyday words of English and French.

The answer engine weighs a word it has never seen by what it probably is: an everyday word
("change", "threw", "extra") says little about which entry answers, a name ("UNMISS", "Juba")
says the question is about something else. This list tells them apart. It is derived from the
wordfreq project's frequency data (https://github.com/rspeer/wordfreq, data under CC BY-SA 4.0)
and is not needed at run time beyond the text file it writes.

Run once, from the repository, in a scratch environment:
    pip install -e . wordfreq && python scripts/make_everyday_words.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel import Locale
from wordfreq import top_n_list, zipf_frequency

from bot.text import fold

MIN_ZIPF = 3.3  # about once per 500,000 words: "disband" (2.9) is not everyday, "threw" is
OUT = Path(__file__).resolve().parent.parent / "bot" / "data" / "everyday_words.txt"


def names() -> set[str]:
    """Country and language names: everyday in frequency, but names in a question."""
    found: set[str] = set()
    for lang in ("en", "fr"):
        locale = Locale(lang)
        for table in (locale.territories, locale.languages):
            for name in table.values():
                found.update(fold(w) for w in name.replace("-", " ").split())
    return found


def main() -> int:
    excluded = names()
    words: set[str] = set()
    for lang in ("en", "fr"):
        for word in top_n_list(lang, 100_000):
            folded = fold(word)
            if (folded.isalpha() and folded.isascii() and len(folded) > 1
                    and zipf_frequency(word, lang) >= MIN_ZIPF and folded not in excluded):
                words.add(folded)
    header = ("# Everyday English and French words (folded), from wordfreq frequency data,\n"
              "# CC BY-SA 4.0. Regenerate with scripts/make_everyday_words.py.\n")
    OUT.write_text(header + "\n".join(sorted(words)) + "\n", encoding="utf-8")
    print(f"{len(words)} words written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
