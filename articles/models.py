from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from taggit.managers import TaggableManager

from .sanitize import clean_html

# Saves within this time of publication (typo fixes, the publishing save
# itself) don't earn an "Updated" line on the story.
UPDATE_NOTICE_AFTER = timedelta(minutes=15)


class Section(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="Used in the section's web address. Changing it breaks existing links.",
    )
    description = models.TextField(
        blank=True,
        help_text="One or two sentences shown at the top of the section page and to search engines.",
    )
    position = models.PositiveSmallIntegerField(
        default=0,
        help_text="Order in the site's navigation; lower numbers come first.",
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:section", kwargs={"slug": self.slug})


class Author(models.Model):
    name = models.CharField(
        max_length=150,
        help_text="The name as it appears in bylines, e.g. “Maria Okafor” or “Coastal Press Agency”.",
    )
    slug = models.SlugField(max_length=150, unique=True, help_text="Used in the author page's web address.")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="author_profile",
        help_text="The staff account behind this byline. Leave empty for agencies, freelancers and contributors.",
    )
    job_title = models.CharField(
        max_length=150,
        blank=True,
        help_text="Shown under the name on the author page, e.g. “Environment correspondent”.",
    )
    bio = models.TextField(
        blank=True,
        help_text="A short public biography, two or three sentences, written in the third person.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:author", kwargs={"slug": self.slug})

    @property
    def is_staff_member(self):
        return self.user_id is not None


class Source(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"
        GROUP = "group", "Group of people"
        DOCUMENT = "document", "Document"

    name = models.CharField(
        max_length=200,
        help_text=(
            "Full name of the person, or the organisation's, group's or document's proper name. "
            "For a confidential source this stays inside the newsroom."
        ),
    )
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.PERSON)
    role = models.CharField(
        max_length=200,
        blank=True,
        help_text="Role or title as the story gives it, e.g. “spokeswoman” or “chief executive”.",
    )
    organisation = models.CharField(
        max_length=200,
        blank=True,
        help_text="The organisation the source speaks for, e.g. “Interior Ministry”.",
    )
    aliases = models.TextField(
        blank=True,
        help_text="Other ways stories refer to this source, one per line (“Ms Lindqvist”, “the ministry”).",
    )
    confidential = models.BooleanField(
        default=False,
        help_text=(
            "Tick when the newsroom has promised anonymity. The public then sees only the "
            "public label below, never the name, role or organisation."
        ),
    )
    public_label = models.CharField(
        max_length=200,
        blank=True,
        help_text="How readers see a confidential source, e.g. “a senior official”. Required when confidential.",
    )
    email = models.EmailField(blank=True, help_text="Private: never shown outside the admin.")
    phone = models.CharField(max_length=50, blank=True, help_text="Private: never shown outside the admin.")
    contact_notes = models.TextField(
        blank=True,
        help_text="Private notes on how and when to reach the source. Never shown outside the admin.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"], name="source_name_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidential=False) | ~Q(public_label=""),
                name="confidential_source_has_public_label",
                violation_error_message="A confidential source needs a public label, e.g. “a senior official”.",
            ),
        ]

    def __str__(self):
        label = self.name
        if self.organisation:
            label = f"{label} ({self.organisation})"
        if self.confidential:
            label = f"{label} — confidential"
        return label

    @property
    def public_name(self):
        """What readers may see: the public label for a confidential source."""
        return self.public_label if self.confidential else self.name

    @property
    def public_description(self):
        """Role and organisation for readers; empty for a confidential source."""
        if self.confidential:
            return ""
        return ", ".join(part for part in (self.role, self.organisation) if part)

    @property
    def alias_list(self):
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]


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


class ImageCaptionQuerySet(models.QuerySet):
    def public(self):
        """Images readers may see: a caption still waiting for its photo is never shown."""
        return self.exclude(image="")


class ImageCaption(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(
        upload_to="images/%Y/%m/",
        blank=True,
        width_field="width",
        height_field="height",
        help_text="JPEG, PNG or WebP. Leave empty while the photo is awaited; the caption is then kept but "
        "nothing is shown to readers.",
    )
    caption = models.TextField(
        help_text="What the picture shows, in a sentence, as printed under it. Do not repeat the credit."
    )
    credit = models.CharField(
        max_length=200,
        blank=True,
        help_text="Photographer and agency as the licence requires, e.g. “Jane Doe/Reuters”. "
        "Required before publication.",
    )
    alt_text = models.CharField(
        max_length=500,
        blank=True,
        help_text="What a reader who cannot see the picture needs to know: describe it, don't repeat the "
        "caption. Required unless the picture is decorative.",
    )
    is_decorative = models.BooleanField(
        "decorative",
        default=False,
        help_text="Tick only for a picture that adds no information; screen readers then skip it.",
    )
    photographer = models.CharField(max_length=200, blank=True)
    usage_terms = models.TextField(
        blank=True,
        help_text="Licence or restrictions from the agency, e.g. “Editorial use only, no archive”.",
    )
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order within the story.")
    is_lead = models.BooleanField(
        "lead image",
        default=False,
        help_text="Shown at the top of the story and in lists and shares. One per story.",
    )

    objects = ImageCaptionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["article"],
                condition=Q(is_lead=True),
                name="one_lead_image_per_article",
                violation_error_message="A story has only one lead image.",
            ),
            models.CheckConstraint(
                condition=Q(is_decorative=True) | ~Q(alt_text="") | Q(image=""),
                name="image_has_alt_text_unless_decorative",
                violation_error_message="Describe the picture in the alt text, or mark it as decorative.",
            ),
        ]

    def __str__(self):
        return self.caption[:80]

    @property
    def caption_line(self):
        """“Caption — Credit”, as printed under the picture."""
        return " — ".join(part for part in (self.caption, self.credit) if part)


class Quote(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="quotes")
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="quotes",
        help_text="Who said it. A confidential source appears to readers under its public label.",
    )
    text = models.TextField(help_text="The quoted words, without quotation marks.")
    position = models.PositiveIntegerField(default=0, help_text="Order in which the quote appears in the story.")
    is_pull_quote = models.BooleanField(
        "pull quote",
        default=False,
        help_text="Show the quote set apart in large type within the story.",
    )
    context = models.CharField(
        max_length=255,
        blank=True,
        help_text="Where or how it was said, e.g. “speaking at a press conference”.",
    )

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["article", "position"], name="quote_article_position_idx")]

    def __str__(self):
        return f"{self.source.public_name}: “{self.text[:60]}”"
