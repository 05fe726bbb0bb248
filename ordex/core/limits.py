"""The ranges the database columns hold, shared by the inbound contract and the API's parameters: a value
outside them is refused with a 4xx naming the field, never handed to the database (where it would fail
the whole request, or be stored and then fail every read)."""

from typing import Annotated

from pydantic import Field

INT_MAX = 2**31 - 1  # IntegerField / PositiveIntegerField (PostgreSQL `integer`)
BIGINT_MAX = 2**63 - 1  # primary keys (BigAutoField)

RowId = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
Offset = Annotated[int, Field(ge=0, le=INT_MAX)]
Count = Annotated[int, Field(ge=0, le=INT_MAX)]
