"""Masthead's only settings module: everything an operator changes comes from the environment.

With no variables set, Masthead runs embedded: SQLite (WAL) under ./var, local-memory cache,
the database task queue, the in-memory channel layer and mail to a local SMTP sink.
DATABASE_URL, REDIS_URL and MASTHEAD_SMTP_URL switch in the production parts.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from masthead.core.env import (
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
    parse_smtp_url,
)

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("MASTHEAD_DATA_DIR") or "var").resolve()

DEBUG = env_bool("MASTHEAD_DEBUG", False)
IS_HTTPS = env_bool("MASTHEAD_HTTPS", True)

SECRET_KEY = env_secret("MASTHEAD_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "MASTHEAD_SECRET_KEY is not set. Generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'` "
            "and set it (or MASTHEAD_SECRET_KEY_FILE) in the environment."
        )
    SECRET_KEY = "insecure-debug-only-key"  # noqa: S105 - only with MASTHEAD_DEBUG=1

ALLOWED_HOSTS = env_list("MASTHEAD_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("MASTHEAD_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "channels",
    "anymail",
    "masthead.core",
    "masthead.accounts",
    "masthead.publications",
    "masthead.posts",
    "masthead.engagement",
    "masthead.subscriptions",
    "masthead.desk",
    "masthead.delivery",
    "masthead.referrals",
    "masthead.notes",
    "masthead.chat",
    "masthead.billing",
    "masthead.importers",
    "masthead.discovery",
    "masthead.api",
    "masthead.outbox",
    "masthead.pagecache",
    "masthead.stats",
    "masthead.revisions",
    "masthead.automations",
]

MIDDLEWARE = [
    "masthead.pagecache.serving.StorePagesMiddleware",
    "masthead.stats.middleware.CountViewsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "masthead.publications.middleware.PublicationMiddleware",
    "masthead.importers.middleware.OldPathRedirectMiddleware",
    "masthead.subscriptions.middleware.ReferralMiddleware",
]

ROOT_URLCONF = "masthead.urls"
WSGI_APPLICATION = "masthead.wsgi.application"
ASGI_APPLICATION = "masthead.asgi.application"

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
                "django.template.context_processors.csp",
                "masthead.publications.context_processors.publication",
            ],
        },
    },
]

# Database: SQLite (WAL, immediate transactions) unless DATABASE_URL says otherwise.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    try:
        DATABASES = {
            "default": dj_database_url.parse(
                DATABASE_URL, conn_max_age=env_int("MASTHEAD_DB_CONN_MAX_AGE", 60)
            )
        }
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL cannot be read: {error}") from None
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "masthead.sqlite3",
            # Opening the file and running the PRAGMAs below for every request (and for every
            # database call of a chat socket) costs more than keeping the connection.
            "CONN_MAX_AGE": env_int("MASTHEAD_DB_CONN_MAX_AGE", 60),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA cache_size=-20000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and channel layer: in-process unless REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "masthead",
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": "masthead"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "masthead.chat.layers.InMemoryChannelLayer"}}

# The page cache (masthead.pagecache): public pages stored per audience until a change bumps
# their versions. Stored pages live in Redis with REDIS_URL, else under DATA_DIR/pagecache.
PAGE_CACHE = env_bool("MASTHEAD_PAGE_CACHE", True)
PAGE_CACHE_SECONDS = env_int("MASTHEAD_PAGE_CACHE_SECONDS", 24 * 60 * 60)  # at the most
PAGE_CACHE_DIR = DATA_DIR / "pagecache"  # embedded: stored pages, locks and version counters
PAGE_CACHE_LOCAL_BYTES = env_int("MASTHEAD_PAGE_CACHE_LOCAL_MB", 64) * 1024 * 1024  # per process
PAGE_CACHE_WAIT_SECONDS = 2.0  # for a first render another request is doing
# What a CDN in front may do with anonymous pages that have no form on them.
PAGE_CACHE_CDN_SECONDS = env_int("MASTHEAD_CDN_SECONDS", 60)
PAGE_CACHE_CDN_STALE_SECONDS = env_int("MASTHEAD_CDN_STALE_SECONDS", 600)
PAGE_CACHE_PURGE_URL = env_str("MASTHEAD_CDN_PURGE_URL")
# Threads per web worker process for Django's requests (`masthead serve --with-chat`, ASGI).
WEB_THREADS = env_int("MASTHEAD_WEB_THREADS", 8)
PAGE_CACHE_RENDER_LOG = env_str("MASTHEAD_PAGE_CACHE_RENDER_LOG")  # benchmarks count renders

# Page views (masthead.stats.collect): kept in memory per process and written in batches every
# STATS_FLUSH_SECONDS (0: no background writer, rows wait for flush()); at most
# STATS_BUFFER_ROWS wait, and views beyond them are dropped (and counted in the log).
STATS_FLUSH_SECONDS = env_int("MASTHEAD_STATS_FLUSH_SECONDS", 2)
STATS_BUFFER_ROWS = env_int("MASTHEAD_STATS_BUFFER_ROWS", 50_000)
# The worker rebuilds today's and yesterday's numbers every STATS_ROLLUP_SECONDS; raw page
# views older than STATS_RAW_DAYS are deleted (the daily numbers built from them stay).
STATS_ROLLUP_SECONDS = env_int("MASTHEAD_STATS_ROLLUP_SECONDS", 300)
STATS_RAW_DAYS = env_int("MASTHEAD_STATS_RAW_DAYS", 400)

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Uploads: images are resized on the way in; anything larger is refused with a message.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MAX_IMAGE_UPLOAD_BYTES = 10 * 1024 * 1024
SUBSCRIBER_IMPORT_MAX_BYTES = 50 * 1024 * 1024
SUBSCRIBER_IMPORT_BATCH_SIZE = 1000  # rows per committed batch of an import
# Imports from other platforms (masthead.importers): what an upload and its zip may hold, and
# how their remote images are fetched. Image hosts on private addresses are refused (an export
# could point the server at its own network) unless an operator allows them.
IMPORT_MAX_UPLOAD_BYTES = 2 * 1024**3
IMPORT_MAX_UNPACKED_BYTES = 4 * 1024**3
IMPORT_MAX_MEMBER_BYTES = 512 * 1024**2
IMPORT_IMAGE_TIMEOUT = env_int("MASTHEAD_IMPORT_IMAGE_TIMEOUT", 10)
IMPORT_IMAGE_MAX_BYTES = 20 * 1024**2
IMPORT_IMAGE_ALLOW_PRIVATE_HOSTS = env_bool("MASTHEAD_IMPORT_IMAGES_FROM_PRIVATE_HOSTS", False)
# Webhooks (masthead.outbox) go only to public addresses unless an operator allows others.
WEBHOOK_ALLOW_PRIVATE_HOSTS = env_bool("MASTHEAD_WEBHOOK_ALLOW_PRIVATE_HOSTS", False)

# Mail: everything goes to MASTHEAD_SMTP_URL, or to the local sink that `masthead mailsink` runs.
MAIL_SINK_PORT = env_int("MASTHEAD_MAIL_SINK_PORT", 8025)
SMTP_URL = env_secret("MASTHEAD_SMTP_URL")
if SMTP_URL:
    SMTP_OPTIONS = parse_smtp_url(SMTP_URL)
else:
    SMTP_OPTIONS = {"host": "127.0.0.1", "port": MAIL_SINK_PORT, "timeout": 10}
MAILERS = {
    "default": {
        # Django's SMTP backend, verifying the relay's certificate as MASTHEAD_SMTP_URL says.
        "BACKEND": "masthead.core.smtp_backend.EmailBackend",
        "OPTIONS": SMTP_OPTIONS,
    }
}
# Newsletter delivery (masthead.delivery): how workers claim, send and retry.
DELIVERY_BATCH_SIZE = env_int("MASTHEAD_DELIVERY_BATCH_SIZE", 100)  # recipients per claim
# Each worker process beats every few seconds; its claims (and running tasks) are taken back only
# when its heartbeat is older than the stale limit: never by asking the kernel about a pid.
DELIVERY_WORKER_STALE_SECONDS = env_int("MASTHEAD_DELIVERY_WORKER_STALE_SECONDS", 30)
if DELIVERY_WORKER_STALE_SECONDS < 4:
    raise ImproperlyConfigured("MASTHEAD_DELIVERY_WORKER_STALE_SECONDS must be at least 4")
DELIVERY_HEARTBEAT_SECONDS = min(5.0, DELIVERY_WORKER_STALE_SECONDS / 4)
# A batch is sized so that sending it takes about this long at the relay's measured pace.
DELIVERY_BATCH_TARGET_SECONDS = 5.0
# A 4xx refusal (greylisting, a full mailbox) is tried again after each of these delays, more than
# a day in all, then counted as failed. A 5xx is a hard bounce at once: the address is suppressed.
DELIVERY_RETRY_SCHEDULE_SECONDS = (60, 300, 900, 3600, 14400, 43200, 86400)
DELIVERY_SMTP_RETRY_SECONDS = 15  # wait before trying again when the SMTP server is down
DELIVERY_SLICE_SECONDS = 10.0  # one task sends for this long, then hands over to its successor
DELIVERY_RECHECK_SECONDS = 5
DELIVERY_TASK_CHAINS = 2  # independent task chains per send, so one killed worker stalls nothing
# Messages per minute across all workers, for providers that impose a limit (0 = no limit).
DELIVERY_RATE_PER_MINUTE = env_int("MASTHEAD_DELIVERY_RATE_PER_MINUTE", 0)

# The demo's web view of the local mail sink (/mail/); never on a real install.
MAIL_VIEWER_ENABLED = env_bool("MASTHEAD_MAIL_VIEWER", False) and not SMTP_URL
# Or through an ESP's HTTP API (django-anymail) instead of SMTP; its bounce and complaint webhooks
# live at /webhooks/anymail/<provider>/tracking/, behind basic auth with MASTHEAD_EMAIL_WEBHOOK_SECRET.
EMAIL_PROVIDER = env_str("MASTHEAD_EMAIL_PROVIDER")
if EMAIL_PROVIDER not in {"", "postmark", "sendgrid", "mailgun", "amazon_ses", "brevo", "resend"}:
    raise ImproperlyConfigured(
        "MASTHEAD_EMAIL_PROVIDER must be postmark, sendgrid, mailgun, amazon_ses, brevo or resend; "
        f"got {EMAIL_PROVIDER!r}"
    )
EMAIL_PROVIDER_API_KEY = env_secret("MASTHEAD_EMAIL_PROVIDER_API_KEY")
ANYMAIL = {"WEBHOOK_SECRET": env_secret("MASTHEAD_EMAIL_WEBHOOK_SECRET")}  # "user:password"
# Mailgun signs its webhooks with a key of its own ("HTTP webhook signing key"); without it
# Mailgun's bounce webhook answers 404.
if env_secret("MASTHEAD_MAILGUN_WEBHOOK_SIGNING_KEY"):
    ANYMAIL["MAILGUN_WEBHOOK_SIGNING_KEY"] = env_secret("MASTHEAD_MAILGUN_WEBHOOK_SIGNING_KEY")
# Paid subscriptions, on Stripe. Without the secret and publishable keys paid features are
# hidden; MASTHEAD_STRIPE_API_BASE points at a stand-in (localstripe) instead of Stripe's API.
STRIPE_SECRET_KEY = env_secret("MASTHEAD_STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env_secret("MASTHEAD_STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env_secret("MASTHEAD_STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env_secret("MASTHEAD_STRIPE_API_BASE").rstrip("/")
# DKIM signing of newsletters sent over SMTP (an ESP signs for itself).
DKIM_PRIVATE_KEY = env_secret("MASTHEAD_DKIM_PRIVATE_KEY")
DKIM_SELECTOR = env_str("MASTHEAD_DKIM_SELECTOR")
DKIM_DOMAIN = env_str("MASTHEAD_DKIM_DOMAIN")
DEFAULT_FROM_EMAIL = env_str("MASTHEAD_FROM_EMAIL", "Masthead <masthead@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

AUTH_USER_MODEL = "accounts.Person"
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "accounts:account"
SIGN_IN_LINK_MINUTES = 15
# Rate limits, as (requests, seconds): per address and per client (IP address).
SIGN_IN_RATE_PER_ADDRESS = (5, 15 * 60)
SIGN_IN_RATE_PER_CLIENT = (30, 60 * 60)
SUBSCRIBE_RATE_PER_CLIENT = (30, 60 * 60)
CONFIRMATION_RESEND_SECONDS = 5 * 60
# An already-subscribed address that subscribes again is told so by email, this often at most.
ALREADY_SUBSCRIBED_RATE_PER_ADDRESS = (1, 60 * 60)
# Who may start a publication on this install: "staff" (administrators made with
# `masthead createadmin`), "invited" (also anyone already on a publication's team) or "anyone"
# signed in. A publication gets a page, a sender name and links on the install's domain.
PUBLICATION_CREATORS = env_str("MASTHEAD_PUBLICATION_CREATORS", "staff").strip().lower()
if PUBLICATION_CREATORS not in {"staff", "invited", "anyone"}:
    raise ImproperlyConfigured(
        f"MASTHEAD_PUBLICATION_CREATORS must be staff, invited or anyone; got {PUBLICATION_CREATORS!r}"
    )
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("MASTHEAD_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MASTHEAD_MEDIA_DIR") or DATA_DIR / "media").resolve()
# Uploaded files that must never be public (subscriber lists being imported).
PRIVATE_FILES_DIR = DATA_DIR / "private"
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
WHITENOISE_USE_FINDERS = DEBUG

# Where this install is reached, for links in email (a publication with its own host uses it).
BASE_URL = env_str("MASTHEAD_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Chat's WebSockets are served by `masthead chatserver` (ASGI); pages stay on WSGI. Behind a
# reverse proxy, route /ws/ to the chat server and leave this at 0: the page connects to its
# own origin. Without a proxy (the demo), set the chat server's port and the page connects to
# that port on the host it was loaded from.
CHAT_SOCKET_PORT = env_int("MASTHEAD_CHAT_PORT", 0)

# Which publication answers at "/" on a host that no publication claims.
PRIMARY_PUBLICATION = env_str("MASTHEAD_PRIMARY_PUBLICATION")

# Security: production defaults; MASTHEAD_HTTPS=0 only for plain-HTTP local installs.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 90
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = IS_HTTPS
CSRF_COOKIE_SECURE = IS_HTTPS
SECURE_SSL_REDIRECT = IS_HTTPS and env_bool("MASTHEAD_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("MASTHEAD_HSTS_SECONDS", 60 * 60 * 24 * 365) if IS_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = IS_HTTPS
SECURE_HSTS_PRELOAD = IS_HTTPS

SECURE_CSP = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:", "https:"],
    "style-src": ["'self'"],
    "script-src": ["'self'"],
    "connect-src": ["'self'"],
    # Our own frames (the mail viewer), embeds in posts (core/embeds.py builds these players'
    # addresses, sandboxed) and audio files linked from posts.
    "frame-src": [
        "'self'",
        "https://www.youtube-nocookie.com",
        "https://player.vimeo.com",
        "https://open.spotify.com",
        "https://w.soundcloud.com",
    ],
    "media-src": ["'self'", "https:"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("MASTHEAD_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # stripe-python logs every request at INFO; its errors reach us as exceptions.
        "stripe": {"level": "WARNING"},
    },
}
