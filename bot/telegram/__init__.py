"""The Telegram adapter: the only package that imports python-telegram-bot.

- `app`: the Application's assembly and lifecycle (`build_application`, `run`).
- `handlers`: one function per kind of update; replies in the asker's language.
- `curators`: /reload, /stats, /unanswered and /export, for BOT_ADMIN_IDS only.
- `keyboards`: buttons within Telegram's limits.
- `limits`: flood limits, retries that never post twice, fair use, the token watch.

Answers come from the engine (`bot.service.AnswerService`) and are rendered by `bot.render`.
"""
