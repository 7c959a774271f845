"""Settings for the test suite: production settings with test-only secrets and speedups."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("CSRF_COOKIE_SECURE", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SITE_URL", "http://testserver")
# One e-mail per notification unless a test collects a burst (it sets its own window).
os.environ.setdefault("NOTIFICATION_DIGEST_MINUTES", "0")
# Receivers in tests listen on loopback; tests of the refusal switch this off.
os.environ.setdefault("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "true")
# The fake GitHub and Jira of the tests listen on loopback too.
os.environ.setdefault("TRACKER_ALLOW_PRIVATE_ADDRESSES", "true")
# And the fake Confluence.
os.environ.setdefault("CONFLUENCE_ALLOW_PRIVATE_ADDRESSES", "true")
# And the fake Slack and Mattermost of the chat tests.
os.environ.setdefault("CHAT_ALLOW_PRIVATE_ADDRESSES", "true")
os.environ.setdefault("PUBLISHING_ALLOW_LOCAL_REMOTES", "true")
os.environ.setdefault("TRACKER_ENCRYPTION_KEYS", "QmZ3bWxtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODlhYmM=")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the source folders; tests never run collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# Unit tests run Celery tasks in-process; the integration tests switch this off and use a
# real worker on Redis.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)  # noqa: F405
# Retries run in-process too; a task error still shows as mail that never arrived.
CELERY_TASK_EAGER_PROPAGATES = False

# Each test process keeps its own cache: nothing carries over between runs or workers.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Django's PostgreSQL backend with a faster flush after transactional tests
# (tests/postgresql/base.py).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"]["ENGINE"] = "tests.postgresql"  # noqa: F405
