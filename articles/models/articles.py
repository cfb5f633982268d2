"""The story, its bylines, the one public gate (``live()``) and the workflow."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import TaggedItem

from ..cache import invalidate_pages
from ..sanitize import clean_html
from .desk import ArticleEvent, ArticleRevision, Correction, SlugRedirect
from .media import ImageCaption
from .newsroom import Author, Section
from .quotes import Quote
from .sources import Source, link_consulted

# Saves within this time of publication (typo fixes, the publishing save
# itself) don't earn an "Updated" line on the story.
UPDATE_NOTICE_AFTER = timedelta(minutes=15)


def detail_lookups():
    """
    The related rows the story page shows (bylines, tags, public photos, pull
    quotes), as lookups for ``prefetch_related`` or ``prefetch_related_objects``.
    """
    return (
        Prefetch("bylines", queryset=Byline.objects.select_related("author")),
        "tags",
        Prefetch("images", queryset=ImageCaption.objects.public(), to_attr="public_images"),
        Prefetch(
            "quotes",
            queryset=Quote.objects.filter(is_pull_quote=True).select_related("source"),
            to_attr="pull_quotes",
        ),
    )


class ArticleQuerySet(models.QuerySet):
    def live(self, now=None):
        """
        The one gate for every public surface: published, publication time
        reached, embargo passed. Withdrawn, draft and in-progress stories
        never match, so a missed job can neither hide nor leak a story.
        """
        now = now or timezone.now()
        return self.filter(
            Q(embargo_until__isnull=True) | Q(embargo_until__lte=now),
            status=Article.Status.PUBLISHED,
            published_at__lte=now,
        )

    def withdrawn(self, now=None):
        """Stories that were public once and have been withdrawn (their URLs answer 410)."""
        now = now or timezone.now()
        return self.filter(status=Article.Status.WITHDRAWN, published_at__lte=now)

    def latest_first(self):
        return self.order_by("-published_at", "-id")

    def with_bylines(self):
        return self.prefetch_related(
            Prefetch("bylines", queryset=Byline.objects.select_related("author")),
        )

    def for_listing(self):
        """The shape of a story in a list: section, bylines and the public lead image."""
        return (
            self.select_related("section")
            .with_bylines()
            .prefetch_related(
                Prefetch(
                    "images",
                    queryset=ImageCaption.objects.public().filter(is_lead=True),
                    to_attr="public_images",
                )
            )
            .latest_first()
        )

    def for_feed(self):
        """A feed item: what a listing shows, plus the tags that become its categories."""
        return self.for_listing().prefetch_related("tags")

    def for_detail(self):
        """
        Everything the article page shows, in a fixed number of queries.
        Corrections are rare: ``has_corrections`` says whether to fetch them.
        """
        return self.detail_rows().prefetch_related(*detail_lookups())

    def detail_rows(self):
        """The story page's own row (section, and whether it has corrections), without its related rows."""
        now = timezone.now()
        return self.select_related("section").annotate(
            has_corrections=Exists(Correction.objects.filter(article=OuterRef("pk"), published_at__lte=now))
        )

    def top_per_section(self, sections, per_section):
        """
        The newest ``per_section`` stories of each of ``sections``, in one
        query made of small index lookups (one LIMIT subquery per section).
        """
        newest = Q()
        for section in sections:
            in_section = self.filter(section=section).order_by("-published_at", "-id").values("pk")
            newest |= Q(pk__in=in_section[:per_section])
        return self.filter(newest) if newest else self.none()

    def related_to(self, article, limit=4):
        """
        Stories sharing the most tags with ``article`` (then the newest of its
        section), newest first, each with its lead photo's details annotated:
        one query, whose candidates come from the tag index rather than a scan.
        Reads the article's prefetched tags.
        """
        tag_ids = [tag.pk for tag in article.tags.all()]
        story_type = ContentType.objects.get_for_model(Article)
        tagged = TaggedItem.objects.filter(content_type=story_type, tag_id__in=tag_ids)
        shared = (
            tagged.filter(object_id=OuterRef("pk")).order_by().values("object_id").annotate(n=Count("pk")).values("n")
        )
        same_section = self.filter(section_id=article.section_id).order_by("-published_at", "-id").values("pk")
        lead = ImageCaption.objects.public().filter(article=OuterRef("pk"), is_lead=True)
        return (
            self.exclude(pk=article.pk)
            .filter(Q(pk__in=tagged.values("object_id")) | Q(pk__in=same_section[: limit + 1]))
            .annotate(
                shared_tags=Coalesce(Subquery(shared), 0),
                lead_image_name=Subquery(lead.values("image")[:1]),
                lead_image_width=Subquery(lead.values("width")[:1]),
                lead_image_height=Subquery(lead.values("height")[:1]),
            )
            .select_related("section")
            .order_by("-shared_tags", "-published_at", "-id")[:limit]
        )

    def scheduled(self, now=None):
        """Published stories whose publication time is still ahead."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__gt=now or timezone.now())

    def embargoed(self, now=None):
        return self.filter(embargo_until__gt=now or timezone.now()).exclude(status=Article.Status.WITHDRAWN)

    def for_admin(self):
        return self.select_related("section").with_bylines()

    # The workflow, in bulk. Each verb reads the transition table and returns
    # a TransitionResult: the stories that moved and those refused, with why.

    def with_parts(self):
        """
        The stories with what the workflow's checks and a revision read, as lists: their
        ``current_tags``, ``current_bylines`` (with authors), ``current_images`` and
        ``current_quotes`` (with sources), and their section: five queries however many
        stories. Code that has just written a story's parts may give it those lists itself.
        """
        return self.select_related("section").prefetch_related(
            Prefetch("tags", to_attr="current_tags"),
            Prefetch("bylines", queryset=Byline.objects.select_related("author"), to_attr="current_bylines"),
            Prefetch("images", to_attr="current_images"),
            Prefetch("quotes", queryset=Quote.objects.select_related("source"), to_attr="current_quotes"),
        )

    def transition(self, name, by=None, *, comment="", at=None, now=None):
        """
        Apply the transition ``name`` to every story in the queryset that the
        table, the user's permissions and the publication rules allow: one
        UPDATE and one INSERT of events, whatever the number of stories
        (``apply_transition``). ``by=None`` is the system itself (management
        commands), which holds every permission; the rules about a story's
        state still apply.

        ``at`` and ``comment`` are the same for every story, or mappings of
        story pk to each story's own (an import publishing stories at their
        original times): still one UPDATE, which then sets each story's time.
        """
        with transaction.atomic():
            stories = list(
                self.select_for_update(of=("self",))
                .select_related("section")
                .prefetch_related(
                    Prefetch("bylines", to_attr="current_bylines"), Prefetch("images", to_attr="current_images")
                )
                .order_by("pk")
            )
            return apply_transition(stories, name, by, comment=comment, at=at, now=now)

    def submit(self, by=None, *, comment=""):
        return self.transition("submit", by, comment=comment)

    def return_to_reporter(self, by=None, *, comment=""):
        return self.transition("return_to_reporter", by, comment=comment)

    def approve(self, by=None, *, comment=""):
        return self.transition("approve", by, comment=comment)

    def publish(self, by=None, *, at=None, comment=""):
        return self.transition("publish", by, at=at, comment=comment)

    def schedule(self, by=None, *, at, comment=""):
        return self.transition("schedule", by, at=at, comment=comment)

    def unschedule(self, by=None, *, comment=""):
        return self.transition("unschedule", by, comment=comment)

    def withdraw(self, by=None, *, comment=""):
        return self.transition("withdraw", by, comment=comment)

    def restore(self, by=None, *, comment=""):
        return self.transition("restore", by, comment=comment)

    # Versions, in bulk.

    def record_revisions(self, by=None, comment=""):
        """
        Keep every story in the queryset as it is now as its next version: the
        bulk twin of ``Article.record_revision``, in the same few queries for one
        story or hundreds (the stories ``with_parts``, then ``keep_revisions``).
        ``comment`` is the same for every story, or a mapping of story pk to each
        story's own. Returns the revisions, in the order of the stories' pks.
        """
        with transaction.atomic():
            return keep_revisions(list(self.select_for_update(of=("self",)).with_parts().order_by("pk")), by, comment)

    def link_quoted_sources(self):
        """
        Add every source the stories quote to their sources consulted (whoever a story quotes,
        it consulted): one SELECT and one INSERT whatever the number of stories; links already
        there stay as they are. For code that writes quotes in bulk, which ``Quote.save`` does not see.
        """
        pairs = (
            Quote.objects.filter(article__in=self.values("pk"))
            .order_by()
            .values_list("article_id", "source_id")
            .distinct()
        )
        link_consulted(pairs)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        RETURNED = "returned", "Returned to reporter"
        APPROVED = "approved", "Approved"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    headline = models.CharField(max_length=200, help_text="The story's headline as readers see it.")
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The story's web address. Set it once; changing it after publication breaks links.",
    )
    standfirst = models.TextField(
        blank=True,
        help_text="One or two sentences under the headline that sell the story. Also used as its summary in "
        "lists, feeds and search results.",
    )
    body = models.TextField(
        blank=True,
        help_text="The story. Paragraphs, subheadings, lists, links and emphasis are kept; other markup is "
        "removed when you save.",
    )
    section = models.ForeignKey(
        Section,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        db_index=False,  # article_section_live_idx leads with it
        help_text="Required before publication.",
    )
    authors = models.ManyToManyField(Author, through="Byline", related_name="articles", blank=True)
    tags = TaggableManager(
        blank=True,
        help_text="Topics, places and people readers may follow, separated by commas.",
    )
    sources = models.ManyToManyField(
        Source,
        related_name="consulted_in",
        blank=True,
        verbose_name="sources consulted",
        help_text="The people, organisations and documents the story relies on, quoted or not. Everyone the "
        "story quotes is added by itself when you save; add the sources you spoke to or read but do not quote. "
        "For the desk only: readers never see this list.",
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the story goes public. A time in the future schedules it; it then appears by itself.",
    )
    embargo_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Until this time the story stays hidden whatever its status and publication time. "
        "Leave empty when there is no embargo.",
    )
    withdrawal_notice = models.TextField(
        blank=True,
        help_text="Shown to readers who follow a link to the story after it has been withdrawn.",
    )
    import_origin = models.CharField(
        max_length=100,
        blank=True,
        help_text="The system a story was imported from, e.g. “wordpress” or “agency-feed”.",
    )
    import_id = models.CharField(
        max_length=255,
        blank=True,
        help_text="The story's identifier in that system. Re-importing the same story updates it.",
    )
    import_fingerprint = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="A digest of the story as last imported; a re-import with the same digest changes nothing.",
    )
    import_version = models.CharField(
        max_length=50,
        blank=True,
        help_text="The story's version in the system it came from; an older version is never imported over it.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles_created",
        help_text="The reporter who started the story; they may edit it while it is a draft or returned.",
    )
    version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Counts saved versions; the desk uses it to stop one person's save overwriting another's.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        permissions = [
            ("edit_any_article", "Can edit any story, whoever wrote it and whatever its status"),
            ("review_article", "Can approve stories or return them to the reporter"),
            ("publish_article", "Can publish, schedule and unschedule stories and set embargoes"),
            ("withdraw_article", "Can withdraw published stories"),
            ("restore_article", "Can restore withdrawn stories"),
        ]
        indexes = [
            # live() filters on status, published_at and embargo_until and sorts on
            # published_at: the listing reads only the index, however large the archive.
            models.Index(fields=["status", "-published_at", "embargo_until"], name="article_live_idx"),
            models.Index(
                fields=["section", "status", "-published_at", "embargo_until"], name="article_section_live_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["import_origin", "import_id"],
                condition=~Q(import_id=""),
                name="unique_article_import_reference",
                violation_error_message="Another story was already imported with this origin and identifier.",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="published_article_has_publication_time",
                violation_error_message="A published story needs a publication time.",
            ),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.headline)[:200]
        self.body = clean_html(self.body)
        with transaction.atomic():
            self._keep_old_slug()
            super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def clean(self):
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            raise ValidationError(
                {"published_at": "A published story needs a publication time; to take it down, withdraw it."}
            )

    def _keep_old_slug(self):
        """A story that has been public keeps answering at its old address (301) after a slug change."""
        if self.pk is None or self.published_at is None:
            return
        old_slug = Article.objects.filter(pk=self.pk).values_list("slug", flat=True).first()
        if old_slug and old_slug != self.slug:
            SlugRedirect.objects.update_or_create(old_slug=old_slug, defaults={"article": self})
            SlugRedirect.objects.filter(old_slug=self.slug).delete()

    def is_live(self, now=None):
        """The per-object twin of ``ArticleQuerySet.live``."""
        now = now or timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= now
            and (self.embargo_until is None or self.embargo_until <= now)
        )

    # The workflow. Each verb applies one row of TRANSITIONS through the bulk
    # path, so a story and a queryset obey exactly the same rules.

    def submit(self, by=None, *, comment=""):
        return self._apply("submit", by, comment=comment)

    def return_to_reporter(self, by=None, *, comment=""):
        return self._apply("return_to_reporter", by, comment=comment)

    def approve(self, by=None, *, comment=""):
        return self._apply("approve", by, comment=comment)

    def publish(self, by=None, *, at=None, comment=""):
        """Publish now, or at ``at`` when it is in the past (an archive's original time)."""
        return self._apply("publish", by, at=at, comment=comment)

    def schedule(self, by=None, *, at, comment=""):
        return self._apply("schedule", by, at=at, comment=comment)

    def unschedule(self, by=None, *, comment=""):
        """Take a scheduled story back to approved; it never publishes it."""
        return self._apply("unschedule", by, comment=comment)

    def withdraw(self, by=None, *, comment=""):
        return self._apply("withdraw", by, comment=comment)

    def restore(self, by=None, *, comment=""):
        return self._apply("restore", by, comment=comment)

    def _apply(self, name, by, **options):
        result = Article.objects.filter(pk=self.pk).transition(name, by, **options)
        if result.refused:
            raise TransitionRefused(result.refused[0][1])
        moved = result.changed[0]
        for name_ in ("status", "published_at", "updated_at"):
            setattr(self, name_, getattr(moved, name_))
        return self

    def available_transitions(self, user, now=None):
        """The moves ``user`` may make on this story now, for the desk's buttons."""
        now = now or timezone.now()
        return [
            move
            for move in TRANSITIONS.values()
            if not move.refusal_by_state(self, now)
            and (user is None or user.has_perm(move.permission))
            and (move.name != "submit" or self.can_be_edited_by(user))
        ]

    def transition_refusal(self, move, by, *, comment="", at=None, now=None):
        """Why ``by`` may not make ``move`` on this story now, in words for the desk; None when allowed."""
        now = now or timezone.now()
        reason = move.refusal_by_state(self, now)
        if reason:
            return reason
        if by is not None:
            if not by.has_perm(move.permission):
                return f"you don't have permission to {move.label.lower()}"
            if move.name == "submit" and not self.can_be_edited_by(by):
                return "only the story's reporter or an editor can submit it"
        if move.needs_comment and not comment.strip():
            return f"{move.label.lower()} needs a comment saying why"
        if move.name == "schedule" and (at is None or at <= now):
            return "a schedule needs a time in the future"
        if move.checks_publication:
            problems = self.publication_problems()
            if problems:
                return "it can't be published without " + "; ".join(problems)
        return None

    def publication_problems(self):
        """What is missing before the story may go out (reads its bylines and photos ``with_parts``)."""
        problems = []
        if not self.headline.strip():
            problems.append("a headline")
        if not clean_html(self.body).strip():
            problems.append("a body")
        if self.section_id is None:
            problems.append("a section")
        if not self.current_bylines:
            problems.append("a byline")
        lead = next((image for image in self.current_images if image.is_lead), None)
        if lead is not None:
            if not lead.image:
                problems.append("the lead image's photo (only its caption is here)")
            if not lead.is_decorative and not lead.alt_text.strip():
                problems.append("alt text for the lead image")
            if not lead.credit.strip():
                problems.append("a credit for the lead image")
        return problems

    def can_be_edited_by(self, user):
        """Editors edit any story; a reporter edits their own while it is a draft or returned."""
        if user is None or user.has_perm("articles.edit_any_article"):
            return True
        return (
            user.has_perm("articles.change_article")
            and self.created_by_id == user.pk
            and self.status in REPORTER_EDITABLE
        )

    # Versions. Every save from the desk keeps one; restoring one saves a new one.

    def snapshot(self):
        """
        The story as a revision keeps it: text, filing, bylines, photos and quotes.
        Reads the section and the parts ``with_parts`` loads.
        """
        return {
            "headline": self.headline,
            "standfirst": self.standfirst,
            "body": self.body,
            "section_id": self.section_id,
            "section": str(self.section) if self.section_id else "",
            "tags": sorted(tag.name for tag in self.current_tags),
            "bylines": [
                {"author_id": b.author_id, "author": b.author.name, "role": b.role, "position": b.position}
                for b in self.current_bylines
            ],
            "images": [
                {
                    "id": image.pk,
                    "image": image.image.name,
                    "caption": image.caption,
                    "credit": image.credit,
                    "alt_text": image.alt_text,
                    "is_decorative": image.is_decorative,
                    "photographer": image.photographer,
                    "usage_terms": image.usage_terms,
                    "position": image.position,
                    "is_lead": image.is_lead,
                }
                for image in self.current_images
            ],
            "quotes": [
                {
                    "source_id": quote.source_id,
                    "source": quote.source.name,
                    "text": quote.text,
                    "position": quote.position,
                    "is_pull_quote": quote.is_pull_quote,
                    "context": quote.context,
                }
                for quote in self.current_quotes
            ],
        }

    def record_revision(self, by=None, comment=""):
        """Keep the story as it is now as its next version (through ``record_revisions``)."""
        (revision,) = Article.objects.filter(pk=self.pk).record_revisions(by, comment)
        self.version = revision.number
        return revision

    @transaction.atomic
    def restore_revision(self, revision, by=None):
        """Bring back the text, filing, bylines, photos and quotes of ``revision`` as a new version."""
        data = revision.data
        self.headline, self.standfirst, self.body = data["headline"], data["standfirst"], data["body"]
        self.section = Section.objects.filter(pk=data["section_id"]).first()
        self.save()
        self.tags.set(data["tags"])
        self.bylines.all().delete()
        authors = set(
            Author.objects.filter(pk__in=[b["author_id"] for b in data["bylines"]]).values_list("pk", flat=True)
        )
        Byline.objects.bulk_create(
            Byline(article=self, author_id=b["author_id"], role=b["role"], position=b["position"])
            for b in data["bylines"]
            if b["author_id"] in authors
        )
        kept = [image["id"] for image in data["images"]]
        self.images.exclude(pk__in=kept).delete()
        self.images.update(is_lead=False)
        for image in data["images"]:
            fields = {key: value for key, value in image.items() if key != "id"}
            ImageCaption.objects.update_or_create(pk=image["id"], article=self, defaults=fields)
        self.quotes.all().delete()
        Quote.objects.bulk_create(
            Quote(article=self, **quote_fields)
            for quote in data["quotes"]
            for quote_fields in [{key: value for key, value in quote.items() if key != "source"}]
        )
        Article.objects.filter(pk=self.pk).link_quoted_sources()
        return self.record_revision(by, comment=f"Restored version {revision.number}")

    def add_correction(self, text, *, kind=Correction.Kind.CORRECTION, by=None, at=None):
        """Append a correction note; it shows on the story and bumps its “updated” time."""
        at = at or timezone.now()
        with transaction.atomic():
            correction = Correction.objects.create(article=self, kind=kind, text=text, published_at=at, created_by=by)
            Article.objects.filter(pk=self.pk).update(updated_at=at)
            self.updated_at = at
            invalidate_pages()
        return correction

    @property
    def state_label(self):
        """The status as the desk thinks of it: a published story may still be scheduled or embargoed."""
        if self.status == self.Status.PUBLISHED:
            if self.is_embargoed:
                return "Embargoed"
            if self.is_scheduled:
                return "Scheduled"
        return self.get_status_display()

    @property
    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def is_embargoed(self):
        return self.embargo_until is not None and self.embargo_until > timezone.now()

    @property
    def embargo_outlasts_schedule(self):
        """The desk flags a story scheduled to go out while its embargo still holds it back."""
        return bool(
            self.is_scheduled and self.embargo_until and self.published_at and self.embargo_until > self.published_at
        )

    @property
    def was_updated(self):
        """True when the story was edited well after it went out (worth telling readers)."""
        return bool(self.published_at and self.updated_at - self.published_at > UPDATE_NOTICE_AFTER)

    @cached_property
    def lead_image(self):
        """The lead picture readers may see; needs ``for_listing`` or ``for_detail``."""
        return next((image for image in self.public_images if image.is_lead), None)

    @property
    def byline(self):
        """“Maria Okafor and Tom Reyes”, from the prefetched bylines (no query)."""
        names = [byline.author.name for byline in self.bylines.all() if byline.role != Byline.Role.PHOTOS]
        if len(names) <= 1:
            return "".join(names)
        return f"{', '.join(names[:-1])} and {names[-1]}"


class Byline(models.Model):
    class Role(models.TextChoices):
        REPORTING = "reporting", "Reporting"
        ADDITIONAL_REPORTING = "additional-reporting", "Additional reporting"
        ANALYSIS = "analysis", "Analysis"
        PHOTOS = "photos", "Photos"
        EDITING = "editing", "Editing"

    # No index of its own: unique_byline_role leads with it.
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines", db_index=False)
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="bylines")
    role = models.CharField(max_length=30, choices=Role, default=Role.REPORTING)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the byline; lower comes first.")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "author", "role"], name="unique_byline_role"),
        ]

    def __str__(self):
        return f"{self.author} ({self.get_role_display().lower()})"


class TransitionRefused(Exception):
    """A workflow move the story's state or the user's rights don't allow; the message says why."""


@dataclass(frozen=True)
class Transition:
    """One row of the workflow: which statuses it leaves, where it goes, the permission it needs."""

    name: str
    label: str
    sources: frozenset
    target: str
    permission: str
    needs_comment: bool = False
    checks_publication: bool = False
    asks_time: bool = False

    def refusal_by_state(self, story, now):
        """Why the story's state forbids this move, or None."""
        if story.status not in self.sources:
            return f"a story that is {story.state_label.lower()} can't be moved by “{self.label}”"
        scheduled = story.published_at is not None and story.published_at > now
        if self.name == "unschedule" and not scheduled:
            return "only a scheduled story can be unscheduled"
        if self.name == "schedule" and story.status == Article.Status.PUBLISHED and not scheduled:
            return "the story is already public; withdraw it instead"
        return None

    def changes(self, *, at, now):
        """The fields the move sets besides the status."""
        if self.name == "publish":
            return {"published_at": at if at is not None and at <= now else now}
        if self.name == "schedule":
            return {"published_at": at}
        if self.name == "unschedule":
            return {"published_at": None}
        return {}


@dataclass
class TransitionResult:
    transition: Transition
    changed: list = field(default_factory=list)
    refused: list = field(default_factory=list)  # (story, reason) pairs


def apply_transition(stories, name, by=None, *, comment="", at=None, now=None):
    """
    ``ArticleQuerySet.transition`` for ``stories`` at hand: locked in the current transaction,
    with their ``current_bylines`` and ``current_images`` (``with_parts``), as loaded or as
    their writer has just written them.
    Returns a ``TransitionResult``; the stories that moved are updated in memory too.
    """
    move = TRANSITIONS[name]
    now = now or timezone.now()
    result = TransitionResult(move)
    for story in stories:
        reason = story.transition_refusal(move, by, comment=_own(comment, story, ""), at=_own(at, story), now=now)
        if reason:
            result.refused.append((story, reason))
        else:
            result.changed.append(story)
    if not result.changed:
        return result
    changes = {story.pk: move.changes(at=_own(at, story), now=now) for story in result.changed}
    with transaction.atomic(savepoint=False):
        Article.objects.filter(pk__in=changes).update(status=move.target, updated_at=now, **update_values(changes))
        ArticleEvent.objects.bulk_create(
            ArticleEvent(
                article=story,
                actor=by,
                action=move.name,
                from_status=story.status,
                to_status=move.target,
                comment=_own(comment, story, ""),
                at=now,
            )
            for story in result.changed
        )
        invalidate_pages()
    for story in result.changed:
        story.status = move.target
        story.updated_at = now
        for name_, value in changes[story.pk].items():
            setattr(story, name_, value)
    return result


def keep_revisions(stories, by=None, comment="", *, reindex=True):
    """
    ``ArticleQuerySet.record_revisions`` for ``stories`` at hand (as ``apply_transition`` takes
    them): one UPDATE of their versions, one INSERT of the revisions, then one reindexing
    and one page-cache purge once the transaction commits. Returns the revisions.
    ``reindex=False`` leaves the search index to the caller.
    """
    if not stories:
        return []
    ids = [story.pk for story in stories]
    with transaction.atomic(savepoint=False):
        Article.objects.filter(pk__in=ids).update(version=F("version") + 1)
        revisions = []
        for story in stories:
            story.version += 1  # the rows are locked: nobody else bumped them in between
            revisions.append(
                ArticleRevision(
                    article=story,
                    number=story.version,
                    created_by=by,
                    comment=_own(comment, story, ""),
                    data=story.snapshot(),
                )
            )
        revisions = ArticleRevision.objects.bulk_create(revisions)
        invalidate_pages()
        if reindex:
            from ..search import index_on_commit  # the search module reads these models

            index_on_commit(ids)
    return revisions


def _own(value, story, default=None):
    """``value`` itself, or the story's own entry when ``value`` maps story pks to values."""
    return value.get(story.pk, default) if isinstance(value, Mapping) else value


def update_values(changes):
    """
    UPDATE values for ``{pk: {field: value}}`` of stories, for one ``QuerySet.update`` of
    them all: a constant for a field every story gets the same value of, otherwise one
    ``CASE`` choosing each story's own.
    """
    values = {}
    for name in {name for fields in changes.values() for name in fields}:
        distinct = {fields[name] for fields in changes.values()}
        if len(distinct) == 1:
            values[name] = distinct.pop()
            continue
        output = Article._meta.get_field(name)
        values[name] = Case(
            *(When(pk=pk, then=Value(fields[name], output_field=output)) for pk, fields in changes.items()),
            output_field=output,
        )
    return values


_Status = Article.Status
REPORTER_EDITABLE = frozenset({_Status.DRAFT, _Status.RETURNED})
_BEFORE_PUBLICATION = frozenset({_Status.DRAFT, _Status.IN_REVIEW, _Status.APPROVED})

TRANSITIONS = {
    move.name: move
    for move in (
        Transition(
            "submit",
            "Submit for review",
            frozenset({_Status.DRAFT, _Status.RETURNED}),
            _Status.IN_REVIEW,
            "articles.change_article",
        ),
        Transition(
            "return_to_reporter",
            "Return to reporter",
            frozenset({_Status.IN_REVIEW, _Status.APPROVED}),
            _Status.RETURNED,
            "articles.review_article",
            needs_comment=True,
        ),
        Transition("approve", "Approve", frozenset({_Status.IN_REVIEW}), _Status.APPROVED, "articles.review_article"),
        Transition(
            "publish",
            "Publish now",
            _BEFORE_PUBLICATION,
            _Status.PUBLISHED,
            "articles.publish_article",
            checks_publication=True,
        ),
        Transition(
            "schedule",
            "Schedule",
            _BEFORE_PUBLICATION | {_Status.PUBLISHED},
            _Status.PUBLISHED,
            "articles.publish_article",
            checks_publication=True,
            asks_time=True,
        ),
        Transition(
            "unschedule", "Unschedule", frozenset({_Status.PUBLISHED}), _Status.APPROVED, "articles.publish_article"
        ),
        Transition(
            "withdraw",
            "Withdraw",
            frozenset({_Status.PUBLISHED}),
            _Status.WITHDRAWN,
            "articles.withdraw_article",
            needs_comment=True,
        ),
        Transition(
            "restore", "Restore", frozenset({_Status.WITHDRAWN}), _Status.PUBLISHED, "articles.restore_article"
        ),
    )
}
