"""Errors a client can see. Each has a stable code; the API turns it into a JSON body."""


class DomainError(Exception):
    """A refused request: `code` is stable and documented, `status` is the HTTP status the API uses."""

    status = 409

    def __init__(self, code: str, message: str, *, field: str | None = None, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        if status is not None:
            self.status = status

    def as_dict(self) -> dict:
        return {"code": self.code, "error": self.message, "field": self.field or None}


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class InvalidInput(DomainError):
    status = 422
