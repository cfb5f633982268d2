"""
Load and faults: readers, an import and an editor at once, then an import killed and re-run.

    .venv/bin/python benchmarks/load_faults.py [--postgres] [--seconds 60] [--base 2000] [--stories 5000]

A bounded run that stops by itself, against 127.0.0.1 only (issue 7, item 9). It works on a
throwaway database: an SQLite file (WAL) in a temporary folder or, with ``--postgres``, a
database ``load_faults_tmp`` created on the PostgreSQL server at 127.0.0.1 (user ``postgres``,
trust authentication) and dropped at the end. It

1. builds a newsroom of ``--base`` live stories, plus the drafts the editor will publish, with
   ``benchmarks/build_bench_db.py``, and writes ``--stories`` new synthetic stories as jsonl
   (a section, a byline, tags, two quotes; status published);
2. starts gunicorn (two sync workers, page cache off) and for ``--seconds`` runs at once:
   50 readers (wrk ``-t2 -c50`` cycling through the home page, one article and a search), the
   import of those stories (``manage.py import_articles --status published --report``) and an
   editor that every half second publishes a draft and withdraws a live story through the
   workflow verbs, writing down every move it made;
3. checks that no reader saw an error (non-2xx status or socket error), that no log says
   "database is locked", that every move the editor wrote down is in the database, and that
   the import report's counts and the database's stories add up to base + imported;
4. imports a second file of ``--stories`` stories, kills the import with SIGKILL part-way (a
   moment after its first progress line), runs the same command again to the end and checks
   that the database holds each story of that file exactly once and that the re-run found the
   stories committed before the kill unchanged.

It prints a summary of the figures and exits 1 when any check failed or the run could not
finish (2 on bad arguments). Its processes, temporary folder and PostgreSQL database are removed on exit, whatever
happened (Ctrl-C and SIGTERM included). ``benchmarks/load_faults.sh`` runs it on SQLite and
then on PostgreSQL.
"""

import argparse
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
HOST = "127.0.0.1"
PG_DATABASE = "load_faults_tmp"
PG_URL = f"postgres://postgres@{HOST}:5432/{PG_DATABASE}"
READERS = 50
SEARCH_PATH = "/search/?q=harbour"
EDITOR_INTERVAL = 0.5
LOAD_ORIGIN = "load-faults"
RERUN_ORIGIN = "load-faults-rerun"
LOCKED = re.compile(r"database is locked", re.IGNORECASE)
TRACEBACK = re.compile(r"^Traceback \(most recent call last\)", re.MULTILINE)

SECTIONS = ["News", "Politics", "Business", "Environment", "Culture", "Sport", "Science", "Harbour"]
PEOPLE = ["Ana Ruiz", "Tom Reyes", "Priya Nair", "Lena Berg", "Omar Haddad", "Ruth Moore", "Karl Novak", "Mei Chen"]
ROLES = ["mayor", "spokeswoman", "engineer", "councillor", "harbour master", "head teacher"]
ORGANISATIONS = ["City council", "Port Authority", "Harbour Trust", "Ferry Company", "Chamber of Commerce"]
TOPICS = ["harbour", "ferry", "council", "budget", "school", "museum", "railway", "library", "market", "tram"]
VERBS = ["backs", "delays", "reviews", "expands", "rejects", "celebrates"]
WORDS = (
    "the city said its plan for residents would be ready after months of talks while officials warned that "
    "costs could rise as work began last week and people in the area have waited years for changes to "
    "services cut during the long winter when the river rose above its banks near the old quay"
).split()


# The synthetic stories to import.


def write_stories(path, count, origin, seed):
    """``count`` valid jsonl stories (docs/importing.md), published at past times, none with a photo."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)

    def sentence(words):
        text = " ".join(rng.choices(WORDS, k=words))
        return text[0].upper() + text[1:] + "."

    with path.open("w", encoding="utf-8") as output:
        for number in range(count):
            topic = rng.choice(TOPICS)
            speakers = rng.sample(PEOPLE, 2)
            story = {
                "origin": origin,
                "external_id": f"{origin}-{number}",
                "headline": f"{topic.capitalize()} plan {number} {rng.choice(VERBS)} {sentence(4)[:-1].lower()}",
                "standfirst": sentence(18),
                "body_html": "".join(
                    f"<p>{sentence(rng.randint(12, 24))} The {topic} was discussed again.</p>" for _ in range(5)
                ),
                "section": rng.choice(SECTIONS),
                "tags": [topic, *rng.sample(TOPICS, 2)],
                "authors": [{"name": rng.choice(PEOPLE), "role": "reporting"}],
                "status": "published",
                "published_at": (now - timedelta(minutes=7 * (number + 1))).isoformat(),
                "quotes": [
                    {
                        "text": sentence(14),
                        "speaker": speaker,
                        "role": rng.choice(ROLES),
                        "organisation": rng.choice(ORGANISATIONS),
                        "pull": position == 0,
                    }
                    for position, speaker in enumerate(speakers)
                ],
            }
            output.write(json.dumps(story, ensure_ascii=False) + "\n")


# Children: Django code run in its own process against the run's database.


def child(name, arguments):
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    result = {"prepare": prepare, "editor": editor, "inspect": inspect}[name](**arguments)
    print(json.dumps(result))


def prepare(drafts):
    """Turn the ``drafts`` oldest live stories into drafts for the editor; pick the article readers read."""
    from articles.models import Article

    oldest = Article.objects.live().order_by("published_at", "id").values_list("pk", flat=True)[:drafts]
    Article.objects.filter(pk__in=list(oldest)).update(status=Article.Status.DRAFT, published_at=None)
    live = Article.objects.live().latest_first()
    article = live[live.count() // 2]  # from the middle of the archive, as serve_bench.sh reads
    return {
        "article": article.get_absolute_url(),
        "protected": article.pk,
        "stories": Article.objects.count(),
        "live": live.count(),
        "drafts": Article.objects.filter(status=Article.Status.DRAFT).count(),
    }


def editor(seconds, interval, protected, moves):
    """
    Every ``interval`` seconds for ``seconds``, publish the oldest draft and withdraw the newest live
    story of the base newsroom (never ``protected``, never one it published), through the workflow
    verbs as the system user. Each move is written to ``moves`` (JSON lines) once it has returned.
    """
    import traceback

    from articles.models import Article

    base = Article.objects.filter(import_origin="")
    drafts = list(base.filter(status=Article.Status.DRAFT).order_by("pk").values_list("pk", flat=True))
    live = list(base.live().exclude(pk=protected).latest_first().values_list("pk", flat=True))
    started = time.monotonic()
    due, tick, made = started, 0, Counter()
    with open(moves, "a", encoding="utf-8") as log:
        while due < started + seconds:
            time.sleep(max(due - time.monotonic(), 0))
            for verb, pool in (("publish", drafts), ("withdraw", live)):
                if not pool:
                    print(f"editor: no story left to {verb}", file=sys.stderr)
                    continue
                pk = pool.pop(0)
                began = time.monotonic()
                entry = {"tick": tick, "verb": verb, "id": pk, "at": round(began - started, 3)}
                try:
                    story = Article.objects.get(pk=pk)
                    if verb == "publish":
                        story.publish()
                    else:
                        story.withdraw(comment="Withdrawn by the load test's editor.")
                except Exception as problem:
                    traceback.print_exc()
                    entry |= {"ok": False, "error": f"{type(problem).__name__}: {problem}"}
                else:
                    entry["ok"] = True
                    made[verb] += 1
                entry["seconds"] = round(time.monotonic() - began, 4)
                log.write(json.dumps(entry) + "\n")
                log.flush()
            tick += 1
            due = max(due + interval, time.monotonic())  # when late, carry on without a burst to catch up
    return {"ticks": tick, **made}


def inspect(origin, moves=None):
    """The database's stories, those of ``origin``, and whether every move in ``moves`` is in the database."""
    from articles.models import Article, ArticleEvent

    imported = Article.objects.filter(import_origin=origin)
    result = {
        "stories": Article.objects.count(),
        "imported": imported.count(),
        "imported_keys": imported.values("import_id").distinct().count(),
        "imported_live": imported.live().count(),
    }
    if moves is None:
        return result
    entries = [json.loads(line) for line in Path(moves).read_text().splitlines()]
    made = [entry for entry in entries if entry["ok"]]
    ids = {entry["id"] for entry in made}
    live = set(Article.objects.live().filter(pk__in=ids).values_list("pk", flat=True))
    withdrawn = set(Article.objects.withdrawn().filter(pk__in=ids).values_list("pk", flat=True))
    events = set(
        ArticleEvent.objects.filter(article_id__in=ids, action__in=["publish", "withdraw"]).values_list(
            "article_id", "action"
        )
    )
    lost = [
        entry
        for entry in made
        if (entry["id"] not in (live if entry["verb"] == "publish" else withdrawn))
        or (entry["id"], entry["verb"]) not in events
    ]
    return result | {"moves": len(made), "lost": len(lost), "lost_examples": lost[:5]}


# The run.


class Failed(Exception):
    """The run cannot go on; the message says why."""


class Run:
    def __init__(self, options):
        self.options = options
        self.postgres = options.postgres
        self.workdir = Path(tempfile.mkdtemp(prefix="newsroom-load-faults-"))
        self.processes = []
        self.database_created = False
        self.checks = []
        self.lines = []
        port = free_port()
        self.base_url = f"http://{HOST}:{port}"
        self.port = port
        self.env = os.environ.copy()
        self.env.pop("REDIS_URL", None)  # each worker's local memory; never a real Redis
        self.env.update(
            DATABASE_URL=PG_URL if self.postgres else f"sqlite:///{self.workdir / 'newsroom.sqlite3'}",
            DJANGO_SETTINGS_MODULE="benchmarks.bench_settings",
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY=f"load-faults-{secrets.token_hex(16)}",
            DJANGO_ALLOWED_HOSTS=HOST,
            DJANGO_STATIC_ROOT=str(self.workdir / "static"),
            DJANGO_MEDIA_ROOT=str(self.workdir / "media"),
            DJANGO_SERVE_MEDIA="0",
            DJANGO_PAGE_CACHE_SECONDS="0",
            DJANGO_LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )

    # Processes

    def start(self, command, log):
        with log.open("ab") as output:
            process = subprocess.Popen(
                [str(part) for part in command], cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT
            )
        self.processes.append(process)
        return process

    def run_child(self, name, **arguments):
        completed = subprocess.run(
            [PYTHON, __file__, "--child", name, json.dumps(arguments)],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode:
            raise Failed(f"the {name} step failed:\n{completed.stderr[-3000:]}")
        return json.loads(completed.stdout.strip().splitlines()[-1])

    def manage(self, *arguments):
        completed = subprocess.run(
            [PYTHON, "manage.py", *arguments], cwd=ROOT, env=self.env, capture_output=True, text=True, check=False
        )
        if completed.returncode:
            raise Failed(f"manage.py {arguments[0]} failed:\n{completed.stdout[-2000:]}{completed.stderr[-3000:]}")

    def stop(self, process, timeout=15):
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def cleanup(self):
        for process in reversed(self.processes):
            self.stop(process)
        if self.database_created:
            psql(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)', check=False)
        if self.options.keep_logs:
            keep = Path(self.options.keep_logs)
            keep.mkdir(parents=True, exist_ok=True)
            for log in self.workdir.glob("*.log"):
                shutil.copy(log, keep / log.name)
            for report in self.workdir.glob("*.json*"):
                shutil.copy(report, keep / report.name)
        shutil.rmtree(self.workdir, ignore_errors=True)

    # Checks and figures

    def check(self, name, ok, detail):
        self.checks.append((name, bool(ok), detail))

    def say(self, text=""):
        self.lines.append(text)

    # Steps

    def build(self):
        options = self.options
        if self.postgres:
            exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{PG_DATABASE}'").strip()
            if exists:
                raise Failed(
                    f"database {PG_DATABASE} already exists (left by a run that was killed?); drop it with "
                    f'psql -h {HOST} -U postgres -c "DROP DATABASE {PG_DATABASE}" and run again.'
                )
            psql(f'CREATE DATABASE "{PG_DATABASE}"')
            self.database_created = True
        drafts = math.ceil(options.seconds / EDITOR_INTERVAL) + 20
        progress(f"Building {options.base:,} live stories and {drafts} drafts...")
        completed = subprocess.run(
            [PYTHON, ROOT / "benchmarks" / "build_bench_db.py", str(options.base + drafts)],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode:
            raise Failed(f"build_bench_db.py failed:\n{completed.stdout}{completed.stderr[-3000:]}")
        self.newsroom = self.run_child("prepare", drafts=drafts)
        self.manage("collectstatic", "--noinput", "-v0")
        progress(f"Writing {options.stories:,} stories to import, twice...")
        self.load_file = self.workdir / "stories.jsonl"
        self.rerun_file = self.workdir / "stories-rerun.jsonl"
        write_stories(self.load_file, options.stories, LOAD_ORIGIN, seed=1)
        write_stories(self.rerun_file, options.stories, RERUN_ORIGIN, seed=2)

    def start_server(self):
        self.access_log = self.workdir / "gunicorn-access.log"
        self.server_log = self.workdir / "gunicorn.log"
        self.server = self.start(
            [
                GUNICORN,
                "newsroom.wsgi",
                "--workers=2",
                "--worker-class=sync",
                f"--bind={HOST}:{self.port}",
                "--timeout=60",
                "--no-control-socket",  # none in ~/.gunicorn to clash with another server's
                "--error-logfile=-",
                "--log-level=info",
                f"--access-logfile={self.access_log}",
                "--access-logformat=%(s)s %(M)s %(U)s",
            ],
            self.server_log,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise Failed(f"gunicorn stopped before answering:\n{tail(self.server_log)}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise Failed(f"gunicorn did not answer on {self.base_url} within 30 s")
        for path in self.reader_paths():  # once each: templates compiled, and each page answers 200 before the load
            try:
                with urllib.request.urlopen(self.base_url + path, timeout=30) as response:
                    response.read()
            except OSError as problem:
                raise Failed(
                    f"{path} does not answer 200 before the load: {problem}\n{tail(self.server_log)}"
                ) from None

    def reader_paths(self):
        return ["/", self.newsroom["article"], SEARCH_PATH]

    def load(self):
        """Readers, import and editor together; then the checks on what they did."""
        options = self.options
        wrk_script = self.workdir / "readers.lua"
        wrk_script.write_text(WRK_SCRIPT.replace("PATHS", ", ".join(json.dumps(p) for p in self.reader_paths())))
        moves = self.workdir / "editor-moves.jsonl"
        moves.touch()
        report = self.workdir / "import-report.json"
        logs = {name: self.workdir / f"{name}.log" for name in ("readers", "editor", "import")}
        progress(
            f"{options.seconds} s of {READERS} readers, the import of {options.stories:,} stories and the editor..."
        )
        started = time.monotonic()
        running = {
            "readers": self.start(
                ["wrk", "-t2", f"-c{READERS}", f"-d{options.seconds}s", "--timeout", "30s", "-s", wrk_script]
                + [f"{self.base_url}/"],
                logs["readers"],
            ),
            "editor": self.start(
                [PYTHON, __file__, "--child", "editor"]
                + [
                    json.dumps(
                        {
                            "seconds": options.seconds,
                            "interval": EDITOR_INTERVAL,
                            "protected": self.newsroom["protected"],
                            "moves": str(moves),
                        }
                    )
                ],
                logs["editor"],
            ),
            "import": self.start(
                [PYTHON, "manage.py", "import_articles", self.load_file, "--status", "published", "--report", report],
                logs["import"],
            ),
        }
        ended, codes = {}, {}
        limits = {"readers": options.seconds + 60, "editor": options.seconds + 120, "import": 900}
        while len(ended) < len(running):
            for name, process in running.items():
                if name in ended:
                    continue
                if process.poll() is not None:
                    ended[name], codes[name] = time.monotonic() - started, process.returncode
                elif time.monotonic() - started > limits[name]:
                    process.kill()
                    process.wait()
                    ended[name], codes[name] = time.monotonic() - started, f"killed after {limits[name]} s"
            time.sleep(0.1)
        self.stop(self.server)

        # Readers: what wrk saw, and the time each page took in gunicorn.
        wrk = parse_wrk(logs["readers"].read_text())
        statuses = wrk["statuses"]
        answered = sum(statuses.values())
        bad_statuses = {status: n for status, n in statuses.items() if not 200 <= status < 300}
        socket_errors = {kind: wrk.get(kind, 0) for kind in ("connect", "read", "write", "timeout")}
        pages = server_times(self.access_log, self.reader_paths())
        seconds = wrk.get("duration_us", 0) / 1e6 or options.seconds
        self.say(f"Readers: wrk -t2 -c{READERS} for {options.seconds} s, home / article / search in turn")
        self.say(
            f"  requests      {wrk.get('requests', 0):>8,}  ({wrk.get('requests', 0) / seconds:,.1f}/s)"
            f"   status {dict(sorted(statuses.items()))}"
        )
        self.say(
            "  latency ms    "
            + "  ".join(f"p{p} {wrk.get(f'p{p}_us', 0) / 1000:,.1f}" for p in (50, 90, 99))
            + f"  max {wrk.get('max_us', 0) / 1000:,.1f}   (client side, wrk)"
        )
        for name, figures in pages.items():
            self.say(
                f"  {name:<8} ms   p50 {figures['p50']:,.1f}  p99 {figures['p99']:,.1f}  max {figures['max']:,.1f}"
                f"  over {figures['count']:,} requests   (in gunicorn)"
            )
        self.say(
            f"  errors        non-2xx {sum(bad_statuses.values())}, socket errors {sum(socket_errors.values())} "
            f"({', '.join(f'{kind} {n}' for kind, n in socket_errors.items())})"
        )
        self.check(
            "readers: every response 2xx, no socket error",
            codes["readers"] == 0 and answered > 0 and not bad_statuses and not any(socket_errors.values()),
            f"{answered:,} responses, non-2xx {bad_statuses or 0}, socket errors {sum(socket_errors.values())}"
            + ("" if codes["readers"] == 0 else f", wrk exit {codes['readers']}"),
        )

        # The import.
        counts = {}
        if report.exists():
            counts = json.loads(report.read_text())["counts"]
        import_seconds = ended["import"]
        self.say(f"Import of {options.stories:,} stories while the readers read")
        self.say(
            f"  {format_counts(counts)}; {import_seconds:,.1f} s ({options.stories / import_seconds:,.0f} stories/s"
            f" incl. start-up), exit {codes['import']}; "
            + (
                "finished while the readers read"
                if import_seconds <= ended["readers"]
                else f"outlasted the readers by {import_seconds - ended['readers']:,.1f} s"
            )
        )
        self.check(
            "import: exit 0, report counts add up (all created, none failed)",
            codes["import"] == 0 and counts == {"created": options.stories, "updated": 0, "unchanged": 0, "failed": 0},
            f"exit {codes['import']}, {format_counts(counts)}",
        )

        # The editor.
        entries = [json.loads(line) for line in moves.read_text().splitlines()]
        made = [entry for entry in entries if entry["ok"]]
        failed = [entry for entry in entries if not entry["ok"]]
        per_verb = Counter(entry["verb"] for entry in made)
        times = sorted(entry["seconds"] * 1000 for entry in made)
        ticks = len({entry["tick"] for entry in entries})
        self.say(f"Editor: a publish and a withdrawal every {EDITOR_INTERVAL} s")
        self.say(
            f"  ticks {ticks}, published {per_verb['publish']}, withdrawn {per_verb['withdraw']}, failed {len(failed)}"
            + (
                f"; move ms p50 {percentile(times, 50):,.1f}  p99 {percentile(times, 99):,.1f}  max {times[-1]:,.1f}"
                if times
                else ""
            )
        )
        self.check(
            "editor: every move made, none refused or failed",
            codes["editor"] == 0 and made and not failed,
            f"{len(made)} moves in {ticks} ticks ({math.ceil(options.seconds / EDITOR_INTERVAL)} due), "
            f"{len(failed)} failed"
            + (f" (first: {failed[0]['error']})" if failed else "")
            + ("" if codes["editor"] == 0 else f", exit {codes['editor']}"),
        )

        # "database is locked" and tracebacks, wherever they were written.
        searched = {"gunicorn": self.server_log, "import": logs["import"], "editor": logs["editor"], "moves": moves}
        locked = {name: grep(path, LOCKED) for name, path in searched.items()}
        tracebacks = {
            name: len(TRACEBACK.findall(path.read_text(errors="replace"))) for name, path in searched.items()
        }
        self.say(
            '  "database is locked": '
            + ", ".join(f"{name} {len(lines)}" for name, lines in locked.items())
            + "; tracebacks: "
            + ", ".join(f"{name} {n}" for name, n in tracebacks.items())
        )
        evidence = [f"{name}: {line}" for name, lines in locked.items() for line in lines[:3]]
        self.check(
            "no \"database is locked\" in gunicorn's, the importer's or the editor's output",
            not any(locked.values()),
            "; ".join(evidence) or "0 lines",
        )
        self.check(
            "no traceback in any log",
            not any(tracebacks.values()),
            ", ".join(f"{name} {n}" for name, n in tracebacks.items() if n) or "0",
        )

        # Lost writes: the editor's moves and the import, read back from the database.
        state = self.run_child("inspect", origin=LOAD_ORIGIN, moves=str(moves))
        self.after_load = state
        expected = self.newsroom["stories"] + options.stories
        self.say(
            f"  database: {state['stories']:,} stories (expected {self.newsroom['stories']:,} base + "
            f"{options.stories:,} imported = {expected:,}); imported {state['imported']:,} "
            f"({state['imported_keys']:,} distinct keys, {state['imported_live']:,} live); "
            f"editor's moves not in the database {state['lost']} of {state['moves']}"
        )
        self.check(
            "no lost writes: every recorded editor move is in the database",
            state["lost"] == 0 and state["moves"] == len(made),
            f"{state['lost']} of {state['moves']} lost" + (f": {state['lost_examples']}" if state["lost"] else ""),
        )
        self.check(
            "the database holds exactly base + imported stories, all imported ones live",
            state["stories"] == expected
            and state["imported"] == state["imported_keys"] == state["imported_live"] == options.stories,
            f"{state['stories']:,} stories (expected {expected:,}), {state['imported_live']:,} imported live",
        )

    def kill_and_rerun(self):
        options = self.options
        log = self.workdir / "import-killed.log"
        command = [PYTHON, "manage.py", "import_articles", self.rerun_file, "--status", "published"]
        progress("Importing another file, killing the import part-way, running it again...")
        started = time.monotonic()
        process = self.start(command, log)
        # Plain progress lines come every 1,000 stories: kill a moment after the first, mid-batch.
        while process.poll() is None and time.monotonic() - started < 120:
            if "stories:" in log.read_text(errors="replace"):
                time.sleep(options.kill_delay)
                break
            time.sleep(0.05)
        killed_at = time.monotonic() - started
        alive = process.poll() is None
        if alive:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        before = self.run_child("inspect", origin=RERUN_ORIGIN)
        report = self.workdir / "import-rerun-report.json"
        rerun_log = self.workdir / "import-rerun.log"
        rerun = self.start([*command, "--report", report], rerun_log)
        code = rerun.wait(900)
        counts = json.loads(report.read_text())["counts"] if report.exists() else {}
        after = self.run_child("inspect", origin=RERUN_ORIGIN)
        in_before_kill = before["imported"]
        expected = self.after_load["stories"] + options.stories
        self.say(f"Kill and re-run: import of {options.stories:,} more stories")
        self.say(
            f"  SIGKILL after {killed_at:,.1f} s with {in_before_kill:,} stories in"
            + ("" if alive else " (the import had already ended: not part-way!)")
            + f"; re-run: {format_counts(counts)}, exit {code}"
        )
        self.say(
            f"  database: {after['imported']:,} stories of that file ({after['imported_keys']:,} distinct, "
            f"{after['imported_live']:,} live); {after['stories']:,} stories in all (expected {expected:,})"
        )
        self.check(
            "kill: the import was killed part-way",
            alive and 0 < in_before_kill < options.stories,
            f"killed {'while running' if alive else 'too late: it had ended'}, {in_before_kill:,} stories in",
        )
        self.check(
            "re-run: exactly the file's stories, none twice, none missing",
            after["imported"] == after["imported_keys"] == after["imported_live"] == options.stories
            and after["stories"] == expected,
            f"{after['imported']:,} stories of the file, {after['imported_keys']:,} distinct, "
            f"{after['stories']:,} in all (expected {expected:,})",
        )
        self.check(
            "re-run: report says the committed ones were unchanged and created the rest",
            code == 0
            and counts
            == {
                "created": options.stories - in_before_kill,
                "updated": 0,
                "unchanged": in_before_kill,
                "failed": 0,
            },
            f"exit {code}, {format_counts(counts)}; {in_before_kill:,} were in before the re-run",
        )

    def summary(self):
        options = self.options
        database = "PostgreSQL" if self.postgres else "SQLite (WAL)"
        print()
        print(
            f"Load and faults on {database}; gunicorn 2 sync workers on {self.base_url}, page cache off; "
            f"{os.cpu_count()} CPUs shared by everything"
        )
        newsroom = getattr(self, "newsroom", None)
        if newsroom:
            print(
                f"Newsroom: {newsroom['live']:,} live stories + {newsroom['drafts']} drafts; "
                f"article {newsroom['article']}; run of {options.seconds} s"
            )
        for line in self.lines:
            print(line)
        print()
        print("Checks")
        for name, ok, detail in self.checks:
            print(f"  {'PASS' if ok else 'FAIL'}  {name}: {detail}")
        failed = sum(not ok for _, ok, _ in self.checks)
        print(
            f"Result: {'all' if not failed else f'{failed} of'} {len(self.checks)} checks "
            + ("passed." if not failed else "FAILED.")
        )
        return failed


WRK_SCRIPT = """
-- Readers for load_faults.py: each connection asks for the next of these pages in turn.
local paths = {PATHS}
local turn = 0
local threads = {}
statuses = {}

function setup(thread)
  table.insert(threads, thread)
end

function request()
  turn = turn + 1
  return wrk.format("GET", paths[turn % #paths + 1])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("LF requests %d\\nLF duration_us %d\\n", summary.requests, summary.duration))
  io.write(string.format("LF connect %d\\nLF read %d\\nLF write %d\\nLF timeout %d\\n",
    e.connect, e.read, e.write, e.timeout))
  for _, p in ipairs({50, 90, 99}) do
    io.write(string.format("LF p%d_us %d\\n", p, latency:percentile(p)))
  end
  io.write(string.format("LF max_us %d\\n", latency.max))
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      io.write(string.format("LF status %d %d\\n", status, n))
    end
  end
end
"""


def parse_wrk(output):
    figures, statuses = {}, Counter()
    for line in output.splitlines():
        parts = line.split()
        if parts[:1] != ["LF"]:
            continue
        if parts[1] == "status":
            statuses[int(parts[2])] += int(parts[3])
        else:
            figures[parts[1]] = int(parts[2])
    return figures | {"statuses": statuses}


def server_times(access_log, paths):
    """p50/p99/max of gunicorn's request time (ms) for the home page, the article and the search."""
    names = {"/": "home", paths[1]: "article", SEARCH_PATH.split("?")[0]: "search"}
    times = defaultdict(list)
    if access_log.exists():
        for line in access_log.read_text(errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[2] in names:
                times[names[parts[2]]].append(float(parts[1]))
    result = {}
    for name in ("home", "article", "search"):
        values = sorted(times[name])
        if values:
            result[name] = {
                "p50": percentile(values, 50),
                "p99": percentile(values, 99),
                "max": values[-1],
                "count": len(values),
            }
    return result


def percentile(values, p):
    """Nearest rank of sorted ``values``."""
    return values[max(math.ceil(p / 100 * len(values)) - 1, 0)]


def format_counts(counts):
    if not counts:
        return "no report"
    return ", ".join(f"{counts[key]:,} {key}" for key in ("created", "updated", "unchanged", "failed"))


def grep(path, pattern):
    if not path.exists():
        return []
    return [line.strip()[:300] for line in path.read_text(errors="replace").splitlines() if pattern.search(line)]


def tail(path, lines=30):
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def psql(sql, check=True):
    completed = subprocess.run(
        ["psql", "-h", HOST, "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
        capture_output=True,
        text=True,
        check=False,
    )
    if check and completed.returncode:
        raise Failed(f"psql failed ({sql}): {completed.stderr.strip()}")
    return completed.stdout


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def progress(text):
    print(text, file=sys.stderr, flush=True)


def stop_on_signal(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through the finally that cleans up


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help=f"run on a throwaway PostgreSQL database at {HOST}")
    parser.add_argument("--seconds", type=int, default=60, help="how long readers and editor run (default 60)")
    parser.add_argument("--base", type=int, default=2000, help="live stories before the import (default 2000)")
    parser.add_argument("--stories", type=int, default=5000, help="stories in each import (default 5000)")
    parser.add_argument(
        "--kill-delay",
        type=float,
        default=0.5,
        help="seconds after the killed import's first progress line before SIGKILL (default 0.5)",
    )
    parser.add_argument("--keep-logs", metavar="DIR", help="copy the logs and reports to DIR before cleaning up")
    parser.add_argument("--child", nargs=2, metavar=("NAME", "JSON"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options.child[0], json.loads(options.child[1]))
        return 0
    if options.seconds < 5 or options.base < 10 or options.stories < 2000:
        parser.error("at least 5 seconds, 10 base stories and 2000 stories to import (the kill waits for 1,000)")
    if shutil.which("wrk") is None:
        parser.error("wrk is missing: apt-get install wrk (benchmarks/load_faults.sh does it when it can)")

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop_on_signal)
    run = Run(options)
    try:
        run.build()
        run.start_server()
        run.load()
        run.kill_and_rerun()
    except Failed as problem:
        run.check("the run itself", False, str(problem))
    except (KeyboardInterrupt, SystemExit):
        progress("Interrupted: stopping the processes and removing what the run made.")
        raise
    finally:
        run.cleanup()
    return 1 if run.summary() else 0


if __name__ == "__main__":
    sys.exit(main())
