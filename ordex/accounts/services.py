"""Creating users and tokens: the only writers of accounts rows outside the admin."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import ROLE_DEFAULT_DEPARTMENT, ApiToken, Department, PersonalDataReveal, Role, User


def _role(role: str) -> str:
    if role not in Role.values:
        raise ValueError(f"unknown role '{role}'; choose one of: {', '.join(Role.values)}")
    return role


def _department(code: str | None, role: str) -> Department | None:
    code = code or ROLE_DEFAULT_DEPARTMENT.get(role)
    if not code:
        return None
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise ValueError(f"unknown department '{code}'")
    return department


def check_new_password(password: str, *, username: str, email: str = "") -> None:
    """Django's password validators (length, common passwords, all digits, close to the username or email);
    ValueError naming every rule the password breaks."""
    try:
        validate_password(password, user=User(username=username, email=email))
    except ValidationError as exc:
        raise ValueError("password refused: " + " ".join(exc.messages))


@transaction.atomic
def create_user(*, username: str, role: str, password: str, department: str | None = None, email: str = "") -> User:
    role = _role(role)
    if User.objects.filter(username=username).exists():
        raise ValueError(f"user '{username}' already exists")
    user = User(
        username=username,
        email=email,
        role=role,
        department=_department(department, role),
        is_staff=role in (Role.ADMIN, Role.SUPERVISOR),
        is_superuser=role == Role.ADMIN,
    )
    user.set_password(password)
    user.save()
    return user


def issue_token(*, name: str, role: str, department: str | None = None, user=None) -> tuple[ApiToken, str]:
    role = _role(role)
    return ApiToken.issue(name=name, role=role, department=_department(department, role), user=user)


def revoke_tokens(*, name: str) -> int:
    return ApiToken.objects.filter(name=name, revoked_at__isnull=True).update(revoked_at=timezone.now())


def set_user_language(user: User, code: str) -> None:
    """The workbench language the person chose (a code of settings.LANGUAGES), kept for their next visit."""
    User.objects.filter(pk=user.pk).update(language=code)
    user.language = code


def record_reveal(user: User, *, subject: str, fields: list[str]) -> PersonalDataReveal:
    """Audit: who revealed which personal fields of what, and when. Callers show the data only after this."""
    return PersonalDataReveal.objects.create(user=user, subject=subject, fields=list(fields))
