"""motcua settings: everything that differs between machines comes from the environment.

MOTCUA_PROFILE selects the profile: ``development`` (default; ``make run``), ``test`` or
``production`` (secure cookies, HSTS, SSL redirect; ``manage.py check --deploy`` is clean).
docs/operations.md lists every variable.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

SRC_DIR = Path(__file__).resolve().parent
BASE_DIR = SRC_DIR.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


PROFILE = env("MOTCUA_PROFILE", "development")
if PROFILE not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"MOTCUA_PROFILE must be development, test or production, not {PROFILE!r}"
    )
PRODUCTION = PROFILE == "production"

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    SECRET_KEY = "dev-only-insecure-key-" + "x" * 40
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "motcua.core",
    "motcua.catalog",
    "motcua.accounts",
    "motcua.documents",
    "motcua.dossiers",
    "motcua.workflow",
    "motcua.payments",
    "motcua.delivery",
    "motcua.notify",
    "motcua.interop",
    "motcua.portal",
    "motcua.backoffice",
    "motcua.api",
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "motcua.core.middleware.RequestLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "motcua.core.middleware.NormalizeInputMiddleware",
]

ROOT_URLCONF = "motcua.urls"
WSGI_APPLICATION = "motcua.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "motcua.backoffice.context.officer",
                "motcua.interop.context.deployment",
            ],
        },
    },
]

# SQLite is the embedded default (make run); PostgreSQL 15 is production.
DATA_DIR = Path(env("MOTCUA_DATA_DIR", str(BASE_DIR / "var")))
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'motcua.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server and the outbox worker share the file; IMMEDIATE avoids
    # lock upgrades that fail under concurrency (DESIGN: SQLite).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    if PROFILE == "test":
        import tempfile

        # Concurrency tests need threads sharing one database: a file per test process, not
        # the in-memory default (DESIGN: SQLite).
        DATABASES["default"]["TEST"] = {
            "NAME": str(Path(tempfile.gettempdir()) / f"motcua-test-{os.getpid()}.sqlite3")
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The database cache is shared by every worker: sign-in throttling needs that.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "motcua_cache",
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["motcua.accounts.backends.IdentifierBackend"]
LOGIN_URL = "portal:sign_in"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Vietnamese first; English available under /en/.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(DATA_DIR / "static")))
STATICFILES_DIRS = [SRC_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Citizens' files are private: MEDIA_ROOT is never served as a public URL (DESIGN: documents).
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(DATA_DIR / "media")))
# A URL Django needs to tell media from static files; no URL pattern ever serves it.
MEDIA_URL = "/_private/"

# Django 6.1 mailers (EMAIL_* settings are deprecated). The demo (development profile) writes
# e-mails as files under var/mail unless an SMTP server is configured.
_SMTP = "django.core.mail.backends.smtp.EmailBackend"
_FILES = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_BACKEND_PATH = env("EMAIL_BACKEND", _FILES if PROFILE == "development" else _SMTP)
if EMAIL_BACKEND_PATH == _SMTP:
    _MAIL_OPTIONS = {
        "host": env("EMAIL_HOST", "127.0.0.1"),
        "port": int(env("EMAIL_PORT", "25")),
        "username": env("EMAIL_HOST_USER", ""),
        "password": env("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS"),
        "timeout": 20,
    }
elif EMAIL_BACKEND_PATH == _FILES:
    _MAIL_OPTIONS = {"file_path": env("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))}
else:
    _MAIL_OPTIONS = {}
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH, "OPTIONS": _MAIL_OPTIONS}}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "motcua <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Django's built-in Content Security Policy (6.0+): no inline scripts or styles.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

if PROFILE == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
if not PRODUCTION:
    # Serve static files straight from the apps in development: no collectstatic step.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = PROFILE == "development"

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

# Structured logs: one JSON object per line on stderr.
LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "motcua.core.logging.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}

# Domain settings (DESIGN: keep every rule the law may change as data or a setting).
MOTCUA = {
    # Default office hours when an agency declares none (DESIGN: Working calendar).
    "OFFICE_HOURS": (("07:00", "11:30"), ("13:30", "17:00")),
    "SAME_DAY_CUTOFF": "15:00",
    # The province this installation serves (statistics office code); HCMC in the demo.
    "PROVINCE_CODE": int(env("MOTCUA_PROVINCE_CODE", "79")),
    # Public dossier look-ups per client address per minute (portal and API together).
    "LOOKUP_PER_MINUTE": int(env("MOTCUA_LOOKUP_PER_MINUTE", "30")),
    # Sign-in: free attempts per (account, IP), then delays doubling up to the maximum.
    # The demo (development profile) is lenient.
    "SIGNIN_FREE_ATTEMPTS": int(
        env("MOTCUA_SIGNIN_FREE_ATTEMPTS", "20" if PROFILE == "development" else "5")
    ),
    "SIGNIN_BASE_DELAY_SECONDS": float(env("MOTCUA_SIGNIN_BASE_DELAY", "1")),
    "SIGNIN_MAX_DELAY_SECONDS": float(
        env("MOTCUA_SIGNIN_MAX_DELAY", "5" if PROFILE == "development" else "900")
    ),
    "API_TOKEN_HOURS": int(env("MOTCUA_API_TOKEN_HOURS", "24")),
    # Online payment (issue 5): an attempt stays open this long at the gateway.
    "PAYMENTS": {
        "ATTEMPT_MINUTES": int(env("MOTCUA_PAYMENT_ATTEMPT_MINUTES", "15")),
    },
}

# The sandbox (DESIGN: sandbox app): the other side of each external protocol, served by this
# same server for the demo and the tests; never in production.
SANDBOX = PROFILE != "production" and env("MOTCUA_SANDBOX", "true").lower() == "true"
if SANDBOX:
    INSTALLED_APPS.append("motcua.sandbox")
# Where this server is reached (the demo's `make run` follows PORT): the sandbox gateway's
# return and IPN addresses, and ours given to it.
SITE_URL = env("MOTCUA_SITE_URL", f"http://127.0.0.1:{env('PORT', '8000')}").rstrip("/")
_SANDBOX_URL = f"{SITE_URL}/sandbox"

# SMS through an HTTP brandname gateway (docs/notifications.md); the demo's is the sandbox's.
MOTCUA["SMS"] = {
    "GATEWAY": env("MOTCUA_SMS_GATEWAY", "http"),
    "API_URL": env("MOTCUA_SMS_API_URL", f"{_SANDBOX_URL}/sms" if SANDBOX else ""),
    "API_KEY": env("MOTCUA_SMS_API_KEY", "demo-sms-key" if SANDBOX else ""),
    "CALLBACK_SECRET": env(
        "MOTCUA_SMS_CALLBACK_SECRET", "demo-sms-callback-secret" if SANDBOX else ""
    ),
    "BRANDNAME": env("MOTCUA_SMS_BRANDNAME", "MOTCUA"),
    "TIMEOUT_SECONDS": float(env("MOTCUA_SMS_TIMEOUT_SECONDS", "10")),
}

# VNPAY 2.1.0 (REFERENCE.md). The demo's merchant is the sandbox's; production sets all four.
MOTCUA["VNPAY"] = {
    "TMN_CODE": env("VNPAY_TMN_CODE", "MOTCUA01" if SANDBOX else ""),
    "HASH_SECRET": env("VNPAY_HASH_SECRET", "MOTCUADEMOSANDBOXHASHSECRET2026X" if SANDBOX else ""),
    "PAYMENT_URL": env(
        "VNPAY_PAYMENT_URL", f"{_SANDBOX_URL}/vnpay/paymentv2/vpcpay.html" if SANDBOX else ""
    ),
    "API_URL": env(
        "VNPAY_API_URL", f"{_SANDBOX_URL}/vnpay/merchant_webapi/api/transaction" if SANDBOX else ""
    ),
    # Addresses the IPN may come from (comma-separated); empty: any.
    "IP_ALLOWLIST": [a.strip() for a in env("VNPAY_IP_ALLOWLIST", "").split(",") if a.strip()],
    # vnp_IpAddr of our querydr requests.
    "SERVER_IP": env("VNPAY_SERVER_IP", "127.0.0.1"),
    "TIMEOUT_SECONDS": float(env("VNPAY_TIMEOUT_SECONDS", "10")),
}

# The national payment platform (PayGov; docs/payments.md): our own reading of a protocol
# that is not fully public. The demo's partner is the sandbox's; production sets all three.
MOTCUA["PAYGOV"] = {
    "PARTNER_CODE": env("PAYGOV_PARTNER_CODE", "MOTCUA-PG01" if SANDBOX else ""),
    "SECRET": env("PAYGOV_SECRET", "MOTCUADEMOPAYGOVSECRET2026" if SANDBOX else ""),
    "API_URL": env("PAYGOV_API_URL", f"{_SANDBOX_URL}/paygov/api" if SANDBOX else ""),
    "TIMEOUT_SECONDS": float(env("PAYGOV_TIMEOUT_SECONDS", "10")),
}

# Public postal service (issue 5 §3; docs/post.md): the carrier contract over HTTP; the demo's
# carrier is the sandbox's. Production sets the carrier's address, customer code and secret.
MOTCUA["POST"] = {
    "CARRIER": env("MOTCUA_POST_CARRIER", "http"),
    "API_URL": env("MOTCUA_POST_API_URL", f"{_SANDBOX_URL}/post/v1" if SANDBOX else ""),
    "CUSTOMER_CODE": env("MOTCUA_POST_CUSTOMER_CODE", "MOTCUA-DEMO" if SANDBOX else ""),
    # The shared key of the HMAC-SHA256 signatures, both ways.
    "SECRET": env("MOTCUA_POST_SECRET", "MOTCUADEMOPOSTSECRET2026" if SANDBOX else ""),
    # What the citizen pays per one-way trip, and the carrier's list price (Hà Tĩnh: 10,000 đ
    # against 26,000 đ per 100 g in town), in đồng.
    "CITIZEN_FEE": int(env("MOTCUA_POST_CITIZEN_FEE", "10000")),
    "LIST_PRICE": int(env("MOTCUA_POST_LIST_PRICE", "26000")),
    "TIMEOUT_SECONDS": float(env("MOTCUA_POST_TIMEOUT_SECONDS", "10")),
    # A callback signed longer ago than this (or later) is refused: no replays.
    "CALLBACK_WINDOW_SECONDS": int(env("MOTCUA_POST_CALLBACK_WINDOW_SECONDS", "300")),
    # The sandbox carrier moves each shipment one status on after this long (the demo).
    "SANDBOX_STEP_SECONDS": int(env("MOTCUA_POST_SANDBOX_STEP_SECONDS", "120")),
}

# Legal e-receipts for fees and charges (Decree 123/2020; docs/payments.md, "Biên lai điện
# tử"): issued by a registered provider through a plugin; ISSUER empty turns them off. The
# demo's provider is the sandbox's. Template and symbol are those the collecting organisation
# registered with the tax authority.
MOTCUA["RECEIPTS"] = {
    "ISSUER": env("MOTCUA_RECEIPT_ISSUER", "http" if SANDBOX else ""),
    "API_URL": env("MOTCUA_RECEIPT_API_URL", f"{_SANDBOX_URL}/receipts/v1" if SANDBOX else ""),
    # The shared key of the HMAC-SHA256 request signatures.
    "SECRET": env("MOTCUA_RECEIPT_SECRET", "MOTCUADEMORECEIPTSECRET2026" if SANDBOX else ""),
    # Ký hiệu mẫu biên lai and ký hiệu biên lai.
    "TEMPLATE": env("MOTCUA_RECEIPT_TEMPLATE", "01BLP0-001" if SANDBOX else ""),
    "SYMBOL": env("MOTCUA_RECEIPT_SYMBOL", "AA-26E" if SANDBOX else ""),
    # The collecting organisation: its tax code, and its name (empty: the receiving agency's).
    "TAX_CODE": env("MOTCUA_RECEIPT_TAX_CODE", "0300000000" if SANDBOX else ""),
    "COLLECTOR_NAME": env("MOTCUA_RECEIPT_COLLECTOR_NAME", ""),
    "TIMEOUT_SECONDS": float(env("MOTCUA_RECEIPT_TIMEOUT_SECONDS", "10")),
}

# Citizens' files (DESIGN: Citizens' documents are private): outside any public URL, under
# random names; nginx serves the bytes through X-Accel-Redirect when the prefix is set.
MOTCUA_DOCUMENTS = {
    "ROOT": Path(env("MOTCUA_DOCUMENTS_ROOT", str(MEDIA_ROOT / "private"))),
    "MAX_FILE_BYTES": int(env("MOTCUA_MAX_FILE_BYTES", str(20 * 1024 * 1024))),
    "MAX_DOSSIER_BYTES": int(env("MOTCUA_MAX_DOSSIER_BYTES", str(100 * 1024 * 1024))),
    "MAX_IMAGE_PIXELS": int(env("MOTCUA_MAX_IMAGE_PIXELS", str(40_000_000))),
    "X_ACCEL_REDIRECT_PREFIX": env("MOTCUA_X_ACCEL_REDIRECT_PREFIX", ""),
}
if PROFILE == "test":
    import atexit
    import shutil
    import tempfile

    # Each test process writes its files into its own temporary folder, never the repo.
    MOTCUA_DOCUMENTS["ROOT"] = Path(tempfile.mkdtemp(prefix="motcua-documents-"))
    atexit.register(shutil.rmtree, MOTCUA_DOCUMENTS["ROOT"], ignore_errors=True)

# Transactional outbox and its workers (DESIGN: Transactional outbox; docs/operations.md: Outbox).
MOTCUA_OUTBOX = {
    # Retry n waits about BACKOFF_BASE · 2^(n-1) seconds (with jitter), at most BACKOFF_MAX.
    "BACKOFF_BASE_SECONDS": int(env("MOTCUA_OUTBOX_BACKOFF_BASE_SECONDS", "10")),
    "BACKOFF_MAX_SECONDS": int(env("MOTCUA_OUTBOX_BACKOFF_MAX_SECONDS", "3600")),
    # Default for new messages; then the message fails and waits for an operator.
    "MAX_ATTEMPTS": int(env("MOTCUA_OUTBOX_MAX_ATTEMPTS", "12")),
    # A worker silent this long is presumed dead; its messages are taken again.
    "LEASE_SECONDS": int(env("MOTCUA_OUTBOX_LEASE_SECONDS", "300")),
    "KEEP_DONE_DAYS": int(env("MOTCUA_OUTBOX_KEEP_DONE_DAYS", "30")),
    "POLL_SECONDS": int(env("MOTCUA_OUTBOX_POLL_SECONDS", "2")),
    # Domain of e-mail Message-IDs; empty: the domain of DEFAULT_FROM_EMAIL.
    "MESSAGE_ID_DOMAIN": env("MOTCUA_MESSAGE_ID_DOMAIN", ""),
}

# The national public service portal (issue 6; docs/national-sync.md). Model 2 puts the
# province behind it: no citizen sign-up or online filing here. The sync runs in either model
# when API_URL is set; the demo's national portal is the sandbox's.
_DEMO_NATIONAL = SANDBOX and env("MOTCUA_DEPLOYMENT_MODEL", "1") == "2"
MOTCUA["DEPLOYMENT_MODEL"] = int(env("MOTCUA_DEPLOYMENT_MODEL", "1"))
MOTCUA["NATIONAL"] = {
    "TRANSPORT": env("MOTCUA_NATIONAL_TRANSPORT", "http"),
    "API_URL": env(
        "MOTCUA_NATIONAL_API_URL", f"{_SANDBOX_URL}/dvcqg/api" if _DEMO_NATIONAL else ""
    ).rstrip("/"),
    "SYSTEM_CODE": env("MOTCUA_NATIONAL_SYSTEM_CODE", "HCM-MOTCUA" if SANDBOX else ""),
    "SECRET": env("MOTCUA_NATIONAL_SECRET", "MOTCUADEMONATIONALSECRET2026" if SANDBOX else ""),
    "PARTNERS": {
        code.strip(): secret.strip()
        for code, _, secret in (
            item.partition("=")
            for item in env(
                "MOTCUA_NATIONAL_PARTNERS", "DVCQG=DVCQGDEMOPARTNERSECRET2026" if SANDBOX else ""
            ).split(",")
            if "=" in item
        )
    },
    "PORTAL_URL": env("MOTCUA_NATIONAL_PORTAL_URL", "https://dichvucong.gov.vn"),
    "TIMEOUT_SECONDS": float(env("MOTCUA_NATIONAL_TIMEOUT_SECONDS", "10")),
    "SIGNATURE_WINDOW_SECONDS": 300,
}
