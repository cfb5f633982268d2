"""
The one writer of imports, and the road back for exports.

``load(records)`` takes the ``ArticleRecord``s and ``RecordError``s a parser yields and
puts the stories into the database. It knows no format: everything it reads is in the
record. Records are taken in batches of ``BATCH_SIZE``; for each batch it

1. looks every story up by its import key (origin + external id), one query for the
   batch. A story whose stored fingerprint matches the record's is *unchanged* and
   nothing is written; so is a record whose numeric ``version`` is older than the stored
   one (an older version never overwrites, or brings back, a newer or withdrawn story);
2. checks each remaining record against the models' limits and probes its pictures: a
   file must lie inside the images folder and look like a picture ``articles.images``
   accepts (format, bytes, pixels, one frame). A missing file, or a picture known only by
   its remote ``url``, is kept as a caption awaiting its photo; with ``fetch_images``, such
   pictures are first downloaded (``articles.importers.fetch``: public addresses only,
   within time and size limits), a few at a time, into a temporary folder, then probed like
   local files. One that cannot be fetched stays awaiting its photo, with a note, like a
   missing file; bytes fetched that are not a picture the gate takes fail the story, like a
   bad file;
3. extracts quotes from the body with ``articles.quotes`` when the record carries none;
4. resolves the batch's sections, authors, tags and sources together: one query per
   kind for the names the run has not met yet, the missing ones created in bulk (a run
   remembers what it found, and forgets it when a batch fails). Speakers go through the source registry
   (``articles.registry.match_sources``); sources the input marks confidential are
   matched, by name and public label, only to confidential ones. Every source a record
   names, quoted or not (its ``sources``, its speakers, the speakers extraction found),
   becomes one of the story's sources consulted (``Article.sources``);
5. writes the batch in one transaction: the stories' photos through the one gate
   (``articles.images.prepare``, which also draws the renditions from the same decoding),
   stored under a random name with their renditions (an update keeps the stored photo when
   the file gives the same picture); then, in a savepoint,
   every story's article, bylines, pictures, tags, quotes, sources consulted and new
   corrections, a few INSERTs per table for the whole batch (an update replaces all but
   the corrections, which are only added), and their statuses through the workflow's bulk
   transitions, each story at its own time; then, for the stories written, their revisions
   (``keep_revisions``) and, once the batch commits, their search entries: all from the
   stories as written, nothing read back. If anything in the
   savepoint fails, it is rolled back and the stories are written again one by one, each in
   a savepoint of its own, so that a failing story rolls back alone: the files stored for it
   are deleted and the failure is reported; the other stories carry on. A story is counted
   only once its batch has committed; an interruption rolls the batch under way back whole.

Photos are prepared (gate, renditions, files) as soon as they are known, by worker processes
once a run has enough of them (``_PhotoWork``): a new story's as it is planned, and the next
batch's new stories' while this batch is written; the loader takes each when its story is
written, and deletes the files of any it does not take.

Status: the record's ``status`` is honoured; ``defaults.status`` applies to new stories
whose input carries none (an update leaves the status alone then). "published" goes
through ``publish`` (at the input's time) or ``schedule`` (for a future time), after the
embargo is set, and fails the story when the publish guard refuses; "withdrawn" goes
through ``withdraw``; a restricted story, or one the input marks as a draft, is never
published, and is taken down if it is public. A withdrawn story is never republished by
an import: that is the desk's decision. An embargo stays until its time when a later
version of the story comes without one.

``load(..., dry_run=True)`` runs all of this inside a transaction that is rolled back,
and stores no files. An ``InputFile`` in the stream says which file the records after it
come from and where their image paths are relative to.

``records_for_export`` and ``export_record`` turn stories back into records (for
``export_articles``), so that an export imported into an empty database gives the same
stories, pictures, quotes, sources (the sources consulted as well as the speakers) and
corrections.
"""

import hashlib
import multiprocessing
import os
import signal
import sys
import tempfile
import warnings
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.db.models import Prefetch, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, UnidentifiedImageError
from taggit.models import Tag, TaggedItem

from articles import images as photos
from articles.models import (
    Article,
    Author,
    Byline,
    Correction,
    ImageCaption,
    Quote,
    Section,
    Source,
    apply_transition,
    keep_revisions,
    update_values,
)
from articles.planner import refresh_statistics
from articles.registry import match_sources, name_key, organisations_agree, story_text
from articles.sanitize import clean_html
from articles.search import documents_of, index_on_commit

from .fetch import FetchError, FetchPolicy, TooLarge, fetch
from .records import (
    ArticleRecord,
    BylineRecord,
    CorrectionRecord,
    ImageRecord,
    QuoteRecord,
    RecordError,
    SourceRecord,
    shorten,
)

# The rows linking a story to the sources it consulted (``Article.sources``).
Consulted = Article.sources.through
# The models' choices, to check every record against (an enum lists them anew each time it is asked).
_BYLINE_ROLES = frozenset(Byline.Role.values)
_CORRECTION_KINDS = frozenset(Correction.Kind.values)
_SOURCE_KINDS = frozenset(Source.Kind.values)

BATCH_SIZE = 200
# Photos go through the image gate, have their renditions drawn and are stored by worker
# processes (Pillow holds the interpreter for much of that work, so threads would queue
# behind this one), as many as there are cores, up to four; a run starts them at its
# PHOTO_POOL_AFTER-th photo, sparing a run of a few stories their start.
PHOTO_WORKERS = min(os.cpu_count() or 1, 4)
PHOTO_POOL_AFTER = 16
# Photos sent to a worker in one task, at most: a task of its own costs this process, which
# sets the pace, about as much as a small photo costs its worker.
PHOTOS_PER_TASK = 16
# A story withdrawn at its source but never public here is published at its time, then withdrawn.
MOVE_ORDER = ("publish", "schedule", "unschedule", "withdraw")
STATUSES = ("draft", "published")


class LoadError(Exception):
    """One story cannot be imported; the message says why, for the report."""


@dataclass(frozen=True)
class LoadDefaults:
    """What the command line supplies for stories whose input says nothing about it."""

    status: str = "draft"
    section: str = ""
    author: str = ""

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"the default status must be one of {', '.join(STATUSES)}, not {self.status!r}")


@dataclass(frozen=True)
class InputFile:
    """Marks where the records after it come from (``name``) and what their image paths are relative to."""

    name: str
    images_root: Path | None = None


@dataclass(frozen=True)
class Problem:
    """A failure or a note about one story: the input file, the record's place in it and what happened."""

    file: str
    record: str
    reason: str

    def __str__(self):
        where = self.record or self.file
        return f"{where}: {self.reason}" if where else self.reason


@dataclass
class LoadReport:
    """What a load did (or, in a dry run, would do): counts, every failure and the notes worth reading."""

    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failures: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)

    @property
    def failed(self):
        return len(self.failures)

    @property
    def total(self):
        return self.created + self.updated + self.unchanged + self.failed

    def summary(self):
        """“12 created, 3 updated, 40 unchanged, 1 failed”."""
        return (
            f"{self.created:,} created, {self.updated:,} updated, {self.unchanged:,} unchanged, {self.failed:,} failed"
        )

    def as_dict(self):
        """The report as the ``--report`` JSON file holds it."""
        return {
            "dry_run": self.dry_run,
            "counts": {
                "created": self.created,
                "updated": self.updated,
                "unchanged": self.unchanged,
                "failed": self.failed,
            },
            "failures": [vars(problem) for problem in self.failures],
            "notes": [vars(problem) for problem in self.notes],
        }


def load(
    records,
    *,
    dry_run=False,
    defaults=None,
    images_root=None,
    extract_quotes=True,
    progress=None,
    batch_size=BATCH_SIZE,
    fetch_images=None,
):
    """
    Import ``records`` (``ArticleRecord``, ``RecordError`` and ``InputFile`` items) and return a ``LoadReport``.

    ``defaults`` is a ``LoadDefaults``. ``images_root`` is where image paths are relative
    to, unless an ``InputFile`` says otherwise; without one, pictures are kept awaiting
    their photos. ``fetch_images``, a ``FetchPolicy`` (or True for the default one), has
    pictures known only by their url downloaded; otherwise nothing is fetched and they are
    kept awaiting their photos. ``progress``, if given, is called with the report after each story.
    Consumes ``records`` lazily, one batch at a time, so memory does not grow with the input.
    """
    loader = _Loader(
        dry_run=dry_run,
        defaults=defaults or LoadDefaults(),
        images_root=Path(images_root) if images_root else None,
        extract_quotes=extract_quotes,
        progress=progress,
        batch_size=batch_size,
        fetch_policy=FetchPolicy() if fetch_images is True else fetch_images or None,
    )
    if not dry_run:
        loader.run(records)
        if loader.report.created:
            refresh_statistics()  # the tables may be ten times larger than before
        return loader.report
    with transaction.atomic():
        loader.run(records)
        transaction.set_rollback(True)
    return loader.report


@dataclass
class _Picture:
    """
    An image record ready to write: its probed file (None while the photo is awaited) and alt text;
    ``url`` while its remote picture is still to be fetched.
    """

    record: ImageRecord
    label: str
    path: Path | None = None
    alt_text: str = ""
    url: str = ""
    # Once its photo is asked for (``_PhotoWork``): the digests of the stored photos it may turn
    # out to be, and its preparation under way in a worker.
    known: frozenset | None = None
    job: object = None


@dataclass
class _Plan:
    """One story to create or update, checked and with its pictures verified, waiting for its batch's names."""

    record: ArticleRecord
    file: str
    article: Article | None
    fingerprint: str
    pictures: list[_Picture]
    quotes: list[tuple[QuoteRecord, SourceRecord]]
    sources: list[SourceRecord]
    notes: list[str]
    slug: str = ""
    # Filled in as the story is written: the image fields of its pictures and the files
    # stored for them; the stored story, whether it is new, its newly stored photos, the
    # workflow moves it waits for and what they note; or why it could not be written.
    photos: list[dict] = field(default_factory=list)
    stored_files: list[str] = field(default_factory=list)
    written: Article | None = None
    created: bool = False
    moves: list[tuple[str, object, str]] = field(default_factory=list)
    status_notes: list[str] = field(default_factory=list)
    failure: str = ""

    @property
    def where(self):
        return self.record.location or self.file

    def fail(self, problem):
        """Record why the story could not be written and delete the files stored for it."""
        self.failure = _reason(problem)
        _delete_files(self.stored_files)
        self.stored_files = []


class _Loader:
    def __init__(self, *, dry_run, defaults, images_root, extract_quotes, progress, batch_size, fetch_policy=None):
        self.dry_run = dry_run
        self.fetch_policy = fetch_policy
        self.defaults = defaults
        self.images_root = _resolved(images_root)
        self.folders = {}  # the real paths of the folders in the images folders (``_inside``)
        self.names = _RunNames()
        self.extract_quotes = extract_quotes
        self.progress = progress
        self.batch_size = batch_size
        self.report = LoadReport(dry_run=dry_run)
        # A dry run only puts the photos through the gate: it stores nothing, so draws nothing.
        self.photos = _PhotoWork(store=not dry_run)

    def run(self, items):
        try:
            batches = self._batches(items)
            batch = next(batches, None)
            while batch is not None:
                # The next batch is read before this one is written, so that the photos of its
                # new stories are prepared meanwhile (``_ask_ahead``).
                upcoming = next(batches, None)
                self._load_batch(batch, upcoming)
                batch = upcoming
        finally:
            self.photos.close()

    def _batches(self, items):
        """Lists of ``(item, InputFile)``: at most ``batch_size``, and never the same import key twice."""
        batch, keys = [], set()
        current = InputFile("")
        for item in items:
            if isinstance(item, InputFile):
                current = replace(item, images_root=_resolved(item.images_root))
                continue
            key = (item.origin, item.external_id) if isinstance(item, ArticleRecord) else None
            if len(batch) >= self.batch_size or key in keys:
                yield batch
                batch, keys = [], set()
            batch.append((item, current))
            keys.add(key)
        if batch:
            yield batch

    def _load_batch(self, batch, upcoming=None):
        """
        Plan every story of the batch, write the batch in one transaction, then report
        each story in input order: done only once its batch has committed. Its photos, and
        those of the ``upcoming`` batch's new stories, are prepared meanwhile.
        """
        stored = _stored_articles(item for item, _ in batch if isinstance(item, ArticleRecord))
        steps = []
        for item, source in batch:
            if isinstance(item, RecordError):
                steps.append(Problem(source.name, item.location, item.reason))
                continue
            try:
                steps.append(self._plan(item, source, stored.get((item.origin, item.external_id))))
            except LoadError as problem:
                steps.append(Problem(source.name, item.location, str(problem)))
        plans = [step for step in steps if isinstance(step, _Plan)]
        kept = self._ask_photos(plans)
        self.photos.send()
        self._ask_ahead(upcoming)
        try:
            with self._fetched_pictures(plans):
                ready = [plan for plan in plans if not plan.failure]
                if ready:
                    self._write_batch(ready, kept)
        finally:
            self.photos.forget()  # the photos of stories that failed before theirs were taken
        for step in steps:
            if isinstance(step, _Plan):
                self._report(step)
            elif isinstance(step, Problem):
                self._fail(step.file, step.record, step.reason)
            else:
                self._count("unchanged")

    # Before any writing: what to do with a record, and whether it can be done.

    def _plan(self, record, source, article):
        """A ``_Plan`` for ``record``, None when it is unchanged, or ``LoadError`` when it cannot be imported."""
        record = self._with_defaults(record)
        fingerprint = self._fingerprint(record)
        fetching = self.fetch_policy is not None and any(image.url and not image.file for image in record.images)
        if article is not None:
            if _is_older(record.version, article.import_version):
                self._note(
                    source.name,
                    record.location,
                    f"version {record.version} is older than the stored version {article.import_version}; ignored",
                )
                return None
            # Fetching changes what is stored: a story imported without its remote pictures
            # fetched is changed for a run that fetches them; one imported with them stays
            # unchanged, its photos kept, for a run that does not.
            unchanged = {_fetched(fingerprint)} if fetching else {fingerprint, _fetched(fingerprint)}
            if article.import_fingerprint in unchanged:
                return None
        _check(record)
        notes = []
        root = source.images_root or self.images_root
        pictures = [
            _picture(image, index, root, notes, fetching, self.folders) for index, image in enumerate(record.images)
        ]
        if fetching:
            fingerprint = _fetched(fingerprint)
        if article is None:  # a new story keeps no photo: its photos are prepared while the batch is planned
            for picture in pictures:
                if picture.path:
                    self.photos.ask(picture)
        quotes, sources = self._quotes(record)
        return _Plan(record, source.name, article, fingerprint, pictures, quotes, sources, notes)

    def _with_defaults(self, record):
        changes = {}
        if not record.section and self.defaults.section:
            changes["section"] = self.defaults.section
        if not record.bylines and self.defaults.author:
            changes["bylines"] = [BylineRecord(self.defaults.author)]
        return replace(record, **changes) if changes else record

    def _fingerprint(self, record):
        """The record's fingerprint, and whether quotes will be extracted for it (which changes what is stored)."""
        if record.quotes or not self.extract_quotes:
            return record.fingerprint
        return hashlib.sha256(f"{record.fingerprint}+extracted-quotes".encode()).hexdigest()

    def _quotes(self, record):
        """``(quote, source)`` pairs for the story and every source it names (quoted or not)."""
        quotes, extracted = record.quotes, []
        if not quotes and self.extract_quotes and record.body_html:
            quotes, extracted = _extract_quotes(record.body_html)
        sources = []
        for source in [*record.sources, *extracted]:
            if _same_source(sources, source.name, source.organisation) is None:
                sources.append(source)
        pairs = []
        for quote in quotes:
            speaker = _same_source(sources, quote.speaker, quote.organisation)
            if speaker is None:
                speaker = SourceRecord(name=quote.speaker, role=quote.role, organisation=quote.organisation)
                sources.append(speaker)
            pairs.append((quote, speaker))
        return pairs, sources

    def _ask_photos(self, plans):
        """
        Have the photos of the batch's updated stories prepared (a new story's are asked for as
        it is planned), each knowing the digests of its story's stored photos, which it keeps
        rather than stores again; returns those stored photos (``_photos_by_digest``).
        """
        kept = _photos_by_digest([plan.article.pk for plan in plans if plan.article])
        for plan in plans:
            for picture in plan.pictures if plan.article else ():
                if picture.path:
                    self.photos.ask(picture, known=kept.get(plan.article.pk, {}))
        return kept

    def _ask_ahead(self, batch):
        """
        While this batch is written, have the photos of the next one's new stories prepared in
        the workers: a new story's photo is put through the gate, drawn and stored the same way
        whenever it is. Only files inside the images folder are read, as ``_picture`` checks;
        a photo its story turns out not to take (the story failed, or the batch under way
        creates it) is let go of and its files deleted with the batch's (``_PhotoWork.forget``).
        """
        if not batch or self.photos.pool is None:
            return
        records = [(item, source) for item, source in batch if isinstance(item, ArticleRecord)]
        stored = _stored_articles(item for item, _ in records)
        paths = []
        for item, source in records:
            root = source.images_root or self.images_root
            if root is None or (item.origin, item.external_id) in stored:
                continue
            for index, image in enumerate(item.images):
                try:
                    path = _inside(root, image.file, f"images[{index}]", self.folders) if image.file else None
                except LoadError:
                    continue
                if path is not None and path.is_file():
                    paths.append(path)
        self.photos.ask_ahead(paths)

    @contextmanager
    def _fetched_pictures(self, plans):
        """
        Fetch the remote pictures of the batch's stories (``fetch_images``), a few at a time
        and each address once, into a temporary folder that lasts until the batch is written;
        then treat each like a local file. One that could not be fetched stays awaiting its
        photo with a note, as a missing file does; one that is too large, or is not a picture
        the image gate takes, fails its story, as such a file does. Nothing is written here
        (a dry run fetches but stores nothing), and it all happens before the batch's transaction.
        """
        wanted = [(plan, picture) for plan in plans for picture in plan.pictures if picture.url]
        if not wanted:
            yield
            return
        policy = self.fetch_policy
        with tempfile.TemporaryDirectory(prefix="newsroom-fetch-") as folder:
            urls = list(dict.fromkeys(picture.url for _, picture in wanted))
            paths = [Path(folder) / f"{number}.download" for number in range(len(urls))]
            pool = ThreadPoolExecutor(max_workers=max(policy.threads, 1), thread_name_prefix="fetch")
            try:
                outcomes = dict(zip(urls, pool.map(_download, urls, paths, [policy] * len(urls)), strict=True))
            finally:
                pool.shutdown(cancel_futures=True)  # interrupted: the fetches under way end by their time limit
            for plan, picture in wanted:
                if plan.failure:
                    continue
                try:
                    _take_fetched(picture, outcomes[picture.url], plan.notes)
                except LoadError as problem:
                    plan.fail(problem)
            yield

    # Writing a batch: one transaction; the stories together, or one savepoint each.

    def _write_batch(self, plans, kept):
        """
        Write the batch's stories in one transaction, move them through the workflow and
        keep their revisions, all in bulk (the revisions reindex them once the batch commits).

        The stories go in together, in a savepoint: a few INSERTs per table and one workflow
        transition per kind of move for the whole batch. Should that fail (a story the
        database refuses, or one the publish guard will not let out as its input asks), the
        savepoint is rolled back and the stories are written again one by one, each in a
        savepoint of its own: a story that fails then rolls back alone, its stored photos
        deleted, and is reported with the reason. If the batch itself fails, or the process
        is interrupted, the whole batch rolls back and every photo it stored is deleted.
        """
        for plan in plans:  # the pictures fetched for the batch
            for picture in plan.pictures:
                if picture.path and picture.known is None:
                    self.photos.ask(picture, known=kept.get(plan.article.pk, {}) if plan.article else ())
        self.photos.send()
        try:
            with transaction.atomic():
                names = _BatchNames(plans, self.names)
                now = timezone.now()
                ready = [plan for plan in plans if self._store_photos(plan, kept)]
                try:
                    with transaction.atomic():
                        written = self._insert(ready, names, now)
                except Exception:
                    written = [self._insert_alone(plan, names, now) for plan in ready]
                for plan, story in zip(ready, written, strict=True):
                    plan.written = story
                done = [plan for plan in ready if plan.written is not None]
                stories = [plan.written for plan in done]
                comments = {plan.written.pk: f"Imported from {plan.where}"[:255] for plan in done}
                keep_revisions(stories, comment=comments, reindex=False)
                # Indexed as written, once the batch has committed: nothing is read back.
                index_on_commit([story.pk for story in stories], documents_of(stories))
        except BaseException as problem:
            _delete_files(name for plan in plans for name in plan.stored_files)
            self.names = _RunNames()  # what the batch created is gone with it
            if not isinstance(problem, Exception):
                raise  # interrupted: the batches committed before stay, a re-run does the rest
            for plan in plans:
                plan.written = None
                plan.failure = plan.failure or f"not written, because its batch failed: {_reason(problem)}"

    def _insert_alone(self, plan, names, now):
        """``_insert`` for one story in a savepoint of its own: a failure rolls back that story alone."""
        try:
            with transaction.atomic():
                (story,) = self._insert([plan], names, now)
        except Exception as problem:
            plan.fail(problem)
            return None
        return story

    def _insert(self, plans, names, now):
        """
        Write the stories: the articles, then their bylines, pictures, tags, quotes and new
        corrections (replacing the old ones of stories being updated), one INSERT per table;
        then their workflow moves (``_move``). Returns each story's ``Article``.
        """
        current = Article.objects.select_for_update().in_bulk([plan.article.pk for plan in plans if plan.article])
        articles = [self._article(plan, names, current) for plan in plans]
        for article in articles:
            if article.pk is not None:
                article.save()  # an update: the model keeps a public story's old address answering
        new = [article for article in articles if article.pk is None]
        for article in new:
            article.body = clean_html(article.body)  # what save() does; bulk_create does not call it
        Article.objects.bulk_create(new)
        if current:
            Byline.objects.filter(article__in=current).delete()
            ImageCaption.objects.filter(article__in=current).delete()
            Quote.objects.filter(article__in=current).delete()
            TaggedItem.objects.filter(content_type=names.article_type, object_id__in=current).delete()
            Consulted.objects.filter(article__in=current).delete()
        parts = [self._parts(article, plan, names) for article, plan in zip(articles, plans, strict=True)]
        for model, index in (
            (Byline, 0),
            (ImageCaption, 1),
            (TaggedItem, 2),
            (Quote, 3),
            (Correction, 4),
            (Consulted, 5),
        ):
            model.objects.bulk_create(row for rows in parts for row in rows[index])
        for article, plan in zip(articles, plans, strict=True):
            plan.created = plan.article is None
            plan.moves, plan.status_notes = self._moves(article, plan, now)
        _move(plans, articles, now)
        _keep_times(plans, articles, now)
        return articles

    def _article(self, plan, names, current):
        """The story's ``Article`` with the record's fields: a new one, or the stored one being updated."""
        record = plan.record
        if plan.article is None:
            article = Article(import_origin=record.origin, import_id=record.external_id)
        else:
            article = current[plan.article.pk]
        if plan.slug:
            article.slug = plan.slug
        article.headline = record.headline
        article.standfirst = record.standfirst
        article.body = record.body_html
        article.section = names.sections.get(record.section.casefold())
        article.embargo_until = _embargo(record, article)
        article.import_fingerprint = plan.fingerprint
        article.import_version = record.version
        return article

    def _parts(self, article, plan, names):
        """
        The story's new rows, unsaved: bylines, pictures, tagged items, quotes, the
        corrections it does not have yet and its links to the sources it consulted (every
        source the record names, quoted or not). Bylines, pictures, tags, quotes and sources
        consulted replace the old ones; corrections are only ever added.
        """
        record = plan.record
        positions = {}
        for byline in record.bylines:
            positions.setdefault((names.authors[_author_slug(byline.name)], byline.role), len(positions))
        bylines = [
            Byline(article=article, author=author, role=role, position=position)
            for (author, role), position in positions.items()
        ]
        pictures = list(self._images(article, plan))
        tags = list(dict.fromkeys(names.tags[tag.casefold()] for tag in record.tags))
        tagged = [TaggedItem(content_type=names.article_type, object_id=article.pk, tag=tag) for tag in tags]
        quotes = [
            Quote(
                article=article,
                source=names.sources[id(speaker)],
                text=quote.text,
                position=position,
                is_pull_quote=quote.pull,
                context=quote.context,
            )
            for position, (quote, speaker) in enumerate(plan.quotes)
        ]
        known = names.corrections.get(article.pk, set())
        corrections = [
            Correction(article=article, kind=each.kind, text=each.text, published_at=each.at or timezone.now())
            for each in record.corrections
            if (each.kind, each.text) not in known
        ]
        consulted = {}
        for each in plan.sources:
            source = names.sources.get(id(each))
            if source is not None:  # None: a name with nothing to match on, so no source to link
                consulted.setdefault(source.pk, Consulted(article=article, source=source))
        # The story's parts as the workflow's checks and its revision read them (``with_parts``).
        article.current_tags, article.current_bylines = tags, bylines
        article.current_images, article.current_quotes = pictures, quotes
        return bylines, pictures, tagged, quotes, corrections, list(consulted.values())

    def _images(self, article, plan):
        """The story's ``ImageCaption``s, with the photos ``_store_photos`` put through the image gate."""
        lead_taken = False
        for position, (picture, photo) in enumerate(zip(plan.pictures, plan.photos, strict=True)):
            image = picture.record
            # A caption awaiting its photo can't lead: readers would see no picture and publishing refuses it.
            is_lead = image.lead and bool(picture.path) and not lead_taken
            lead_taken = lead_taken or is_lead
            yield ImageCaption(
                article=article,
                caption=image.caption,
                credit=image.credit,
                alt_text=picture.alt_text,
                photographer=image.photographer,
                usage_terms=image.usage_terms,
                position=position,
                is_lead=is_lead,
                **photo,
            )

    def _store_photos(self, plan, kept):
        """
        Take the story's photos, through the image gate and stored under random names with their
        renditions (``_PhotoWork``), keeping the story's own stored copy of a photo it is given
        again; False (and the story failed, its new files deleted) when a photo is refused.
        """
        kept_photos = kept.get(plan.article.pk, {}) if plan.article else {}
        plan.photos = []
        try:
            for picture in plan.pictures:
                plan.photos.append(self._photo(picture, kept_photos, plan) if picture.path else {})
        except Exception as problem:
            plan.fail(problem)
            return False
        return True

    def _photo(self, picture, kept_photos, plan):
        """
        The image fields for a picture's file, through the gate (``_PhotoWork``): the story's own
        stored copy, or a newly stored one with its renditions, whose files become the story's.
        """
        try:
            ready = self.photos.take(picture)
        except photos.ImageRejected as rejected:
            raise LoadError(f"{picture.label}: {rejected}") from None
        plan.stored_files.extend(ready.stored)
        kept = kept_photos.get(ready.digest)
        if kept is not None:  # the same picture as before: keep the stored photo and its renditions
            return {
                "image": kept.image.name,
                "width": kept.width,
                "height": kept.height,
                "renditions": kept.renditions,
            }
        if ready.problem:  # the story stays; its photo is served whole until they are drawn
            name = ready.fields["image"]
            plan.notes.append(f"renditions of {name} not drawn ({ready.problem}); run make_renditions")
        return ready.fields

    def _moves(self, article, plan, now):
        """
        The workflow moves, ``(name, time, comment)``, that take the story to the status its
        input asks for, to be made by the system (``_move``), and notes on what the import
        leaves as it is.
        """
        record = plan.record
        if record.restricted:
            target = "draft"
        else:
            target = record.status or (self.defaults.status if plan.created else None)
        comment = f"Imported from {plan.where}"
        public = article.status == Article.Status.PUBLISHED
        scheduled = public and article.published_at is not None and article.published_at > now
        if target == "draft":
            if scheduled:
                return [("unschedule", None, comment)], []
            if public:
                return [("withdraw", None, f"{comment}: the input holds the story back")], []
            return [], []
        if target == "withdrawn":
            withdraw = ("withdraw", None, f"{comment}: withdrawn at the source")
            if article.status == Article.Status.WITHDRAWN:
                return [], []
            if public:
                return [withdraw], []
            # Withdrawn means it was public once: publish at its original time, then withdraw.
            if record.published_at is None or record.published_at > now:
                return [], ["withdrawn in the input but never published; kept as a draft"]
            return [("publish", record.published_at, comment), withdraw], []
        if target != "published":
            return [], []
        if article.status == Article.Status.WITHDRAWN:
            return [], ["published in the input, but an import never restores a withdrawn story"]
        at = record.published_at
        if public:
            if scheduled and at and at > now and at != article.published_at:
                return [("schedule", at, comment)], []
            return [], []
        return [("schedule" if at and at > now else "publish", at, comment)], []

    # The report.

    def _report(self, plan):
        if plan.failure:
            self._fail(plan.file, plan.record.location, plan.failure)
            return
        for note in [*plan.notes, *plan.status_notes]:
            self._note(plan.file, plan.record.location, note)
        self._count("created" if plan.created else "updated")

    def _count(self, outcome):
        setattr(self.report, outcome, getattr(self.report, outcome) + 1)
        if self.progress:
            self.progress(self.report)

    def _fail(self, file, record, reason):
        self.report.failures.append(Problem(file, record, reason))
        if self.progress:
            self.progress(self.report)

    def _note(self, file, record, reason):
        self.report.notes.append(Problem(file, record, reason))


def _same_source(sources, name, organisation):
    """The source in ``sources`` the registry would take for this name and organisation, or None."""
    key, organisation = name_key(name), name_key(organisation)
    for source in sources:
        if name_key(source.name) == key and organisations_agree(organisation, name_key(source.organisation)):
            return source
    return None


def _stored_articles(records):
    """The stored stories with the records' import keys, by key: one query."""
    records = list(records)
    if not records:
        return {}
    stories = Article.objects.filter(
        import_origin__in={record.origin for record in records},
        import_id__in={record.external_id for record in records},
    ).only("pk", "import_origin", "import_id", "import_fingerprint", "import_version")
    return {(story.import_origin, story.import_id): story for story in stories}


def _is_older(version, stored):
    """True when both versions are numbers and ``version`` is the smaller; other versions aren't ordered."""
    return version.isdigit() and stored.isdigit() and int(version) < int(stored)


def _embargo(record, article):
    """The record's embargo; but a later version without one does not lift an embargo still running."""
    if record.embargo_until is None and article.embargo_until and article.embargo_until > timezone.now():
        return article.embargo_until
    return record.embargo_until


# Checks: every limit the models set, as a reason a desk can act on.


def _max_length(model, name):
    return model._meta.get_field(name).max_length


def _check_length(label, value, limit):
    if len(value) > limit:
        raise LoadError(f"{label} is {len(value):,} characters long; the limit is {limit:,}")


def _check(record):
    """``LoadError`` naming the first thing in ``record`` the database cannot hold."""
    required = (("origin", record.origin), ("external id", record.external_id), ("headline", record.headline))
    for label, value in required:
        if not value.strip():
            raise LoadError(f"missing {label}")
    _check_length("origin", record.origin, _max_length(Article, "import_origin"))
    _check_length("external id", record.external_id, _max_length(Article, "import_id"))
    _check_length("headline", record.headline, _max_length(Article, "headline"))
    _check_length("version", record.version, _max_length(Article, "import_version"))
    _check_length("section", record.section, _max_length(Section, "name"))
    if record.status not in (None, "draft", "published", "withdrawn"):
        raise LoadError(f"status {record.status!r} is not draft, published or withdrawn")
    if record.restricted and record.status == "published":
        raise LoadError("a restricted story cannot be published")
    for index, byline in enumerate(record.bylines):
        if not byline.name.strip():
            raise LoadError(f"authors[{index}] has no name")
        if byline.role not in _BYLINE_ROLES:
            raise LoadError(f"authors[{index}].role {byline.role!r} is not one of {', '.join(Byline.Role.values)}")
        _check_length(f"authors[{index}].name", byline.name, _max_length(Author, "name"))
    for index, tag in enumerate(record.tags):
        _check_length(f"tags[{index}]", tag, _max_length(Tag, "name"))
    for index, image in enumerate(record.images):
        for name in ("credit", "alt_text", "photographer"):
            _check_length(f"images[{index}].{name}", getattr(image, name), _max_length(ImageCaption, name))
    for index, quote in enumerate(record.quotes):
        if not quote.text.strip() or not quote.speaker.strip():
            raise LoadError(f"quotes[{index}] needs its text and speaker")
        _check_length(f"quotes[{index}].context", quote.context, _max_length(Quote, "context"))
        for name, source_field in (("speaker", "name"), ("role", "role"), ("organisation", "organisation")):
            _check_length(f"quotes[{index}].{name}", getattr(quote, name), _max_length(Source, source_field))
    for index, source in enumerate(record.sources):
        _check_source(f"sources[{index}]", source)
    for index, correction in enumerate(record.corrections):
        if correction.kind not in _CORRECTION_KINDS:
            raise LoadError(
                f"corrections[{index}].kind {correction.kind!r} is not one of {', '.join(Correction.Kind.values)}"
            )
        if not correction.text.strip():
            raise LoadError(f"corrections[{index}] has no text")


def _check_source(label, source):
    if not source.name.strip():
        raise LoadError(f"{label} has no name")
    if source.kind not in _SOURCE_KINDS:
        raise LoadError(f"{label}.kind {source.kind!r} is not one of {', '.join(Source.Kind.values)}")
    if source.confidential and not source.public_label.strip():
        raise LoadError(f"{label}: a confidential source needs a public label")
    for name in ("name", "role", "organisation", "public_label"):
        _check_length(f"{label}.{name}", getattr(source, name), _max_length(Source, name))


# Pictures.


def _picture(image, index, root, notes, fetching=False, folders=None):
    """
    A ``_Picture`` for ``image``: its file checked and probed, awaiting its photo (with a note
    saying why), or, when ``fetching``, its remote picture still to be fetched. ``folders``
    as ``_inside`` takes it.
    """
    label = f"images[{index}]"
    picture = _Picture(image, label=label)
    if not image.file:
        if image.url and fetching:
            return _Picture(image, label=f"{label}: {shorten(image.url, 200)}", url=image.url)
        if image.url:
            notes.append(f"{label}: remote pictures are not fetched; {image.url} is awaiting its photo")
        return picture
    if root is None:
        notes.append(f"{label}: no images folder given; {image.file} is awaiting its photo")
        return picture
    path = _inside(root, image.file, label, folders)
    if not path.is_file():
        notes.append(f"{label}: {image.file} not found; the caption is kept awaiting its photo")
        return picture
    picture.label = f"{label}.file {image.file!r}"
    _give_file(picture, path, label)
    return picture


def _give_file(picture, path, label):
    """
    Give ``picture`` the file at ``path``, probed (``_probe``), and its alt text; ``LoadError``,
    naming ``label``, when it has neither alt text nor a caption to take it from.
    """
    _probe(path, picture.label)
    picture.path = path
    picture.alt_text = picture.record.alt_text or picture.record.caption
    if not picture.alt_text:
        raise LoadError(f"{label}: a photo needs alt text (or at least a caption) for readers who cannot see it")


def _resolved(root):
    """An images folder as ``_inside`` takes it: its real path, resolved once for the run."""
    return root.resolve() if root else None


def _inside(root, file, label, folders=None):
    """
    The real path of an image record's ``file`` in the images folder ``root`` (``_resolved``);
    ``LoadError`` when it is not in it, however it gets out (``..``, a link). ``folders``, a
    dict kept for a run, remembers the real paths of the folders met, so that a file in one
    costs a look at the file alone: whether it is a link.
    """
    relative = Path(file.replace("\\", "/"))
    if relative.is_absolute() or relative.drive:
        raise LoadError(f"{label}.file {file!r} must be a path relative to the images folder")
    if relative.name in ("", ".", "..") or folders is None:
        path = (root / relative).resolve()
    else:
        folder = folders.get((root, relative.parent))
        if folder is None:
            folder = folders[root, relative.parent] = (root / relative.parent).resolve()
        path = folder / relative.name
        if path.is_symlink():
            path = path.resolve()
    if not path.is_relative_to(root):
        raise LoadError(f"{label}.file {file!r} is outside the images folder")
    return path


def _probe(path, label):
    """
    ``LoadError`` unless the file looks like a picture the image gate (``articles.images``) takes.

    Reads the header only, so that a story with a bad picture fails before anything is
    written; the gate itself decodes and re-encodes the picture when the story is written.
    """
    size = path.stat().st_size
    if size > photos.MAX_BYTES:
        raise LoadError(f"{label} is {size:,} bytes; the limit is {photos.MAX_BYTES // (1024 * 1024)} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=list(photos.ALLOWED_FORMATS)) as picture:
                width, height = picture.size
                frames = getattr(picture, "n_frames", 1)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise LoadError(f"{label} declares more pixels than Pillow will open (a decompression bomb)") from None
    except UnidentifiedImageError:
        raise LoadError(f"{label} is not a JPEG, PNG, WebP or GIF picture") from None
    except (OSError, SyntaxError, ValueError, IndexError) as problem:
        raise LoadError(f"{label} is a damaged picture ({problem})") from None
    if width * height > photos.MAX_PIXELS:
        raise LoadError(
            f"{label} is {width:,}×{height:,} pixels; the limit is {photos.MAX_PIXELS // 1_000_000} megapixels "
            "(a decompression bomb?)"
        )
    if frames > 1:
        raise LoadError(f"{label} has {frames} frames; only still pictures are taken")


def _fetched(fingerprint):
    """The fingerprint stored for a story whose remote pictures a run with ``fetch_images`` fetched."""
    return hashlib.sha256(f"{fingerprint}+fetched-images".encode()).hexdigest()


def _download(url, path, policy):
    """Fetch ``url`` into the file ``path`` (in a worker thread): ``path``, or the ``FetchError`` saying why not."""
    try:
        with path.open("wb") as stream:
            fetch(url, stream, policy)
    except FetchError as problem:
        return problem
    except Exception as problem:  # the other pictures carry on; this one is reported
        return FetchError(f"could not be fetched ({type(problem).__name__}: {problem})")
    return path


def _take_fetched(picture, outcome, notes):
    """
    Give ``picture`` the file fetched for it, probed as a local file is; or leave it awaiting
    its photo with a note when the fetch failed. ``LoadError`` when the story cannot be
    imported with it: too large, not a picture the gate takes, or no alt text.
    """
    if isinstance(outcome, TooLarge):
        raise LoadError(f"{picture.label}: {outcome}")
    if isinstance(outcome, FetchError):
        notes.append(f"{picture.label}: {outcome}; the caption is kept awaiting its photo")
        return
    _give_file(picture, outcome, picture.label)


@dataclass
class _Ready:
    """
    A photo through the gate (``_prepare_photo``): its image fields (None when it is one of the
    story's stored photos, by ``digest``), the files stored for it, why its renditions were not
    drawn if they were not, and the CPU time drawing them took.
    """

    digest: str
    fields: dict | None = None
    stored: list[str] = field(default_factory=list)
    problem: str = ""
    drawing_seconds: float = 0.0


def _prepare_photo(path, *, store, known=()):
    """
    Put the picture in the file at ``path`` through the gate (``articles.images.prepare_file``)
    and, when ``store``, store it under a random name with the renditions drawn from the same
    decoding; a photo whose digest is ``known`` is the story's own already, and nothing is drawn
    or stored for it. Runs in a worker process or here; raises ``ImageRejected``. Should storing
    fail half-way, what it stored is deleted.
    """
    prepared = photos.prepare_file(path, draw=store, known=known)
    ready = _Ready(prepared.digest, problem=prepared.problem, drawing_seconds=prepared.drawing_seconds)
    if prepared.digest in known:
        return ready
    image = ImageCaption._meta.get_field("image")
    name = image.generate_filename(ImageCaption(), prepared.name)
    ready.fields = {"image": name, "width": prepared.width, "height": prepared.height}
    if not store:
        return ready
    try:
        ready.fields["image"] = image.storage.save(name, ContentFile(prepared.content))
        ready.stored.append(ready.fields["image"])
        if prepared.renditions:
            ready.fields["renditions"] = photos.store_renditions(
                ready.fields["image"], prepared.renditions, ready.stored, image.storage
            )
    except BaseException:
        _delete_files(ready.stored)
        raise
    return ready


class _PhotoWork:
    """
    A run's photos, each put through the image gate, drawn and stored from one decoding of the
    picture (``_prepare_photo``): in worker processes from the run's ``PHOTO_POOL_AFTER``-th
    photo on, so that Pillow and the file system work on the other cores while this process
    writes to the database; here before that, for a photo needed before its turn, when the
    photos are not kept in a local folder, and wherever worker processes cannot be started.

    A photo is asked for as soon as it is known (``ask``, then ``send`` sends those asked for
    to the workers, a few to a task), or even before its batch is planned (``ask_ahead``), and
    taken when its story is written (``take``); the files stored for it become its story's
    then. The files of photos never taken (their stories failed first, or the run was
    interrupted) are deleted when they are let go of: ``forget`` at the end of every batch,
    ``ask_ahead`` for those asked ahead of the batch before, and ``close``.
    """

    def __init__(self, *, store):
        self.store = store
        self.pool = None
        self.seen = 0
        # Workers are forked (Linux) and write to the storage's folder themselves: a local folder
        # is safe to share between processes, a client of a remote storage may not be.
        storage = ImageCaption._meta.get_field("image").storage
        self.in_workers = sys.platform == "linux" and isinstance(storage, FileSystemStorage)
        self.worked = False  # a worker has prepared a photo
        self.queued = []  # pictures asked for, to be sent to the workers (``send``)
        self.sent = []  # pictures whose photo a worker prepares, not yet taken
        self.ahead = defaultdict(list)  # path → preparations asked ahead of the batch

    def ask(self, picture, known=()):
        """Have ``picture`` prepared; ``known`` are the digests of stored photos it may turn out to be."""
        picture.known = frozenset(known)
        self.seen += 1
        if not picture.known and self.ahead.get(picture.path):
            picture.job = self.ahead[picture.path].pop()
            self.sent.append(picture)
            return
        if self.pool is None and self.in_workers and self.seen >= PHOTO_POOL_AFTER:
            self.pool = _photo_pool(PHOTO_WORKERS)
        if self.pool is not None:
            self.queued.append(picture)

    def send(self):
        """Send the workers the pictures asked for since the last time."""
        queued, self.queued = self.queued, []
        jobs = self._submit([(picture.path, picture.known) for picture in queued]) if self.pool else None
        for picture, job in zip(queued, jobs or (), strict=False):
            picture.job = job
            self.sent.append(picture)

    def ask_ahead(self, paths):
        """Have the photos in the files at ``paths`` prepared for the next batch, letting go of those for this one."""
        for jobs in self.ahead.values():
            for job in jobs:
                job.let_go()
        self.ahead = defaultdict(list)
        jobs = self._submit([(path, frozenset()) for path in paths]) if self.pool and paths else None
        for path, job in zip(paths, jobs or (), strict=False):
            self.ahead[path].append(job)

    def take(self, picture):
        """The ``_Ready`` photo for ``picture``; ``ImageRejected`` when the gate refuses it."""
        if self.queued:
            self.send()
        if picture.job is None:
            return self._here(picture)
        job, picture.job = picture.job, None
        _drop(self.sent, picture)
        try:
            ready = job.result()
        except BrokenProcessPool:
            return self._alone(picture)
        self.worked = True
        return ready

    def forget(self):
        """Let go of the photos of this batch that were not taken."""
        sent, self.sent, self.queued = self.sent, [], []
        for picture in sent:
            picture.job.let_go()
            picture.job = None

    def close(self):
        try:
            self.forget()
            self.ask_ahead([])
        finally:
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)
                self.pool = None

    def _here(self, picture):
        return _prepare_photo(picture.path, store=self.store, known=picture.known or ())

    def _submit(self, work, per_task=None):
        """
        ``_Job``s preparing the photos of ``work``, ``(path, known digests)`` pairs, in the
        workers, ``PHOTOS_PER_TASK`` to a task at most, and fewer when that keeps every worker
        busy; None when no process can be started here (a daemon's, out of resources): then
        the workers are stopped, and every photo is prepared here from now on.
        """
        if per_task is None:
            per_task = max(1, min(PHOTOS_PER_TASK, len(work) // (2 * PHOTO_WORKERS)))
        jobs = []
        try:
            for start in range(0, len(work), per_task):
                chunk = work[start : start + per_task]
                task = _Task(self.pool.submit(_prepare_photos, chunk, store=self.store), len(chunk))
                jobs += [_Job(task, index) for index in range(len(chunk))]
        except Exception:
            for job in jobs:
                job.let_go()
            self._stop_workers()
            return None
        return jobs

    def _stop_workers(self):
        """Prepare every photo here from now on; what the workers already took on is still taken from them."""
        self.in_workers = False
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = None
        for picture in self.sent:
            if picture.job.task.future.cancelled():
                picture.job = None
        self.sent = [picture for picture in self.sent if picture.job is not None]
        for jobs in self.ahead.values():
            jobs[:] = [job for job in jobs if not job.task.future.cancelled()]

    def _alone(self, picture):
        """
        A worker died (a picture that crashes the decoder? the system out of memory?): the pool
        is replaced, the photos lost with it are sent again, one to a task this time, and this
        one is prepared in a process of its own, so that only a picture that kills its process
        twice fails its story. If no worker ever prepared a photo, workers are not trusted again:
        photos are done here. The files the other workers had stored, or were storing, for
        photos lost with the pool stay in the folder, named by no story (those photos are stored
        again): the one case where an import leaves files behind (such a picture used to stop
        the whole import).
        """
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = _photo_pool(PHOTO_WORKERS)
            for jobs in self.ahead.values():
                jobs[:] = [job for job in jobs if not job.lost()]
            lost = [each for each in self.sent if each.job.lost()]
            for each in lost:
                _drop(self.sent, each)
                each.job = None
            jobs = self._submit([(each.path, each.known) for each in lost], per_task=1)
            for each, job in zip(lost, jobs or (), strict=False):
                each.job = job
                self.sent.append(each)
        if self.pool is None:
            return self._here(picture)
        try:
            with _photo_pool(1) as alone:
                ready = alone.submit(_prepare_photo, picture.path, store=self.store, known=picture.known).result()
        except BrokenProcessPool:
            if self.worked:
                raise photos.ImageRejected("the picture crashes the program that reads it") from None
            self._stop_workers()
            return self._here(picture)
        self.worked = True
        return ready


class _Task:
    """A few photos prepared together by a worker (``_prepare_photos``), and how many of them are still wanted."""

    def __init__(self, future, size):
        self.future = future
        self.wanted = size


class _Job:
    """One photo's preparation: its place in a worker's task."""

    def __init__(self, task, index):
        self.task = task
        self.index = index

    def result(self):
        """The photo's ``_Ready``; raises what refused it (``ImageRejected``), or ``BrokenProcessPool``."""
        outcome = self.task.future.result()[self.index]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def lost(self):
        """Whether the preparation went down with its worker (or was cancelled)."""
        future = self.task.future
        return future.cancelled() or (future.done() and isinstance(future.exception(), BrokenProcessPool))

    def let_go(self):
        """Nobody will take this photo: its task is cancelled if not started and wanted no more; its files deleted."""
        self.task.wanted -= 1
        if self.task.wanted == 0 and self.task.future.cancel():
            return
        try:
            _delete_files(self.result().stored)
        except Exception:  # refused by the gate, or its worker died: nothing of it to delete
            return


def _prepare_photos(work, *, store):
    """
    ``_prepare_photo`` for each ``(path, known digests)`` of ``work``, in a worker: each photo's
    ``_Ready``, or the exception that refused it, so that one bad picture fails nothing else.
    """
    outcomes = []
    for path, known in work:
        try:
            outcomes.append(_prepare_photo(path, store=store, known=known))
        except Exception as problem:
            outcomes.append(problem)
    return outcomes


def _drop(pictures, picture):
    """Remove ``picture`` itself (not an equal one) from the list ``pictures``, if it is there."""
    for index, each in enumerate(pictures):
        if each is picture:
            del pictures[index]
            return


def _photo_pool(workers):
    """
    Worker processes for photos, forked: a worker only reads the picture's file, runs Pillow
    and writes files, never using the database connection or anything else it inherits, and
    it starts in milliseconds, with the settings (and the storage) of the run that forked it.
    """
    context = multiprocessing.get_context("fork")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_photo_worker_started)


def _photo_worker_started():
    # Ctrl-C reaches every process of the terminal's group: a worker finishes what it is doing,
    # so that the run it belongs to knows every file stored and deletes those it does not keep.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The run's own process writes every story, one after the other: it sets the pace, so it
    # comes first for the cores, and the workers take what it leaves.
    os.nice(10)


def _photos_by_digest(article_pks):
    """
    The stored photos of the stories being updated, by story and by the digest of their bytes,
    so that an update can keep the ones it is given again: one query.
    """
    found = defaultdict(dict)
    for caption in ImageCaption.objects.filter(article__in=article_pks).exclude(image=""):
        try:
            with caption.image.open("rb") as stream:
                found[caption.article_id][hashlib.sha256(stream.read()).hexdigest()] = caption
        except OSError:  # the file has gone missing: nothing to keep
            continue
    return found


def _reason(problem):
    """A failure's reason for the report: a ``LoadError`` says it; anything else is named."""
    return str(problem) if isinstance(problem, LoadError) else f"{type(problem).__name__}: {problem}"


def _delete_files(names):
    storage = ImageCaption._meta.get_field("image").storage
    for name in names:
        storage.delete(name)


# The workflow, in bulk.


def _move(plans, articles, now):
    """
    Make the stories' workflow moves as the system: one bulk transition per kind of move,
    each story at its own time and with its own comment, checked by the workflow itself.

    A story the workflow refuses to publish as its input asks raises ``LoadError`` with the
    workflow's reason, so that the savepoint it was written in rolls back; a story withdrawn
    at its source that cannot be published first is kept as a draft, with a note.
    """
    stories = {article.pk: plan for article, plan in zip(articles, plans, strict=True)}
    for name in MOVE_ORDER:
        wanted = {pk: move for pk, plan in stories.items() for move in plan.moves if move[0] == name}
        if not wanted:
            continue
        result = apply_transition(
            [article for article in articles if article.pk in wanted],
            name,
            at={pk: at for pk, (_, at, _) in wanted.items()},
            comment={pk: comment for pk, (_, _, comment) in wanted.items()},
            now=now,
        )
        for story, reason in result.refused:
            plan = stories[story.pk]
            if name == "publish" and any(move == "withdraw" for move, _, _ in plan.moves):
                plan.moves = []  # not public, so there is nothing to withdraw
                plan.status_notes.append(f"withdrawn in the input; kept as a draft because {reason}")
            elif name in ("publish", "schedule"):
                raise LoadError(f"cannot be published as the input asks: {reason}")
            else:
                raise LoadError(f"cannot be taken down as the input asks: {reason}")


def _keep_times(plans, articles, now):
    """
    Give each story the time its input says it last changed (``updated_at``) rather than the
    time of the import: readers see it as "Updated", and sitemaps, structured data and
    ``export_articles --since`` go by it. A new story whose input says nothing reads as last
    changed when it went out, if it is out; a story this run changed, or one not out yet,
    keeps the time of the import. No time is later than now. One UPDATE, for those that move.
    """
    times = {}
    for article, plan in zip(articles, plans, strict=True):
        moment = plan.record.updated_at
        if moment is None and plan.article is None and article.published_at and article.published_at <= now:
            moment = article.published_at
        if moment is not None and min(moment, now) != article.updated_at:
            times[article.pk] = {"updated_at": min(moment, now)}
    if times:
        Article.objects.filter(pk__in=times).update(**update_values(times))
    for article in articles:
        if article.pk in times:
            article.updated_at = times[article.pk]["updated_at"]


# Quotes.


def _extract_quotes(body_html):
    """``(quotes, sources)`` found in the body by ``articles.quotes``; none when that module is not there."""
    try:
        from articles import quotes
    except ImportError:
        return [], []
    extraction = quotes.extract(story_text(body_html))
    found = [
        QuoteRecord(
            text=quote.text.strip().rstrip(",").rstrip(),
            speaker=quote.speaker[:200],
            role=(quote.role or "")[:200],
            organisation=(quote.organisation or "")[:200],
        )
        for quote in extraction.quotes
        if quote.speaker and quote.text.strip(" ,")
    ]
    sources = [
        SourceRecord(
            name=source.name[:200],
            role=(source.role or "")[:200],
            organisation=(source.organisation or "")[:200],
            kind=source.kind if source.kind in _SOURCE_KINDS else Source.Kind.PERSON,
        )
        for source in extraction.sources
    ]
    return found, sources


# Names resolved for a whole batch: one query per kind, the missing created in bulk.


def _slug(name, prefix, limit):
    """An ASCII slug for ``name``; names with no Latin letters get ``prefix`` and a digest of the name."""
    slug = slugify(name)[:limit].strip("-")
    return slug or f"{prefix}-{hashlib.sha256(name.casefold().encode()).hexdigest()[:10]}"


def _author_slug(name):
    return _slug(name, "author", _max_length(Author, "slug"))


class _RunNames:
    """
    The sections, authors, tags and sources a run's batches have found or created, by what
    they are looked up by, so that a name is looked for once a run rather than once a batch.
    Forgotten whenever a batch fails (what it created is rolled back with it).
    """

    def __init__(self):
        self.sections, self.authors, self.tags, self.sources = {}, {}, {}, {}


def _recall(memory, names, key, find):
    """
    ``{key(name): what it names}`` for ``names``: from ``memory`` when there, else from ``find``
    (given the missing names, answering by key), then remembered. Of several names with one key
    the first in sorted order is the one looked up (and created), whichever batch it is in.
    """
    wanted = {key(name): name for name in sorted(names, reverse=True)}
    missing = {name for each, name in wanted.items() if each not in memory}
    if missing:
        memory.update(find(missing))
    return {each: memory[each] for each in wanted}


def _source_key(speaker):
    """What decides which ``Source`` a ``SourceRecord`` is (``match_sources``, ``_BatchNames._sources``)."""
    if speaker.confidential:
        return ("confidential", name_key(speaker.name), name_key(speaker.public_label))
    kind = speaker.kind if speaker.kind in _SOURCE_KINDS else Source.Kind.PERSON
    return (name_key(speaker.name), name_key(speaker.organisation), kind)


class _BatchNames:
    """
    A batch's sections, authors, tags and sources (the missing ones created, each looked for
    once a run: ``_RunNames``), the corrections its stories have and their slugs.
    """

    def __init__(self, plans, run):
        self.article_type = ContentType.objects.get_for_model(Article)
        records = [plan.record for plan in plans]
        with transaction.atomic():
            sections = {record.section for record in records} - {""}
            self.sections = _recall(run.sections, sections, str.casefold, self._sections)
            authors = {byline.name for record in records for byline in record.bylines}
            self.authors = _recall(run.authors, authors, _author_slug, self._authors)
            tags = {tag for record in records for tag in record.tags}
            self.tags = _recall(run.tags, tags, str.casefold, self._tags)
            self.sources = self._speakers([source for plan in plans for source in plan.sources], run.sources)
        self.corrections = self._corrections([plan.article.pk for plan in plans if plan.article])
        self._slugs(plans)

    def _speakers(self, speakers, memory):
        """``Source`` by ``id()`` of each ``SourceRecord`` (``_sources``), each source looked for once a run."""
        missing = {}
        for speaker in speakers:
            if _source_key(speaker) not in memory:
                missing.setdefault(_source_key(speaker), speaker)  # the first of namesakes, as in the input
        found = self._sources(list(missing.values()))
        memory.update({key: found[id(speaker)] for key, speaker in missing.items()})
        return {id(speaker): memory[_source_key(speaker)] for speaker in speakers}

    @staticmethod
    def _sections(names):
        """Sections by case-folded name; a section matches by name (any case) or by the slug of the name."""
        if not names:
            return {}
        limit = _max_length(Section, "slug")
        slugs = {name: _slug(name, "section", limit) for name in names}
        found = list(Section.objects.filter(Q(name__in=names) | Q(slug__in=slugs.values())))
        by_name = {section.name.casefold(): section for section in found}
        by_slug = {section.slug: section for section in found}
        missing = {}
        for name in sorted(names):
            if name.casefold() not in by_name and slugs[name] not in by_slug:
                # Out of the menu until the desk puts it there: an archive's fifty categories
                # must not become fifty menu items.
                missing.setdefault(slugs[name], Section(name=name, slug=slugs[name], in_navigation=False))
        for section in Section.objects.bulk_create(missing.values()):
            by_slug[section.slug] = section
        return {name.casefold(): by_name.get(name.casefold()) or by_slug[slugs[name]] for name in names}

    @staticmethod
    def _authors(names):
        """``Author`` by slug: a name is the author with its slug, created when missing."""
        if not names:
            return {}
        slugs = {_author_slug(name): name for name in sorted(names, reverse=True)}  # first spelling wins
        found = {author.slug: author for author in Author.objects.filter(slug__in=slugs).only("name", "slug")}
        created = Author.objects.bulk_create(
            Author(name=name, slug=slug) for slug, name in slugs.items() if slug not in found
        )
        return found | {author.slug: author for author in created}

    @staticmethod
    def _tags(names):
        """``Tag`` by case-folded name, matched regardless of case as taggit is configured to."""
        if not names:
            return {}
        lowered = {name.lower() for name in names}
        tag = Tag()
        slugs = {name.casefold(): tag.slugify(name)[:100] for name in names}
        found = list(
            Tag.objects.annotate(lowered=Lower("name")).filter(
                Q(name__in=names) | Q(lowered__in=lowered) | Q(slug__in=slugs.values())
            )
        )
        tags = {tag.name.casefold(): tag for tag in found}
        taken = {tag.slug for tag in found}
        missing = []
        for name in sorted(names):
            key = name.casefold()
            if key in tags or any(tag.name.casefold() == key for tag in missing):
                continue
            slug = slugs[key] or "tag"
            if slug in taken:
                slug = f"{slug[:89]}_{hashlib.sha256(key.encode()).hexdigest()[:10]}"
            taken.add(slug)
            missing.append(Tag(name=name, slug=slug))
        for tag in Tag.objects.bulk_create(missing):
            tags[tag.name.casefold()] = tag
        return tags

    @staticmethod
    def _sources(speakers):
        """
        ``Source`` by ``id()`` of each ``SourceRecord``: named ones through the registry, confidential ones here.

        The registry never matches a confidential source (extraction reads public text); a
        source the input itself marks confidential matches only a confidential source with the
        same name and public label, so that importing a story again does not duplicate it.
        """
        named = [speaker for speaker in speakers if not speaker.confidential]
        found = {id(speaker): source for speaker, source in zip(named, match_sources(named), strict=True)}
        secret = [speaker for speaker in speakers if speaker.confidential]
        if not secret:
            return found
        known = {
            (name_key(source.name), name_key(source.public_label)): source
            for source in Source.objects.filter(
                confidential=True, public_label__in={speaker.public_label for speaker in secret}
            ).order_by("-pk")
        }
        missing = {}
        for speaker in secret:
            key = (name_key(speaker.name), name_key(speaker.public_label))
            if key not in known:
                known[key] = missing[key] = Source(
                    name=speaker.name,
                    kind=speaker.kind,
                    role=speaker.role,
                    organisation=speaker.organisation,
                    confidential=True,
                    public_label=speaker.public_label,
                )
            found[id(speaker)] = known[key]
        Source.objects.bulk_create(missing.values())
        return found

    @staticmethod
    def _corrections(article_pks):
        """(kind, text) of the corrections the stories being updated already have."""
        known = defaultdict(set)
        if article_pks:
            for article, kind, text in Correction.objects.filter(article__in=article_pks).values_list(
                "article", "kind", "text"
            ):
                known[article].add((kind, text))
        return known

    @staticmethod
    def _slugs(plans):
        """Set ``plan.slug`` where the story needs one: unique, the record's or the headline's, else with a digest."""
        limit = _max_length(Article, "slug")
        wanted = {}
        for plan in plans:
            record = plan.record
            slug = slugify(record.slug)[:limit].strip("-")
            if plan.article is None:
                wanted[id(plan)] = slug or _slug(record.headline, "story", limit)
            elif slug:
                wanted[id(plan)] = slug
        taken = dict(Article.objects.filter(slug__in=wanted.values()).values_list("slug", "pk"))
        for plan in plans:
            slug = wanted.get(id(plan))
            if slug is None:
                continue
            owner = taken.get(slug)
            if owner is not None and (plan.article is None or owner != plan.article.pk):
                key = f"{plan.record.origin}\n{plan.record.external_id}"
                slug = f"{slug[: limit - 11]}-{hashlib.sha256(key.encode()).hexdigest()[:10]}"
            taken[slug] = plan.article.pk if plan.article else -1
            plan.slug = slug


# The road back: stories as records, for export.


def records_for_export(queryset, *, include_confidential=False, chunk_size=BATCH_SIZE):
    """
    ``ArticleRecord``s for the stories in ``queryset``, streamed: rows and their relations are fetched per chunk.

    A confidential source appears under its public label, without role or organisation,
    unless ``include_confidential``.
    """
    stories = (
        queryset.select_related("section")
        .prefetch_related(
            Prefetch("bylines", queryset=Byline.objects.select_related("author")),
            "images",
            Prefetch("quotes", queryset=Quote.objects.select_related("source")),
            "tags",
            Prefetch("corrections", queryset=Correction.objects.order_by("published_at", "id")),
            # By id, not by name: a confidential source's name must not even decide where it comes.
            Prefetch("sources", queryset=Source.objects.order_by("pk")),
        )
        .order_by("pk")
    )
    for story in stories.iterator(chunk_size=chunk_size):
        yield export_record(story, include_confidential=include_confidential)


def export_record(story, *, include_confidential=False):
    """
    The ``ArticleRecord`` for one stored story (reads its prefetched relations). Its ``sources``
    are the story's speakers, in the order they are first quoted, then the other sources it
    consulted: importing the record links every one of them to the story again.
    """
    quotes, sources = [], {}
    for quote in story.quotes.all():
        source = _exported_source(quote.source, include_confidential)
        sources.setdefault(quote.source_id, source)
        quotes.append(
            QuoteRecord(
                text=quote.text,
                speaker=source.name,
                role=source.role,
                organisation=source.organisation,
                pull=quote.is_pull_quote,
                context=quote.context,
            )
        )
    for consulted in story.sources.all():
        sources.setdefault(consulted.pk, _exported_source(consulted, include_confidential))
    status = {Article.Status.PUBLISHED: "published", Article.Status.WITHDRAWN: "withdrawn"}.get(story.status, "draft")
    return ArticleRecord(
        origin=story.import_origin or "newsroom",
        external_id=story.import_id or str(story.pk),
        headline=story.headline,
        slug=story.slug,
        standfirst=story.standfirst,
        body_html=story.body,
        section=story.section.name if story.section_id else "",
        tags=sorted(tag.name for tag in story.tags.all()),
        bylines=[BylineRecord(byline.author.name, byline.role) for byline in story.bylines.all()],
        status=status,
        published_at=story.published_at if status != "draft" else None,
        embargo_until=story.embargo_until,
        updated_at=story.updated_at,
        version=story.import_version,
        images=[
            ImageRecord(
                file=image.image.name,
                caption=image.caption,
                credit=image.credit,
                alt_text=image.alt_text,
                photographer=image.photographer,
                usage_terms=image.usage_terms,
                lead=image.is_lead,
            )
            for image in story.images.all()
        ],
        quotes=quotes,
        sources=list(sources.values()),
        corrections=[CorrectionRecord(each.kind, each.text, each.published_at) for each in story.corrections.all()],
    )


def _exported_source(source, include_confidential):
    if source.confidential and not include_confidential:
        return SourceRecord(
            name=source.public_label, kind=source.kind, confidential=True, public_label=source.public_label
        )
    return SourceRecord(
        name=source.name,
        role=source.role,
        organisation=source.organisation,
        kind=source.kind,
        confidential=source.confidential,
        public_label=source.public_label,
    )
