"""Phones: valid mobile or fixed line, platform-masked, virtual (relay number + extension), invalid, missing."""

import pytest

from ordex.orders.choices import PhoneKind
from ordex.orders.phones import classify_phone, is_usable


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("13812345678", PhoneKind.MOBILE),
        ("19912345678", PhoneKind.MOBILE),
        ("+86 138 1234 5678", PhoneKind.MOBILE),
        ("008613812345678", PhoneKind.MOBILE),
        ("(138) 1234 5678", PhoneKind.MOBILE),
        ("010-62345678", PhoneKind.FIXED),
        ("0571-87654321", PhoneKind.FIXED),
        ("02012345678", PhoneKind.FIXED),
        # Platforms hide the buyer's number; that is normal, not an error.
        ("138****1234", PhoneKind.MASKED),
        ("+86 138****1234", PhoneKind.MASKED),
        # Relay number with an extension (隐私号).
        ("13800001234-5678", PhoneKind.VIRTUAL),
        ("13800001234转5678", PhoneKind.VIRTUAL),
        ("13800001234#1", PhoneKind.VIRTUAL),
        ("12345", PhoneKind.INVALID),
        ("11111111111", PhoneKind.INVALID),
        ("138123456789", PhoneKind.INVALID),
        ("abc", PhoneKind.INVALID),
        ("11111111111-5678", PhoneKind.INVALID),
        ("13*****1234", PhoneKind.INVALID),
        ("", PhoneKind.MISSING),
        ("   ", PhoneKind.MISSING),
        (None, PhoneKind.MISSING),
    ],
)
def test_classify_phone(raw, kind):
    assert classify_phone(raw) == kind


@pytest.mark.parametrize(
    ("kind", "usable"),
    [
        (PhoneKind.MOBILE, True),
        (PhoneKind.FIXED, True),
        (PhoneKind.MASKED, True),
        (PhoneKind.VIRTUAL, True),
        (PhoneKind.INVALID, False),
        (PhoneKind.MISSING, False),
    ],
)
def test_masked_and_virtual_phones_are_usable_for_contact(kind, usable):
    assert is_usable(kind) is usable
