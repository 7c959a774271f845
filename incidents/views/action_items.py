"""The action items board: filters, inline and bulk changes, CSV export."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core import page_cache
from incidents import selectors, tracking
from incidents.board_forms import BulkChangeForm, QuickUpdateForm
from incidents.filters import ActionItemFilter
from incidents.models import ActionItem, User
from incidents.permissions import can_edit_action_item, can_view_incident
from incidents.rows import board_rows
from incidents.services import action_item_update

PAGE_SIZE = 50


def _filtered(request: HttpRequest) -> ActionItemFilter:
    return ActionItemFilter(
        request.GET or None,
        queryset=selectors.action_items_for_board(request.user),
        request=request,
    )


def _back_to_board(request: HttpRequest):
    target = request.POST.get("next", "")
    # Only a path on this site: redirect() would read a bare word such as "0" as a view name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return HttpResponseRedirect(target)
    return redirect("incidents:action_items")


def _owner_options() -> str:
    """Return the <option>s of every active user, built here: a template loop over
    thousands of users costs more than the rest of the page."""
    people = User.objects.filter(is_active=True).order_by("username")
    return format_html_join(
        "",
        '<option value="{}">{}</option>',
        (
            (username, f"{first} {last}".strip())
            for username, first, last in people.values_list("username", "first_name", "last_name")
        ),
    )


BOARD_PARTS = ["filters", "counts", "rows"]


def action_item_board(request: HttpRequest) -> HttpResponse:
    """List action items across incidents with the filter the URL carries.

    The filters, the counts and the rows read the same to viewers who may see the same
    incidents (and, with "only mine", to that owner), so they come from the page cache when
    they are there (core.page_cache); the bulk form, with its CSRF token, never does.
    """
    today = timezone.localdate()
    query = request.GET.copy()
    query.pop("page", None)
    key = page_cache.part_key(
        "board",
        page_cache.viewer_scope(request.user),
        f"u{request.user.pk}" if request.GET.get("mine") else "",
        sorted(request.GET.lists()),
    )
    stored = page_cache.get_parts(key, BOARD_PARTS)
    context = {
        "query": query.urlencode(),
        "statuses": ActionItem.Status.choices,
        "bulk_form": BulkChangeForm(),
        "today": today,
        **{f"{name}_key": key and f"{key}:{name}" for name in BOARD_PARTS},
        **{f"stored_{name}": html for name, html in stored.items()},
    }
    if not all(stored.values()):
        filterset = _filtered(request)
        items = filterset.qs
        counts = selectors.status_counts(items)
        paginator = Paginator(selectors.board_rows(items), PAGE_SIZE)
        # The counts per status add up to the matches: one pass over them instead of two.
        paginator.count = sum(counts.values())
        page = paginator.get_page(request.GET.get("page"))
        rows = [(item, item.days_overdue(today)) for item in page.object_list]
        context.update(
            filter=filterset, page=page, rows=rows, rows_html=board_rows(rows), counts=counts
        )
    return render(request, "incidents/action_item_board.html", context)


def action_item_owner_options(request: HttpRequest) -> HttpResponse:
    """Return the owner datalist's <option>s, fetched when an owner field is first focused:
    inlined in the board, thousands of users outweighed the rest of the page."""
    return HttpResponse(_owner_options())


def action_item_quick_form(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """Return the quick owner or status form of one board row, fetched when it is opened.

    htmx swaps the bare form into the row; without JavaScript the link opens it as a page.
    """
    if field not in ("owner", "status"):
        raise Http404("A board row's quick form changes the owner or the status.")
    item = get_object_or_404(
        ActionItem.objects.visible_to(request.user).select_related("incident", "owner"), pk=pk
    )
    if not can_edit_action_item(request.user, item):
        raise PermissionDenied(
            "Only the owner, the incident's authors or a manager may change this item."
        )
    # Back to the board as filtered: the rows carry no `next` to keep them light, so it is
    # the page htmx was called from, or the referring page without JavaScript.
    target = request.GET.get("next") or (
        request.headers.get("HX-Current-URL") or request.headers.get("Referer") or ""
    )
    parts = urlsplit(target)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    if not (
        target.startswith("/")
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
        and (not parts.netloc or parts.netloc == request.get_host())
    ):
        target = reverse("incidents:action_items")
    context = {
        "item": item,
        "field": field,
        "next": target,
        "statuses": ActionItem.Status.choices,
    }
    if request.headers.get("HX-Request"):
        return render(request, "incidents/partials/board_quick_form.html", context)
    return render(request, "incidents/board_quick_edit.html", context)


@require_POST
def action_item_quick_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the status or owner of one item from its board row."""
    item = get_object_or_404(
        ActionItem.objects.visible_to(request.user).select_related("incident", "owner"), pk=pk
    )
    if not can_edit_action_item(request.user, item):
        raise PermissionDenied(
            "Only the owner, the incident's authors or a manager may change this item."
        )
    form = QuickUpdateForm(request.POST, initial={"status": item.status, "owner": item.owner_id})
    if not form.is_valid():
        reasons = " ".join(message for errors in form.errors.values() for message in errors)
        messages.error(request, f"{item.title}: {reasons}")
        return _back_to_board(request)
    changes = form.changes()
    owner = changes.get("owner")
    if owner is not None and not can_view_incident(owner, item.incident):
        who = owner.get_username()
        messages.error(request, f"{item.title}: {who} may not see its private incident.")
        return _back_to_board(request)
    if changes:
        try:
            action_item_update(item=item, actor=request.user, data=changes)
        except ValidationError as error:
            messages.error(request, f"{item.title}: {' '.join(error.messages)}")
        else:
            messages.success(request, f"Updated {item.title}.")
    return _back_to_board(request)


@require_POST
def action_items_bulk(request: HttpRequest) -> HttpResponse:
    """Apply one change to the selected items, checking permission item by item."""
    form = BulkChangeForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return _back_to_board(request)
    items = form.cleaned_data["items"].select_related("incident")
    result = tracking.action_items_bulk_change(
        items=items, changes=form.changes(), actor=request.user
    )
    level = messages.WARNING if result.refused or result.invalid else messages.SUCCESS
    messages.add_message(request, level, result.summary())
    return _back_to_board(request)


def action_items_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Download exactly the items the current filter shows, as CSV."""
    filterset = _filtered(request)
    rows = tracking.action_items_csv_rows(filterset.qs, today=timezone.localdate())
    response = StreamingHttpResponse(tracking.stream_csv(rows), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="action-items.csv"'
    return response
