from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from accounts.login import SignInView
from config.dev_mail import mail_list
from config.health import health
from importing import urls as import_urls
from postmortems import document_urls
from postmortems import views as postmortem_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="incidents:list"), name="home"),
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("accounts.urls")),
    # The admin's own login form would skip two-factor sign-in: send it to ours.
    path(
        "admin/login/",
        login_not_required(RedirectView.as_view(pattern_name="login", query_string=True)),
    ),
    path("admin/", admin.site.urls),
    # Our own login-protected markdownx endpoints (CVE-2024-2319): the package's views
    # need no login and would accept any image type.
    path("markdownx/markdownify/", postmortem_views.markdown_preview, name="markdownx_markdownify"),
    path("markdownx/upload/", postmortem_views.image_upload, name="markdownx_upload"),
    path("incidents/", include("incidents.urls")),
    # The document's pages and the import page share the "postmortems" namespace.
    path(
        "postmortems/",
        include(([*import_urls.urlpatterns, *document_urls.urlpatterns], "postmortems")),
    ),
    path("search/", include("search.urls")),
    path("notifications/", include("notifications.urls")),
    path("health/", health, name="health"),
    # A 404 unless DEBUG is on and the user is a superuser (config/dev_mail.py).
    path("dev/mail/", mail_list, name="dev_mail"),
    path("api/v1/", include("api.urls")),
    path("settings/tokens/", include("api.web_urls")),
    path("webhooks/", include("webhooks.urls")),
    path("trackers/", include("trackers.urls")),
    path("alerts/", include("alerts.urls")),
    path("confluence/", include("confluence.urls")),
    path("chat/", include("chat.urls")),
    path("repositories/", include("publishing.urls")),
    # Browsers ask for /favicon.ico on pages without an icon link, such as Django's admin.
    path("favicon.ico", postmortem_views.favicon, name="favicon"),
    # Django prefixes MEDIA_URL with "/"; URL patterns have none.
    path(
        f"{settings.MEDIA_URL.removeprefix('/')}<path:path>",
        postmortem_views.uploaded_file,
        name="uploaded_file",
    ),
]
