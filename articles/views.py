"""
The public site. Every view takes its stories from ``Article.objects.live()``;
none filters on status itself.
"""

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Q, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.generic import ListView
from taggit.models import Tag

from . import fragments, search
from .cache import menu_sections, public_page
from .fragments import Card
from .models import Article, Author, Correction, Section, ShareLink, SlugRedirect
from .models.articles import detail_lookups


class KeptCountPaginator(Paginator):
    """
    Counts a list's stories once per change to the newsroom (``articles.fragments``)
    rather than on every request: counting a large archive is the one part of a
    listing whose cost grows with it. A story whose scheduled time comes joins the
    count within ``FRAGMENT_CACHE_SECONDS``.
    """

    def __init__(self, *args, name, **kwargs):
        super().__init__(*args, **kwargs)
        self.name = name

    @cached_property
    def count(self):
        value, _ = fragments.remembered(f"count:{self.name}", lambda: Paginator.count.func(self))
        return value


@method_decorator(public_page, name="dispatch")
class LiveArticleListView(ListView):
    """
    A paginated list of live stories; subclasses narrow it. The list itself is
    a page of primary keys; each story's card comes from ``articles.fragments``.
    """

    paginate_by = settings.ARTICLES_PER_PAGE
    context_object_name = "articles"
    show_section = True

    def get_queryset(self):
        return Article.objects.live().latest_first()

    def paginate_queryset(self, queryset, page_size):
        return super().paginate_queryset(queryset.values_list("pk", flat=True), page_size)

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        name = f"{type(self).__name__}:{fragments.digest(sorted(self.kwargs.items()))}"
        return KeptCountPaginator(queryset, per_page, orphans, allow_empty_first_page, name=name)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        return context | self.story_cards(list(context["articles"]), first_page=context["page_obj"].number == 1)

    def story_cards(self, story_ids, *, first_page):
        """What the template shows of the page's stories: the grid of their cards ("" when none)."""
        return {"grid": fragments.grid(story_ids, show_section=self.show_section)}


class HomeView(LiveArticleListView):
    template_name = "articles/home.html"
    stories_per_section = 4

    def story_cards(self, story_ids, *, first_page):
        """
        The lead and latest stories, then a block per section (first page only),
        kept as one fragment for as long as the same stories are live.
        """
        fronts = self.section_fronts() if first_page else []
        layout = [first_page, story_ids, [(section.pk, pks) for section, pks in fronts]]
        front, _ = fragments.remembered(
            f"front-page:{fragments.digest(layout)}", lambda: self.render_front(story_ids, fronts, first_page)
        )
        return {"front": mark_safe(front)}

    def render_front(self, story_ids, fronts, first_page):
        latest = [Card(pk, show_section=True, lead=first_page and index == 0) for index, pk in enumerate(story_ids)]
        blocks = [(section, [Card(pk, show_section=False) for pk in pks]) for section, pks in fronts]
        rendered = fragments.render_cards([*latest, *(card for _, cards in blocks for card in cards)])
        cards = [rendered[card] for card in latest if card in rendered]
        lead = cards[0] if cards and first_page else None
        context = {
            "lead": lead,
            "latest": cards[1:] if lead else cards,
            "section_fronts": [
                (section, shown)
                for section, cards in blocks
                if (shown := [rendered[card] for card in cards if card in rendered])
            ],
        }
        return render_to_string("articles/_front.html", context)

    def section_fronts(self):
        """
        [(section, [story id])] for the blocks under the latest news, in the sections' order.
        Which stories lead each section is worked out once per change and kept;
        every request still checks they are live.
        """
        in_menu = menu_sections()

        def newest():
            stories = Article.objects.live().top_per_section(in_menu, self.stories_per_section).latest_first()
            return list(stories.values_list("pk", "section_id"))

        rows, fresh = fragments.remembered("section-fronts", newest)
        if not fresh:
            live = set(Article.objects.live().filter(pk__in=[pk for pk, _ in rows]).values_list("pk", flat=True))
            rows = [(pk, section_id) for pk, section_id in rows if pk in live]
        by_section = {}
        for pk, section_id in rows:
            by_section.setdefault(section_id, []).append(pk)
        return [(section, by_section[section.pk]) for section in in_menu if section.pk in by_section]


class SectionView(LiveArticleListView):
    template_name = "articles/section.html"
    show_section = False

    def get_queryset(self):
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        return super().get_queryset().filter(section=self.section)

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


class TagView(LiveArticleListView):
    """A topic's stories. A topic only unpublished stories carry does not exist for readers."""

    template_name = "articles/tag.html"

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return super().get_queryset().filter(tags=self.tag)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(tag=self.tag, **kwargs)
        if not context["paginator"].count:  # the count the pages need anyway, not a query of its own
            raise Http404("No published story on this topic.")
        return context


class AuthorView(LiveArticleListView):
    template_name = "articles/author.html"

    def get_queryset(self):
        self.author = get_object_or_404(Author, slug=self.kwargs["slug"])
        return super().get_queryset().filter(bylines__author=self.author).distinct()

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


@public_page
def article_detail(request, slug):
    """
    A live story's page: its pieces kept by ``articles.fragments`` once the story
    is confirmed live (one small query), else rendered from the database.
    """
    kept = fragments.kept_story(slug, request)
    if kept is not None and Article.objects.live().filter(pk=kept.pk, slug=slug).exists():
        return render_story_page(request, kept)
    article = Article.objects.live().detail_rows().filter(slug=slug).first()
    if article is not None:
        return render_story_page(request, fragments.keep_story(slug, request, article, render_story(request, article)))
    withdrawn = Article.objects.withdrawn().filter(slug=slug).only("withdrawal_notice").first()
    if withdrawn is not None:
        return render(request, "articles/withdrawn.html", {"notice": withdrawn.withdrawal_notice}, status=410)
    moved = (
        SlugRedirect.objects.filter(old_slug=slug)
        .filter(Q(article__in=Article.objects.live()) | Q(article__in=Article.objects.withdrawn()))
        .select_related("article")
        .first()
    )
    if moved is not None:
        return redirect(moved.article, permanent=True)
    raise Http404("No published story at this address.")


def render_story_page(request, page):
    context = {"article": {"headline": page.headline}, "parts": page.safe_parts()}
    return render(request, "articles/article.html", context)


def render_story(request, article):
    """The story page's pieces, rendered once the story's related rows are fetched."""
    prefetch_related_objects([article], *detail_lookups())
    return fragments.render_story_parts(story_context(article), request)


@public_page
def search_view(request):
    """Full-text search over live stories, ranked, highlighted and paginated."""
    query = request.GET.get("q", "").strip()[: search.MAX_QUERY_LENGTH]
    page = None
    if search.clean_query(query):
        try:
            page = search.search(query, request.GET.get("page", 1))
        except (EmptyPage, PageNotAnInteger):
            raise Http404("No such page of results.") from None
    return render(request, "articles/search.html", {"query": query, "page_obj": page})


@method_decorator(public_page, name="dispatch")
class CorrectionsView(ListView):
    """Every correction, clarification and update note on a live story, newest first."""

    template_name = "articles/corrections.html"
    context_object_name = "corrections"
    paginate_by = 30

    def get_queryset(self):
        return Correction.objects.public().select_related("article", "article__section")


def story_context(article):
    """What the article page shows besides the prefetched story: its corrections and related stories."""
    corrections = []
    if article.has_corrections:
        corrections = list(article.corrections.filter(published_at__lte=timezone.now()).order_by("published_at"))
    article.public_corrections = corrections  # for the structured data, which reads them off the story
    return {"article": article, "corrections": corrections, "related": Article.objects.live().related_to(article)}


def render_preview(request, article, *, shared):
    """The story in its real public template, marked as a preview, never cached, never indexed."""
    parts = fragments.render_story_parts(story_context(article), request)
    context = {"article": article, "parts": parts, "preview": True, "shared": shared}
    response = render(request, "articles/article.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@staff_member_required
def preview(request, pk):
    """Staff see any story, whatever its status, as readers will."""
    if not request.user.has_perm("articles.view_article"):
        raise PermissionDenied
    return render_preview(request, get_object_or_404(Article.objects.for_detail(), pk=pk), shared=False)


@never_cache
def shared_preview(request, signed):
    """One story for someone without an account, through a signed, expiring, revocable link."""
    link = ShareLink.from_signed(signed)
    if link is None:
        response = render(request, "articles/preview_unavailable.html", status=404)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response
    return render_preview(request, Article.objects.for_detail().get(pk=link.article_id), shared=True)
