"""The newsroom's own furniture: sections and the authors who write bylines."""

from django.conf import settings
from django.db import models
from django.urls import reverse


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
    in_navigation = models.BooleanField(
        "in the menu",
        default=True,
        help_text="Listed in the site's menu, with a block of its latest stories on the front page. "
        "Its page and its stories are public either way.",
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
