"""
Export stories: ``manage.py export_articles [--format jsonl|ninjs] [--status S] [--since WHEN] [--output FILE]``.

Streams stories, oldest first, as JSON lines: our own jsonl format (which
``import_articles`` reads back: an export imported into an empty database gives the
same stories, pictures, quotes, sources and corrections) or ninjs 2.x items. Rows are
read in chunks with their relations prefetched per chunk, so memory stays flat.

``--status`` (repeatable) keeps stories in those workflow statuses; ``--since`` keeps
stories changed at or after an ISO 8601 date or time. Image paths are written relative
to MEDIA_ROOT: import with ``--images-dir`` pointing at a copy of the media folder.
A jsonl story's ``sources`` are the sources it consulted, speakers included; a
confidential source appears only under its public label unless ``--include-confidential``
is given. ninjs items are for other newsrooms and carry neither quotes nor sources.
Writes to standard output unless ``--output``.
"""

import json
from datetime import datetime, time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from articles.importers import jsonl
from articles.importers.loader import records_for_export
from articles.models import Article

NINJS_STATUS = {"published": "usable", "withdrawn": "canceled", "draft": "withheld"}


class Command(BaseCommand):
    help = "Export stories as jsonl (re-importable) or ninjs 2.x JSON lines."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["jsonl", "ninjs"], default="jsonl")
        parser.add_argument(
            "--status",
            action="append",
            choices=Article.Status.values,
            help="Only stories in this status (repeatable).",
        )
        parser.add_argument("--since", help="Only stories changed at or after this ISO 8601 date or time.")
        parser.add_argument("--output", metavar="FILE", help="Write to FILE instead of standard output.")
        parser.add_argument(
            "--include-confidential",
            action="store_true",
            help="Write confidential sources' names, roles and organisations instead of their public labels.",
        )

    def handle(self, *args, **options):
        stories = Article.objects.all()
        if options["status"]:
            stories = stories.filter(status__in=options["status"])
        if options["since"]:
            stories = stories.filter(updated_at__gte=_moment(options["since"]))
        records = records_for_export(stories, include_confidential=options["include_confidential"])
        lines = jsonl.dump(records) if options["format"] == "jsonl" else map(_ninjs_line, records)
        count = 0
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as output:
                for line in lines:
                    output.write(line)
                    count += 1
            summary = self.stdout
        else:
            for line in lines:
                self.stdout.write(line, ending="")
                count += 1
            summary = self.stderr  # standard output carries the stories
        summary.write(self.style.SUCCESS(f"Exported {count:,} stories."))


def _moment(value):
    """An aware datetime from an ISO 8601 date or time; a date means its start, a naive time the site's zone."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(f"--since: {value!r} is not an ISO 8601 date or time") from None
    if len(value.strip()) == 10:  # a date only
        moment = datetime.combine(moment.date(), time.min)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _ninjs_line(record):
    """One ninjs 2.x item (JSON, newline included) for an exported record."""
    item = {
        "uri": record.external_id
        if ":" in record.external_id
        else f"urn:newsroom:{record.origin}:{record.external_id}",
        "type": "text",
        "version": record.version or None,
        "pubstatus": NINJS_STATUS[record.status],
        "firstcreated": _iso(record.published_at),
        "versioncreated": _iso(record.updated_at),
        "embargoed": _iso(record.embargo_until),
        "slugline": record.slug,
        "headlines": [{"role": "main", "value": record.headline}],
        "descriptions": [{"role": "summary", "contenttype": "text/plain", "value": record.standfirst}]
        if record.standfirst
        else None,
        "bodies": [{"role": "main", "contenttype": "text/html", "value": record.body_html}],
        "by": ", ".join(byline.name for byline in record.bylines) or None,
        "subjects": [{"name": tag} for tag in record.tags] or None,
        "associations": [_picture(image, index) for index, image in enumerate(record.images)] or None,
    }
    return json.dumps({key: value for key, value in item.items() if value is not None}, ensure_ascii=False) + "\n"


def _picture(image, index):
    picture = {
        "name": "mainpic" if image.lead else f"picture{index}",
        "uri": f"urn:newsroom:picture:{image.file}" if image.file else f"urn:newsroom:picture:awaiting:{index}",
        "type": "picture",
        "headlines": [{"role": "main", "value": image.alt_text}] if image.alt_text else None,
        "descriptions": [{"role": "caption", "contenttype": "text/plain", "value": image.caption}],
        "by": image.photographer or None,
        "copyrightholder": image.credit or None,
        "usageterms": image.usage_terms or None,
        "renditions": [{"name": "original", "href": f"{settings.MEDIA_URL}{image.file}"}] if image.file else None,
    }
    return {key: value for key, value in picture.items() if value is not None}


def _iso(moment):
    return moment.isoformat() if moment else None
