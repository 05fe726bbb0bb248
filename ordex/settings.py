"""Ordex settings: everything that differs between machines comes from the environment.

DATABASE_URL   default sqlite:///<ORDEX_DATA_DIR>/ordex.sqlite3 (WAL mode)
ORDEX_DATA_DIR default ./var
SECRET_KEY     default: generated once and kept in <ORDEX_DATA_DIR>/secret_key
REDIS_URL      optional: when set, the task queue runs on Redis instead of SQLite
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("ORDEX_DATA_DIR", BASE_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("ORDEX_DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "huey.contrib.djhuey",
    "ordex.accounts",
    "ordex.orders",
    "ordex.ingest",
    "ordex.cases",
    "ordex.detection",
    "ordex.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ordex.web.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "ordex.urls"
WSGI_APPLICATION = "ordex.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ordex.web.context_processors.workbench",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'ordex.sqlite3'}"),
        # Kept open between requests (each web thread has its own): a new connection costs a PostgreSQL
        # login, or on SQLite re-reading the schema and a cold page cache (single-event p50 9.4 -> 6.7 ms).
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while the importer writes; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue on busy_timeout instead of failing with "database is locked".
        # wal_autocheckpoint: copy the write-ahead log back every ~64 MB instead of every 4 MB; each chunk
        # rewrites many of the same index pages, and a checkpoint inside a request's commit was half of the
        # commit's time (docs/benchmarks.md, "Figures behind settings and code").
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; "
                        "PRAGMA wal_autocheckpoint=16000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # Tests use a file, not shared-cache memory: the race tests need real SQLite locking between threads.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test_ordex_{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = os.environ.get("ORDEX_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

REDIS_URL = os.environ.get("REDIS_URL", "")
HUEY = {
    "name": "ordex",
    "immediate": os.environ.get("ORDEX_HUEY_IMMEDIATE", "") == "1",
    "consumer": {"workers": int(os.environ.get("ORDEX_WORKERS", "2")), "worker_type": "thread"},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "huey.sqlite3")})

# Detection registers its on-event rules with the hub's `applied_events` hook (docs/architecture.md).
# ORDEX_DETECTION_ON_IMPORT=0 leaves them out (benchmarks measure import without them).
ORDEX_DETECTION_ON_IMPORT = os.environ.get("ORDEX_DETECTION_ON_IMPORT", "1") != "0"
ORDEX_INGEST_MAX_BATCH = 1000
ORDEX_KUAIDI100_SALT = os.environ.get("ORDEX_KUAIDI100_SALT", "")
ORDEX_AFTERSHIP_SECRET = os.environ.get("ORDEX_AFTERSHIP_SECRET", "")

# Uploaded evidence
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ORDEX_LOG_LEVEL", "WARNING")},
}
