from django.contrib import admin

from postmortems.models import Postmortem, Review


class ReviewInline(admin.TabularInline):
    model = Review
    extra = 0


@admin.register(Postmortem)
class PostmortemAdmin(admin.ModelAdmin):
    list_display = ["incident", "status", "layout", "published_at", "updated_at"]
    list_filter = ["status", "layout"]
    search_fields = ["incident__title"]
    filter_horizontal = ["authors", "reviewers"]
    inlines = [ReviewInline]
    list_select_related = ["incident"]
    readonly_fields = ["version"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["postmortem", "reviewer", "decision", "created_at"]
    list_filter = ["decision"]
    list_select_related = ["postmortem__incident", "reviewer"]
