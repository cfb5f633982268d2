"""The editors' desk in the admin: roles, moves, conflicts, versions, previews, corrections."""

from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ArticleRevision, ShareLink, Source
from tests.builders import make_article, make_publishable, make_rich_article, make_source, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.ignore_template_errors]

S = Article.Status
HOUR = timedelta(hours=1)


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def logged_in(client, user):
    client.force_login(user)
    return client


def split_time(value):
    if value is None:
        return "", ""
    value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")


def story_form(article, **changes):
    """The change form's POST data for ``article`` as it is now, with ``changes``."""
    published_date, published_time = split_time(article.published_at)
    embargo_date, embargo_time = split_time(article.embargo_until)
    data = {
        "loaded_version": article.version,
        "headline": article.headline,
        "slug": article.slug,
        "standfirst": article.standfirst,
        "body": article.body,
        "section": article.section_id or "",
        "tags": ", ".join(article.tags.names()) if article.pk else "",
        "published_at_0": published_date,
        "published_at_1": published_time,
        "embargo_until_0": embargo_date,
        "embargo_until_1": embargo_time,
        "withdrawal_notice": "",
    }
    for prefix in ("bylines", "images", "quotes", "corrections"):
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    return data | changes


# Roles and crafted requests


def test_reporter_writes_a_story_that_is_theirs(client):
    reporter = make_user("Reporter")
    data = story_form(Article(headline="Tram works", slug="tram-works", body="<p>Text</p>", version=0))
    data.pop("loaded_version")

    response = logged_in(client, reporter).post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 302
    article = Article.objects.get(slug="tram-works")
    assert (article.created_by, article.status, article.version) == (reporter, S.DRAFT, 1)


def test_reporter_edits_own_draft_but_not_a_colleagues_story(client):
    reporter = make_user("Reporter")
    own = make_article(status=S.DRAFT, published_at=None, created_by=reporter)
    other = make_article(status=S.DRAFT, published_at=None, created_by=make_user("Reporter"))
    logged_in(client, reporter)

    assert client.post(change_url(own), story_form(own, headline="Mine, edited")).status_code == 302
    response = client.post(change_url(other), story_form(other, headline="Hijacked"))

    assert response.status_code == 403
    own.refresh_from_db(), other.refresh_from_db()
    assert own.headline == "Mine, edited"
    assert other.headline != "Hijacked"
    assert client.get(change_url(other)).status_code == 200  # they may still read it


def test_reporter_cannot_edit_own_story_once_submitted_or_published(client):
    reporter = make_user("Reporter")
    article = make_article(created_by=reporter)  # published

    response = logged_in(client, reporter).post(change_url(article), story_form(article, headline="Changed"))

    assert response.status_code == 403
    article.refresh_from_db()
    assert article.headline != "Changed"


def test_crafted_post_cannot_set_status_publication_time_or_embargo(client):
    reporter = make_user("Reporter")
    article = make_article(status=S.DRAFT, published_at=None, created_by=reporter)
    crafted = story_form(
        article,
        status="published",
        published_at_0="2020-01-01",
        published_at_1="10:00:00",
        embargo_until_0="2020-01-01",
        embargo_until_1="09:00:00",
    )

    assert logged_in(client, reporter).post(change_url(article), crafted).status_code == 302

    article.refresh_from_db()
    assert (article.status, article.published_at, article.embargo_until) == (S.DRAFT, None, None)


def test_clearing_a_published_storys_time_is_an_error_not_a_crash(client):
    article = make_article()

    response = logged_in(client, make_user("Editor")).post(
        change_url(article), story_form(article, published_at_0="", published_at_1="")
    )

    assert response.status_code == 200
    assert "A published story needs a publication time" in response.text


def test_editor_sets_the_embargo_that_a_reporter_cannot(client):
    editor = make_user("Editor")
    article = make_article(status=S.APPROVED, published_at=None)

    data = story_form(article, embargo_until_0="2031-01-01", embargo_until_1="09:00:00")
    assert logged_in(client, editor).post(change_url(article), data).status_code == 302

    article.refresh_from_db()
    assert article.embargo_until.year == 2031


# Workflow moves through the admin


def test_move_page_confirms_then_moves_the_story(client):
    editor = make_user("Editor")
    article = make_publishable(status=S.APPROVED)
    url = reverse("admin:articles_article_transition", args=[article.pk, "publish"])
    logged_in(client, editor)

    assert "Publish now" in client.get(url).text
    response = client.post(url, {})

    assert response.status_code == 302
    assert Article.objects.live().get() == article
    assert "Publish now: 1 story done" in client.get(change_url(article)).text


def test_crafted_move_without_permission_is_refused_and_says_why(client):
    reporter = make_user("Reporter")
    article = make_publishable(status=S.APPROVED, created_by=reporter)

    response = logged_in(client, reporter).post(
        reverse("admin:articles_article_transition", args=[article.pk, "publish"]), {}, follow=True
    )

    assert "you don&#x27;t have permission to publish now" in response.text
    assert not Article.objects.live().exists()


def test_schedule_page_asks_for_a_time(client):
    editor = make_user("Editor")
    article = make_publishable(status=S.APPROVED)
    url = reverse("admin:articles_article_transition", args=[article.pk, "schedule"])
    at = timezone.localtime(timezone.now() + 2 * HOUR)

    missing = logged_in(client, editor).post(url, {})
    done = client.post(url, {"at_0": at.strftime("%Y-%m-%d"), "at_1": at.strftime("%H:%M")})

    assert missing.status_code == 200 and "This field is required" in missing.text
    assert done.status_code == 302
    article.refresh_from_db()
    assert article.state_label == "Scheduled"


def test_change_page_offers_only_the_moves_the_user_may_make(client):
    reporter, editor = make_user("Reporter"), make_user("Editor")
    article = make_publishable(status=S.IN_REVIEW, created_by=reporter)

    reporter_page = logged_in(client, reporter).get(change_url(article)).text
    editor_page = logged_in(client, editor).get(change_url(article)).text

    assert "desk-move--approve" not in reporter_page
    assert "desk-move--approve" in editor_page
    assert "desk-move--return_to_reporter" in editor_page
    assert "desk-move--restore" not in editor_page


def test_bulk_publish_reports_what_it_did_and_what_it_refused(client):
    editor = make_user("Editor")
    ready = make_publishable(status=S.APPROVED, headline="Ready story")
    unready = make_article(status=S.APPROVED, published_at=None, headline="No byline story")

    response = logged_in(client, editor).post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_selected", "_selected_action": [ready.pk, unready.pk]},
        follow=True,
    )

    assert "Publish now: 1 story done — “Ready story”" in response.text
    assert "Publish now refused for “No byline story”: it can&#x27;t be published without a byline" in response.text
    assert list(Article.objects.live()) == [ready]


def test_bulk_withdraw_asks_for_a_reason_first(client):
    editor = make_user("Editor")
    stories = [make_article(headline=f"Live {n}") for n in range(2)]
    url = reverse("admin:articles_article_changelist")
    selected = {"action": "withdraw_selected", "_selected_action": [a.pk for a in stories]}

    asked = logged_in(client, editor).post(url, selected)
    done = client.post(url, selected | {"confirm": "yes", "comment": "Legal advice."}, follow=True)

    assert "Withdraw: 2 stories" in asked.text
    assert Article.objects.filter(status=S.WITHDRAWN).count() == 2
    assert "Withdraw: 2 stories done" in done.text


def test_reporter_does_not_see_publishing_actions(client):
    response = logged_in(client, make_user("Reporter")).get(reverse("admin:articles_article_changelist"))

    actions = [choice[0] for choice in response.context["action_form"].fields["action"].choices]
    assert "submit_selected" in actions
    assert "publish_selected" not in actions
    assert "restore_selected" not in actions


# No lost work


def test_second_save_over_a_newer_version_is_refused_and_keeps_the_text(client):
    first, second = make_user("Editor", first_name="Ana", last_name="Ruiz"), make_user("Editor")
    article = make_article()
    article.record_revision()
    opened = story_form(article)  # both open version 1

    assert (
        logged_in(client, first).post(change_url(article), opened | {"headline": "Ana's headline"}).status_code == 302
    )
    refused = logged_in(client, second).post(change_url(article), opened | {"body": "<p>My careful rewrite</p>"})

    assert refused.status_code == 200
    assert "Ana Ruiz saved this story at" in refused.text
    assert "My careful rewrite" in refused.text  # nothing lost: the text is still in the form
    assert "versions/compare/?from=1&amp;to=2" in refused.text
    article.refresh_from_db()
    assert article.headline == "Ana's headline"
    assert "My careful rewrite" not in article.body

    # Having seen the conflict, the second editor saves again, knowingly.
    again = client.post(change_url(article), opened | {"body": "<p>My careful rewrite</p>", "loaded_version": 2})
    assert again.status_code == 302
    article.refresh_from_db()
    assert "My careful rewrite" in article.body and article.version == 3


def test_change_page_says_who_else_has_the_story_open(client):
    first, second = make_user("Editor", first_name="Ana", last_name="Ruiz"), make_user("Editor")
    article = make_article()

    logged_in(client, first).get(change_url(article))
    page = logged_in(client, second).get(change_url(article)).text

    assert "Ana Ruiz</strong> opened this story" in page


def test_every_save_keeps_a_version_that_can_be_compared_and_restored(client):
    editor = make_user("Editor")
    article = make_rich_article(headline="First headline")
    logged_in(client, editor)
    client.post(change_url(article), story_form(article, loaded_version=0))
    article.refresh_from_db()
    client.post(
        change_url(article),
        story_form(article, headline="Second headline", body="<p>New paragraph.</p>", tags="harbour"),
    )
    article.refresh_from_db()
    assert article.version == 2
    assert list(article.revisions.values_list("number", flat=True)) == [2, 1]

    compare = client.get(reverse("admin:articles_article_compare", args=[article.pk]), {"from": 1, "to": 2})
    assert compare.status_code == 200
    assert "First headline" in compare.text and "Second headline" in compare.text
    assert "transport" in compare.text  # a removed tag is listed

    restore = client.post(reverse("admin:articles_article_restore", args=[article.pk, 1]))
    assert restore.status_code == 302
    article.refresh_from_db()
    assert article.headline == "First headline"
    assert sorted(article.tags.names()) == ["council", "harbour", "transport"]
    assert article.version == 3
    assert ArticleRevision.objects.get(article=article, number=3).comment == "Restored version 1"


# Sources: confidential identities


def test_confidential_identity_is_hidden_from_reporters_everywhere_in_the_admin(client):
    secret = make_source(
        name="Hugo Fairbairn", organisation="Town Hall", confidential=True, public_label="a senior council official"
    )  # the searches below type "Hugo", which the search box echoes; the rest must never appear
    article = make_article(created_by=None)
    from tests.builders import make_quote

    make_quote(article, source=secret)
    logged_in(client, make_user("Reporter"))

    pages = [
        client.get(reverse("admin:articles_source_changelist")).text,
        client.get(reverse("admin:articles_source_changelist"), {"q": "Hugo"}).text,
        client.get(reverse("admin:articles_source_change", args=[secret.pk])).text,
        client.get(reverse("admin:articles_quote_changelist")).text,
        client.get(change_url(article)).text,
        client.get(
            reverse("admin:autocomplete"),
            {"app_label": "articles", "model_name": "quote", "field_name": "source", "term": "Hugo"},
        ).text,
    ]
    for page in pages:
        assert "Fairbairn" not in page
        assert "Town Hall" not in page
    assert "a senior council official" in pages[0]


def test_searching_a_confidential_name_answers_like_searching_nonsense(client):
    make_source(name="Hugo Fairbairn", confidential=True, public_label="a senior council official")
    logged_in(client, make_user("Editor"))
    url = reverse("admin:articles_source_changelist")

    by_name = client.get(url, {"q": "Fairbairn"}).context["cl"].result_count
    by_nonsense = client.get(url, {"q": "Qwxzv"}).context["cl"].result_count

    assert by_name == by_nonsense == 0


def test_chief_editor_sees_the_identity(client):
    make_source(name="Hugo Fairbairn", confidential=True, public_label="a senior council official")

    page = logged_in(client, make_user("Chief editor")).get(reverse("admin:articles_source_changelist"), {"q": "Hugo"})

    assert "Hugo Fairbairn" in page.text


def test_crafted_post_cannot_unmask_or_mask_a_source_without_the_permission(client):
    source = make_source(name="Open Person")
    url = reverse("admin:articles_source_change", args=[source.pk])
    data = {"name": "Open Person", "kind": "person", "confidential": "on", "public_label": "someone"}

    assert logged_in(client, make_user("Editor")).post(url, data).status_code == 302

    source.refresh_from_db()
    assert source.confidential is False


# Preview and share links


def test_staff_preview_shows_a_draft_marked_and_never_cached_or_indexed(client):
    article = make_publishable(headline="Draft headline")
    url = reverse("articles:preview", args=[article.pk])

    assert client.get(url).status_code == 302  # anonymous: to the login page
    response = logged_in(client, make_user("Reporter")).get(url)

    assert response.status_code == 200
    assert "Draft headline" in response.text and "Preview" in response.text
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in response.text


def share_link(article, **overrides):
    fields = {"article": article, "expires_at": timezone.now() + HOUR}
    return ShareLink.objects.create(**(fields | overrides))


def test_share_link_shows_one_story_to_someone_without_an_account(client):
    article = make_publishable(headline="Embargoed budget story")

    response = client.get(share_link(article).get_absolute_url())

    assert response.status_code == 200
    assert "Embargoed budget story" in response.text
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.parametrize("problem", ["expired", "revoked", "tampered", "forged"])
def test_share_link_that_is_expired_revoked_or_tampered_with_shows_nothing(client, problem):
    article = make_publishable(headline="Secret draft")
    link = share_link(article)
    url = link.get_absolute_url()
    if problem == "expired":
        ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - HOUR)
    elif problem == "revoked":
        ShareLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
    elif problem == "tampered":
        url = url.replace(link.token, link.token[::-1])
    else:
        url = reverse("articles:shared_preview", args=[signing.TimestampSigner(salt="other").sign(link.token)])

    response = client.get(url)

    assert response.status_code == 404
    assert "Secret draft" not in response.text


def test_editor_creates_and_revokes_a_share_link_in_the_admin(client):
    article = make_publishable()
    logged_in(client, make_user("Editor"))

    created = client.post(reverse("admin:articles_article_share", args=[article.pk]), {"days": 3}, follow=True)
    link = ShareLink.objects.get()
    assert link.get_absolute_url() in created.text
    assert timedelta(days=2, hours=23) < link.expires_at - timezone.now() <= timedelta(days=3)

    client.post(reverse("admin:articles_article_revoke_share", args=[article.pk, link.pk]))
    assert client.get(link.get_absolute_url()).status_code == 404


def test_reporter_cannot_create_share_links(client):
    article = make_publishable(created_by=make_user("Reporter"))
    response = logged_in(client, make_user("Reporter")).post(
        reverse("admin:articles_article_share", args=[article.pk]), {"days": 3}
    )

    assert response.status_code == 403
    assert not ShareLink.objects.exists()


# Corrections and old addresses


def test_correction_shows_on_the_story_bumps_its_update_time_and_is_listed_with_a_feed(client):
    article = make_article(published_at=timezone.now() - 5 * HOUR, headline="Council vote")
    Article.objects.filter(pk=article.pk).update(updated_at=article.published_at)
    article.add_correction("An earlier version gave the wrong date for the vote.", by=make_user("Editor"))

    page = client.get(article.get_absolute_url()).text
    listing = client.get(reverse("articles:corrections")).text
    feed = client.get(reverse("articles:corrections_feed")).text

    assert "An earlier version gave the wrong date for the vote." in page
    assert "Updated" in page
    assert "Council vote" in listing
    assert "An earlier version gave the wrong date" in feed


def test_corrections_on_hidden_stories_are_not_listed(client):
    draft = make_article(status=S.DRAFT, published_at=None, headline="Hidden story")
    draft.add_correction("SECRET-CORRECTION")

    assert "SECRET-CORRECTION" not in client.get(reverse("articles:corrections")).text
    assert "SECRET-CORRECTION" not in client.get(reverse("articles:corrections_feed")).text


def test_changing_a_published_storys_slug_keeps_the_old_address_with_a_301(client):
    article = make_article(slug="old-address")
    article.slug = "new-address"
    article.save()

    response = client.get("/story/old-address/")

    assert response.status_code == 301
    assert response["Location"] == "/story/new-address/"
    assert client.get("/story/new-address/").status_code == 200


def test_old_address_of_a_story_no_longer_public_does_not_redirect(client):
    article = make_article(slug="old-address")
    article.slug = "new-address"
    article.save()
    Article.objects.filter(pk=article.pk).update(status=S.DRAFT)

    assert client.get("/story/old-address/").status_code == 404


# The dashboard


def test_dashboard_lists_the_desks_work_in_constant_queries(client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    editor = make_user("Editor")
    logged_in(client, editor)
    make_publishable(created_by=editor, headline="My own draft")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("admin:index"))

    for n in range(5):
        make_publishable(status=S.IN_REVIEW, headline=f"Waiting {n}")
        make_article(status=S.PUBLISHED, published_at=timezone.now() + HOUR, headline=f"Soon {n}")
    story = make_article(headline="Photo without credit")
    from tests.builders import make_image

    make_image(story, credit="")

    with django_assert_max_num_queries(len(few)):
        page = client.get(reverse("admin:index")).text
    for expected in ["My own draft", "Waiting 4", "Soon 4", "Photo without credit", "no credit"]:
        assert expected in page


def test_source_flag_is_readonly_for_reporters_when_adding(client):
    logged_in(client, make_user("Reporter")).post(
        reverse("admin:articles_source_add"),
        {"name": "New Person", "kind": "person", "confidential": "on", "public_label": "x"},
    )

    assert Source.objects.get(name="New Person").confidential is False


def test_editor_reruns_quote_extraction_on_a_story(client):
    article = make_article(
        body="<p>“We will reopen the bridge on Monday,” said Maria Lindqvist, the port spokeswoman.</p>"
    )
    logged_in(client, make_user("Editor"))

    response = client.post(reverse("admin:articles_article_reextract", args=[article.pk]), follow=True)

    assert "Quotes extracted again: 1 found" in response.text
    quote = article.quotes.select_related("source").get()
    assert quote.text == "We will reopen the bridge on Monday"
    assert quote.source.name == "Maria Lindqvist"


def test_reporter_cannot_rerun_extraction_on_a_published_story(client):
    reporter = make_user("Reporter")
    article = make_article(created_by=reporter, body="<p>“Fine,” said Ana Ruiz.</p>")

    response = logged_in(client, reporter).post(reverse("admin:articles_article_reextract", args=[article.pk]))

    assert response.status_code == 403
    assert not article.quotes.exists()


def test_dashboard_links_the_sourcing_report(client):
    page = logged_in(client, make_user("Editor")).get(reverse("admin:index")).text

    assert reverse("admin:articles_sourcing_report") in page
