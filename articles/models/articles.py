"""The story, its bylines, the one public gate (``live()``) and the workflow."""

from datetime import timedelta

from django.db import models
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from taggit.managers import TaggableManager

from ..sanitize import clean_html
from .media import ImageCaption
from .newsroom import Author, Section
from .quotes import Quote

# Saves within this time of publication (typo fixes, the publishing save
# itself) don't earn an "Updated" line on the story.
UPDATE_NOTICE_AFTER = timedelta(minutes=15)


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

    def for_detail(self):
        """Everything the article page shows, in a fixed number of queries."""
        return (
            self.select_related("section")
            .with_bylines()
            .prefetch_related(
                "tags",
                Prefetch("images", queryset=ImageCaption.objects.public(), to_attr="public_images"),
                Prefetch(
                    "quotes",
                    queryset=Quote.objects.filter(is_pull_quote=True).select_related("source"),
                    to_attr="pull_quotes",
                ),
            )
        )

    def for_admin(self):
        return self.select_related("section").with_bylines()


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
        help_text="Required before publication.",
    )
    authors = models.ManyToManyField(Author, through="Byline", related_name="articles", blank=True)
    tags = TaggableManager(
        blank=True,
        help_text="Topics, places and people readers may follow, separated by commas.",
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_status_published_idx"),
            models.Index(fields=["section", "status", "-published_at"], name="article_section_listing_idx"),
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
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def is_live(self, now=None):
        """The per-object twin of ``ArticleQuerySet.live``."""
        now = now or timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= now
            and (self.embargo_until is None or self.embargo_until <= now)
        )

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

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
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
