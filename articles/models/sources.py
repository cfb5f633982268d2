"""The people, organisations and documents stories quote or rely on."""

from django.db import models
from django.db.models import Q


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
        permissions = [("view_confidential_source", "Can see who confidential sources are")]
        indexes = [models.Index(fields=["name"], name="source_name_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidential=False) | ~Q(public_label=""),
                name="confidential_source_has_public_label",
                violation_error_message="A confidential source needs a public label, e.g. “a senior official”.",
            ),
        ]

    def __str__(self):
        # Safe wherever it is shown: a confidential source appears by its label.
        # The admin reveals identities explicitly, to those allowed to see them.
        if self.confidential:
            return f"{self.public_label} (confidential)"
        if self.organisation:
            return f"{self.name} ({self.organisation})"
        return self.name

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


def link_consulted(pairs):
    """
    Record ``(story id, source id)`` pairs as sources the stories consulted
    (``Article.sources``): one INSERT, links already there left as they are.
    """
    link = Source.consulted_in.through
    link.objects.bulk_create(
        [link(article_id=story, source_id=source) for story, source in pairs], ignore_conflicts=True
    )
