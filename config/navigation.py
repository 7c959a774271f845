"""What base.html needs on every page, worked out once: the menu's links, the stylesheets and
scripts every page loads, and where the viewer is.

Reversing the menu's URLs and naming the hashed static files took half the time of rendering
base.html, on every page. They change only with the script prefix, the URL configuration
and the static files settings, so each combination's are worked out once per process.
"""

from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse

# The name the menu uses → the URL name it links to.
NAV_LINKS = {
    "home": "home",
    "incidents": "incidents:list",
    "action_items": "incidents:action_items",
    "dashboard": "incidents:dashboard",
    "import": "postmortems:import",
    "templates": "postmortems:templates",
    "inbox": "notifications:inbox",
    "unread_count": "notifications:unread_count",
    "settings": "incidents:settings",
    "admin": "admin:index",
    "dev_mail": "dev_mail",
    "search": "search:results",
    "logout": "logout",
}


# The name base.html uses → the static file.
ASSETS = {
    "favicon": "favicon.svg",
    "tom_select_css": "vendor/tom-select/tom-select.min.css",
    "app_css": "css/app.css",
    "collab_css": "css/collab.css",
    "print_css": "css/print.css",
    "tom_select_js": "vendor/tom-select/tom-select.complete.min.js",
    "forms_js": "js/forms.js",
    "pickers_js": "js/pickers.js",
    "keys_js": "js/keys.js",
    "unread_js": "js/unread.js",
}


@lru_cache(maxsize=1)
def _assets() -> dict[str, str]:
    return {name: static(path) for name, path in ASSETS.items()}


@receiver(setting_changed)
def _forget_assets(*, setting: str, **kwargs) -> None:
    # Tests change the static files settings; a deploy never does while running.
    if setting in ("STATIC_URL", "STORAGES", "STATICFILES_DIRS"):
        _assets.cache_clear()


@lru_cache(maxsize=8)
def _links(script_prefix: str, urlconf: str) -> dict[str, str]:
    return {name: reverse(url_name, urlconf=urlconf) for name, url_name in NAV_LINKS.items()}


def navigation(request: HttpRequest) -> dict[str, object]:
    """Context processor: `nav` (the menu's URLs), `assets` (the static files every page
    loads) and `nav_app`/`nav_page`, where the viewer is."""
    match = getattr(request, "resolver_match", None)
    return {
        "assets": _assets(),
        "nav": _links(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF),
        "nav_app": match.app_name if match else "",
        "nav_page": match.url_name if match else "",
    }
