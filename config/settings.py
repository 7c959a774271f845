"""Settings for postmortems; every deploy-time value comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_map,
    env_str,
    env_timezone,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "insecure-local-development-key-do-not-deploy"  # noqa: S105
# Unset without DEBUG, the key stays empty: the web server and the Celery worker refuse to
# start (require_secret_key), while commands that sign nothing, such as migrate or
# makemigrations --check, still run in a bare environment.

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "markdownx",
    "core",
    "incidents",
    "postmortems",
    "importing",
    "api",
    "webhooks",
    "trackers",
    "alerts",
    "confluence",
    "chat",
    "publishing",
    "accounts",
    "search",
    "notifications",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
]

MIDDLEWARE = [
    # First: probes call a node by its address over HTTP (config/health.py).
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "core.middleware.UserTimeZoneMiddleware",
    "core.middleware.VisibilityScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# Forms render through our templates, so that templates/django/forms/div.html can announce a
# form's own errors (not tied to one field) to screen readers, once, for every form.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.dev_mail.dev_mail_link",
                "config.navigation.navigation",
            ],
        },
    },
]

# SQLite is the embedded default so that `make run` needs no database server.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # make run's web process and Celery worker write the same file. WAL lets pages read
    # while the worker writes; IMMEDIATE takes the write lock when a transaction begins, so
    # two transactions that read and then write wait for each other (the busy timeout)
    # instead of one failing at once with "database is locked", which SQLite answers to a
    # deferred transaction whose read lock cannot be upgraded.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("SQLITE_BUSY_TIMEOUT_SECONDS", 20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The private-incident rule's subplans make PostgreSQL estimate list and search queries
    # above jit_above_cost; compiling them then took 70-110 ms of a 30 ms query (bench/search.py).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "incidents.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "incidents:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
USE_I18N = True
USE_TZ = True
# The database always holds UTC; TIME_ZONE is only the display default for users
# and incidents that name no zone of their own.
TIME_ZONE = env_timezone("TIME_ZONE", "UTC")

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Images uploaded from the editor: MEDIA_ROOT on the local disk by default; with a bucket
# named, an S3 API (AWS S3, MinIO, Ceph...) that every web node shares. The bucket stays
# private: images are read back through the storage API by the login-protected view
# uploaded_file, never linked to the bucket. Keys left empty fall back to boto3's own chain
# (instance or pod roles).
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("AWS_S3_REGION_NAME", "") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY", "") or None,
            "location": env_str("AWS_LOCATION", ""),
            "addressing_style": env_choice(
                "AWS_S3_ADDRESSING_STYLE", "auto", ["auto", "path", "virtual"]
            ),
            # No ACL on the objects: they are as private as the bucket, and buckets with
            # ACLs disabled (the AWS default) refuse requests that set one.
            "default_acl": None,
            "file_overwrite": False,
        },
    }

# Email
# With DEBUG (make run) and no EMAIL_BACKEND of its own, mail is caught in files that the
# web and worker processes both write and /dev/mail/ shows: a fresh machine has no SMTP
# server on localhost:25, and every message would fail after its retries.
FILE_EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND", FILE_EMAIL_BACKEND if DEBUG else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_FILE_PATH = Path(env_str("EMAIL_FILE_PATH", str(BASE_DIR / ".venv" / "mail")))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "postmortems@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery on Redis
REDIS_URL = env_str("REDIS_URL", "redis://localhost:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TIMEZONE = env_timezone("REMINDER_TIME_ZONE", TIME_ZONE)
# A task whose worker died unacked is handed out again after this many seconds.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # How often a worker looks for such abandoned tasks: every interval x throttle seconds.
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", 10),
}
# Publishing from a web request must fail fast when Redis is down, not hang the request.
CELERY_BROKER_CONNECTION_TIMEOUT = 3

# One cache for every web server (dashboard figures, API throttles, lockout mails): Redis
# when CACHE_URL, or else REDIS_URL, is set in the environment; "locmem://" or neither
# keeps it in each process.
CACHE_URL = env_str("CACHE_URL", REDIS_URL if "REDIS_URL" in os.environ else "locmem://")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "postmortems"),
            # A cache that is down must cost a page a moment, not hang it.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
elif CACHE_URL.startswith("locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(
        f"CACHE_URL={CACHE_URL!r}: use redis://host:port/db, rediss://… or locmem://"
    )
# How long the dashboard's figures are reused; any recorded change recomputes them sooner.
DASHBOARD_CACHE_SECONDS = env_int("DASHBOARD_CACHE_SECONDS", 60)
# How long rendered parts of the incident page and the document are reused (page_cache.py);
# any recorded change makes them anew sooner. 0 turns it off.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
REMINDER_HOUR = env_int("REMINDER_HOUR", 8)
REMINDER_DUE_WITHIN_DAYS = env_int("REMINDER_DUE_WITHIN_DAYS", 3)
REMINDER_ESCALATE_AFTER_DAYS = env_int("REMINDER_ESCALATE_AFTER_DAYS", 7)
# Owed deliveries (reminder emails, assignment notices, event handling): the database
# says what is owed; see core/deliveries.py.
DELIVERY_MAX_RETRIES = env_int("DELIVERY_MAX_RETRIES", env_int("REMINDER_MAX_RETRIES", 6))
DELIVERY_RETRY_BACKOFF_MAX = env_int(
    "DELIVERY_RETRY_BACKOFF_MAX", env_int("REMINDER_RETRY_BACKOFF_MAX", 600)
)
# A claim older than this is abandoned and may be taken over. It must outlast one try: the
# SMTP connect and send, each bounded by EMAIL_TIMEOUT.
DELIVERY_CLAIM_STALE_SECONDS = env_int("DELIVERY_CLAIM_STALE_SECONDS", 300)
# A pending row whose task was lost (a Redis restart) is nudged again after this long.
DELIVERY_RECOVER_AFTER_SECONDS = env_int("DELIVERY_RECOVER_AFTER_SECONDS", 120)
DELIVERY_RECOVERY_INTERVAL_SECONDS = env_int("DELIVERY_RECOVERY_INTERVAL_SECONDS", 180)
# Rows older than this are no longer sent by recovery: a digest from last week is noise.
DELIVERY_EXPIRE_DAYS = env_int("DELIVERY_EXPIRE_DAYS", 3)
# Notifications of a few minutes are collected into one e-mail per person (0: one each).
NOTIFICATION_DIGEST_MINUTES = env_int("NOTIFICATION_DIGEST_MINUTES", 5)
# Webhooks (see webhooks/sending.py). Endpoints on private, loopback and link-local
# addresses are refused, when saved and again at each send, unless this allows them.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 5)
# A failed try is retried after 30 s, 1 min, 2 min … doubling up to an hour, then hourly:
# about 30 tries in a day rather than one every ten minutes. After WEBHOOK_RETRY_HOURS the
# delivery is marked failed.
WEBHOOK_RETRY_FIRST_SECONDS = env_int("WEBHOOK_RETRY_FIRST_SECONDS", 30)
WEBHOOK_RETRY_BACKOFF_MAX = env_int("WEBHOOK_RETRY_BACKOFF_MAX", 3600)
WEBHOOK_RETRY_HOURS = env_int("WEBHOOK_RETRY_HOURS", 24)
# An endpoint is disabled, and its manager told, once its tries have all failed for this
# many hours AND at least WEBHOOK_DISABLE_AFTER_FAILURES tries in a row failed: a day of a
# dead receiver, but not two lone tries that happened to fall a day apart.
WEBHOOK_DISABLE_AFTER_HOURS = env_int(
    "WEBHOOK_DISABLE_AFTER_HOURS", 24 * env_int("WEBHOOK_DISABLE_AFTER_DAYS", 1)
)
WEBHOOK_DISABLE_AFTER_FAILURES = env_int("WEBHOOK_DISABLE_AFTER_FAILURES", 10)
# Trackers (GitHub Issues, Jira; see trackers/). Tokens are stored encrypted with the first
# of these Fernet keys (MultiFernet: later ones still decrypt, for rotation). Make one with
# `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.
TRACKER_ENCRYPTION_KEYS = env_list("TRACKER_ENCRYPTION_KEYS", [])
# Trackers on private, loopback and link-local addresses are refused unless this allows them.
TRACKER_ALLOW_PRIVATE_ADDRESSES = env_bool("TRACKER_ALLOW_PRIVATE_ADDRESSES", False)
TRACKER_TIMEOUT_SECONDS = env_int("TRACKER_TIMEOUT_SECONDS", 10)
# Creating an issue is tried this many times (with backoff, or as Retry-After says) before
# the item shows the error and a retry button.
TRACKER_MAX_ATTEMPTS = env_int("TRACKER_MAX_ATTEMPTS", 8)
# How often the reconcile sweep asks the trackers what their webhooks may have missed.
TRACKER_RECONCILE_INTERVAL_SECONDS = env_int("TRACKER_RECONCILE_INTERVAL_SECONDS", 3600)
# Calls one reconcile of one connection may make (pages of changes, first looks, checks that
# an issue still exists); what is left over is picked up by the next pass.
TRACKER_RECONCILE_REQUEST_BUDGET = env_int("TRACKER_RECONCILE_REQUEST_BUDGET", 40)
# Confluence (see confluence/): postmortems published as pages of a team's space. Tokens are
# encrypted with TRACKER_ENCRYPTION_KEYS like the trackers'. Sites on private, loopback and
# link-local addresses are refused unless this allows them.
CONFLUENCE_ALLOW_PRIVATE_ADDRESSES = env_bool("CONFLUENCE_ALLOW_PRIVATE_ADDRESSES", False)
CONFLUENCE_TIMEOUT_SECONDS = env_int("CONFLUENCE_TIMEOUT_SECONDS", 15)
# A page is tried this many times (with backoff, or as Retry-After says) before the
# connection's page shows the error and the postmortem a button to try again.
CONFLUENCE_MAX_ATTEMPTS = env_int("CONFLUENCE_MAX_ATTEMPTS", 8)
# Chat (Slack, Mattermost; see chat/). Secrets are encrypted with TRACKER_ENCRYPTION_KEYS.
# Mattermost servers on private, loopback and link-local addresses are refused unless allowed
# (a Mattermost inside the company network is common: set it when yours is).
CHAT_ALLOW_PRIVATE_ADDRESSES = env_bool("CHAT_ALLOW_PRIVATE_ADDRESSES", False)
CHAT_TIMEOUT_SECONDS = env_int("CHAT_TIMEOUT_SECONDS", 10)
# Slack's Web API; only tests point it elsewhere.
SLACK_API_URL = env_str("SLACK_API_URL", "https://slack.com/api/")
# A rate-limited call waits as Retry-After says, at most this long, this many times.
CHAT_MAX_RETRY_WAIT_SECONDS = env_int("CHAT_MAX_RETRY_WAIT_SECONDS", 30)
CHAT_MAX_RETRIES = env_int("CHAT_MAX_RETRIES", 2)
# Publishing postmortems to git repositories (see publishing/). Secrets are encrypted with
# TRACKER_ENCRYPTION_KEYS. file:// remotes read the server's own disk: tests only.
PUBLISHING_ALLOW_LOCAL_REMOTES = env_bool("PUBLISHING_ALLOW_LOCAL_REMOTES", False)
# How SSH remotes are reached (dulwich runs it with -i and the connection's key). Never a
# prompt, never a hang: ConnectTimeout bounds the connect and the banner, ServerAlive a server
# gone silent mid-transfer; LogLevel=ERROR keeps "Permanently added ... to the list of known
# hosts" out of the reasons people are shown.
PUBLISHING_SSH_COMMAND = env_str(
    "PUBLISHING_SSH_COMMAND",
    "ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o ConnectTimeout=20"
    " -o ServerAliveInterval=15 -o ServerAliveCountMax=4 -o LogLevel=ERROR",
)
# The committer of every publication; the author is the person who published.
PUBLISHING_COMMITTER = env_str("PUBLISHING_COMMITTER", "Postmortems <postmortems@localhost>")
PUBLISHING_MAX_ATTEMPTS = env_int("PUBLISHING_MAX_ATTEMPTS", 8)
# How often beat asks every repository for merged changes (webhooks tell sooner).
PUBLISHING_POLL_INTERVAL_SECONDS = env_int("PUBLISHING_POLL_INTERVAL_SECONDS", 900)
# Beat is a singleton: it schedules only while it holds this Redis lock (config/beat.py).
CELERY_BEAT_SCHEDULER = "config.beat:SingletonScheduler"
BEAT_LOCK_KEY = env_str("BEAT_LOCK_KEY", f"postmortems:beat-lock:{CELERY_TASK_DEFAULT_QUEUE}")
BEAT_LOCK_TTL_SECONDS = env_int("BEAT_LOCK_TTL_SECONDS", 60)
# A second beat exits with a message; with this it waits and takes over when the first dies.
BEAT_LOCK_WAIT = env_bool("BEAT_LOCK_WAIT", False)
CELERY_BEAT_SCHEDULE = {
    "send-reminders-daily": {
        "task": "incidents.tasks.send_reminders_sweep",
        "schedule": crontab(hour=REMINDER_HOUR, minute=0),
    },
    "webhooks-overdue-daily": {
        "task": "webhooks.tasks.record_overdue_sweep",
        "schedule": crontab(hour=REMINDER_HOUR, minute=5),
    },
    "reconcile-tracker-issues": {
        "task": "trackers.tasks.reconcile_all",
        "schedule": TRACKER_RECONCILE_INTERVAL_SECONDS,
    },
    "rebuild-dashboard-counts-daily": {
        "task": "incidents.tasks.rebuild_dashboard_counts",
        "schedule": crontab(hour=REMINDER_HOUR, minute=15),
    },
    "poll-postmortem-repositories": {
        "task": "publishing.tasks.poll_all",
        "schedule": PUBLISHING_POLL_INTERVAL_SECONDS,
    },
    "recover-owed-deliveries": {
        "task": "incidents.tasks.recover_owed_deliveries",
        "schedule": DELIVERY_RECOVERY_INTERVAL_SECONDS,
    },
}

# Markdown: our converter renders and then sanitizes, so markdownx's preview never
# returns unsanitized HTML (CVE-2024-2319).
MARKDOWNX_MARKDOWNIFY_FUNCTION = "postmortems.markdown.render_markdown"
MARKDOWNX_URLS_PATH = "/markdownx/markdownify/"
MARKDOWNX_UPLOAD_URLS_PATH = "/markdownx/upload/"
MARKDOWNX_UPLOAD_MAX_SIZE = 5 * 1024 * 1024
MARKDOWNX_UPLOAD_CONTENT_TYPES = ["image/jpeg", "image/png"]
MARKDOWNX_IMAGE_MAX_SIZE = {"size": (2000, 2000), "quality": 90}
MARKDOWNX_MEDIA_PATH = "markdownx/"

# Security: switched on by environment so that a local run over HTTP still works.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("TRUST_X_FORWARDED_PROTO", False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 24 * 14)
X_FRAME_OPTIONS = "DENY"
# A session ends SESSION_COOKIE_AGE after login, browser open or not.
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", False)

# Content-Security-Policy: no inline script or style at all, so that text the sanitizer
# ever let through still cannot run. JS and CSS live in static/ files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "img-src": [SELF, "data:"],
        "style-src": [SELF],
        "script-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# Failed logins (django-axes): lock a user name from one address after AXES_FAILURE_LIMIT
# failures, and an address for every user name after AXES_IP_FAILURE_LIMIT, until
# AXES_COOLOFF_MINUTES have passed without another (accounts/lockout.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.PasswordBackend",
    "accounts.oidc.SSOBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_IP_FAILURE_LIMIT = env_int("AXES_IP_FAILURE_LIMIT", 50)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "accounts.lockout.PairAndAddressHandler"
# How long the e-mailed link that unlocks a locked account works.
ACCOUNT_UNLOCK_LINK_MINUTES = env_int("ACCOUNT_UNLOCK_LINK_MINUTES", 60)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind proxies every request comes from the proxy's address; with the number of proxies
# that append to X-Forwarded-For, the address locked is the client's, not the proxy's.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

# Sign-in (README "Sign-in"). PASSWORD_LOGIN=false leaves password sign-in to superusers,
# at /login/?breakglass=1, and SSO to everyone else.
PASSWORD_LOGIN = env_bool("PASSWORD_LOGIN", True)
# Two-factor sign-in (django-otp): managers and superusers without it must set it up first.
OTP_REQUIRED_FOR_MANAGERS = env_bool("OTP_REQUIRED_FOR_MANAGERS", False)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Postmortems")

# Single sign-on with OpenID Connect (mozilla-django-oidc), on when a client id and an issuer
# (or explicit endpoints) are set. Endpoints left empty are discovered from the issuer.
OIDC_ISSUER_URL = env_str("OIDC_ISSUER_URL", "").rstrip("/")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET", "")
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
OIDC_RP_SIGN_ALGO = env_choice("OIDC_RP_SIGN_ALGO", "rs256", ["rs256", "es256"]).upper()
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "groups")
# group=Team name pairs: members of the group are members of the team.
OIDC_GROUP_TEAMS = env_map("OIDC_GROUP_TEAMS", {})
# Members of this group manage the mapped teams they are in.
OIDC_MANAGER_GROUP = env_str("OIDC_MANAGER_GROUP", "")
# Accounts are matched by e-mail, so only addresses the provider confirmed are accepted. A
# provider that never sends email_verified (only its administrators set addresses) is
# trusted only when this says so; email_verified=false is refused whatever it says.
OIDC_TRUST_UNVERIFIED_EMAIL = env_bool("OIDC_TRUST_UNVERIFIED_EMAIL", False)
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc_callback"
LOGIN_REDIRECT_URL_FAILURE = "login"

# Error reports (admin e-mails, the 500 page with DEBUG off) hide secret-looking values in
# every frame, not only in settings: tracker tokens travel through library calls.
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.error_reports.SecretsReporterFilter"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # One JSON object a line for log shippers; `extra={...}` ids become keys.
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env_choice("LOG_FORMAT", "plain", ["plain", "json"]),
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Lockouts are warnings; axes logs every successful login at INFO.
        "axes": {"level": "WARNING"},
    },
}

# The REST API (/api/v1/): personal tokens or the browser's session, JSON only.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env_str("API_THROTTLE_RATE", "600/minute")},
    "EXCEPTION_HANDLER": "api.exceptions.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Postmortems API",
    "DESCRIPTION": "Incidents, timelines, causes, action items and postmortems.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Login required everywhere but the login page: the schema and its docs too.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.document_errors",
        "api.schema.document_empty_query_values",
    ],
}
