"""Sanctuary settings: one file, driven by environment variables.

Every variable this file reads (all optional for the embedded SQLite default):

Deployment
- ``DATABASE_URL``: e.g. ``postgres://user@host:5432/db``; default SQLite under ``var/``.
- ``SECRET_KEY`` or ``SECRET_KEY_FILE``: without either, a key is generated once into
  ``var/secret_key`` with mode 0600.
- ``SANCTUARY_VAR_DIR``: where the SQLite database, secret key and media live (``var/``).
- ``ALLOWED_HOSTS``: comma separated; default ``127.0.0.1,localhost``.
- ``CSRF_TRUSTED_ORIGINS``: comma separated, for a proxy on another origin; default none.
- ``DEBUG``: ``1`` to enable; off by default.
- ``HTTPS``: ``1`` behind TLS (HSTS, SSL redirect, trust ``X-Forwarded-Proto``).
- ``SECURE_COOKIES``: ``0`` only to run over plain HTTP on another host than localhost.
- ``TIME_ZONE``: default ``Asia/Bangkok``.
- ``LOG_LEVEL``: default ``INFO`` (logs hold ids, never names).
- ``SANCTUARY_URL``: where ``vault_unseal`` and ``vault_seal`` reach the server
  (default ``http://127.0.0.1:8000``).

Login and sessions
- ``IDLE_TIMEOUT_MINUTES``: staff sessions end after this much inactivity (default 30).
- ``AXES_FAILURE_LIMIT`` (default 5) and ``AXES_COOLOFF_MINUTES`` (default 30): lockout.
- ``AXES_RETENTION_DAYS`` (default 30): failed-login records (keyed hashes only) are deleted after this.
- ``AUDIT_ANONYMOUS_WINDOW`` (seconds, default 60): repeats of one anonymous event (failed
  login, refused unseal share) within it become one audit entry with a count.
- ``OTP_TOTP_ISSUER``: the name authenticator apps show (default ``Sanctuary``).
- ``IDENTITY_GRANT_MINUTES``: how long an approved true-name request lasts (default 30).
- ``PRESAVE_CHECKS_PER_HOUR`` (default 120): "already on file?" checks before saving a person,
  per user and hour; ``PRESAVE_PROBE_CHECKS`` (default 15): checks in a day, with at most a
  third saved, that alert the directors (``sanctuary/people/presave.py``).
- ``AUDIT_CHECKPOINT_EVERY`` (default 100) and ``AUDIT_CHECKPOINT_MINUTES`` (default 15):
  while unsealed, the audit chain's head is signed when this many entries, or this many
  minutes, have passed since the last signed checkpoint (and at every unseal and seal).

Public intake form
- ``INTAKE_SECRET_PATH``: an extra, unguessable address for the form (8-64 letters, digits
  or dashes).
- ``INTAKE_NEUTRAL_TITLE``: ``0`` to show the organisation's title (neutral by default).
- ``INTAKE_PHRASE_DAYS``: receipt phrases expire after this many days (default 365).
- ``INTAKE_PER_HOUR``: submissions an hour from everyone (default 300).
- ``CLIENT_IP_HEADER``: the header a reverse proxy sets to the client's address, for rate
  limits (e.g. ``HTTP_X_REAL_IP``); empty when clients connect directly.

Work in the background and the modules
- ``JOBS_RUN_INLINE``: ``1`` runs each job in the thread that starts it (tests); default off:
  the worker thread of the server process runs them.
- ``JOBS_POLL_SECONDS``: how often that worker looks for work (default 1).
- ``JOBS_OUTPUT_HOURS``: a file a job made and nobody downloaded is deleted after this long
  (default 24).
- ``MATCHING_NIGHTLY_HOUR``: hour of the nightly duplicate scan, local time (default 2;
  empty turns it off).
- ``SHELTER_STAY_DAYS``: the policy length of a stay (default 90).
- ``SANCTUARY_EVIDENCE_MAX_BYTES``: the largest evidence file accepted (default 4 GiB); it is
  streamed into the store, encrypted as it arrives, never held whole.
- ``SANCTUARY_TSA_URL``: an RFC 3161 timestamp server for referral packages (default none:
  packages carry no timestamp); ``SANCTUARY_TSA_ROOTS``: a PEM file of the roots its
  certificate chains to, to check each token.
- ``CERTIFICATE_VERIFY_BASE``: the public address printed on training certificates before
  ``/c/<code>`` (e.g. ``https://check.example.org``); empty prints the path alone.
- ``SANCTUARY_BACKUP_RECIPIENTS``: the age public keys (``age1…``, separated by spaces or
  commas) that ``manage.py backup`` encrypts every backup to; and/or
  ``SANCTUARY_BACKUP_RECIPIENTS_FILE``, a file of them, one a line, ``#`` comments (default
  ``var/backup-recipients.txt``). Public keys only: the identities that open backups are
  kept away from the server (README "Backups").
- ``SANCTUARY_BENCH_IDENTITY_CIPHER``: ``1`` only in ``make bench``, to measure what
  encryption costs (never in a deployment).

Read elsewhere: ``WEB_THREADS`` and ``FORWARDED_ALLOW_IPS`` (``gunicorn.conf.py``),
``SANCTUARY_DEMO_AUTO_UNSEAL`` (``make run`` only), ``SANCTUARY_CLI_LANGUAGE`` (vault
commands, ``verify_certificate``), and the crash tests' ``SANCTUARY_DRAFT_BATCH_DELAY`` and
``SANCTUARY_ROTATE_BATCH_DELAY``.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from sanctuary.lib.secret_files import read_or_create_secret

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


VAR_DIR = Path(os.environ.get("SANCTUARY_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)


def _read_secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = os.environ.get("SECRET_KEY_FILE")
    if key_file:
        return Path(key_file).read_text(encoding="utf-8").strip()
    return read_or_create_secret(VAR_DIR / "secret_key", nbytes=64)


SECRET_KEY = _read_secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "sanctuary.lib",
    "sanctuary.vault",
    "sanctuary.accounts",
    "sanctuary.audit",
    "sanctuary.background",
    "sanctuary.people",
    "sanctuary.matching",
    "sanctuary.consent",
    "sanctuary.intake",
    "sanctuary.vetting",
    "sanctuary.journeys",
    "sanctuary.shelter",
    "sanctuary.stipends",
    "sanctuary.training",
    "sanctuary.care",
    "sanctuary.jobs",
    "sanctuary.legal",
    "sanctuary.family",
    "sanctuary.stats",
    "sanctuary.evidence",
    "sanctuary.outreach",
    "sanctuary.backup",
    "sanctuary.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "sanctuary.lib.middleware.PermissionsPolicyMiddleware",
    "sanctuary.lib.middleware.PublicNoCookieMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "sanctuary.lib.csrf.NoReferrerCsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "sanctuary.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After the header middleware, so its redirects carry the security headers too.
    "sanctuary.accounts.middleware.RequireTwoFactorMiddleware",
    "sanctuary.vault.middleware.VaultSealedMiddleware",
    "sanctuary.lib.middleware.BusyMiddleware",
    "sanctuary.people.reach.OutOfReachMiddleware",
    # Last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sanctuary.urls"
WSGI_APPLICATION = "sanctuary.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "sanctuary.accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'sanctuary.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at
        # the start of a transaction, so two writers queue instead of failing mid-way.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
    # Tests use a file, not memory: the seizure test reads it, and crash tests share it
    # with a child process.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-sanctuary-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and login -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# django-axes: lock a username after repeated failures; a director can unlock it.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Counting failures per username protects each account; counting per IP address would lock a
# whole office out after a few typos, since staff often share one connection.
# security.W003 looks for Django's own CSRF middleware by name; ours is a subclass that
# keeps every check and only understands the "null" Origin of no-referrer pages.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "security.W003"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "sanctuary.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password", "token"]
# No staff member's address or browser is kept (sanctuary/accounts/lockout.py).
AXES_HANDLER = "sanctuary.accounts.lockout.PrivateAxesHandler"
AXES_CLIENT_IP_CALLABLE = "sanctuary.accounts.lockout.hashed_address"
AXES_DISABLE_ACCESS_LOG = True
AXES_RETENTION_DAYS = int(os.environ.get("AXES_RETENTION_DAYS", "30"))
PRESAVE_CHECKS_PER_HOUR = int(os.environ.get("PRESAVE_CHECKS_PER_HOUR", "120"))
PRESAVE_PROBE_CHECKS = int(os.environ.get("PRESAVE_PROBE_CHECKS", "15"))
AUDIT_ANONYMOUS_WINDOW = float(os.environ.get("AUDIT_ANONYMOUS_WINDOW", "60"))

OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Sanctuary")

# --- Sessions and cookies -----------------------------------------------------------------
IDLE_TIMEOUT_MINUTES = int(os.environ.get("IDLE_TIMEOUT_MINUTES", "30"))
SESSION_COOKIE_AGE = IDLE_TIMEOUT_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True  # the timeout counts from the last request: idle time
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
# Browsers accept Secure cookies from http://localhost and http://127.0.0.1, so the demo
# works over plain HTTP there; anywhere else Sanctuary must be behind TLS.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Strict"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

# --- Security headers ---------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
HTTPS = env_bool("HTTPS")
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
        "manifest-src": [SELF],
    }
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=(), browsing-topics=()"
)

# --- Language -----------------------------------------------------------------------------
LANGUAGE_CODE = "my"  # Burmese first
LANGUAGES = [
    ("my", "မြန်မာ"),
    ("en", "English"),
    ("th", "ไทย"),
]
# Ours first (makemessages writes there), then our translations of Django's own messages,
# which its Burmese catalogue leaves in English (edited by hand: makemessages would drop
# msgids that are not in our source), then Django's catalogues.
LOCALE_PATHS = [PACKAGE_DIR / "locale", PACKAGE_DIR / "locale_django"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Bangkok")
USE_TZ = True

# --- Static files and media ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
# Uploads stay in memory: Django's default spools files over 2.5 MB to /tmp in clear,
# where a seized disk would keep them. Photos and documents are at most 10 MB.
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler"]
# Backups (``manage.py backup``) are age-encrypted to these public keys (sanctuary/backup/).
BACKUP_RECIPIENTS = os.environ.get("SANCTUARY_BACKUP_RECIPIENTS", "").replace(",", " ").split()
BACKUP_RECIPIENTS_FILE = Path(os.environ.get("SANCTUARY_BACKUP_RECIPIENTS_FILE") or VAR_DIR / "backup-recipients.txt")
FILE_UPLOAD_MAX_MEMORY_SIZE = 11 * 1024 * 1024

# Evidence (sanctuary.evidence): files are streamed into the store, encrypted as they arrive
# (evidence/uploads.py), up to this size. A trusted timestamp server (RFC 3161) for referral
# packages, and a PEM file of the roots its certificate chains to; empty: no timestamp.
EVIDENCE_MAX_BYTES = int(os.environ.get("SANCTUARY_EVIDENCE_MAX_BYTES", str(4 * 1024**3)))
EVIDENCE_TSA_URL = os.environ.get("SANCTUARY_TSA_URL", "")
EVIDENCE_TSA_ROOTS = os.environ.get("SANCTUARY_TSA_ROOTS", "")

# --- Logging: ids only, never personal data -----------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Secrets in paths (a certificate's code in /c/<code>) are cut from every record.
    "filters": {"redact_paths": {"()": "sanctuary.lib.logs.RedactPaths"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_paths"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Request errors would otherwise log the request line, which can carry search terms.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # django-axes logs every login at INFO with the client address: keep only warnings.
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # Pillow logs image metadata (EXIF names, places) at DEBUG: never let it through.
        "PIL": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # factory_boy and others may print model values at DEBUG.
        "factory": {"level": "WARNING"},
    },
}
# Error reports filter settings and POST data (see sanctuary.lib.errors).
DEFAULT_EXCEPTION_REPORTER_FILTER = "sanctuary.lib.errors.SanctuaryExceptionReporterFilter"

PERSON_LIST_PAGE_SIZE = 50
# The two-person rule: how long an approved true-name request lets the requester see it.
IDENTITY_GRANT_MINUTES = float(os.environ.get("IDENTITY_GRANT_MINUTES", "30"))
# Signed checkpoints of the audit chain (sanctuary/audit/checkpoints.py).
AUDIT_CHECKPOINT_EVERY = int(os.environ.get("AUDIT_CHECKPOINT_EVERY", "100"))
AUDIT_CHECKPOINT_MINUTES = float(os.environ.get("AUDIT_CHECKPOINT_MINUTES", "15"))
# Where `manage.py vault_unseal` and `vault_seal` reach the running server.
SANCTUARY_URL = os.environ.get("SANCTUARY_URL", "http://127.0.0.1:8000")
# Bench only: replace AES-GCM by the identity function to measure what encryption costs.
VAULT_IDENTITY_CIPHER = os.environ.get("SANCTUARY_BENCH_IDENTITY_CIPHER") == "1"


# --- Public intake form (sanctuary.intake) ----------------------------------------------
# An extra, unguessable path for the form (e.g. "help-4f7k2q"), to hand out instead of
# /intake/ where that address itself would draw attention. Letters, digits and dashes.
INTAKE_SECRET_PATH = os.environ.get("INTAKE_SECRET_PATH", "").strip("/")
_APP_PATHS = {"accounts", "people", "audit", "duplicates", "triage", "vetting", "journeys", "intake", "unseal", "vault"}
if INTAKE_SECRET_PATH and (
    not re.fullmatch(r"[A-Za-z0-9-]{8,64}", INTAKE_SECRET_PATH) or INTAKE_SECRET_PATH.lower() in _APP_PATHS
):
    # Anything under this path is public: it must not be short, guessable or an app's path.
    raise ImproperlyConfigured("INTAKE_SECRET_PATH: 8 to 64 letters, digits or dashes")
# The page title people's browsers keep in their history: neutral unless turned off.
INTAKE_NEUTRAL_TITLE = env_bool("INTAKE_NEUTRAL_TITLE", True)
INTAKE_PHRASE_DAYS = int(os.environ.get("INTAKE_PHRASE_DAYS", "365"))  # receipt phrases expire after
INTAKE_MAX_FILES = 3
INTAKE_PER_CLIENT = (5, 10 * 60)  # submissions per client, per seconds (in memory only)
INTAKE_GLOBAL = (int(os.environ.get("INTAKE_PER_HOUR", "300")), 60 * 60)  # from everyone, per hour
# The header a reverse proxy sets to the client's address (e.g. HTTP_X_REAL_IP), for rate
# limits only; empty when clients connect directly. The proxy must overwrite it.
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "")

# The nightly duplicate scan (sanctuary.matching.nightly): hour of the day, local time;
# empty turns it off.
_nightly = os.environ.get("MATCHING_NIGHTLY_HOUR", "2").strip()
MATCHING_NIGHTLY_HOUR = int(_nightly) if _nightly else None

# --- Long work (sanctuary.background) ------------------------------------------------------------
# django-tasks with its database backend. The worker is a thread of the one gunicorn worker
# process (the only one holding the unsealed keys), started in gunicorn's post_worker_init.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Run each job at once, in the thread that started it (tests; or a server without the worker).
JOBS_RUN_INLINE = env_bool("JOBS_RUN_INLINE")
JOBS_POLL_SECONDS = float(os.environ.get("JOBS_POLL_SECONDS", "1"))
# A file made by a job (a cash list, encodings) and not downloaded is deleted after this long.
JOBS_OUTPUT_HOURS = float(os.environ.get("JOBS_OUTPUT_HOURS", "24"))

# --- Shelter and stipends ------------------------------------------------------------------
SHELTER_STAY_DAYS = int(os.environ.get("SHELTER_STAY_DAYS", "90"))  # the policy length of a stay

# --- Training certificates (sanctuary.training) ---------------------------------------------
# The public address printed on a certificate before /c/<code> (e.g. https://check.example.org).
# Empty: this server does not know under which address the public reaches it, so the
# certificate prints the path alone.
CERTIFICATE_VERIFY_BASE = os.environ.get("CERTIFICATE_VERIFY_BASE", "").strip().rstrip("/")
