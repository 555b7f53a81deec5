import pkgutil
import subprocess
import sys

import bot
from tests.conftest import ROOT

# Every module of the bot but the Telegram adapter: the engine, the service, the console.
CORE = sorted(f"bot.{m.name}" for m in pkgutil.iter_modules(bot.__path__)
              if m.name not in ("telegram", "__main__"))


def test_the_answer_engine_never_imports_telegram():
    assert {"bot.engine", "bot.service", "bot.cli", "bot.language"} <= set(CORE)
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE)
        + "bad = sorted(m for m in sys.modules if m == 'telegram' or m.startswith('telegram.'))\n"
        + "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    assert done.stdout.strip() == ""
