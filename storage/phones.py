"""Phone numbers in one form (E.164), whatever way they were written."""

from __future__ import annotations

import phonenumbers


def normalise_phone(raw: str, region: str = "VN") -> str | None:
    """E.164 form ("+84912345678") of a valid number, or None."""
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(phone: str | None, region: str = "VN") -> str | None:
    """How people write the number at home ("0912 000 101"); others keep the + form."""
    if not phone:
        return None
    number = phonenumbers.parse(phone, region)
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
