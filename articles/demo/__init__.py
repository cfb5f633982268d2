"""
The demo newsroom: a fictional city paper loaded from ``stories.json``.

``load()`` fills the database with sections, staff and agency bylines,
sources (one of them confidential), and stories in every public and
non-public state, each with generated photos, captions and quotes. It is
keyed by the stories' import reference (origin ``demo``), so running it
again adds only what is missing and never duplicates a story.
"""

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from ..models import Article, Author, Byline, ImageCaption, Quote, Section, Source
from ..planner import refresh_statistics
from .pictures import render_jpeg

ORIGIN = "demo"
STORIES_FILE = Path(__file__).with_name("stories.json")
EDITOR_USERNAME = "editor"


@dataclass
class DemoResult:
    created: int = 0
    existing: int = 0
    images: int = 0
    editor_password: str = ""


def read_content(path=STORIES_FILE):
    with open(path, encoding="utf-8") as stream:
        return json.load(stream)


def body_html(paragraphs):
    """Plain paragraphs to story HTML; a paragraph starting "## " is a subheading."""
    blocks = []
    for paragraph in paragraphs:
        if paragraph.startswith("## "):
            blocks.append(f"<h2>{escape(paragraph[3:].strip())}</h2>")
        else:
            blocks.append(f"<p>{escape(paragraph.strip())}</p>")
    return "\n".join(blocks)


def move_through_workflow(article, story, now):
    """Take a freshly written demo story to its ``state`` through the desk's own verbs."""
    state = story["state"]
    if state == "draft":
        return
    published_at = now - timedelta(hours=story["hours_ago"])
    article.submit(comment="Filed for the demo.")
    article.approve()
    if state == "scheduled":
        article.schedule(at=published_at)
        return
    if state == "embargoed":
        article.embargo_until = now + timedelta(hours=story["embargo_hours"])
        article.save(update_fields=["embargo_until"])
    article.publish(at=published_at)
    if state == "withdrawn":
        article.withdrawal_notice = story.get("withdrawal_notice", "")
        article.save(update_fields=["withdrawal_notice"])
        article.withdraw(comment="Withdrawn in the demo: the report was wrong.")


def demo_image_name(story_key, number):
    return f"demo/{story_key}-{number}.jpg"


def save_picture(story_key, number, scene):
    """Draw the picture once; later runs reuse the file already in storage."""
    name = demo_image_name(story_key, number)
    if default_storage.exists(name):
        return name, False
    return default_storage.save(name, ContentFile(render_jpeg(scene, seed=f"{story_key}-{number}"))), True


def ensure_editor():
    """The demo's editor account, with a fresh password printed by the command."""
    User = get_user_model()
    password = secrets.token_urlsafe(12)
    editor, _ = User.objects.get_or_create(
        username=EDITOR_USERNAME,
        defaults={"first_name": "Demo", "last_name": "Editor", "email": "editor@example.com"},
    )
    editor.is_staff = True
    editor.is_superuser = True
    editor.set_password(password)
    editor.save()
    editor.groups.add(Group.objects.get(name="Chief editor"))
    return password


@transaction.atomic
def load(content=None, now=None):
    content = content or read_content()
    now = now or timezone.now()
    result = DemoResult()
    User = get_user_model()

    sections = {}
    for position, data in enumerate(content["sections"]):
        sections[data["slug"]], _ = Section.objects.get_or_create(
            slug=data["slug"],
            defaults={"name": data["name"], "description": data["description"], "position": position},
        )

    authors = {}
    for data in content["authors"]:
        user = None
        if data.get("staff"):
            user, created = User.objects.get_or_create(
                username=data["slug"].replace("-", "."),
                defaults={"first_name": data["name"].split()[0], "last_name": data["name"].split()[-1]},
            )
            if created:
                user.set_unusable_password()
                user.is_staff = True
                user.save()
                user.groups.add(Group.objects.get(name="Reporter"))
        authors[data["slug"]], _ = Author.objects.get_or_create(
            slug=data["slug"],
            defaults={
                "name": data["name"],
                "job_title": data.get("job_title", ""),
                "bio": data.get("bio", ""),
                "user": user,
            },
        )

    sources = {}
    for data in content["sources"]:
        sources[data["key"]], _ = Source.objects.get_or_create(
            name=data["name"],
            organisation=data.get("organisation", ""),
            defaults={
                "kind": data.get("kind", Source.Kind.PERSON),
                "role": data.get("role", ""),
                "aliases": "\n".join(data.get("aliases", [])),
                "confidential": data.get("confidential", False),
                "public_label": data.get("public_label", ""),
            },
        )

    existing = set(
        Article.objects.filter(import_origin=ORIGIN).values_list("import_id", flat=True),
    )
    for story in content["stories"]:
        if story["key"] in existing:
            result.existing += 1
            continue
        article = Article.objects.create(
            headline=story["headline"],
            slug=story["slug"],
            standfirst=story.get("standfirst", ""),
            body=body_html(story["body"]),
            section=sections[story["section"]],
            import_origin=ORIGIN,
            import_id=story["key"],
            created_by=authors[story["bylines"][0]["author"]].user if story.get("bylines") else None,
        )
        article.tags.set(story.get("tags", []))
        Byline.objects.bulk_create(
            Byline(article=article, author=authors[byline["author"]], role=byline["role"], position=position)
            for position, byline in enumerate(story.get("bylines", []))
        )
        for number, data in enumerate(story.get("images", []), start=1):
            name, drawn = save_picture(story["key"], number, data.get("scene", "city"))
            result.images += drawn
            photo = ImageCaption.objects.create(
                article=article,
                image=name,
                caption=data["caption"],
                credit=data.get("credit", ""),
                alt_text=data.get("alt_text", ""),
                photographer=data.get("photographer", ""),
                is_lead=data.get("lead", False),
                position=number,
            )
            photo.ensure_renditions()
        Quote.objects.bulk_create(
            Quote(
                article=article,
                source=sources[data["source"]],
                text=data["text"],
                position=position,
                is_pull_quote=data.get("pull", False),
                context=data.get("context", ""),
            )
            for position, data in enumerate(story.get("quotes", []))
        )
        Article.objects.filter(pk=article.pk).link_quoted_sources()
        article.record_revision(comment="Demo story loaded.")
        move_through_workflow(article, story, now)
        # A demo story reads as last touched when it went out, not when it was loaded.
        Article.objects.filter(pk=article.pk).update(updated_at=article.published_at or now)
        result.created += 1

    result.editor_password = ensure_editor()
    refresh_statistics()
    return result
