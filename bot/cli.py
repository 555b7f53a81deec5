"""Command line: `python -m bot [chat | ask | check | build | run | ingest]`.

Domain errors (bad knowledge files, bad settings) become short messages and exit codes here;
the library underneath only raises.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import socket
import sqlite3
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from bot import pictures
from bot.config import Config, ConfigError, load_config
from bot.conversation import Conversations, chose, converse, subject_of
from bot.coverage import coverage, report
from bot.engine import Engine, open_resilient
from bot.i18n import LANGS, Lang, say
from bot.ingest import ingest, mark_duplicates, page_files, write_drafts
from bot.knowledge import KnowledgeError, check_knowledge
from bot.language import reply_language
from bot.models import Phrase, Topic
from bot.pictures import KINDS, Kind
from bot.progress import Progress
from bot.querylog import QuestionLog
from bot.render import render_html, render_plain
from bot.store import (
    ForeignFileError,
    build_index,
    knowledge_fingerprint,
    read_meta,
    verify_index,
)
from bot.tables import table

EXIT_OK, EXIT_PROBLEMS, EXIT_CONFIG = 0, 1, 2
HISTORY_FILE = Path.home() / ".minusma_bot_history"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="MINUSMA facts bot: cited answers about the UN mission in Mali.",
    )
    parser.add_argument("--knowledge", type=Path, help="knowledge folder (default: $KNOWLEDGE_DIR)")
    parser.add_argument("--db", type=Path, help="index file (default: $BOT_DB_PATH)")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("chat", help="interactive console chat with the answer engine "
                   "(the default without a token)")
    ask = sub.add_parser("ask", help="answer one question and exit")
    ask.add_argument("question", nargs="+")
    ask.add_argument("--html", action="store_true", help="print the Telegram HTML form")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument("--confidence", action="store_true", help="show the confidence score")
    ask.add_argument("--lang", choices=("auto", *LANGS), default="auto",
                     help="language of the reply (default: the question's, else $LANG's)")
    sub.add_parser("check", help="validate the knowledge files; exit 1 on any problem")
    sub.add_parser("build", help="validate and (re)build the search index")
    sub.add_parser("stats", help="print what the knowledge covers: events per year and kind, "
                   "sources, resolutions, leaders, gaps")
    sub.add_parser("run", help="run the Telegram bot (long polling); needs TELEGRAM_BOT_TOKEN")
    sub.add_parser("health", help="exit 0 if the index is whole (and, in webhook mode, the "
                   "webhook port answers); for container health checks")
    draw_ = sub.add_parser("draw", help="draw the timeline or the map of the camps as a PNG")
    draw_.add_argument("kind", choices=KINDS)
    draw_.add_argument("--out", type=Path, required=True, help="where to write the PNG")
    draw_.add_argument("--lang", choices=LANGS, default="en", help="language of the labels")
    report_ = sub.add_parser("report", help="what people asked: the question log's figures and "
                             "the declined questions asked most")
    report_.add_argument("--log", type=Path, help="the question log (default: $BOT_LOG_PATH)")
    report_.add_argument("--top", type=int, default=15, help="how many declined questions")
    ingest = sub.add_parser("ingest", help="turn saved mission pages into event candidates")
    ingest.add_argument("files", nargs="+", type=Path,
                        help="saved HTML pages or text files, or folders of them")
    ingest.add_argument("--json", action="store_true",
                        help="print one JSON object per candidate instead of writing drafts")
    ingest.add_argument("--inbox", type=Path,
                        help="where drafts go (default: the knowledge folder's inbox/)")
    return parser


def _print_problems(problems: Sequence[object]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(problems)} problem(s) found.", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except ForeignFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except BrokenPipeError:
        # The reader left (`ask ... | head`): nothing more to say, and no traceback about it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except (OSError, sqlite3.Error) as exc:
        # A full disk, a read-only folder, a file that cannot be opened: one line, not a
        # traceback (the reason and the path say what to fix).
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        where = f" ({exc.filename})" if isinstance(exc, OSError) and exc.filename else ""
        print(f"error: {reason}{where}", file=sys.stderr)
        return EXIT_PROBLEMS


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    knowledge_dir = args.knowledge or config.knowledge_dir
    db_path = args.db or config.db_path
    # With no command: the Telegram bot when a token is configured, else the console chat.
    command = args.command or ("run" if config.telegram_token else "chat")

    if command == "check":
        kb, problems = check_knowledge(knowledge_dir)
        if kb is None:
            _print_problems(problems)
            return EXIT_PROBLEMS
        counts = ", ".join(f"{n} {name}" for name, n in kb.counts().items())
        print(f"OK: {counts} in {len(kb.files)} file(s).")
        return EXIT_OK
    if command == "stats":
        kb, problems = check_knowledge(knowledge_dir)
        if kb is None:
            _print_problems(problems)
            return EXIT_PROBLEMS
        print(report(coverage(kb)))
        return EXIT_OK
    if command == "build":
        kb, problems = check_knowledge(knowledge_dir)
        if kb is None:
            _print_problems(problems)
            return EXIT_PROBLEMS
        progress = Progress(0, f"building {db_path.name}")
        stats = build_index(kb, db_path, knowledge_fingerprint(knowledge_dir), progress)
        progress.close()
        counts = ", ".join(f"{n} {name}" for name, n in stats.counts.items())
        print(f"Built {stats.path} in {stats.seconds * 1000:.0f} ms: {counts}.")
        return EXIT_OK

    if command == "run":
        return _run(config, knowledge_dir, db_path)
    if command == "health":
        return _health(config, db_path)
    if command == "draw":
        return _draw(knowledge_dir, db_path, args.kind, args.out, args.lang)
    if command == "report":
        located = config.model_copy(update={"db_path": db_path}).question_log()
        return _report(args.log or located, knowledge_dir, db_path, args.top)
    if command == "ingest":
        return _ingest(args.files, args.json, args.inbox or knowledge_dir / "inbox",
                       knowledge_dir)

    try:
        opened = open_resilient(knowledge_dir, db_path)
    except KnowledgeError as exc:
        _print_problems(exc.problems)
        return EXIT_PROBLEMS
    engine = opened.engine
    if opened.state != "current":
        # Answers still come, from the index the knowledge last built; the curator is told.
        _print_problems(opened.problems)
        which = "last good copy of the index" if opened.state == "last-good" else "index"
        print(f"warning: answering from the {which} built at {opened.built_at}",
              file=sys.stderr)
    try:
        if command == "ask":
            return _ask(engine, " ".join(args.question), args)
        return _chat(engine)
    finally:
        engine.close()


def _ingest(paths: list[Path], as_json: bool, inbox: Path, knowledge_dir: Path) -> int:
    files = page_files(paths)
    progress = Progress(len(files), "reading pages")
    candidates, warnings = ingest(files, progress)
    progress.close()
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    kb, problems = check_knowledge(knowledge_dir)
    if kb is not None:
        mark_duplicates(candidates, kb)
    if as_json:
        if kb is None:
            print("warning: the knowledge files have problems, so stories already in them are "
                  "not marked", file=sys.stderr)
        for candidate in candidates:
            print(json.dumps(candidate.as_json(), ensure_ascii=False))
        return EXIT_OK if candidates or not warnings else EXIT_PROBLEMS
    if kb is None:
        print("error: the knowledge files have problems, so I cannot tell which stories are "
              "already cited; fix them first:", file=sys.stderr)
        _print_problems(problems)
        return EXIT_PROBLEMS
    written, cited, pending = write_drafts(candidates, inbox, kb)
    for path in written:
        print(f"draft: {path}")
    print(f"{len(candidates)} candidate(s): {len(written)} draft(s) written to {inbox}, "
          f"{cited} already in the knowledge, {pending} already in the inbox.")
    return EXIT_OK if candidates or not warnings else EXIT_PROBLEMS


def _run(config: Config, knowledge_dir: Path, db_path: Path) -> int:
    if not config.telegram_token:
        print("error: TELEGRAM_BOT_TOKEN is not set (see .env.example); "
              "`python -m bot chat` needs no token", file=sys.stderr)
        return EXIT_CONFIG
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        level=logging.INFO)
    # Imported here so that the console commands never load python-telegram-bot.
    from bot.telegram.app import run

    try:
        return run(config.model_copy(update={"knowledge_dir": knowledge_dir,
                                             "db_path": db_path}))
    except KnowledgeError as exc:
        _print_problems(exc.problems)
        print("error: the knowledge files have problems and there is no index to start on",
              file=sys.stderr)
        return EXIT_PROBLEMS
    # A foreign file, a full disk, a closed pipe: `main` turns them into one line.


def _health(config: Config, db_path: Path) -> int:
    problem = verify_index(db_path)
    if problem is None and config.webhook_url:
        host = "127.0.0.1" if config.webhook_listen in ("0.0.0.0", "::") else (
            config.webhook_listen)
        try:
            socket.create_connection((host, config.webhook_port), timeout=3).close()
        except OSError as exc:
            problem = f"the webhook port {config.webhook_port} does not answer ({exc.strerror})"
    if problem is not None:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return EXIT_PROBLEMS
    meta = read_meta(db_path)
    print(f"healthy: index built at {meta.get('built_at', '?')}")
    return EXIT_OK


def _draw(knowledge_dir: Path, db_path: Path, kind: Kind, out: Path, lang: Lang) -> int:
    try:
        opened = open_resilient(knowledge_dir, db_path)
    except KnowledgeError as exc:
        _print_problems(exc.problems)
        return EXIT_PROBLEMS
    engine = opened.engine
    try:
        shown = pictures.facts(engine.store, engine.sources)
        pictures.write_picture(pictures.draw(kind, shown, lang), out)
        print(pictures.caption(kind, shown, lang))
    except pictures.ForeignPicture as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        engine.close()
    print(f"\nWrote {out}.")
    return EXIT_OK


def _report(path: Path | None, knowledge_dir: Path, db_path: Path, top: int) -> int:
    if path is None or not path.is_file():
        print(f"No question log at {path} yet (the Telegram bot writes it; BOT_LOG_PATH "
              "sets where).", file=sys.stderr)
        return EXIT_PROBLEMS
    log = QuestionLog(path)
    try:
        summary = log.summary(top=10)
        groups = log.unanswered(limit=top)
    finally:
        log.close()
    titles: dict[str, str] = {}
    try:
        opened = open_resilient(knowledge_dir, db_path)
        titles = {d: (doc.title if (doc := opened.engine.store.doc(d)) else d)
                  for d, _ in summary.top_entries}
        opened.engine.close()
    except KnowledgeError:
        pass  # the figures stand without titles

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    print(f"# Questions in {path}\n")
    rows = [["today", str(summary.today)], ["last 7 days", str(summary.week)],
            ["in all", str(summary.total)],
            ["answered", f"{summary.answered:.0%}"], ["declined", f"{summary.declined:.0%}"],
            ["choice offered", f"{summary.choice:.0%}"],
            ["feedback 👍 / 👎", f"{summary.helpful} / {summary.not_helpful}"],
            ["answer time p50 / p95 (7 days)", f"{ms(summary.p50_ms)} / {ms(summary.p95_ms)} ms"]]
    if summary.askers is not None:
        rows.append(["distinct askers (salted hash)", str(summary.askers)])
    print(table(["", "figure"], rows))
    if summary.top_entries:
        print("\n# Most given answers\n")
        print(table(["entry", "title", "times"],
                    [[d, titles.get(d, d), str(n)] for d, n in summary.top_entries]))
    print("\n# Declined questions asked most (similar wordings together)\n")
    if not groups:
        print("None.")
    else:
        print(table(["times", "question", "other wordings"],
                    [[str(g.count), g.question, " / ".join(g.wordings[1:3])] for g in groups]))
    return EXIT_OK


def _lang(chosen: str, question: str) -> Lang:
    """The reply's language as in Telegram: the question's own, the user's locale ($LANG) as
    the tie-breaker, English by default; or the one asked for with --lang."""
    if chosen in LANGS:
        return chosen
    return reply_language(question, os.environ.get("LANG"))


def _ask(engine: Engine, question: str, args: argparse.Namespace) -> int:
    answer = engine.ask(question)
    if args.json:
        print(json.dumps(asdict(answer), ensure_ascii=False, indent=2))
    elif args.html:
        print(render_html(answer, lang=_lang(args.lang, question)))
    else:
        print(render_plain(answer, lang=_lang(args.lang, question),
                           show_confidence=args.confidence))
    return EXIT_OK


CONSOLE = "console"  # the console's one conversation


def _chat(engine: Engine) -> int:
    try:
        import readline
    except ImportError:  # not on every platform; the chat works without history
        readline = None  # type: ignore[assignment]
    if readline is not None:
        with contextlib.suppress(OSError):  # no history yet
            readline.read_history_file(HISTORY_FILE)
    counts = engine.info.counts
    lang = _lang("auto", "")
    print(say(Phrase.of("console-intro", events=counts.get("events", 0),
                        faq=counts.get("faq", 0), sources=counts.get("sources", 0)), lang))
    choices: list[Topic] = []
    memory = Conversations(size=1)  # one person at the console
    try:
        while True:
            try:
                line = input("> ").strip()
            except EOFError:
                print()
                break
            if not line:
                continue
            if line in ("/quit", "/exit", "quit", "exit"):
                break
            started = time.perf_counter()
            if line in ("/map", "/timeline"):
                # The same pictures the Telegram bot sends, written beside the index.
                kind: Kind = "map" if line == "/map" else "timeline"
                lang = _lang("auto", "")
                shown = pictures.facts(engine.store, engine.sources)
                try:
                    path = pictures.cached(kind, shown, lang, pictures.picture_folder(
                        engine.db_path), engine.info.fingerprint)
                except pictures.ForeignPicture as exc:
                    print(f"error: {exc}")
                    continue
                print(pictures.caption(kind, shown, lang))
                print(say(Phrase.of("picture-written", path=str(path)), lang) + "\n")
                if kind == "map":
                    continue
            about = ""
            if line.isdigit() and 1 <= int(line) <= len(choices):
                # A number picks one of the "which one?" choices just offered, in the
                # language they were offered in.
                answer = engine.topic(choices[int(line) - 1].doc_id) or engine.ask(line)
                chose(engine, memory, CONSOLE, answer)
            elif line == "/timeline":
                lang = _lang("auto", "")
                answer = engine.timeline()
            else:
                # The same conversation as in Telegram: "and Gao?" follows the last question.
                exchange = converse(engine, memory, CONSOLE, line,
                                    user_language=os.environ.get("LANG"))
                answer, lang = exchange.answer, exchange.lang
                about = subject_of(exchange.frame, lang)
                if exchange.rewritten:
                    print("(" + say(Phrase.of("read-as", question=exchange.question), lang)
                          + ")")
            choices = list(answer.choices)
            elapsed = (time.perf_counter() - started) * 1000
            print(render_plain(answer, lang=lang, about=about))
            print(f"({answer.kind}, confidence {answer.confidence:.2f}, {elapsed:.1f} ms)\n")
    except KeyboardInterrupt:
        print()
    finally:
        if readline is not None:
            with contextlib.suppress(OSError):  # a read-only home must not break the chat
                readline.write_history_file(HISTORY_FILE)
    return EXIT_OK
