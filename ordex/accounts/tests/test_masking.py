"""Phones are masked the same way whatever way they were written."""

import pytest

from ordex.accounts.access import mask_phone


@pytest.mark.parametrize(
    ("phone", "shown"),
    [
        ("13800138000", "138****8000"),
        ("138-0013-8000", "138****8000"),
        ("+86 138 0013 8000", "138****8000"),
        ("１３８００１３８０００", "138****8000"),
        ("13800001234-5678", "138****1234"),
        ("", ""),
        (None, None),
    ],
)
def test_a_phone_is_masked_to_its_first_three_and_last_four_digits_however_it_was_written(phone, shown):
    assert mask_phone(phone) == shown
