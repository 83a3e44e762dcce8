"""Normalised keys for comparing what registrants type with what directories hold."""

import re

from stdnum import isil as stdnum_isil

US_STATES = {
    "ALABAMA": "AL", "ALASKA": "AK", "ARIZONA": "AZ", "ARKANSAS": "AR", "CALIFORNIA": "CA",
    "COLORADO": "CO", "CONNECTICUT": "CT", "DELAWARE": "DE", "DISTRICT OF COLUMBIA": "DC",
    "FLORIDA": "FL", "GEORGIA": "GA", "HAWAII": "HI", "IDAHO": "ID", "ILLINOIS": "IL",
    "INDIANA": "IN", "IOWA": "IA", "KANSAS": "KS", "KENTUCKY": "KY", "LOUISIANA": "LA",
    "MAINE": "ME", "MARYLAND": "MD", "MASSACHUSETTS": "MA", "MICHIGAN": "MI", "MINNESOTA": "MN",
    "MISSISSIPPI": "MS", "MISSOURI": "MO", "MONTANA": "MT", "NEBRASKA": "NE", "NEVADA": "NV",
    "NEW HAMPSHIRE": "NH", "NEW JERSEY": "NJ", "NEW MEXICO": "NM", "NEW YORK": "NY",
    "NORTH CAROLINA": "NC", "NORTH DAKOTA": "ND", "OHIO": "OH", "OKLAHOMA": "OK", "OREGON": "OR",
    "PENNSYLVANIA": "PA", "RHODE ISLAND": "RI", "SOUTH CAROLINA": "SC", "SOUTH DAKOTA": "SD",
    "TENNESSEE": "TN", "TEXAS": "TX", "UTAH": "UT", "VERMONT": "VT", "VIRGINIA": "VA",
    "WASHINGTON": "WA", "WEST VIRGINIA": "WV", "WISCONSIN": "WI", "WYOMING": "WY",
    "AMERICAN SAMOA": "AS", "GUAM": "GU", "NORTHERN MARIANA ISLANDS": "MP", "PUERTO RICO": "PR",
    "VIRGIN ISLANDS": "VI",
}  # fmt: skip

_NOT_WORD = re.compile(r"[^A-Z0-9]+")


def text_key(value: str) -> str:
    """Upper case, punctuation to spaces, single spaces: 'St. Paul ' -> 'ST PAUL'."""
    return _NOT_WORD.sub(" ", value.upper()).strip()


def region_key(value: str) -> str:
    key = text_key(value)
    return US_STATES.get(key, key)


def zip_key(value: str) -> str:
    """US ZIP codes compare on their five digits; other postcodes on their letters and digits."""
    compact = text_key(value).replace(" ", "")
    if re.fullmatch(r"\d{5}(\d{4})?", compact):
        return compact[:5]
    return compact[:10]


def phone_key(value: str) -> str:
    """The last ten digits, so +1 (202) 707-5000 and 2027075000 agree."""
    return re.sub(r"\D", "", value)[-10:]


def isil_or_blank(value: str) -> str:
    """An ISIL in its standard form; a bare MARC organization code (DLC) becomes US-DLC.
    Raises ValueError when the value is neither."""
    value = value.strip()
    if not value:
        return ""
    candidate = value if "-" in value else f"US-{value}"
    if not stdnum_isil.is_valid(candidate):
        raise ValueError(value)
    return str(stdnum_isil.format(candidate))


# USPS-style abbreviations, so "476 Fifth Avenue" and "476 5th Ave" compare as equal.
STREET_WORDS = {
    "AVENUE": "AVE", "STREET": "ST", "ROAD": "RD", "DRIVE": "DR", "BOULEVARD": "BLVD",
    "LANE": "LN", "PLACE": "PL", "COURT": "CT", "SQUARE": "SQ", "PARKWAY": "PKWY",
    "HIGHWAY": "HWY", "TERRACE": "TER", "SUITE": "STE", "NORTH": "N", "SOUTH": "S", "EAST": "E",
    "WEST": "W", "NORTHEAST": "NE", "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
    "FIRST": "1ST", "SECOND": "2ND", "THIRD": "3RD", "FOURTH": "4TH", "FIFTH": "5TH",
    "SIXTH": "6TH", "SEVENTH": "7TH", "EIGHTH": "8TH", "NINTH": "9TH", "TENTH": "10TH",
}  # fmt: skip


def street_key(value: str) -> str:
    return " ".join(STREET_WORDS.get(word, word) for word in text_key(value).split())
