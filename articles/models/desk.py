"""
The desk's records around a story: its workflow events, saved versions,
corrections, preview share links and the old addresses it still answers at.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import models
from django.urls import reverse
from django.utils import timezone


class ArticleEvent(models.Model):
    """One move through the workflow: who, when, from, to and why."""

    # No index of its own: event_article_at_idx leads with it.
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="events", db_index=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the system made the move (an import or a management command).",
    )
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20)
    to_status = models.CharField(max_length=20)
    comment = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["article", "at"], name="event_article_at_idx")]

    def __str__(self):
        return f"{self.action}: {self.from_status} → {self.to_status}"

    @property
    def from_label(self):
        from .articles import Article

        return Article.Status(self.from_status).label

    @property
    def to_label(self):
        from .articles import Article

        return Article.Status(self.to_status).label

    @property
    def actor_name(self):
        if self.actor is None:
            return "System"
        return self.actor.get_full_name() or self.actor.get_username()


class ArticleRevision(models.Model):
    """A saved version of a story with its bylines, photos and quotes, as JSON."""

    # No index of its own: unique_revision_number leads with it.
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="revisions", db_index=False)
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.CharField(max_length=255, blank=True)
    data = models.JSONField()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="unique_revision_number"),
        ]

    def __str__(self):
        return f"Version {self.number} of “{self.data.get('headline', '')}”"

    @property
    def author_name(self):
        if self.created_by is None:
            return "System"
        return self.created_by.get_full_name() or self.created_by.get_username()


class CorrectionQuerySet(models.QuerySet):
    def public(self, now=None):
        """Notes on stories readers can see, newest first."""
        from .articles import Article

        return self.filter(article__in=Article.objects.live(now), published_at__lte=now or timezone.now())


class Correction(models.Model):
    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        CLARIFICATION = "clarification", "Clarification"
        UPDATE = "update", "Update"

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.CORRECTION)
    text = models.TextField(
        help_text="What was wrong and what is right, as readers will see it under the story, e.g. "
        "“An earlier version of this article gave the wrong date for the council vote.”"
    )
    published_at = models.DateTimeField(default=timezone.now, help_text="The date readers see on the note.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["-published_at"], name="correction_published_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text[:60]}"


class ShareLinkQuerySet(models.QuerySet):
    def usable(self, now=None):
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class ShareLink(models.Model):
    """A signed, expiring, revocable link that shows one story's preview to someone without an account."""

    SALT = "articles.sharelink"
    DEFAULT_LIFETIME = timedelta(days=2)

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="share_links")
    token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Share link for “{self.article}”"

    def get_absolute_url(self):
        signed = signing.TimestampSigner(salt=self.SALT).sign(self.token)
        return reverse("articles:shared_preview", kwargs={"signed": signed})

    @classmethod
    def from_signed(cls, signed, now=None):
        """The usable link behind ``signed``, or None when tampered with, expired or revoked."""
        try:
            token = signing.TimestampSigner(salt=cls.SALT).unsign(signed)
        except signing.BadSignature:
            return None
        return cls.objects.usable(now).select_related("article").filter(token=token).first()

    @property
    def is_usable(self):
        return self.revoked_at is None and self.expires_at > timezone.now()


class SlugRedirect(models.Model):
    """An address a story had before its slug changed; it answers with a permanent redirect."""

    old_slug = models.SlugField(max_length=200, unique=True)
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="old_slugs")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.old_slug} → {self.article.slug}"
