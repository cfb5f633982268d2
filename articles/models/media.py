"""Photos with their caption, credit and alt text."""

import secrets
from pathlib import PurePath

from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..images import make_renditions


def photo_upload_to(instance, filename):
    """
    A random name under the month's folder: a photo of an unpublished story
    must not be found by guessing its address from the photographer's file name.
    """
    extension = PurePath(filename).suffix.lower()[:5]
    return f"images/{timezone.now():%Y/%m}/{secrets.token_urlsafe(16)}{extension}"


class ImageCaptionQuerySet(models.QuerySet):
    def public(self):
        """Images readers may see: a caption still waiting for its photo is never shown."""
        return self.exclude(image="")


class ImageCaption(models.Model):
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(
        upload_to=photo_upload_to,
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
    renditions = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="The sizes drawn for readers' browsers (WebP and JPEG), made once per photo.",
    )
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

    def ensure_renditions(self):
        """Draw the reader-sized copies once (again only when the photo itself changes)."""
        if not self.image or self.renditions.get("source") == self.image.name:
            return
        self.renditions = make_renditions(self)
        ImageCaption.objects.filter(pk=self.pk).update(renditions=self.renditions)

    @property
    def share_copy(self):
        """(url, width, height) of the copy to show in shares and search results: the JPEG nearest 1200 px."""
        sizes = self.renditions.get("sizes") if self.renditions.get("source") == self.image.name else None
        if not sizes:
            return self.image.url, self.width, self.height
        best = min(sizes, key=lambda size: abs(size["width"] - 1200))
        return self.image.storage.url(best["jpeg"]), best["width"], best["height"]

    @property
    def caption_line(self):
        """“Caption — Credit”, as printed under the picture."""
        return " — ".join(part for part in (self.caption, self.credit) if part)
