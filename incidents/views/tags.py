"""The managed list of tags: usage counts, rename, merge (managers only)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from incidents import tags
from incidents.models import Tag
from incidents.permissions import is_manager


class RenameForm(forms.Form):
    name = forms.CharField(label="New name", max_length=tags.MAX_NAME)


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(
        queryset=Tag.objects.none(),
        label="Merge into",
        empty_label="Pick a tag",
        error_messages={"invalid_choice": "Pick a tag from the list; it may have been merged."},
    )

    def __init__(self, *args, source: Tag, user, **kwargs):
        super().__init__(*args, **kwargs)
        tags_seen = Tag.objects.visible_to(user)
        self.fields["into"].queryset = tags_seen.exclude(pk=source.pk).order_by("name")


def _require_manager(request: HttpRequest) -> None:
    if not is_manager(request.user):
        raise PermissionDenied("Only managers may rename and merge tags.")


def _page(request: HttpRequest, *, failed: Tag | None = None, form=None, status: int = 200):
    """Render the list; a form that failed is shown on its tag's row, as the user typed it."""
    rows = tags.tag_usage(request.user)
    for row in rows:
        if failed is not None and row.tag.pk == failed.pk:
            if isinstance(form, RenameForm):
                row.rename_form = form
            else:
                row.merge_form = form
    return render(
        request, "incidents/tag_list.html", {"rows": rows, "all_tags": [r.tag for r in rows]},
        status=status,
    )  # fmt: skip


@require_GET
def tag_list(request: HttpRequest) -> HttpResponse:
    """List the tags the manager may see with what uses them, to rename or merge them."""
    _require_manager(request)
    return _page(request)


@require_POST
def tag_rename(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename a tag everywhere it is used."""
    _require_manager(request)
    tag = get_object_or_404(Tag.objects.visible_to(request.user), pk=pk)
    form = RenameForm(request.POST)
    if form.is_valid():
        old = tag.name
        try:
            tags.tag_rename(tag=tag, name=form.cleaned_data["name"], actor=request.user)
        except ValidationError as error:
            form.add_error("name", error)
        else:
            messages.success(request, f"Renamed ‘{old}’ to ‘{tag.name}’.")
            return redirect("incidents:tags")
    return _page(request, failed=tag, form=form, status=400)


@require_POST
def tag_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge a tag into another: everything tagged with it gets the other, and it goes."""
    _require_manager(request)
    source = get_object_or_404(Tag.objects.visible_to(request.user), pk=pk)
    form = MergeForm(request.POST, source=source, user=request.user)
    if form.is_valid():
        target = form.cleaned_data["into"]
        name = source.name
        tags.tag_merge(source=source, target=target, actor=request.user)
        messages.success(request, f"Merged ‘{name}’ into ‘{target.name}’.")
        return redirect("incidents:tags")
    return _page(request, failed=source, form=form, status=400)
