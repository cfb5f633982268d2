"""
Import stories: ``manage.py import_articles PATH [PATH ...]``.

Each PATH is a file or a directory, walked recursively (hidden files and pictures
skipped). A file's format comes from ``--format`` or, by default, from its name and
content; a file in no known format is a failure that names it. Stories are written by
``articles.importers.loader.load``: whole stories, committed in batches, keyed by origin
and external id, so running the same import twice changes nothing the second time and
re-running an interrupted import completes it.

``--dry-run`` does everything and writes nothing (database or media). ``--status``
is the status for new stories whose input carries none; ``--section`` and
``--author`` fill in stories without them. Image paths are relative to
``--images-dir`` or else to the input file (text files: pictures lie beside them).
``--no-quotes`` skips quote extraction. ``--report FILE`` writes the counts and every
failure as JSON. ``--fetch-images`` downloads pictures known only by their url (http(s),
public addresses only, within ``articles.importers.fetch``'s time and size limits);
without it nothing is fetched.

A progress bar on a terminal, a plain line every ``PROGRESS_EVERY`` stories
otherwise; a one-line summary; the exit status is 1 when any story failed.
"""

import gc
import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.importers import FORMATS, SNIFF_BYTES, detect_format
from articles.importers.fetch import TIMEOUT_SECONDS, FetchPolicy
from articles.importers.loader import InputFile, LoadDefaults, load
from articles.importers.records import FormatError, RecordError

PROGRESS_EVERY = 1000
SHOW_FAILURES = 20
# Files a directory walk leaves alone: pictures are read through the stories that use them.
SKIPPED_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif"}


class Command(BaseCommand):
    help = "Import stories from jsonl, text, ninjs, WordPress (WXR) or NITF files; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="Files or directories to import.")
        parser.add_argument("--format", choices=["auto", *FORMATS], default="auto")
        parser.add_argument("--dry-run", action="store_true", help="Report what would happen; write nothing.")
        parser.add_argument(
            "--status",
            choices=["draft", "published"],
            default="draft",
            help="Status for new stories whose input gives none (default: draft).",
        )
        parser.add_argument("--section", default="", help="Section for stories that have none.")
        parser.add_argument("--author", default="", help="Byline for stories that have none.")
        parser.add_argument(
            "--images-dir", type=Path, help="Where relative image paths resolve (default: beside the file)."
        )
        parser.add_argument("--no-quotes", action="store_true", help="Do not extract quotes from story bodies.")
        parser.add_argument(
            "--fetch-images",
            action="store_true",
            help="Download pictures known only by their url: http(s) from public addresses only, "
            f"{TIMEOUT_SECONDS} s and the image size limit each. Without it nothing is fetched.",
        )
        parser.add_argument("--report", type=Path, metavar="FILE", help="Write a JSON report of the run to FILE.")

    def handle(self, *args, **options):
        # What is alive before the run (Django, the models, the modules) outlives it: the
        # collector is spared walking it again each time it looks for cycles among the
        # batches' objects, and the photo workers forked from this process (``loader``) leave
        # its pages shared instead of copying them as they walk.
        gc.freeze()
        try:
            self._import(**options)
        finally:
            gc.unfreeze()

    def _import(self, *, paths, **options):
        files = list(self._files(paths))
        started = time.monotonic()
        progress = _Progress(self, total_bytes=sum(path.stat().st_size for path, _, _ in files))
        report = load(
            self._records(files, options, progress),
            dry_run=options["dry_run"],
            defaults=LoadDefaults(status=options["status"], section=options["section"], author=options["author"]),
            extract_quotes=not options["no_quotes"],
            progress=progress.update,
            fetch_images=FetchPolicy() if options["fetch_images"] else None,
        )
        progress.close()
        if options["report"]:
            with options["report"].open("w", encoding="utf-8") as stream:
                json.dump(report.as_dict() | {"files": len(files)}, stream, ensure_ascii=False, indent=2)
        for failure in report.failures[:SHOW_FAILURES]:
            self.stderr.write(f"Failed: {failure}")
        if report.failed > SHOW_FAILURES:
            self.stderr.write(f"... and {report.failed - SHOW_FAILURES:,} more failures (see --report)")
        for note in report.notes[:SHOW_FAILURES]:
            self.stderr.write(f"Note: {note}")
        if len(report.notes) > SHOW_FAILURES:
            self.stderr.write(f"... and {len(report.notes) - SHOW_FAILURES:,} more notes (see --report)")
        elapsed = time.monotonic() - started
        verb = "Dry run, nothing written" if options["dry_run"] else "Imported"
        summary = f"{verb}: {report.summary()} ({len(files):,} files, {elapsed:.1f} s)."
        if report.failed:
            self.stdout.write(self.style.ERROR(summary))
            raise CommandError(f"{report.failed:,} stories could not be imported.", returncode=1)
        self.stdout.write(self.style.SUCCESS(summary))

    def _files(self, paths):
        """``(path, name, import root)`` for every file to read; ``name`` is relative to the import root."""
        for path in paths:
            if path.is_file():
                yield path, path.name, path.parent
            elif path.is_dir():
                for found in sorted(path.rglob("*")):
                    relative = found.relative_to(path)
                    hidden = any(part.startswith(".") for part in relative.parts)
                    if found.is_file() and not hidden and found.suffix.lower() not in SKIPPED_SUFFIXES:
                        yield found, relative.as_posix(), path
            else:
                raise CommandError(f"{path}: no such file or directory")

    def _records(self, files, options, progress):
        """Records from each file in turn, each announced by an ``InputFile``; an unreadable file is a failure."""
        for path, name, root in files:
            try:
                kind = options["format"]
                if kind == "auto":
                    with path.open("rb") as stream:
                        kind = detect_format(path, stream.read(SNIFF_BYTES))
                # Text files find their picture beside them, as a path relative to the import root.
                images_root = root if kind == "text" else options["images_dir"] or path.parent
                yield InputFile(name, images_root)
                with path.open("rb") as stream:
                    progress.reading(stream)
                    yield from FORMATS[kind].parse(stream, name=name)
            except FormatError as problem:
                yield InputFile(name)
                yield RecordError(problem.location, problem.reason)
            except Exception as problem:  # an unreadable file, or a parser's bug: the other files carry on
                yield InputFile(name)
                yield RecordError(name, f"could not be read ({type(problem).__name__}: {problem})")


class _Progress:
    """A tqdm bar over the input's bytes on a terminal; otherwise a plain line every ``PROGRESS_EVERY`` stories."""

    def __init__(self, command, *, total_bytes):
        self.command = command
        self.bar = None
        if command.stdout.isatty():
            self.bar = tqdm(total=total_bytes, unit="B", unit_scale=True, dynamic_ncols=True, desc="Importing")
        self.done_bytes = 0
        self.stream = None
        self.started = time.monotonic()

    def reading(self, stream):
        """The input file now being read: the bar follows its position."""
        if self.stream is not None:
            self.done_bytes += _size(self.stream)
        self.stream = stream

    def update(self, report):
        if self.bar is not None:
            position = self.done_bytes + (_position(self.stream) if self.stream else 0)
            self.bar.update(max(position - self.bar.n, 0))
            self.bar.set_postfix_str(report.summary(), refresh=False)
        elif report.total % PROGRESS_EVERY == 0:
            rate = report.total / max(time.monotonic() - self.started, 1e-6)
            self.command.stdout.write(f"{report.total:,} stories: {report.summary()} ({rate:,.0f}/s)")

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _position(stream):
    try:
        return stream.tell()
    except (OSError, ValueError):  # closed already
        return 0


def _size(stream):
    try:
        return Path(stream.name).stat().st_size
    except (OSError, TypeError):
        return 0
