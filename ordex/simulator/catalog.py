"""Static reference data for the simulated merchant: platforms, places, products, people.

Everything here is plain data plus small builders that draw from a caller's
``random.Random``; nothing reads global state, so the stream stays deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

PLATFORMS = ("tmall", "taobao", "jd", "pinduoduo", "douyin", "wechat")
# Share of the merchant's orders per platform (the flagship Tmall store sells most).
PLATFORM_WEIGHTS = {"tmall": 30, "taobao": 22, "jd": 16, "pinduoduo": 13, "douyin": 13, "wechat": 6}
PAYMENT_METHODS = {
    "tmall": (("alipay", 85), ("card", 15)),
    "taobao": (("alipay", 90), ("card", 10)),
    "jd": (("wechat", 55), ("card", 45)),
    "pinduoduo": (("wechat", 60), ("alipay", 40)),
    "douyin": (("alipay", 50), ("wechat", 50)),
    "wechat": (("wechat", 100),),
}
# Platforms that hide the buyer's phone (privacy rules): masked numbers or virtual numbers.
MASKING_PLATFORMS = frozenset({"tmall", "taobao", "pinduoduo", "douyin"})

CARRIERS = ("shunfeng", "zhongtong", "yuantong", "yunda", "shentong", "jd", "ems", "jtexpress")
CARRIER_WEIGHTS = (12, 25, 18, 14, 9, 4, 6, 12)
TRACKING_PREFIX = {
    "shunfeng": "SF",
    "zhongtong": "75",
    "yuantong": "YT",
    "yunda": "43",
    "shentong": "77",
    "jd": "JDVA",
    "ems": "11",
    "jtexpress": "JT",
}

REMOTE_PROVINCES = frozenset(
    {"西藏自治区", "新疆维吾尔自治区", "青海省", "内蒙古自治区", "宁夏回族自治区", "甘肃省"}
)

# warehouse code -> (city, provinces it serves first)
WAREHOUSES = {
    "WH-HZ": "杭州市",
    "WH-GZ": "广州市",
    "WH-BJ": "北京市",
    "WH-CD": "成都市",
}

# province, city, postcode, districts (current divisions: 杭州 has 临平区/钱塘区, no 江干区/下城区),
# warehouse, weight (relative order volume)
PLACES = (
    (
        "浙江省",
        "杭州市",
        "310000",
        ("上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区", "临平区", "钱塘区", "富阳区"),
        "WH-HZ",
        9,
    ),
    ("浙江省", "宁波市", "315000", ("海曙区", "江北区", "鄞州区", "北仑区", "镇海区"), "WH-HZ", 4),
    ("浙江省", "温州市", "325000", ("鹿城区", "瓯海区", "龙湾区"), "WH-HZ", 3),
    ("浙江省", "金华市", "321000", ("婺城区", "金东区", "义乌市"), "WH-HZ", 2),
    ("江苏省", "南京市", "210000", ("玄武区", "秦淮区", "鼓楼区", "建邺区", "江宁区"), "WH-HZ", 5),
    ("江苏省", "苏州市", "215000", ("姑苏区", "吴中区", "相城区", "虎丘区", "吴江区", "昆山市"), "WH-HZ", 5),
    ("江苏省", "无锡市", "214000", ("梁溪区", "滨湖区", "新吴区"), "WH-HZ", 2),
    (
        "上海市",
        "上海市",
        "200000",
        ("浦东新区", "黄浦区", "徐汇区", "静安区", "长宁区", "普陀区", "闵行区", "宝山区"),
        "WH-HZ",
        9,
    ),
    ("安徽省", "合肥市", "230000", ("蜀山区", "包河区", "庐阳区", "瑶海区"), "WH-HZ", 3),
    ("江西省", "南昌市", "330000", ("东湖区", "西湖区", "青山湖区", "红谷滩区"), "WH-HZ", 2),
    ("福建省", "福州市", "350000", ("鼓楼区", "台江区", "仓山区"), "WH-GZ", 2),
    ("福建省", "厦门市", "361000", ("思明区", "湖里区", "集美区"), "WH-GZ", 2),
    ("广东省", "广州市", "510000", ("天河区", "越秀区", "海珠区", "白云区", "番禺区"), "WH-GZ", 7),
    ("广东省", "深圳市", "518000", ("南山区", "福田区", "罗湖区", "宝安区", "龙岗区", "龙华区"), "WH-GZ", 7),
    ("广东省", "佛山市", "528000", ("禅城区", "南海区", "顺德区"), "WH-GZ", 3),
    ("广西壮族自治区", "南宁市", "530000", ("青秀区", "兴宁区", "西乡塘区"), "WH-GZ", 2),
    ("海南省", "海口市", "570000", ("龙华区", "美兰区", "秀英区"), "WH-GZ", 1),
    ("湖南省", "长沙市", "410000", ("岳麓区", "芙蓉区", "天心区", "开福区"), "WH-GZ", 3),
    ("湖北省", "武汉市", "430000", ("江岸区", "武昌区", "洪山区", "江汉区"), "WH-HZ", 4),
    (
        "北京市",
        "北京市",
        "100000",
        ("朝阳区", "海淀区", "东城区", "西城区", "丰台区", "通州区", "昌平区", "大兴区"),
        "WH-BJ",
        8,
    ),
    ("天津市", "天津市", "300000", ("和平区", "南开区", "河西区", "滨海新区"), "WH-BJ", 3),
    ("河北省", "石家庄市", "050000", ("长安区", "桥西区", "新华区", "裕华区"), "WH-BJ", 2),
    ("山东省", "济南市", "250000", ("历下区", "市中区", "槐荫区", "历城区"), "WH-BJ", 3),
    ("山东省", "青岛市", "266000", ("市南区", "市北区", "崂山区", "黄岛区"), "WH-BJ", 3),
    ("河南省", "郑州市", "450000", ("金水区", "中原区", "二七区", "管城回族区"), "WH-BJ", 3),
    ("山西省", "太原市", "030000", ("小店区", "迎泽区", "杏花岭区"), "WH-BJ", 1),
    ("辽宁省", "沈阳市", "110000", ("和平区", "沈河区", "皇姑区", "浑南区"), "WH-BJ", 2),
    ("吉林省", "长春市", "130000", ("朝阳区", "南关区", "绿园区"), "WH-BJ", 1),
    ("黑龙江省", "哈尔滨市", "150000", ("南岗区", "道里区", "香坊区"), "WH-BJ", 1),
    ("陕西省", "西安市", "710000", ("雁塔区", "碑林区", "未央区", "新城区"), "WH-CD", 3),
    ("重庆市", "重庆市", "400000", ("渝中区", "江北区", "南岸区", "渝北区", "沙坪坝区"), "WH-CD", 3),
    ("四川省", "成都市", "610000", ("锦江区", "青羊区", "武侯区", "成华区", "双流区", "郫都区"), "WH-CD", 5),
    ("贵州省", "贵阳市", "550000", ("南明区", "云岩区", "观山湖区"), "WH-CD", 1),
    ("云南省", "昆明市", "650000", ("五华区", "盘龙区", "官渡区"), "WH-CD", 2),
    ("西藏自治区", "拉萨市", "850000", ("城关区", "堆龙德庆区", "达孜区"), "WH-CD", 1),
    ("西藏自治区", "日喀则市", "857000", ("桑珠孜区",), "WH-CD", 1),
    ("新疆维吾尔自治区", "乌鲁木齐市", "830000", ("天山区", "沙依巴克区", "新市区", "水磨沟区"), "WH-CD", 1),
    ("新疆维吾尔自治区", "喀什地区", "844000", ("喀什市",), "WH-CD", 1),
    ("青海省", "西宁市", "810000", ("城东区", "城中区", "城西区", "城北区"), "WH-CD", 1),
    ("内蒙古自治区", "呼和浩特市", "010000", ("新城区", "回民区", "赛罕区"), "WH-BJ", 1),
    ("内蒙古自治区", "包头市", "014000", ("昆都仑区", "青山区"), "WH-BJ", 1),
    ("宁夏回族自治区", "银川市", "750000", ("兴庆区", "金凤区", "西夏区"), "WH-CD", 1),
    ("甘肃省", "兰州市", "730000", ("城关区", "七里河区", "安宁区"), "WH-CD", 1),
)
REMOTE_PLACES = tuple(p for p in PLACES if p[0] in REMOTE_PROVINCES)

ROADS = (
    "文一西路",
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "延安路",
    "长江路",
    "湖滨路",
    "学院路",
    "新华路",
    "复兴路",
    "和平路",
    "光明路",
    "金沙大道",
    "科技大道",
    "望江路",
    "滨河路",
    "迎宾大道",
    "北京路",
    "南京路",
)
COMMUNITIES = (
    "阳光花园",
    "金色家园",
    "翠苑小区",
    "绿城桂花园",
    "万科城",
    "碧桂园",
    "幸福里",
    "锦绣江南",
    "华润二十四城",
    "保利香槟国际",
    "龙湖春江郦城",
    "东方明珠苑",
    "世纪新城",
    "融创玖樟台",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国晨宇浩然欣怡子涵梓轩一诺佳琪思远"
PHONE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "170",
    "173",
    "175",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
)
IP_PREFIXES = (36, 58, 60, 101, 106, 112, 114, 115, 117, 120, 121, 123, 125, 171, 180, 183, 218, 221, 223)
EMAIL_DOMAINS = ("qq.com", "163.com", "126.com", "foxmail.com", "sina.com")

COMPONENTS = ("order-sync", "payment-callback", "wms-connector", "erp-connector", "tracking-sync")

# (sku prefix, name, list price in fen, cost ratio, max normal qty, variant dimensions)
_PRODUCTS = (
    (
        "CL",
        "纯棉圆领短袖T恤",
        7900,
        0.38,
        3,
        (("白色", "黑色", "雾霾蓝", "燕麦色"), ("S", "M", "L", "XL", "XXL")),
    ),
    ("CL", "加绒连帽卫衣", 15900, 0.42, 2, (("灰色", "黑色", "藏青"), ("M", "L", "XL", "XXL"))),
    ("CL", "轻薄羽绒服", 49900, 0.48, 1, (("黑色", "米白"), ("M", "L", "XL"))),
    ("CL", "高腰直筒牛仔裤", 18900, 0.40, 2, (("浅蓝", "深蓝"), ("27", "28", "29", "30"))),
    ("SP", "轻量透气跑步鞋", 35900, 0.45, 1, (("黑色", "白色"), ("39", "40", "41", "42", "43"))),
    ("SP", "加厚瑜伽垫 10mm", 7900, 0.36, 2, (("紫色", "蓝色", "灰色"),)),
    ("SP", "双肩电脑背包 15.6英寸", 16900, 0.44, 1, (("黑色", "深灰"),)),
    ("HM", "万向轮行李箱 20寸", 39900, 0.50, 1, (("银色", "黑色", "玫瑰金"),)),
    ("HM", "纯棉四件套", 29900, 0.46, 1, (("1.5m床", "1.8m床"), ("浅灰", "雾蓝"))),
    ("HM", "天然乳胶枕", 15900, 0.58, 2, (("标准款", "高低款"),)),
    ("HM", "不粘锅炒锅 32cm", 21900, 0.47, 1, (("带盖",),)),
    ("HM", "智能电饭煲 4L", 32900, 0.60, 1, (("白色",),)),
    ("HM", "空气炸锅 5L", 38900, 0.57, 1, (("白色", "黑色"),)),
    ("HM", "护眼LED台灯", 13900, 0.43, 1, (("白色", "原木色"),)),
    ("EL", "主动降噪蓝牙耳机", 29900, 0.55, 1, (("白色", "黑色"),)),
    ("EL", "Type-C快充数据线", 2990, 0.30, 4, (("1米", "2米"), ("白色", "黑色"))),
    ("EL", "20000毫安充电宝", 14900, 0.52, 1, (("白色", "黑色"),)),
    ("EL", "智能运动手环", 22900, 0.56, 1, (("曜石黑", "樱花粉"),)),
    ("EL", "87键机械键盘", 39900, 0.50, 1, (("红轴", "茶轴", "青轴"),)),
    ("EL", "静音无线鼠标", 6900, 0.35, 2, (("灰色", "白色", "粉色"),)),
    ("EL", "声波电动牙刷", 19900, 0.40, 2, (("白色", "粉色", "蓝色"),)),
    (
        "EL",
        "手机壳 防摔透明",
        3900,
        0.20,
        3,
        (("iPhone 15", "iPhone 16", "iPhone 16 Pro", "华为Mate 60", "小米14"),),
    ),
    ("BT", "氨基酸洗面奶", 5900, 0.33, 3, (("100g", "150g"),)),
    ("BT", "保湿修护面霜 50g", 16800, 0.30, 2, (("清爽型", "滋润型"),)),
    ("BT", "去屑洗发水", 4990, 0.35, 3, (("400ml", "750ml"),)),
    ("BT", "防晒霜 SPF50+", 12900, 0.32, 2, (("50ml", "100ml"),)),
    ("HH", "原生木浆卫生纸 27卷", 3990, 0.55, 4, (("3层",),)),
    ("HH", "浓缩洗衣凝珠 52颗", 6990, 0.45, 4, (("薰衣草", "柠檬"),)),
    ("HH", "厨房湿巾 80抽", 1990, 0.40, 5, (("单包", "3包装"),)),
    ("FD", "每日坚果礼盒 1.5kg", 12800, 0.60, 3, (("30袋装",),)),
    ("FD", "东北五常大米 5kg", 4990, 0.62, 4, (("稻花香",),)),
    ("FD", "云南小粒咖啡豆 500g", 8800, 0.41, 3, (("中度烘焙", "深度烘焙"),)),
    ("FD", "明前西湖龙井 250g", 36800, 0.45, 2, (("罐装", "礼盒装"),)),
    ("FD", "内蒙古风干牛肉干", 4500, 0.50, 4, (("五香", "麻辣", "孜然"),)),
    ("FD", "新疆阿克苏苹果 5kg", 5990, 0.58, 3, (("中果", "大果"),)),
    ("PT", "成猫全价猫粮 2kg", 9900, 0.48, 3, (("鸡肉味", "三文鱼味"),)),
    ("PT", "中大型犬狗粮 10kg", 23900, 0.52, 2, (("成犬",),)),
    ("PT", "豆腐猫砂 6L", 3590, 0.46, 5, (("原味", "绿茶味"),)),
    ("BB", "婴儿纸尿裤", 14900, 0.54, 3, (("S码", "M码", "L码", "XL码"),)),
    ("BB", "儿童益智积木 500粒", 12900, 0.39, 2, (("城市系列", "太空系列"),)),
    ("CL", "羊毛混纺针织开衫", 25900, 0.44, 1, (("驼色", "黑色", "燕麦色"), ("S", "M", "L", "XL"))),
    ("CL", "运动速干短裤", 8900, 0.37, 2, (("黑色", "灰色"), ("M", "L", "XL", "XXL"))),
    ("CL", "纯棉中筒袜 5双装", 3990, 0.35, 4, (("黑色", "白色", "混色"),)),
    ("SP", "户外防风冲锋衣", 59900, 0.49, 1, (("黑色", "军绿", "藏蓝"), ("M", "L", "XL", "XXL"))),
    ("BB", "婴儿连体衣 纯棉", 8900, 0.40, 2, (("粉色", "蓝色", "白色"), ("59cm", "66cm", "73cm", "80cm"))),
    ("HM", "珊瑚绒毛毯", 12900, 0.41, 2, (("1.5×2m", "2×2.3m"), ("灰色", "米色", "粉色"))),
    (
        "EL",
        "钢化膜 高清防指纹",
        1990,
        0.15,
        3,
        (("iPhone 15", "iPhone 16", "iPhone 16 Pro", "华为Mate 60", "小米14", "OPPO Find X7"),),
    ),
    ("EL", "USB-C 65W氮化镓充电器", 12900, 0.53, 2, (("白色", "黑色"),)),
    ("FD", "赣南脐橙 5kg", 4990, 0.60, 3, (("中果", "大果", "特大果"),)),
    ("BT", "控油蓬松洗发水", 6900, 0.34, 3, (("380ml", "500ml"), ("清香型", "无香型"))),
)
SKU_COUNT = 200


@dataclass(frozen=True, slots=True)
class Sku:
    code: str
    name: str
    list_price: int  # fen
    cost: int  # fen
    max_qty: int
    base: int  # index of the base product: variants of one base share price and cost


def build_catalog() -> list[Sku]:
    """The first ``SKU_COUNT`` SKUs, variants of each base product interleaved so every base sells."""
    per_base: list[list[Sku]] = []
    for base, (prefix, name, price, cost_ratio, max_qty, dims) in enumerate(_PRODUCTS):
        combos: list[tuple[str, ...]] = [()]
        for dim in dims:
            combos = [c + (v,) for c in combos for v in dim]
        cost = int(round(price * cost_ratio / 10)) * 10
        per_base.append(
            [
                Sku(
                    f"{prefix}{1001 + base}-{i + 1:02d}",
                    f"{name} {' '.join(c)}".strip(),
                    price,
                    cost,
                    max_qty,
                    base,
                )
                for i, c in enumerate(combos)
            ]
        )
    skus: list[Sku] = []
    depth = 0
    while len(skus) < SKU_COUNT:
        added = False
        for variants in per_base:
            if depth < len(variants) and len(skus) < SKU_COUNT:
                skus.append(variants[depth])
                added = True
        if not added:
            break
        depth += 1
    return skus


def fen(amount: int) -> str:
    """Money as the contract wants it: a decimal string with two places."""
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    return f"{sign}{amount // 100}.{amount % 100:02d}"


def weighted(rng, items, weights):
    return rng.choices(items, weights)[0]


def phone(rng) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"


def masked(number: str) -> str:
    return f"{number[:3]}****{number[-4:]}"


def virtual(number: str, rng) -> str:
    """A platform virtual number: a real-format mobile plus a 4-digit extension (valid)."""
    return f"{number[:3]}0000{number[-4:]}-{rng.randrange(10_000):04d}"


INVALID_PHONES = (
    lambda rng: f"1{rng.randrange(10**9):09d}",  # 10 digits
    lambda rng: f"12{rng.randrange(10**9):09d}",  # no 12x mobile prefix exists
    lambda rng: f"138{rng.randrange(10**9):09d}",  # 12 digits
    lambda rng: "1380013800O",  # letter O instead of zero
    lambda rng: f"10{rng.randrange(10**9):09d}",
)


def person_name(rng) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def street_detail(rng) -> str:
    road = rng.choice(ROADS)
    number = rng.randrange(1, 999)
    if rng.random() < 0.7:
        return (
            f"{road}{number}号{rng.choice(COMMUNITIES)}{rng.randrange(1, 30)}幢"
            f"{rng.randrange(1, 4)}单元{rng.randrange(1, 33)}{rng.randrange(1, 5):02d}室"
        )
    return f"{road}{number}号{rng.choice(('写字楼', '大厦', '产业园'))}{rng.randrange(1, 20)}楼"


def buyer_ip(rng) -> str:
    return f"{rng.choice(IP_PREFIXES)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
