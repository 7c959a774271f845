"""Pages of alert sources (the team's manager's), and the endpoint the senders call."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from alerts import senders, services
from alerts.forms import ServiceRuleForm, SourceForm
from alerts.models import AlertServiceRule, AlertSource
from alerts.permissions import can_manage_alerts, manageable_teams
from core.crypto import SecretUnreadable
from incidents.permissions import is_manager

# Alertmanager sends a whole group in one body; a few hundred alerts fit in this.
MAX_BODY_BYTES = 512 * 1024
# Deliveries a source may make in a minute; a storm beyond it is answered 429 (retried).
MAX_PER_MINUTE = 300


def _require_manager(request: HttpRequest) -> None:
    if not is_manager(request.user):
        raise PermissionDenied("Only team managers can configure alert sources.")


def _source_for(request: HttpRequest, source_id: int) -> AlertSource:
    _require_manager(request)
    source = get_object_or_404(AlertSource.objects.select_related("team"), pk=source_id)
    if not can_manage_alerts(request.user, source.team):
        raise PermissionDenied("Only the team's manager can configure its alert sources.")
    return source


def hook_url(request: HttpRequest, source: AlertSource) -> str:
    return request.build_absolute_uri(reverse("alerts:receive", args=[source.kind, source.uuid]))


def source_list(request: HttpRequest) -> HttpResponse:
    """List the alert sources of the teams the user manages."""
    _require_manager(request)
    sources = AlertSource.objects.filter(team__in=manageable_teams(request.user))
    return render(request, "alerts/source_list.html", {"sources": sources.select_related("team")})


def _show_once(request: HttpRequest, source: AlertSource, secret: str) -> HttpResponse:
    """Redirect to the source's page, which shows the secret on this visit only.

    The secret waits in the session rather than in a POST's answer, so that reloading the
    page neither sends the form again nor shows the secret twice.
    """
    request.session[f"alerts:secret:{source.pk}"] = secret
    return redirect(source)


def _detail(request: HttpRequest, source: AlertSource) -> HttpResponse:
    new_secret = request.session.pop(f"alerts:secret:{source.pk}", "")
    return render(
        request,
        "alerts/source_detail.html",
        {
            "source": source,
            "hook_url": hook_url(request, source),
            "new_secret": new_secret,
            "rules": source.service_rules.select_related("service"),
            "rule_form": ServiceRuleForm(source=source),
            "events": services.recent_events(source, user=request.user),
        },
    )


@sensitive_post_parameters("signing_secret")
@sensitive_variables("secret")
def source_create(request: HttpRequest) -> HttpResponse:
    """Add an alert source; its secret is shown on the next page, once."""
    _require_manager(request)
    form = SourceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            source, secret = services.source_create(
                source=form.save(commit=False),
                actor=request.user,
                given_secret=form.cleaned_data["signing_secret"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{source.name} is ready for alerts.")
            return _show_once(request, source, secret) if secret else redirect(source)
    return render(request, "alerts/source_form.html", {"form": form, "source": None})


@sensitive_post_parameters("signing_secret")
@sensitive_variables("given")
def source_edit(request: HttpRequest, source_id: int) -> HttpResponse:
    """Change a source's name, the incidents it opens, PagerDuty's secret, or pause it."""
    source = _source_for(request, source_id)
    form = SourceForm(request.POST or None, instance=source, user=request.user)
    if request.method == "POST" and form.is_valid():
        source = form.save()
        given = form.cleaned_data["signing_secret"]
        if given:
            services.secret_rotate(source=source, secret=given)
        messages.success(request, "Saved.")
        return redirect(source)
    return render(request, "alerts/source_form.html", {"form": form, "source": source})


def source_detail(request: HttpRequest, source_id: int) -> HttpResponse:
    """Show a source: its URL, how to set the sender up, its service names, what came in."""
    return _detail(request, _source_for(request, source_id))


@require_POST
@sensitive_variables("secret")
def source_new_secret(request: HttpRequest, source_id: int) -> HttpResponse:
    """Make a new secret and show it once; the old one works for a day more."""
    source = _source_for(request, source_id)
    if source.kind == AlertSource.Kind.PAGERDUTY:
        messages.error(request, "PagerDuty makes its own secret: paste its new one here.")
        return redirect("alerts:edit", source.pk)
    secret = services.secret_rotate(source=source)
    messages.warning(
        request, "The old secret works for 24 hours more: give the sender the new one."
    )
    return _show_once(request, source, secret)


@require_POST
def source_delete(request: HttpRequest, source_id: int) -> HttpResponse:
    source = _source_for(request, source_id)
    source.delete()
    messages.success(request, f"{source.name} is removed; its incidents stay.")
    return redirect("alerts:list")


@require_POST
def rule_create(request: HttpRequest, source_id: int) -> HttpResponse:
    """Map a name the sender uses for a service to one of ours."""
    source = _source_for(request, source_id)
    form = ServiceRuleForm(request.POST, source=source)
    if form.is_valid():
        form.save()
        messages.success(request, f"Alerts naming {form.instance.sender_name} go to its service.")
    else:
        errors = "; ".join(e for errs in form.errors.values() for e in errs)
        messages.error(request, f"Not mapped: {errors}")
    return redirect(source)


@require_POST
def rule_delete(request: HttpRequest, source_id: int, rule_id: int) -> HttpResponse:
    source = _source_for(request, source_id)
    AlertServiceRule.objects.filter(source=source, pk=rule_id).delete()
    messages.success(request, "The mapping is removed.")
    return redirect(source)


# --- the senders' endpoint ---


def _answer(status: int, reason: str, **extra) -> JsonResponse:
    return JsonResponse({"ok": status < 300, "reason": reason, **extra}, status=status)


def _too_many(source: AlertSource) -> bool:
    key = f"alerts:rate:{source.pk}:{timezone.now():%Y%m%d%H%M}"
    try:
        cache.add(key, 0, timeout=120)
        return cache.incr(key) > MAX_PER_MINUTE
    except Exception:  # a cache that is down must not lose alerts
        return False


@csrf_exempt
@login_not_required
@require_POST
def receive(request: HttpRequest, kind: str, source_uuid) -> HttpResponse:
    """Take in one delivery from a sender, verified with the source's secret."""
    source = AlertSource.objects.filter(uuid=source_uuid, kind=kind).first()
    if source is None:
        return _answer(404, "No alert source has this URL.")
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return _answer(413, f"The body is larger than {MAX_BODY_BYTES} bytes.")
    if _too_many(source):
        response = _answer(429, "Too many deliveries this minute; try again.")
        response["Retry-After"] = "60"
        return response
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        return _answer(413, f"The body is larger than {MAX_BODY_BYTES} bytes.")
    try:
        secrets = source.secrets_accepted()
    except SecretUnreadable:
        return _answer(503, "The source's secret cannot be read here; make a new one.")
    verdicts = [senders.verify(source, secret, body, request.headers) for secret in secrets]
    if not any(verdicts):
        if all(verdict is None for verdict in verdicts):
            return _answer(401, "No signature or Authorization header.")
        return _answer(403, "The signature or the credentials do not match this source.")
    if not source.is_active:
        return _answer(202, "This source is paused: nothing was taken in.", new_facts=0)
    try:
        facts, title = senders.read(source, json.loads(body))
    except (ValueError, UnicodeDecodeError) as error:
        reason = str(error) if isinstance(error, senders.BadPayload) else "The body is not JSON."
        return _answer(400, reason)
    except RecursionError:
        return _answer(400, "The body's JSON is nested too deeply.")
    try:
        new = services.facts_take_in(source_id=source.pk, facts=facts, title=title)
    except ValidationError as error:
        return _answer(400, "; ".join(error.messages))
    return _answer(202, "Taken in.", new_facts=new)
