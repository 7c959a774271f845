"""The managers' dashboard: charts with a plain table beside each."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from incidents import charts
from incidents.dashboard import MEASURES, DashboardScope, dashboard
from incidents.models import Incident, Service, Team


class DashboardFilterForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    service = forms.ModelChoiceField(queryset=Service.objects.all(), required=False)
    start = forms.DateField(
        label="Incidents from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="Incidents to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def dashboard_view(request: HttpRequest) -> HttpResponse:
    form = DashboardFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    scope = DashboardScope(user=request.user, **filters)
    data = dashboard(scope, timezone.localdate())
    severities = list(Incident.Severity.values)
    return render(
        request,
        "incidents/dashboard.html",
        {
            "form": form,
            "data": data,
            "severities": severities,
            "measures": MEASURES,
            "team_chart": charts.horizontal_bars(data["by_team"], ["open", "overdue"]),
            "owner_chart": charts.horizontal_bars(data["by_owner"], ["open", "overdue"]),
            "weekly_chart": charts.columns(data["weekly"], ["opened", "closed"]),
            "severity_chart": charts.columns(data["monthly_severity"], severities),
            "response_chart": charts.columns(
                data["response_times"], ["detect_median", "mitigate_median", "resolve_median"]
            ),
        },
    )
