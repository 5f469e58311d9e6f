"""Settings for Pårørendeportalen, configured from environment variables.

Nothing here needs editing to deploy: see "Configuration" in README.md for every variable.
Without any variables the portal runs on SQLite with DEBUG off and refuses to start without a
secret key; `scripts/demo` sets the development variables for a newcomer.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=true for local development).")
    SECRET_KEY = "development-only-key-never-used-in-production-0123456789abcdefghijklmnop"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "portal.apps.PortalConfig",
    "contacts.apps.ContactsConfig",
    "consent.apps.ConsentConfig",
    "surveys.apps.SurveysConfig",
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]

# The task queue (django-tasks with its database backend): `manage.py db_worker` runs the tasks, any number
# of workers on any number of machines (PostgreSQL hands each task to one of them with SKIP LOCKED);
# `manage.py scheduler` enqueues the periodic tasks that the apps list (portal.schedule).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
SURVEY_EMAIL_LEASE_SECONDS = int(os.environ.get("SURVEY_EMAIL_LEASE_SECONDS", "120"))
# A task still marked running this long after it started is one whose worker died (killed, or its machine went
# down): the scheduler marks it failed (portal.schedule.mark_abandoned_tasks). Longer than any task runs.
TASK_ABANDONED_AFTER_SECONDS = int(os.environ.get("TASK_ABANDONED_AFTER_SECONDS", "10800"))
SURVEY_EMAIL_RETRY_SECONDS = int(os.environ.get("SURVEY_EMAIL_RETRY_SECONDS", "60"))
SURVEY_EMAIL_ATTEMPTS = int(os.environ.get("SURVEY_EMAIL_ATTEMPTS", "5"))
SURVEY_EMAIL_WORKERS = int(os.environ.get("SURVEY_EMAIL_WORKERS", "2"))
# The portal's address for links in e-mails sent by scheduled jobs (no request to take it from).
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Inside CommonMiddleware, which sets Content-Length from the body this fills.
    "portal.translation_notice.TranslationNoticeMiddleware",
    # Anonymous visitors' cached public pages, before URL resolution and the middleware below (portal.public_cache).
    "portal.public_cache.PublicPageCacheMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "axes.middleware.AxesMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.login_middleware.SessionTimeoutMiddleware",
    "portal.login_middleware.SecondFactorRequiredMiddleware",
    "portal.login_middleware.NoStoreForStaffMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "django.template.context_processors.i18n",
                "portal.context_processors.portal",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the workers and the scheduler write to one file: a transaction takes the write lock when
    # it begins (so two never deadlock upgrading a read lock) and waits up to 20 s for it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": (
        {"BACKEND": "portal.cache.TolerantRedisCache", "LOCATION": os.environ["REDIS_URL"]}
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal"}
    )
}

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "portal.roles.RolesBackend",  # ModelBackend, reading a user's roles and group permissions in one query
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "staff-home"
LOGOUT_REDIRECT_URL = "home"

# Login (django-allauth): staff log in with a username and password and a second factor (TOTP with recovery
# codes), or through their municipality's identity provider (OpenID Connect, one SocialApp per municipality
# whose provider_id is the municipality's slug). Nobody signs up: accounts come from the administrators.
ACCOUNT_ADAPTER = "portal.login.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "portal.login.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_FORMS = {"login": "portal.forms.LoginForm"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False  # never "remember me": the session ends when the browser closes
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_PREVENT_ENUMERATION = True  # a reset for an unknown address gets the same answer as for a known one
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # and no mail goes to an address that has no account
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Pårørendeportalen: "
# One lockout: django-axes (below) counts failed passwords; allauth's own failed-login limit is off.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
# Downloads of personal data need a login or a re-entered password / code within the last minutes.
ACCOUNT_REAUTHENTICATION_TIMEOUT = int(os.environ.get("PORTAL_REAUTHENTICATION_MINUTES", "10")) * 60
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # the portal's adapter matches people itself, per municipality
SOCIALACCOUNT_QUERY_EMAIL = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
# Second factors: an authenticator app (TOTP), security keys and passkeys (WebAuthn), and recovery codes. A
# passkey (a key that checks a PIN or fingerprint itself) also logs in alone, without the password.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_ADAPTER = "portal.login.MFAAdapter"
MFA_FORMS = {
    "add_webauthn": "portal.forms.AddSecurityKeyForm",
    "edit_webauthn": "portal.forms.RenameSecurityKeyForm",
    "authenticate_webauthn": "portal.forms.AuthenticateWithKeyForm",
    "login_webauthn": "portal.forms.LoginWithPasskeyForm",
    "reauthenticate_webauthn": "portal.forms.ReauthenticateWithKeyForm",
}
# WebAuthn's relying party id: the host name in the browser's address bar (a key made for it works only there).
# Empty: the request's host. Set it where the portal answers on several names, e.g. paaroerende.example.dk.
PORTAL_WEBAUTHN_RP_ID = os.environ.get("PORTAL_WEBAUTHN_RP_ID", "")
MFA_TOTP_ISSUER = "Pårørendeportalen"
MFA_RECOVERY_CODE_COUNT = 10
# The code of the previous 30-second step still counts (RFC 6238 § 5.2: one step back for the time it takes to type
# and send it, and a phone clock a little behind); allauth refuses a code used once.
MFA_TOTP_TOLERANCE = 1

# Login throttling (django-axes): lock a username+address pair after 5 failures for one hour.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# How many reverse proxies stand in front of gunicorn: the client's address is then the one the nearest
# trusted proxy appended to X-Forwarded-For (login throttling, the survey's per-client limits). `check --deploy`
# refuses 0 while X-Forwarded-Proto is trusted (portal.checks).
PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "0"))
# The username axes records is cut to what the form accepts and cleaned of NUL bytes, so that no typed
# username (300 characters, a NUL byte) can break the database write.
AXES_USERNAME_CALLABLE = "portal.login.axes_username"
# Trust X-Forwarded-For only behind a known number of proxies; otherwise a client could pick its address.
AXES_CLIENT_IP_CALLABLE = "portal.clients.client_address"

LANGUAGE_CODE = "da"
# The interface and the content's translations (portal.translations): Danish, English and the languages most
# read among relatives of people in the municipalities' care who read Danish less well (see README).
LANGUAGES = [
    ("da", _("Danish")),
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("tr", _("Turkish")),
    ("pl", _("Polish")),
    ("uk", _("Ukrainian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": os.environ.get(
            "DJANGO_STATICFILES_STORAGE", "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = ("dkfds",)
CRISPY_TEMPLATE_PACK = "dkfds"

# Content Security Policy: nothing inline, nothing from other hosts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Keys of the hashes that find a citizen by CPR number and check a survey code. Set each once and never
# change it (without them the secret key is used, so rotating that would orphan the stored hashes).
CPR_HASH_KEY = os.environ.get("CPR_HASH_KEY", "")
SURVEY_CODE_KEY = os.environ.get("SURVEY_CODE_KEY", "")
SURVEY_OPEN_LINK_ANSWERS_PER_HOUR = int(os.environ.get("SURVEY_OPEN_LINK_ANSWERS_PER_HOUR", "10"))
SURVEY_CODE_MISSES_PER_HOUR = int(os.environ.get("SURVEY_CODE_MISSES_PER_HOUR", "30"))
# The relative's "Ring mig op" / "Skriv til mig": requests per client per hour, and days a request is kept.
CONTACT_REQUESTS_PER_HOUR = int(os.environ.get("CONTACT_REQUESTS_PER_HOUR", "5"))
CONTACT_REQUEST_RETENTION_DAYS = int(os.environ.get("CONTACT_REQUEST_RETENTION_DAYS", "60"))

# Break the glass and the log checks (consent/log_checks.py): how long a stated reason opens a citizen to
# an administrator, and the thresholds above which an access is flagged as unusual.
BREAK_GLASS_HOURS = int(os.environ.get("BREAK_GLASS_HOURS", "8"))
LOG_CHECK_CITIZENS_PER_DAY = int(os.environ.get("LOG_CHECK_CITIZENS_PER_DAY", "30"))
LOG_CHECK_WORKDAY_STARTS = int(os.environ.get("LOG_CHECK_WORKDAY_STARTS", "7"))
LOG_CHECK_WORKDAY_ENDS = int(os.environ.get("LOG_CHECK_WORKDAY_ENDS", "18"))
# Staff administration: how long an invitation link works, and the largest staff/units file accepted.
STAFF_INVITATION_HOURS = int(os.environ.get("STAFF_INVITATION_HOURS", "72"))
STAFF_IMPORT_MAX_BYTES = int(os.environ.get("STAFF_IMPORT_MAX_BYTES", str(2 * 1024 * 1024)))
TRANSLATION_IMPORT_MAX_BYTES = int(os.environ.get("TRANSLATION_IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
DIRECTORY_IMPORT_MAX_BYTES = int(os.environ.get("DIRECTORY_IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))

# Where the portal's own accessibility statement lives when a municipality has none of its own.
PORTAL_ACCESSIBILITY_STATEMENT_URL = os.environ.get("PORTAL_ACCESSIBILITY_STATEMENT_URL", "")

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# A staff session ends when the browser closes, after PORTAL_SESSION_IDLE_MINUTES without a request, and
# at most 8 hours after the login (portal.login_middleware.SessionTimeoutMiddleware).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = 8 * 60 * 60
PORTAL_SESSION_IDLE_SECONDS = int(os.environ.get("PORTAL_SESSION_IDLE_MINUTES", "30")) * 60
PORTAL_SESSION_MAX_SECONDS = SESSION_COOKIE_AGE
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
# Retention of personal data (portal.personal_data; `manage.py erase_expired_records` runs daily).
# A closed citizen's record: 10 years (autorisationsloven § 25, stk. 1; 5 years suffice for nurses' records,
# journalføringsbekendtgørelsen § 15, stk. 2), unless the municipality sets its own.
CONSENT_RETENTION_YEARS = int(os.environ.get("CONSENT_RETENTION_YEARS", "10"))
# Staff logins (django-axes' log: address, browser): six months.
PORTAL_LOGIN_LOG_RETENTION_DAYS = int(os.environ.get("PORTAL_LOGIN_LOG_RETENTION_DAYS", "180"))

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 60 * 60)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    # __Host-: sent only to this host, over https, for the whole site (no Domain, Path=/).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    LANGUAGE_COOKIE_NAME = "__Host-language"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # A path may hold a secret (a survey's single-use code): what a view declares secret is written "[name]".
    "filters": {"url_secrets": {"()": "portal.log_redaction.RedactURLSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["url_secrets"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # Failed logins are kept in the database by django-axes; its log lines name the username and
    # address, so they stay out of the log.
    "loggers": {
        "django.request": {"level": "WARNING", "filters": ["url_secrets"]},
        "django.security.csrf": {"filters": ["url_secrets"]},
        "axes": {"level": "ERROR"},
        "portal.login": {"level": "INFO"},
        # The PDF library reports each step and each font subset at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
