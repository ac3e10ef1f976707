use kehu_domain::Lang;

/// An English and a Chinese text.
type Pair = (&'static str, &'static str);

/// Product categories with Zipf-ish popularity weights.
const CATEGORIES: [(Pair, f64); 12] = [
    (("grocery", "食品杂货"), 22.0),
    (("electronics", "数码电器"), 9.0),
    (("apparel", "服装鞋帽"), 14.0),
    (("home", "家居日用"), 10.0),
    (("beauty", "美妆个护"), 8.0),
    (("sports", "运动户外"), 6.0),
    (("toys", "母婴玩具"), 5.0),
    (("books", "图书文具"), 7.0),
    (("garden", "园艺花卉"), 4.0),
    (("automotive", "汽车用品"), 3.0),
    (("health", "医药保健"), 7.0),
    (("pet", "宠物用品"), 5.0),
];

/// Sales channels with their popularity weights.
const CHANNELS: [(Pair, f64); 4] = [
    (("web", "网站"), 40.0),
    (("app", "APP"), 30.0),
    (("store", "门店"), 25.0),
    (("phone", "电话"), 5.0),
];

/// Sales regions; cities point into this list.
const REGIONS: [Pair; 5] = [
    ("north", "华北"),
    ("south", "华南"),
    ("east", "华东"),
    ("west", "西部"),
    ("central", "华中"),
];

const NORTH: u8 = 0;
const SOUTH: u8 = 1;
const EAST: u8 = 2;
const WEST: u8 = 3;
const CENTRAL: u8 = 4;

/// Cities, roughly by size (weights fall off Zipf-like with the position), with their region.
const CITIES: [(Pair, u8); 36] = [
    (("Shanghai", "上海"), EAST),
    (("Beijing", "北京"), NORTH),
    (("Shenzhen", "深圳"), SOUTH),
    (("Guangzhou", "广州"), SOUTH),
    (("Chengdu", "成都"), WEST),
    (("Chongqing", "重庆"), WEST),
    (("Hangzhou", "杭州"), EAST),
    (("Wuhan", "武汉"), CENTRAL),
    (("Xi'an", "西安"), WEST),
    (("Suzhou", "苏州"), EAST),
    (("Nanjing", "南京"), EAST),
    (("Tianjin", "天津"), NORTH),
    (("Changsha", "长沙"), CENTRAL),
    (("Zhengzhou", "郑州"), CENTRAL),
    (("Dongguan", "东莞"), SOUTH),
    (("Qingdao", "青岛"), EAST),
    (("Shenyang", "沈阳"), NORTH),
    (("Ningbo", "宁波"), EAST),
    (("Kunming", "昆明"), WEST),
    (("Hefei", "合肥"), EAST),
    (("Foshan", "佛山"), SOUTH),
    (("Fuzhou", "福州"), EAST),
    (("Jinan", "济南"), EAST),
    (("Xiamen", "厦门"), EAST),
    (("Harbin", "哈尔滨"), NORTH),
    (("Changchun", "长春"), NORTH),
    (("Shijiazhuang", "石家庄"), NORTH),
    (("Nanning", "南宁"), SOUTH),
    (("Guiyang", "贵阳"), WEST),
    (("Nanchang", "南昌"), CENTRAL),
    (("Dalian", "大连"), NORTH),
    (("Taiyuan", "太原"), NORTH),
    (("Lanzhou", "兰州"), WEST),
    (("Urumqi", "乌鲁木齐"), WEST),
    (("Haikou", "海口"), SOUTH),
    (("Hohhot", "呼和浩特"), NORTH),
];

const TRANSACTION_HEADERS: [Pair; 11] = [
    ("customer_id", "客户编号"),
    ("order_id", "订单编号"),
    ("order_date", "下单时间"),
    ("amount", "实付金额"),
    ("quantity", "数量"),
    ("unit_price", "单价"),
    ("product_id", "商品编号"),
    ("category", "品类"),
    ("channel", "渠道"),
    ("region", "区域"),
    ("discount", "优惠金额"),
];

const CUSTOMER_HEADERS: [Pair; 9] = [
    ("customer_id", "客户编号"),
    ("signup_date", "注册日期"),
    ("name", "姓名"),
    ("phone", "手机号"),
    ("gender", "性别"),
    ("birth_date", "出生日期"),
    ("city", "城市"),
    ("region", "区域"),
    ("owner", "客户经理"),
];

const FEEDBACK_HEADERS: [Pair; 6] = [
    ("customer_id", "客户编号"),
    ("date", "反馈日期"),
    ("csat", "满意度"),
    ("nps", "NPS"),
    ("kind", "类型"),
    ("comment", "内容"),
];

const GENDERS: [Pair; 2] = [("F", "女"), ("M", "男")];
const FEEDBACK_KINDS: [Pair; 2] = [("survey", "问卷"), ("complaint", "投诉")];
const SUMMARY_LABEL: Pair = ("Total", "合计");

/// Every text the generated files use, in one language, plus the sampling weights that go with
/// the lists.
#[derive(Debug, Clone)]
pub(crate) struct Labels {
    pub(crate) lang: Lang,
    pub(crate) categories: Vec<&'static str>,
    pub(crate) channels: Vec<&'static str>,
    pub(crate) regions: Vec<&'static str>,
    pub(crate) cities: Vec<&'static str>,
    pub(crate) transaction_headers: Vec<&'static str>,
    pub(crate) customer_headers: Vec<&'static str>,
    pub(crate) feedback_headers: Vec<&'static str>,
    pub(crate) genders: [&'static str; 2],
    pub(crate) feedback_kinds: [&'static str; 2],
    pub(crate) summary_label: &'static str,
}

impl Labels {
    pub(crate) fn new(lang: Lang) -> Self {
        let pick = |(en, zh): Pair| lang.pick(en, zh);
        Labels {
            lang,
            categories: CATEGORIES.iter().map(|&(names, _)| pick(names)).collect(),
            channels: CHANNELS.iter().map(|&(names, _)| pick(names)).collect(),
            regions: REGIONS.iter().map(|&names| pick(names)).collect(),
            cities: CITIES.iter().map(|&(names, _)| pick(names)).collect(),
            transaction_headers: TRANSACTION_HEADERS
                .iter()
                .map(|&names| pick(names))
                .collect(),
            customer_headers: CUSTOMER_HEADERS.iter().map(|&names| pick(names)).collect(),
            feedback_headers: FEEDBACK_HEADERS.iter().map(|&names| pick(names)).collect(),
            genders: GENDERS.map(pick),
            feedback_kinds: FEEDBACK_KINDS.map(pick),
            summary_label: pick(SUMMARY_LABEL),
        }
    }
}

/// Popularity weights of the categories, in [`Labels::categories`] order.
pub(crate) fn category_weights() -> [f64; 12] {
    CATEGORIES.map(|(_, weight)| weight)
}

/// Popularity weights of the channels, in [`Labels::channels`] order.
pub(crate) fn channel_weights() -> [f64; 4] {
    CHANNELS.map(|(_, weight)| weight)
}

/// City sizes (Zipf with exponent 0.8 on the position), in [`Labels::cities`] order.
pub(crate) fn city_weights() -> [f64; 36] {
    std::array::from_fn(|i| 1.0 / ((i + 1) as f64).powf(0.8))
}

/// The region of each city, in [`Labels::cities`] order.
pub(crate) fn city_region(city: u8) -> u8 {
    CITIES
        .get(usize::from(city))
        .map_or(0, |&(_, region)| region)
}

/// Number of regions.
pub(crate) const REGION_COUNT: u8 = REGIONS.len() as u8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_unique_within_each_list() {
        for lang in [Lang::En, Lang::Zh] {
            let labels = Labels::new(lang);
            for list in [
                &labels.categories,
                &labels.channels,
                &labels.regions,
                &labels.cities,
            ] {
                let mut sorted = list.clone();
                sorted.sort_unstable();
                sorted.dedup();
                assert_eq!(sorted.len(), list.len());
                assert!(
                    list.iter()
                        .all(|label| !label.contains(',') && !label.contains('"'))
                );
            }
        }
    }
}
