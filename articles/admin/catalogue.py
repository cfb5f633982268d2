"""The desk's reference lists: sections, authors, sources, quotes and photos."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from ..cache import invalidate_pages
from ..models import Author, ImageCaption, Quote, Section, Source
from ..registry import merge_sources
from ..search import index_on_commit
from .forms import ImageCaptionForm

THUMBNAIL_WIDTH = 160
# A source's change page lists at most this many of its quotes, newest stories first.
SOURCE_PAGE_QUOTES = 200

# What only holders of ``view_confidential_source`` may see of a confidential source.
CONFIDENTIAL_FIELDS = ["name", "role", "organisation", "aliases", "email", "phone", "contact_notes"]


def thumbnail(image_caption, width=THUMBNAIL_WIDTH):
    if image_caption is None:
        return "—"
    if not image_caption.image:
        return mark_safe('<span class="desk-flag">Awaiting photo</span>')
    return format_html(
        '<img src="{}" alt="{}" width="{}" class="desk-thumbnail">',
        image_caption.image.url,
        image_caption.alt_text,
        width,
    )


class InvalidatesPublicPages:
    """Sections, authors, sources, quotes and photos show on public pages: a change empties the page cache."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        invalidate_pages()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        invalidate_pages()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        invalidate_pages()


def sees_confidential_sources(user):
    return user.has_perm("articles.view_confidential_source")


@admin.register(Section)
class SectionAdmin(InvalidatesPublicPages, admin.ModelAdmin):
    list_display = ["name", "slug", "in_navigation", "position", "story_count"]
    list_editable = ["in_navigation", "position"]
    search_fields = ["name", "description"]
    ordering = ["position", "name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(story_count=Count("articles"))

    @admin.display(description="Stories", ordering="story_count")
    def story_count(self, obj):
        return obj.story_count


@admin.register(Author)
class AuthorAdmin(InvalidatesPublicPages, admin.ModelAdmin):
    list_display = ["name", "job_title", "user", "story_count"]
    list_filter = [("user", admin.EmptyFieldListFilter)]
    search_fields = ["name", "job_title", "user__username"]
    list_select_related = ["user"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(story_count=Count("bylines__article", distinct=True))

    @admin.display(description="Stories", ordering="story_count")
    def story_count(self, obj):
        return obj.story_count


@admin.register(Source)
class SourceAdmin(InvalidatesPublicPages, admin.ModelAdmin):
    """
    Sources. A confidential source's identity is shown only to holders of
    ``view_confidential_source``; everyone else sees, searches and picks it
    by its public label, and cannot change whether a source is confidential.
    """

    list_display = ["display_name", "kind", "display_role", "display_organisation", "confidential", "quote_count"]
    list_filter = ["kind", "confidential"]
    search_fields = ["name", "aliases", "organisation", "role", "public_label"]
    ordering = ["name"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "kind", ("role", "organisation"), "aliases"]}),
        ("Confidentiality", {"fields": ["confidential", "public_label"]}),
        ("Private contact details", {"fields": [("email", "phone"), "contact_notes"]}),
        (None, {"fields": [("created_at", "updated_at")]}),
    ]
    actions = ["merge_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(quote_count=Count("quotes"))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"name", "confidential", "public_label"} & set(form.changed_data):
            # The search index holds the public names of the sources each story quotes.
            index_on_commit(obj.quotes.values_list("article_id", flat=True).distinct())

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            # The source's quotes with their stories, in one query: the template groups them by story.
            quotes = list(
                Quote.objects.filter(source=obj)
                .select_related("article__section")
                .order_by("-article__published_at", "-article_id", "position", "pk")[: SOURCE_PAGE_QUOTES + 1]
            )
            context["source_quotes"] = quotes[:SOURCE_PAGE_QUOTES]
            context["source_quotes_truncated"] = len(quotes) > SOURCE_PAGE_QUOTES
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_search_results(self, request, queryset, search_term):
        if sees_confidential_sources(request.user) or not search_term:
            return super().get_search_results(request, queryset, search_term)
        # A confidential source is found by its public label only: searching a
        # name must answer exactly as if the source did not exist.
        open_sources, duplicates = super().get_search_results(
            request, queryset.filter(confidential=False), search_term
        )
        labelled = queryset.filter(confidential=True).filter(
            Q(*[Q(public_label__icontains=word) for word in search_term.split()])
        )
        return open_sources | labelled, duplicates

    def get_fieldsets(self, request, obj=None):
        if obj is not None and obj.confidential and not sees_confidential_sources(request.user):
            return [(None, {"fields": ["public_label", "kind", "confidential"]})]
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not sees_confidential_sources(request.user):
            readonly.append("confidential")
        return readonly

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.confidential and not sees_confidential_sources(request.user):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.confidential and not sees_confidential_sources(request.user):
            return False
        return super().has_delete_permission(request, obj)

    def get_list_display(self, request):
        if sees_confidential_sources(request.user):
            return ["name", "kind", "role", "organisation", "confidential", "quote_count"]
        return super().get_list_display(request)

    @admin.display(description="Name", ordering="name")
    def display_name(self, obj):
        return obj.public_name

    @admin.display(description="Role")
    def display_role(self, obj):
        return "" if obj.confidential else obj.role

    @admin.display(description="Organisation")
    def display_organisation(self, obj):
        return "" if obj.confidential else obj.organisation

    @admin.display(description="Quotes", ordering="quote_count")
    def quote_count(self, obj):
        return obj.quote_count

    def has_merge_permission(self, request):
        # Django offers an action to holders of *any* of its permissions; merging needs both.
        return self.has_change_permission(request) and self.has_delete_permission(request)

    @admin.action(description="Merge selected sources", permissions=["merge"])
    def merge_selected(self, request, queryset):
        """
        Fold duplicates into one source chosen on an intermediate page: quotes move to it, the
        others' names and aliases become its aliases, the others are deleted. A confidential
        source may be merged only by someone who may see who it is.
        """
        sources = list(queryset.order_by("-quote_count", "pk"))
        if len(sources) < 2:
            self.message_user(request, "Select at least two sources to merge.", messages.WARNING)
            return None
        if any(source.confidential for source in sources) and not sees_confidential_sources(request.user):
            self.message_user(
                request,
                "Merging refused: a confidential source can be merged only by someone allowed to see who it is.",
                messages.ERROR,
            )
            return None
        survivor = next((s for s in sources if str(s.pk) == request.POST.get("survivor")), None)
        if "merge" in request.POST and survivor is not None:
            others = [source for source in sources if source.pk != survivor.pk]
            moved = merge_sources(survivor, others)
            self.message_user(
                request,
                f"Merged {len(others)} {'source' if len(others) == 1 else 'sources'} into “{survivor.name}”: "
                f"{moved} {'quote' if moved == 1 else 'quotes'} moved, "
                f"{len(survivor.alias_list)} {'alias' if len(survivor.alias_list) == 1 else 'aliases'} now.",
                messages.SUCCESS,
            )
            return None
        confidentiality = {source.confidential for source in sources}
        return TemplateResponse(
            request,
            "admin/articles/source/merge.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": f"Merge {len(sources)} sources",
                "sources": sources,
                "survivor": survivor or sources[0],
                "mixed_confidentiality": len(confidentiality) > 1,
                "action": request.POST["action"],
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(ImageCaption)
class ImageCaptionAdmin(InvalidatesPublicPages, admin.ModelAdmin):
    form = ImageCaptionForm
    list_display = ["preview", "caption_short", "credit", "article", "is_lead"]
    list_filter = ["is_lead", "is_decorative"]
    search_fields = ["caption", "credit", "photographer", "alt_text", "article__headline"]
    list_select_related = ["article"]
    autocomplete_fields = ["article"]
    readonly_fields = ["preview", "width", "height"]

    @admin.display(description="Photo")
    def preview(self, obj):
        return thumbnail(obj, width=96)

    @admin.display(description="Caption")
    def caption_short(self, obj):
        return Truncator(obj.caption).chars(90)


@admin.register(Quote)
class QuoteAdmin(InvalidatesPublicPages, admin.ModelAdmin):
    list_display = ["text_short", "source", "article", "is_pull_quote"]
    list_filter = ["is_pull_quote", "source__kind"]
    search_fields = ["text", "article__headline"]
    list_select_related = ["source", "article"]
    autocomplete_fields = ["source", "article"]

    def get_search_fields(self, request):
        # Finding quotes by a source's name would tie a confidential name to its label.
        if sees_confidential_sources(request.user):
            return [*self.search_fields, "source__name"]
        return self.search_fields

    @admin.display(description="Quote")
    def text_short(self, obj):
        return Truncator(obj.text).chars(90)
