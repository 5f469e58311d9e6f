"""The production settings, with the environment a test run needs set before they are read.

The suite runs with DEBUG off like production; only static files skip the manifest, which needs
collectstatic (the bench and the `check --deploy` test cover that path).
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-that-is-long-enough-for-django-checks-0123456789")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only

# WhiteNoise serves collected files from STATIC_ROOT; the tests serve from the finders instead.
STATIC_ROOT = BASE_DIR / ".cache" / "test-staticfiles"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
# Find each static file when it is asked for, as in development, instead of scanning them all whenever a test
# client loads the middleware (each new client does: 8 % of a request-heavy test file's time).
WHITENOISE_AUTOREFRESH = True
