"""Request middleware every page goes through: the viewer's time zone and visibility scope."""

from django.utils import timezone

from core.visibility import visibility_scope
from core.zones import zone_or_none


class UserTimeZoneMiddleware:
    """Show times outside an incident in the zone the logged-in user chose in Settings.

    Pages about one incident still show its own zone (templates wrap them in it); "today",
    for what is overdue, is the user's today too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        # None too for a zone removed from the IANA database since it was chosen.
        zone = zone_or_none(user.time_zone) if user and user.is_authenticated else None
        if zone:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class VisibilityScopeMiddleware:
    """Look up once per request which private incidents the viewer may see (visibility.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with visibility_scope():
            return self.get_response(request)
