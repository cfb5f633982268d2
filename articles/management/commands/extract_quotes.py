"""
List the quotations in plain-text stories and who said them.

    python manage.py extract_quotes PATH [PATH ...] [--json]

Each PATH is a UTF-8 plain-text story: paragraphs separated by blank lines, the first line
possibly a headline. Every file is read before anything is printed; a missing, unreadable or
non-UTF-8 file stops the command with a CommandError naming the file and the reason.

With ``--json``, one JSON object per file, one per line, in the order given::

    {"file": PATH,
     "quotes": [{"text", "start", "end", "speaker", "role", "organisation"}, ...],
     "sources": [{"name", "role", "organisation", "kind"}, ...]}

``start``/``end`` are character offsets into the file's text exactly as stored (line endings
are not translated), so ``text[start:end] == quote["text"]``. ``sources`` lists each distinct
speaker once. Without ``--json``, a readable listing: the file name, then each quote with its
speaker. The reading is done by :func:`articles.quotes.extract`; this command only does I/O.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.quotes import Extraction, extract


class Command(BaseCommand):
    help = "Print the quotations in plain-text story files and who said them."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="plain-text story files, UTF-8")
        parser.add_argument("--json", action="store_true", help="print one JSON object per file per line")

    def handle(self, *args, **options):
        stories = [(path, read_story(path)) for path in options["paths"]]
        for path, text in stories:
            extraction = extract(text)
            if options["json"]:
                self.stdout.write(json.dumps({"file": path, **extraction.as_dict()}, ensure_ascii=False))
            else:
                self.write_listing(path, extraction)

    def write_listing(self, path: str, extraction: Extraction) -> None:
        count = len(extraction.quotes)
        self.stdout.write(self.style.MIGRATE_HEADING(f"{path}: {count} quote{'s' * (count != 1)}"))
        for quote in extraction.quotes:
            speaker = quote.speaker or "(speaker unknown)"
            details = ", ".join(part for part in (quote.role, quote.organisation) if part)
            if details:
                speaker = f"{speaker} ({details})"
            self.stdout.write(f"  {speaker}: “{quote.text}”")


def read_story(path: str) -> str:
    """The text of ``path``, line endings untouched so offsets match the file; CommandError if unreadable."""
    try:
        with Path(path).open(encoding="utf-8", newline="") as story:
            return story.read()
    except UnicodeDecodeError as error:
        raise CommandError(f"{path}: not UTF-8 text (byte {error.start}: {error.reason})") from error
    except OSError as error:
        raise CommandError(f"{path}: cannot read file ({error.strerror or error})") from error
