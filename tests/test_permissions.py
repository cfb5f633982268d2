"""
The permission suite: crafted requests to every desk URL, per role. What a
role may not do is refused on the server (403, a refusal message, or the
field ignored), whatever the browser was shown.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ShareLink
from tests.builders import make_article, make_publishable, make_source, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.ignore_template_errors]

S = Article.Status
EMPTY_INLINES = {
    f"{prefix}-{count}": "0"
    for prefix in ("bylines", "images", "quotes", "corrections")
    for count in ("TOTAL_FORMS", "INITIAL_FORMS")
}


@pytest.fixture
def desk():
    owner = make_user("Reporter")
    story = make_publishable(status=S.IN_REVIEW, created_by=owner)
    story.record_revision()
    story.record_revision()
    link = ShareLink.objects.create(article=story, expires_at=timezone.now() + timedelta(days=1))
    return owner, story, link


def desk_urls(story, link):
    def admin(name, *args):
        return reverse(f"admin:articles_article_{name}", args=[story.pk, *args])

    return {
        "change": admin("change"),
        "versions": admin("versions"),
        "compare": admin("compare") + "?from=1&to=2",
        "restore": admin("restore", 1),
        "share": admin("share"),
        "revoke": admin("revoke_share", link.pk),
        "reextract": admin("reextract"),
        "move": admin("transition", "approve"),
        "preview": reverse("articles:preview", args=[story.pk]),
        "delete": admin("delete"),
        "history": admin("history"),
    }


DESK_URLS = ["change", "versions", "compare", "restore", "share", "revoke", "reextract", "move", "preview", "delete"]


@pytest.mark.parametrize("name", [*DESK_URLS, "history"])
def test_anonymous_requests_to_desk_urls_go_to_the_login_page(client, desk, name):
    _, story, link = desk
    url = desk_urls(story, link)[name]

    for response in (client.get(url), client.post(url, {"comment": "x"})):
        assert response.status_code == 302, url
        assert "/login/" in response["Location"], url
    story.refresh_from_db()
    assert story.status == S.IN_REVIEW
    assert ShareLink.objects.get().revoked_at is None


# (url name, method) → may a role do it? The story is in review and belongs to its reporter.
MATRIX = {
    ("restore", "post"): {"owner": False, "colleague": False, "Editor": True, "Chief editor": True},
    ("share", "post"): {"owner": False, "colleague": False, "Editor": True, "Chief editor": True},
    ("revoke", "post"): {"owner": False, "colleague": False, "Editor": True, "Chief editor": True},
    ("reextract", "post"): {"owner": False, "colleague": False, "Editor": True, "Chief editor": True},
    ("delete", "post"): {"owner": False, "colleague": False, "Editor": False, "Chief editor": True},
    ("change", "post"): {"owner": False, "colleague": False, "Editor": True, "Chief editor": True},
}


def user_for(role, owner):
    if role == "owner":
        return owner
    if role == "colleague":
        return make_user("Reporter")
    return make_user(role)


@pytest.mark.parametrize(("action", "role"), [(key, role) for key, roles in MATRIX.items() for role in roles])
def test_each_role_may_do_exactly_what_the_matrix_says(client, desk, action, role):
    owner, story, link = desk
    user = user_for(role, owner)
    client.force_login(user)
    name, _ = action
    url = desk_urls(story, link)[name]
    data = {"days": 2, "post": "yes"}
    if name == "change":
        data = {
            "loaded_version": story.version,
            "headline": "Changed by a crafted request",
            "slug": story.slug,
            "body": story.body,
            "section": story.section_id,
            **EMPTY_INLINES,
        }

    response = client.post(url, data)

    allowed = MATRIX[action][role]
    if allowed:
        assert response.status_code in (200, 302), (role, url, response.status_code)
    else:
        assert response.status_code == 403, (role, url, response.status_code)
    if name == "delete":
        assert Article.objects.filter(pk=story.pk).exists() is not allowed
        return
    story.refresh_from_db()
    if name == "change":
        assert (story.headline == "Changed by a crafted request") is allowed


def test_a_reporter_cannot_make_a_colleagues_story_theirs(client, desk):
    owner, _, _ = desk
    thief = make_user("Reporter")
    story = make_article(status=S.DRAFT, published_at=None, created_by=thief)
    client.force_login(thief)

    client.post(
        reverse("admin:articles_article_change", args=[story.pk]),
        {
            "loaded_version": story.version,
            "headline": story.headline,
            "slug": story.slug,
            "body": story.body,
            "created_by": owner.pk,
            "status": "published",
            "version": 99,
            **{
                f"{p}-{k}": "0"
                for p in ("bylines", "images", "quotes", "corrections")
                for k in ("TOTAL_FORMS", "INITIAL_FORMS")
            },
        },  # fmt: skip
    )

    story.refresh_from_db()
    assert (story.created_by, story.status) == (thief, S.DRAFT)
    assert story.version == 1  # counted by the desk, not taken from the form


@pytest.mark.parametrize("role", ["Reporter", "Editor"])
def test_roles_without_the_permission_cannot_mark_a_source_confidential_or_reveal_one(client, role):
    secret = make_source(name="Hidden Person", confidential=True, public_label="an insider")
    open_source = make_source(name="Open Person")
    client.force_login(make_user(role))

    reveal = client.post(
        reverse("admin:articles_source_change", args=[secret.pk]),
        {"name": "Hidden Person", "kind": "person", "confidential": "", "public_label": "an insider"},
    )
    mask = client.post(
        reverse("admin:articles_source_change", args=[open_source.pk]),
        {"name": "Open Person", "kind": "person", "confidential": "on", "public_label": "someone"},
    )

    assert reveal.status_code == 403
    assert mask.status_code == 302
    secret.refresh_from_db(), open_source.refresh_from_db()
    assert secret.confidential is True
    assert open_source.confidential is False


@pytest.mark.parametrize("action", ["publish_selected", "withdraw_selected", "restore_selected", "approve_selected"])
def test_a_reporter_cannot_run_editors_bulk_actions_by_crafting_the_post(client, action):
    reporter = make_user("Reporter")
    story = make_publishable(status=S.APPROVED, created_by=reporter)
    client.force_login(reporter)

    response = client.post(
        reverse("admin:articles_article_changelist"),
        {"action": action, "_selected_action": [story.pk], "confirm": "yes", "comment": "crafted"},
    )

    assert response.status_code in (200, 302)
    story.refresh_from_db()
    assert story.status == S.APPROVED
    assert not story.events.exists()
