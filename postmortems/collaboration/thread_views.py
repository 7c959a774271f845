"""The review page's document with its comment threads, and the thread actions.

Anyone who may see the incident may comment; only the author edits or deletes a comment;
those who may edit or review the postmortem, and the thread's own people, resolve it.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from incidents.selectors import incident_for_document
from postmortems import services
from postmortems.collaboration import comments
from postmortems.collaboration.anchors import (
    render_document_html,
    section_keys,
    split_sections,
)
from postmortems.collaboration.forms import CommentForm, NewThreadForm
from postmortems.collaboration.mentions import people_for_autocomplete
from postmortems.forms import ReopenForm, ReviewForm
from postmortems.models import Comment, CommentThread, Postmortem
from postmortems.permissions import (
    can_change_comment,
    can_change_status,
    can_edit_postmortem,
    can_resolve_thread,
    can_review,
)
from postmortems.render import PostmortemDocument, build_document


def postmortem_for_review(request: HttpRequest, incident_id: int) -> Postmortem:
    """Return the postmortem with everything the review page's document shows (404 if hidden)."""
    incident = get_object_or_404(
        incident_for_document(request.user).prefetch_related(
            "postmortem__authors", "postmortem__reviewers"
        ),
        pk=incident_id,
    )
    postmortem = getattr(incident, "postmortem", None) or services.postmortem_for(incident)
    postmortem.incident = incident
    return postmortem


def threads_of(postmortem: Postmortem) -> list[CommentThread]:
    """Return the postmortem's threads with their comments and people, in two queries."""
    threads = list(
        postmortem.threads.select_related(
            "created_by", "resolved_by", "timeline_event", "action_item"
        ).prefetch_related(Prefetch("comments", queryset=Comment.objects.select_related("author")))
    )
    for thread in threads:
        thread.postmortem = postmortem
    return threads


def _anchors(document: PostmortemDocument) -> list[tuple[str, str]]:
    anchors = [
        (f"event-{row.event.pk}", f"Timeline {row.clock}: {row.event.description[:50]}")
        for row in document.timeline
    ]
    anchors += [
        (f"item-{item.pk}", f"Action item: {item.title[:60]}") for item in document.measures
    ]
    return anchors


def review_context(
    request: HttpRequest, postmortem: Postmortem, bound: dict[str, forms.Form] | None = None
) -> dict:
    """Return the review page's context: the document cut into sections, each with its threads.

    `bound` holds a form that failed, by its place ("new:timeline", "reply:12", "edit:40"),
    so it is shown again where it was, with the text as written.
    """
    bound = dict(bound or {})
    user = request.user
    document = build_document(postmortem.incident)
    sections = split_sections(render_document_html(document))
    keys = [s.key for s in sections if s.key != "top"]
    anchors = _anchors(document)
    threads = threads_of(postmortem)
    by_section: dict[str, list[CommentThread]] = {}
    for thread in threads:
        thread.can_resolve = can_resolve_thread(user, thread)
        thread.reply_form = bound.get(f"reply:{thread.pk}") or CommentForm(
            auto_id=f"reply-{thread.pk}-%s"
        )
        # The button says "Reply"; the box says what goes in it, so "Reply" is heard once.
        thread.reply_form.fields["body"].widget.attrs["placeholder"] = (
            "Write a reply; @name mentions"
        )
        for comment in thread.comments.all():
            comment.mine = can_change_comment(user, comment)
            comment.edit_form = bound.get(f"edit:{comment.pk}") or CommentForm(
                initial={"body": comment.body}, auto_id=f"edit-{comment.pk}-%s"
            )
        # A thread whose section left the layout still shows, in the last section.
        key = thread.section if thread.section in keys else (keys[-1] if keys else "top")
        by_section.setdefault(key, []).append(thread)
    # A new thread on a section that left the document shows again in the first one.
    for place in [p for p in bound if p.startswith("new:") and p[4:] not in keys]:
        if keys:
            bound.setdefault(f"new:{keys[0]}", bound.pop(place))
    rows = []
    for section in sections:
        section_threads = by_section.get(section.key, [])
        rows.append(
            {
                "section": section,
                "open_threads": [t for t in section_threads if not t.is_resolved],
                "resolved_threads": [t for t in section_threads if t.is_resolved],
                "new_form": bound.get(f"new:{section.key}")
                or NewThreadForm(
                    initial={"section": section.key},
                    section_keys=keys,
                    anchors=anchors,
                    auto_id=f"new-{section.key}-%s",
                ),
                "new_open": f"new:{section.key}" in bound,
            }
        )
    return {
        "postmortem": postmortem,
        "incident": postmortem.incident,
        "sections": rows,
        "open_thread_count": sum(1 for t in threads if not t.is_resolved),
        "form": bound.get("review") or ReviewForm(),
        "reviews": postmortem.reviews.select_related("reviewer"),
        "can_review": can_review(user, postmortem),
        "can_change_status": can_change_status(user, postmortem),
        "can_edit": can_edit_postmortem(user, postmortem),
        "approved": services.is_approved(postmortem),
        "bare_causes": postmortem.incident.causes.without_corrective_action(),
        "reopen_form": ReopenForm(),
    }


def _render_again(
    request: HttpRequest, postmortem: Postmortem, place: str, form: forms.Form
) -> HttpResponse:
    context = review_context(request, postmortem, {place: form})
    return render(request, "postmortems/review.html", context, status=400)


def _back_to(thread: CommentThread) -> HttpResponse:
    return redirect(thread.get_absolute_url())


def _anchored(postmortem: Postmortem, about: str) -> dict:
    kind, _, pk = about.partition("-")
    incident = postmortem.incident
    if kind == "event" and pk.isdigit():
        return {"timeline_event": incident.timeline_events.filter(pk=pk).first()}
    if kind == "item" and pk.isdigit():
        return {"action_item": incident.action_items.filter(pk=pk).first()}
    return {}


@require_POST
def thread_create(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Start a thread on a section, entry or item, with its first comment."""
    postmortem = postmortem_for_review(request, incident_id)
    document = build_document(postmortem.incident)
    keys = section_keys(document)
    form = NewThreadForm(
        request.POST,
        section_keys=keys,
        anchors=_anchors(document),
        auto_id=f"new-{request.POST.get('section', '')}-%s",
    )
    if not form.is_valid():
        return _render_again(request, postmortem, f"new:{request.POST.get('section', '')}", form)
    try:
        comment = comments.thread_start(
            postmortem=postmortem,
            actor=request.user,
            section=form.cleaned_data["section"],
            body=form.cleaned_data["body"],
            **_anchored(postmortem, form.cleaned_data["about"]),
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _render_again(request, postmortem, f"new:{form.cleaned_data['section']}", form)
    messages.success(request, "Comment added.")
    return _back_to(comment.thread)


def _thread(request: HttpRequest, incident_id: int, thread_id: int):
    postmortem = postmortem_for_review(request, incident_id)
    thread = get_object_or_404(postmortem.threads.prefetch_related("comments"), pk=thread_id)
    thread.postmortem = postmortem
    return postmortem, thread


@require_POST
def thread_reply(request: HttpRequest, incident_id: int, thread_id: int) -> HttpResponse:
    """Reply in a thread (a resolved one opens again)."""
    postmortem, thread = _thread(request, incident_id, thread_id)
    form = CommentForm(request.POST, auto_id=f"reply-{thread.pk}-%s")
    if not form.is_valid():
        return _render_again(request, postmortem, f"reply:{thread.pk}", form)
    comment = comments.comment_reply(
        thread=thread, actor=request.user, body=form.cleaned_data["body"]
    )
    messages.success(request, "Reply added.")
    return redirect(comment.get_absolute_url())


@require_POST
def thread_resolve(request: HttpRequest, incident_id: int, thread_id: int) -> HttpResponse:
    """Mark a thread resolved, or open it again (`reopen` in the form)."""
    _, thread = _thread(request, incident_id, thread_id)
    if not can_resolve_thread(request.user, thread):
        raise PermissionDenied(
            "Only the thread's people and those who edit or review the postmortem resolve it."
        )
    if request.POST.get("reopen"):
        comments.thread_reopen(thread=thread, actor=request.user)
        messages.success(request, "Thread reopened.")
    else:
        comments.thread_resolve(thread=thread, actor=request.user)
        messages.success(request, "Thread resolved.")
    return _back_to(thread)


def _comment(request: HttpRequest, incident_id: int, comment_id: int):
    postmortem = postmortem_for_review(request, incident_id)
    comment = get_object_or_404(
        Comment.objects.select_related("thread"), pk=comment_id, thread__postmortem=postmortem
    )
    comment.thread.postmortem = postmortem
    if not can_change_comment(request.user, comment):
        raise PermissionDenied("Only its author may change a comment.")
    return postmortem, comment


@require_POST
def comment_edit(request: HttpRequest, incident_id: int, comment_id: int) -> HttpResponse:
    """Change one's own comment."""
    postmortem, comment = _comment(request, incident_id, comment_id)
    form = CommentForm(request.POST, auto_id=f"edit-{comment.pk}-%s")
    if not form.is_valid():
        return _render_again(request, postmortem, f"edit:{comment.pk}", form)
    comments.comment_edit(comment=comment, actor=request.user, body=form.cleaned_data["body"])
    messages.success(request, "Comment changed.")
    return redirect(comment.get_absolute_url())


@require_POST
def comment_delete(request: HttpRequest, incident_id: int, comment_id: int) -> HttpResponse:
    """Delete one's own comment."""
    postmortem, comment = _comment(request, incident_id, comment_id)
    thread = comment.thread
    comments.comment_delete(comment=comment, actor=request.user)
    messages.success(request, "Comment deleted.")
    if CommentThread.objects.filter(pk=thread.pk).exists():
        return _back_to(thread)
    return redirect("postmortems:review", incident_id=postmortem.incident_id)


@require_GET
def mention_people(request: HttpRequest, incident_id: int) -> JsonResponse:
    """Return the people who may see the incident matching `q`, for @mention completion."""
    incident = get_object_or_404(
        incident_for_document(request.user).prefetch_related(None), pk=incident_id
    )
    people = people_for_autocomplete(incident, request.GET.get("q", "")[:50])
    return JsonResponse(
        {
            "people": [
                {"username": person.username, "name": person.get_full_name() or person.username}
                for person in people
            ]
        }
    )
