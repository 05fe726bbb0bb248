"""Chinese addresses: parsed from raw text or checked in parts against current administrative divisions."""

import pytest

from ordex.orders.address import address_key, parse_address, structure_address
from ordex.orders.choices import AddressQuality

OK, NO_DETAIL, UNRESOLVED = AddressQuality.OK, AddressQuality.NO_DETAIL, AddressQuality.UNRESOLVED


@pytest.mark.parametrize(
    ("raw", "province", "city", "district", "detail", "quality"),
    [
        # 临平区 and 钱塘区 were created in 2021: an outdated division table misses them.
        ("浙江省杭州市临平区南苑街道人民大道100号", "浙江省", "杭州市", "临平区", "南苑街道人民大道100号", OK),
        ("浙江杭州钱塘区白杨街道6号大街", "浙江省", "杭州市", "钱塘区", "白杨街道6号大街", OK),
        ("杭州市钱塘区下沙路5号", "浙江省", "杭州市", "钱塘区", "下沙路5号", OK),
        ("北京市朝阳区建国路88号", "北京市", "北京市", "朝阳区", "建国路88号", OK),
        ("上海 浦东新区 张江路1号", "上海市", "上海市", "浦东新区", "张江路1号", OK),
        # 东莞 has no districts: the city is as far as the division goes.
        ("广东省东莞市南城街道宏图路88号", "广东省", "东莞市", "", "南城街道宏图路88号", OK),
        ("浙江省杭州市临平区", "浙江省", "杭州市", "临平区", "", NO_DETAIL),
        ("广东省东莞市", "广东省", "东莞市", "", "", NO_DETAIL),
        # The division data folds 渝北区/江北区 into 两江新区; buyers still write them and parcels arrive.
        ("重庆市渝北区龙溪街道金紫山1号", "重庆市", "重庆市", "渝北区", "龙溪街道金紫山1号", OK),
        ("阿斯顿发生的", "", "", "", "", UNRESOLVED),
        ("", "", "", "", "", UNRESOLVED),
    ],
    ids=["linping", "qiantang-short-names", "qiantang-no-province", "beijing", "shanghai-spaces", "dongguan",
         "district-only", "dongguan-no-detail", "chongqing-former-district", "nonsense", "empty"],
)
def test_parse_address(raw, province, city, district, detail, quality):
    parsed = parse_address(raw)

    assert (parsed.province, parsed.city, parsed.district, parsed.detail, parsed.quality) == (
        province, city, district, detail, quality,
    )


def test_parsed_address_carries_the_district_adcode():
    assert parse_address("浙江省杭州市临平区南苑街道1号").adcode == "330113"
    assert parse_address("浙江省杭州市钱塘区下沙街道1号").adcode == "330114"


@pytest.mark.parametrize(
    ("parts", "district", "quality"),
    [
        (("浙江省", "杭州市", "临平区", "南苑街道人民大道100号"), "临平区", OK),
        (("浙江省", "杭州市", "钱塘区", "下沙街道1号"), "钱塘区", OK),
        (("浙江", "杭州", "钱塘区", "下沙街道1号"), "钱塘区", OK),
        (("浙江省", "杭州市", "余杭区", "良渚街道1号"), "余杭区", OK),
        (("广东省", "东莞市", "", "南城街道宏图路88号"), "", OK),
        (("浙江省", "杭州市", "临平区", ""), "临平区", NO_DETAIL),
        (("浙江省", "杭州市", "临平区", "临平"), "临平区", NO_DETAIL),
        (("广东省", "东莞市", "", ""), "", NO_DETAIL),
        # A district that is not in the given city does not make a deliverable address.
        (("浙江省", "杭州市", "朝阳区", "建国路1号"), "朝阳区", UNRESOLVED),
        (("火星", "奥林匹斯", "山区", "1号"), "山区", UNRESOLVED),
    ],
    ids=["linping", "qiantang", "short-names", "yuhang", "dongguan", "no-detail", "detail-is-a-name",
         "dongguan-no-detail", "district-of-another-city", "nonsense"],
)
def test_structure_address(parts, district, quality):
    structured = structure_address(*parts)

    assert structured.district == district
    assert structured.quality == quality


def test_structure_address_fills_the_official_names():
    structured = structure_address("浙江", "杭州", "钱塘区", "下沙街道1号")

    assert (structured.province, structured.city) == ("浙江省", "杭州市")


def test_address_key_ignores_spacing_and_case():
    assert address_key("浙江省", "杭州市", "临平区", "人民大道 100号 A座") == address_key(
        "浙江省", "杭州市", "临平区", "人民大道100号a座"
    )
    assert address_key("浙江省", "杭州市", "临平区", "人民大道100号") != address_key(
        "浙江省", "杭州市", "临平区", "人民大道200号"
    )
