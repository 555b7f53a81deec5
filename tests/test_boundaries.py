import subprocess
import sys

from tests.conftest import ROOT

CORE = ["bot.config", "bot.models", "bot.text", "bot.dates", "bot.knowledge", "bot.store",
        "bot.query", "bot.rank", "bot.derive", "bot.compose", "bot.render", "bot.i18n",
        "bot.engine", "bot.suite", "bot.evaluation", "bot.cli"]


def test_the_answer_engine_never_imports_telegram():
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE)
        + "bad = sorted(m for m in sys.modules if m == 'telegram' or m.startswith('telegram.'))\n"
        + "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    assert done.stdout.strip() == ""
