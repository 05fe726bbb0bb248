import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    WAREHOUSE = "warehouse", _("Warehouse")
    LOGISTICS = "logistics", _("Logistics")
    FINANCE = "finance", _("Finance")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Admin")
    INTEGRATION = "integration", _("Integration")


# The department a role belongs to unless an admin says otherwise.
ROLE_DEFAULT_DEPARTMENT = {
    Role.AGENT: "customer_service",
    Role.WAREHOUSE: "warehouse",
    Role.LOGISTICS: "logistics",
    Role.FINANCE: "finance",
    Role.SUPERVISOR: "customer_service",
}


class Department(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=80)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self):
        return f"{self.name_zh} ({self.code})"


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.SET_NULL
    )
    available = models.BooleanField(
        _("available"), default=True, help_text=_("Takes new cases in automatic assignment")
    )
    max_open_cases = models.PositiveIntegerField(_("max open cases"), default=30)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    language = models.CharField(
        _("language"), max_length=10, blank=True,
        help_text=_("Language of the workbench (a code of settings.LANGUAGES); empty: default")
    )


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the raw value is shown once, at creation."""

    PREFIX = "odx_"

    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.SET_NULL
    )
    user = models.ForeignKey(User, verbose_name=_("user"), null=True, blank=True, on_delete=models.CASCADE)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    hint = models.CharField(
        _("hint"), max_length=12, editable=False, help_text=_("First characters, to tell tokens apart")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.role}, {self.hint}…)"

    @classmethod
    def issue(cls, *, name: str, role: str, department=None, user=None) -> tuple["ApiToken", str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            name=name, role=role, department=department, user=user, token_hash=hash_token(raw), hint=raw[:10]
        )
        return token, raw


class PersonalDataReveal(models.Model):
    """An audit row: a person with the right to personal data chose to see it unmasked. Append-only."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"), default=timezone.now)
    subject = models.CharField(
        _("subject revealed"), max_length=120, help_text=_("What was revealed, e.g. 'case:12' or 'order:A1001'")
    )
    fields = models.JSONField(_("fields"), default=list, help_text=_("Which personal fields were shown"))

    class Meta:
        verbose_name = _("personal data reveal")
        verbose_name_plural = _("personal data reveals")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["subject", "at"], name="reveal_subject_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.subject}"
