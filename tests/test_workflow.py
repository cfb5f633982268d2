from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import TRANSITIONS, Article, ArticleEvent, TransitionRefused
from tests.builders import add_byline, make_article, make_image, make_publishable, make_user

pytestmark = pytest.mark.django_db

S = Article.Status
SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)


def story_in(status, **overrides):
    """A publishable story already in ``status`` (set directly: this is the fixture, not the desk)."""
    article = make_publishable(**overrides)
    published_at = {S.PUBLISHED: timezone.now() - HOUR, S.WITHDRAWN: timezone.now() - HOUR}.get(status)
    Article.objects.filter(pk=article.pk).update(status=status, published_at=published_at)
    article.refresh_from_db()
    return article


# Who may make which move: (transition, starting status, role) → allowed?
MATRIX = [
    ("submit", S.DRAFT, "Reporter", True),
    ("submit", S.RETURNED, "Reporter", True),
    ("approve", S.IN_REVIEW, "Reporter", False),
    ("approve", S.IN_REVIEW, "Editor", True),
    ("return_to_reporter", S.IN_REVIEW, "Reporter", False),
    ("return_to_reporter", S.IN_REVIEW, "Editor", True),
    ("publish", S.APPROVED, "Reporter", False),
    ("publish", S.APPROVED, "Editor", True),
    ("publish", S.DRAFT, "Editor", True),
    ("schedule", S.APPROVED, "Reporter", False),
    ("schedule", S.APPROVED, "Editor", True),
    ("withdraw", S.PUBLISHED, "Reporter", False),
    ("withdraw", S.PUBLISHED, "Editor", True),
    ("restore", S.WITHDRAWN, "Editor", False),
    ("restore", S.WITHDRAWN, "Chief editor", True),
    ("withdraw", S.PUBLISHED, "Chief editor", True),
]


@pytest.mark.parametrize(("name", "status", "role", "allowed"), MATRIX)
def test_each_role_may_make_exactly_its_moves(name, status, role, allowed):
    user = make_user(role)
    article = story_in(status, created_by=user)
    options = {"comment": "Needs a second source."}
    if name == "schedule":
        options["at"] = timezone.now() + HOUR

    if allowed:
        getattr(article, name)(user, **options)
        article.refresh_from_db()
        assert article.status == TRANSITIONS[name].target
    else:
        with pytest.raises(TransitionRefused, match="permission"):
            getattr(article, name)(user, **options)
        article.refresh_from_db()
        assert article.status == status


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("approve", S.DRAFT),
        ("publish", S.WITHDRAWN),
        ("submit", S.PUBLISHED),
        ("restore", S.PUBLISHED),
        ("unschedule", S.APPROVED),
        ("withdraw", S.DRAFT),
    ],
)
def test_moves_the_table_does_not_allow_are_refused_even_for_the_chief_editor(name, status):
    chief = make_user("Chief editor")
    article = story_in(status)

    with pytest.raises(TransitionRefused):
        getattr(article, name)(chief, comment="why")
    article.refresh_from_db()
    assert article.status == status


def test_reporter_submits_only_their_own_story():
    author, colleague = make_user("Reporter"), make_user("Reporter")
    article = story_in(S.DRAFT, created_by=author)

    with pytest.raises(TransitionRefused, match="only the story's reporter or an editor"):
        article.submit(colleague)
    article.submit(author)
    assert article.status == S.IN_REVIEW


def test_returning_a_story_needs_a_comment_and_records_it():
    editor = make_user("Editor")
    article = story_in(S.IN_REVIEW)

    with pytest.raises(TransitionRefused, match="needs a comment"):
        article.return_to_reporter(editor, comment="  ")
    article.return_to_reporter(editor, comment="Check the figures in paragraph 3.")

    event = article.events.get()
    assert (event.actor, event.from_status, event.to_status) == (editor, S.IN_REVIEW, S.RETURNED)
    assert event.comment == "Check the figures in paragraph 3."


def test_every_move_writes_an_event_with_who_when_from_and_to():
    reporter, editor = make_user("Reporter"), make_user("Editor")
    article = story_in(S.DRAFT, created_by=reporter)

    article.submit(reporter)
    article.approve(editor)
    article.publish(editor)

    assert [(e.actor, e.from_status, e.to_status) for e in article.events.all()] == [
        (reporter, S.DRAFT, S.IN_REVIEW),
        (editor, S.IN_REVIEW, S.APPROVED),
        (editor, S.APPROVED, S.PUBLISHED),
    ]
    assert Article.objects.live().get() == article


@pytest.mark.parametrize(
    ("setup", "missing"),
    [
        ({"headline": "   "}, "a headline"),
        ({"body": ""}, "a body"),
        ({"section": None}, "a section"),
    ],
)
def test_publish_guard_names_what_is_missing(setup, missing):
    article = story_in(S.APPROVED, **setup)

    with pytest.raises(TransitionRefused, match=missing):
        article.publish(make_user("Editor"))
    assert not Article.objects.live().exists()


def test_publish_guard_wants_a_byline_and_a_described_credited_lead_photo():
    article = make_article(status=S.APPROVED, published_at=None)
    make_image(article, is_lead=True, alt_text="", is_decorative=True, credit="")

    with pytest.raises(TransitionRefused) as refusal:
        article.publish(make_user("Editor"))

    assert "a byline" in str(refusal.value)
    assert "a credit for the lead image" in str(refusal.value)
    assert "alt text" not in str(refusal.value)  # decorative pictures need none


def test_lead_caption_still_waiting_for_its_photo_blocks_publication():
    article = make_article(status=S.APPROVED, published_at=None)
    add_byline(article)
    make_image(article, is_lead=True, image="", alt_text="")

    with pytest.raises(TransitionRefused, match="lead image's photo"):
        article.publish(make_user("Editor"))


def test_scheduled_story_appears_at_its_time_and_not_a_second_before():
    at = timezone.now() + HOUR
    article = story_in(S.APPROVED)
    article.schedule(make_user("Editor"), at=at)

    assert article.state_label == "Scheduled"
    assert not Article.objects.live(now=at - SECOND).exists()
    assert Article.objects.live(now=at).get() == article
    assert Article.objects.live(now=at + SECOND).get() == article


def test_schedule_needs_a_future_time():
    with pytest.raises(TransitionRefused, match="time in the future"):
        story_in(S.APPROVED).schedule(make_user("Editor"), at=timezone.now() - SECOND)


def test_unscheduling_returns_the_story_to_approved_and_never_publishes_it():
    editor = make_user("Editor")
    article = story_in(S.APPROVED)
    article.schedule(editor, at=timezone.now() + HOUR)

    article.unschedule(editor)

    article.refresh_from_db()
    assert (article.status, article.published_at) == (S.APPROVED, None)
    assert not Article.objects.live(now=timezone.now() + 2 * HOUR).exists()


def test_a_live_story_cannot_be_unscheduled_or_rescheduled():
    editor = make_user("Editor")
    article = story_in(S.PUBLISHED)

    with pytest.raises(TransitionRefused, match="only a scheduled story"):
        article.unschedule(editor)
    with pytest.raises(TransitionRefused, match="already public"):
        article.schedule(editor, at=timezone.now() + HOUR)


def test_embargo_holds_a_published_story_until_it_passes_whatever_else_happens():
    lifts = timezone.now() + HOUR
    article = story_in(S.APPROVED, embargo_until=lifts)
    article.publish(make_user("Editor"))

    assert article.state_label == "Embargoed"
    assert not Article.objects.live(now=lifts - SECOND).exists()
    assert Article.objects.live(now=lifts).get() == article


def test_desk_flags_an_embargo_later_than_the_schedule():
    article = story_in(S.APPROVED, embargo_until=timezone.now() + 3 * HOUR)
    article.schedule(make_user("Editor"), at=timezone.now() + HOUR)

    assert article.embargo_outlasts_schedule


def test_withdrawn_story_is_restored_with_its_original_publication_time():
    chief = make_user("Chief editor")
    article = story_in(S.PUBLISHED)
    first_published = article.published_at

    article.withdraw(chief, comment="Legal complaint.")
    assert not Article.objects.live().exists()
    article.restore(chief)

    article.refresh_from_db()
    assert article.published_at == first_published
    assert Article.objects.live().get() == article


def test_bulk_publish_moves_what_it_may_and_says_why_it_refused_the_rest(django_assert_max_num_queries):
    editor = make_user("Editor")
    ready = [story_in(S.APPROVED) for _ in range(4)]
    no_section = story_in(S.APPROVED, section=None)
    already_out = story_in(S.PUBLISHED)
    editor.has_perm("articles.publish_article")  # load the permission cache outside the count

    with django_assert_max_num_queries(8):
        result = Article.objects.all().publish(editor)

    assert sorted(a.pk for a in result.changed) == sorted(a.pk for a in ready)
    refused = {a.pk: reason for a, reason in result.refused}
    assert "a section" in refused[no_section.pk]
    assert "published can't be moved" in refused[already_out.pk]
    assert Article.objects.live().count() == 5
    assert ArticleEvent.objects.filter(action="publish").count() == 4


def test_bulk_query_count_does_not_grow_with_the_number_of_stories(django_assert_max_num_queries):
    editor = make_user("Editor")
    editor.has_perm("articles.publish_article")
    few = [story_in(S.APPROVED) for _ in range(2)]
    with django_assert_max_num_queries(8) as captured:
        Article.objects.filter(pk__in=[a.pk for a in few]).publish(editor)
    baseline = len(captured.captured_queries)

    many = [story_in(S.APPROVED) for _ in range(12)]
    with django_assert_max_num_queries(baseline):
        Article.objects.filter(pk__in=[a.pk for a in many]).publish(editor)


def test_system_moves_record_no_actor_but_obey_the_table():
    article = story_in(S.DRAFT)

    article.publish()  # an import publishing a story

    assert article.events.get().actor is None
    with pytest.raises(TransitionRefused):
        article.publish()
