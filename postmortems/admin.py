from django.contrib import admin

from incidents.admin import RowsOfVisibleIncidents
from incidents.models import Incident
from postmortems.models import (
    Postmortem,
    PostmortemSection,
    PostmortemTemplate,
    Review,
    TemplateSection,
)


class ReviewInline(admin.TabularInline):
    model = Review
    extra = 0


class PostmortemSectionInline(admin.StackedInline):
    model = PostmortemSection
    extra = 0


class TemplateSectionInline(admin.TabularInline):
    model = TemplateSection
    extra = 0


@admin.register(PostmortemTemplate)
class PostmortemTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "style", "built_in", "retired_at"]
    list_filter = ["built_in", "style"]
    inlines = [TemplateSectionInline]


@admin.register(Postmortem)
class PostmortemAdmin(RowsOfVisibleIncidents, admin.ModelAdmin):
    list_display = ["incident", "status", "template", "published_at", "updated_at"]
    list_filter = ["status", "template"]
    search_fields = ["incident__title"]
    filter_horizontal = ["authors", "reviewers"]
    inlines = [PostmortemSectionInline, ReviewInline]
    list_select_related = ["incident", "template"]
    readonly_fields = ["version"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["postmortem", "reviewer", "decision", "created_at"]
    list_filter = ["decision"]
    list_select_related = ["postmortem__incident", "reviewer"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        visible = Incident.objects.visible_to(request.user).values("pk")
        return queryset.filter(postmortem__incident__in=visible)
