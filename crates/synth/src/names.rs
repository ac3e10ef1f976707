//! Synthetic personal names and phone numbers. Lists are short and common on purpose: the
//! names are plausible, not anyone's.

use kehu_domain::Lang;
use rand::Rng;

/// Common Chinese surnames, roughly by frequency (weights fall off with the position).
const ZH_SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "欧阳", "司马",
];
const ZH_GIVEN_FEMALE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "婷", "雪", "慧", "玲", "颖", "琳", "欣", "悦",
    "佳", "倩", "晨", "思", "雨", "梦", "瑶", "怡", "妍", "萱", "琪", "涵", "诗", "月",
];
const ZH_GIVEN_MALE: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "鹏", "华", "飞", "鑫",
    "波", "斌", "宇", "浩", "凯", "健", "俊", "帆", "晨", "子", "文", "博", "志", "建",
];
const EN_FIRST_FEMALE: &[&str] = &[
    "Mary",
    "Patricia",
    "Jennifer",
    "Linda",
    "Elizabeth",
    "Susan",
    "Jessica",
    "Sarah",
    "Karen",
    "Lisa",
    "Nancy",
    "Sandra",
    "Ashley",
    "Emily",
    "Michelle",
    "Amanda",
    "Melissa",
    "Laura",
    "Rebecca",
    "Olivia",
    "Emma",
    "Sophia",
    "Grace",
    "Chloe",
    "Hannah",
];
const EN_FIRST_MALE: &[&str] = &[
    "James", "Robert", "John", "Michael", "David", "William", "Richard", "Joseph", "Thomas",
    "Charles", "Daniel", "Matthew", "Anthony", "Mark", "Steven", "Paul", "Andrew", "Joshua",
    "Kevin", "Brian", "George", "Edward", "Ryan", "Jacob", "Oliver",
];
const EN_SURNAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Campbell",
    "Mitchell",
    "Roberts",
    "Carter",
    "Phillips",
];
/// Mobile prefixes (first three digits) of the three mainland operators.
const CN_MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "147", "150", "151",
    "152", "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "178",
    "180", "181", "182", "183", "184", "185", "186", "187", "188", "189", "191", "198", "199",
];

/// A name for a customer of the given gender (0 = female, 1 = male).
pub(crate) fn person_name(rng: &mut impl Rng, lang: Lang, gender: u8) -> String {
    match lang {
        Lang::Zh => {
            let given = if gender == 0 {
                ZH_GIVEN_FEMALE
            } else {
                ZH_GIVEN_MALE
            };
            let mut name = String::from(skewed(rng, ZH_SURNAMES));
            name.push_str(uniform(rng, given));
            if rng.random::<f64>() < 0.65 {
                name.push_str(uniform(rng, given));
            }
            name
        }
        Lang::En => {
            let first = if gender == 0 {
                EN_FIRST_FEMALE
            } else {
                EN_FIRST_MALE
            };
            format!("{} {}", uniform(rng, first), skewed(rng, EN_SURNAMES))
        }
    }
}

/// A phone number: an 11-digit mainland mobile number for `zh`, a fictional North American
/// number (555-01xx, reserved for fiction) for `en`.
pub(crate) fn phone(rng: &mut impl Rng, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "{}{:08}",
            uniform(rng, CN_MOBILE_PREFIXES),
            rng.random_range(0..100_000_000u32)
        ),
        Lang::En => format!(
            "+1-{}-555-01{:02}",
            rng.random_range(201..990u32),
            rng.random_range(0..100u32)
        ),
    }
}

fn uniform<'a>(rng: &mut impl Rng, list: &'a [&'a str]) -> &'a str {
    list.get(rng.random_range(0..list.len()))
        .copied()
        .unwrap_or_default()
}

/// An element with probability falling off with its position (the lists are by frequency).
fn skewed<'a>(rng: &mut impl Rng, list: &'a [&'a str]) -> &'a str {
    let u: f64 = rng.random();
    let index = ((list.len() as f64) * u * u) as usize;
    list.get(index.min(list.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn phones_look_right() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..1_000 {
            let zh = phone(&mut rng, Lang::Zh);
            assert_eq!(zh.len(), 11);
            assert!(
                zh.starts_with('1') && zh.bytes().all(|b| b.is_ascii_digit()),
                "{zh}"
            );
            let en = phone(&mut rng, Lang::En);
            assert!(en.starts_with("+1-") && en.contains("-555-01"), "{en}");
        }
    }

    #[test]
    fn names_are_not_empty() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for gender in [0, 1] {
            let zh = person_name(&mut rng, Lang::Zh, gender);
            assert!((2..=4).contains(&zh.chars().count()), "{zh}");
            assert!(person_name(&mut rng, Lang::En, gender).contains(' '));
        }
    }
}
