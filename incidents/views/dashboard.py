"""The managers' dashboard: charts with a plain table beside each."""

from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from incidents import charts
from incidents.dashboard import MEASURES, DashboardScope, cached_dashboard
from incidents.models import Incident, Service, Team


class DashboardFilterForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(), required=False, empty_label="Any team"
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.all(),
        required=False,
        empty_label="Any service",
        widget=forms.Select(attrs={"data-picker": "service"}),
    )
    start = forms.DateField(
        label="Incidents from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="Incidents to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


SERIES_NAMES = {
    "open": "Open",
    "overdue": "Overdue",
    "opened": "Opened",
    "closed": "Closed",
    **{key: f"Median time to {key}" for key in MEASURES},
    **{f"{key}_median": f"Median time to {key}" for key in MEASURES},
}


def incident_list_query(scope: DashboardScope, month: date) -> str:
    """Return the incident list's query for the incidents a month's column counts."""
    next_month = (month + timedelta(days=32)).replace(day=1)
    start = max(month, scope.start) if scope.start else month
    end = min(next_month - timedelta(days=1), scope.end) if scope.end else next_month - timedelta(1)
    query = {"started_after": start.isoformat(), "started_before": end.isoformat()}
    if scope.team:
        query["team"] = scope.team.pk
    if scope.service:
        query["service"] = scope.service.pk
    return urlencode(query)


def dashboard_view(request: HttpRequest) -> HttpResponse:
    form = DashboardFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    scope = DashboardScope(user=request.user, **filters)
    data = cached_dashboard(scope, timezone.localdate())
    for row in data["monthly_severity"]:
        row["query"] = incident_list_query(scope, row["month"])
    severities = list(Incident.Severity.values)
    return render(
        request,
        "incidents/dashboard.html",
        {
            "form": form,
            "data": data,
            "severities": severities,
            "measures": MEASURES,
            "team_chart": charts.horizontal_bars(
                data["by_team"], ["open", "overdue"], names=SERIES_NAMES
            ),
            "owner_chart": charts.horizontal_bars(
                data["by_owner"], ["open", "overdue"], names=SERIES_NAMES
            ),
            "weekly_chart": charts.columns(
                data["weekly"], ["opened", "closed"], names=SERIES_NAMES
            ),
            "severity_chart": charts.columns(
                data["monthly_severity"],
                severities,
                names={value: label.split(":")[0] for value, label in Incident.Severity.choices},
                colors=charts.SEVERITY_COLORS,
            ),
            "open_total": sum(row["open"] for row in data["by_team"]),
            "overdue_total": sum(row["overdue"] for row in data["by_team"]),
            "incident_total": sum(row["total"] for row in data["monthly_severity"]),
            "response_chart": charts.columns(
                data["response_times"],
                ["detect_median", "mitigate_median", "resolve_median"],
                names=SERIES_NAMES,
                unit=" min",
            ),
        },
    )
