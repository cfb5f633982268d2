"""
The public site. Every view takes its stories from ``Article.objects.live()``;
none filters on status itself.
"""

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import ListView
from taggit.models import Tag

from . import search
from .cache import public_page, sections
from .models import Article, Author, Correction, Section, ShareLink, SlugRedirect


@method_decorator(public_page, name="dispatch")
class LiveArticleListView(ListView):
    """A paginated list of live stories; subclasses narrow it."""

    paginate_by = settings.ARTICLES_PER_PAGE
    context_object_name = "articles"

    def get_queryset(self):
        return Article.objects.live().for_listing()


class HomeView(LiveArticleListView):
    template_name = "articles/home.html"
    stories_per_section = 4

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        stories = list(context["articles"])
        first_page = context["page_obj"].number == 1
        context["lead"] = stories[0] if stories and first_page else None
        context["latest"] = stories[1:] if context["lead"] else stories
        context["section_fronts"] = self.section_fronts() if first_page else []
        return context

    def section_fronts(self):
        """[(section, [stories])] for the blocks under the latest news, in the sections' order."""
        fronts = {}
        for story in Article.objects.live().top_per_section(sections(), self.stories_per_section).for_listing():
            fronts.setdefault(story.section, []).append(story)
        return sorted(fronts.items(), key=lambda front: (front[0].position, front[0].name))


class SectionView(LiveArticleListView):
    template_name = "articles/section.html"

    def get_queryset(self):
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        return super().get_queryset().filter(section=self.section)

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


class TagView(LiveArticleListView):
    """A topic's stories. A topic only unpublished stories carry does not exist for readers."""

    template_name = "articles/tag.html"
    allow_empty = False

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return super().get_queryset().filter(tags=self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class AuthorView(LiveArticleListView):
    template_name = "articles/author.html"

    def get_queryset(self):
        self.author = get_object_or_404(Author, slug=self.kwargs["slug"])
        return super().get_queryset().filter(bylines__author=self.author).distinct()

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


@public_page
def article_detail(request, slug):
    article = Article.objects.live().for_detail().filter(slug=slug).first()
    if article is not None:
        return render(request, "articles/article.html", story_context(article))
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
    context = story_context(article) | {"preview": True, "shared": shared}
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
