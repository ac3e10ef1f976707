//! `[playbook]`: what to do for each segment. Every action names the labels it targets, its
//! channel, offer, priority and the KPI to watch, in both languages; the shipped defaults
//! follow the strategy section of the product brief (差异化策略).

use serde::{Deserialize, Serialize};

/// `[playbook]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlaybookConfig {
    /// Recommend actions at all.
    pub enabled: bool,
    /// Actions kept per customer in the `actions` column (the first is `primary_action`).
    pub max_actions: usize,
    /// Who goes on `actions/<action>.csv`: `primary` (each customer on one list, the list of
    /// their most urgent action, so nobody is contacted twice) or `all` (every list whose
    /// action the customer is recommended).
    pub lists: String,
    /// The actions. A customer gets every action one of whose targets matches their labels,
    /// ordered by priority (lower first), then by the order here.
    pub actions: Vec<ActionSpec>,
}

/// One action of the playbook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionSpec {
    /// Stable snake_case code: the file `actions/<code>.csv`.
    pub code: String,
    /// English name.
    pub en: String,
    /// Chinese name.
    pub zh: String,
    /// Lower runs first: a customer's most urgent action is their primary one.
    pub priority: u32,
    /// Who gets it: any of these; each is `scheme:label`, or several joined by `&` that must
    /// all hold (`value_tier:high & churn_risk:high`).
    pub targets: Vec<String>,
    /// How to reach the customer (`phone`, `email`, `sms`, `wechat`, `account_manager`, …).
    pub channel: String,
    /// What to offer or do, in English and Chinese.
    pub offer_en: String,
    pub offer_zh: String,
    /// The number to watch afterwards, in English and Chinese.
    pub kpi_en: String,
    pub kpi_zh: String,
}

impl Default for PlaybookConfig {
    fn default() -> Self {
        PlaybookConfig {
            enabled: true,
            max_actions: 3,
            lists: "primary".into(),
            actions: default_actions(),
        }
    }
}

/// The lists `[playbook] lists` accepts.
pub const PLAYBOOK_LISTS: &[&str] = &["primary", "all"];

#[allow(clippy::too_many_arguments)]
fn action(
    code: &str,
    (en, zh): (&str, &str),
    priority: u32,
    targets: &[&str],
    channel: &str,
    (offer_en, offer_zh): (&str, &str),
    (kpi_en, kpi_zh): (&str, &str),
) -> ActionSpec {
    ActionSpec {
        code: code.into(),
        en: en.into(),
        zh: zh.into(),
        priority,
        targets: targets.iter().map(|t| t.to_string()).collect(),
        channel: channel.into(),
        offer_en: offer_en.into(),
        offer_zh: offer_zh.into(),
        kpi_en: kpi_en.into(),
        kpi_zh: kpi_zh.into(),
    }
}

/// The shipped playbook: the most urgent first (a valuable customer slipping away before a
/// loyal one's loyalty programme).
pub fn default_actions() -> Vec<ActionSpec> {
    vec![
        action(
            "key_account_plan",
            ("Key-account plan", "重点客户经营计划"),
            10,
            &["key_customer:key"],
            "account_manager",
            (
                "Dedicated account manager and the five steps: map the decision chain, define key contacts, set goals and an owner, plan actions, execute and correct",
                "专属客户经理，按五步经营：梳理组织决策链、定义关键客户、选目标与负责人、制定行动计划、执行计划与纠偏",
            ),
            (
                "Revenue retained and share of wallet",
                "收入保持率与钱包份额",
            ),
        ),
        action(
            "win_back_valuable",
            ("Win back valuable customers", "挽回高价值客户"),
            20,
            &[
                "value_tier:high & lifecycle:dormant",
                "value_tier:high & lifecycle:churned",
                "value_tier:high & churn_risk:high",
                "rfm8:important_winback",
                "rfm_segment:cant_lose",
            ],
            "phone",
            (
                "Personal call and an exclusive win-back offer",
                "专人电话回访，专属挽回优惠",
            ),
            ("Reactivated within 60 days", "60 天内回流率"),
        ),
        action(
            "resolve_problems",
            ("Solve the problem", "问题解决"),
            25,
            &["satisfaction:low", "nps:detractor"],
            "phone",
            (
                "Call back, resolve the complaint, then a satisfaction survey",
                "回访解决投诉，随后满意度调查",
            ),
            ("Satisfaction after contact", "回访后满意度"),
        ),
        action(
            "win_back",
            ("Win-back campaign", "挽回计划"),
            30,
            &[
                "lifecycle:dormant",
                "lifecycle:churned",
                "churn_risk:high",
                "rfm_segment:at_risk",
                "rfm_segment:about_to_sleep",
            ],
            "email",
            (
                "Win-back coupon and a reminder of their favourite products",
                "挽回优惠券，推送常购商品",
            ),
            ("Reactivation rate", "回流率"),
        ),
        action(
            "vip_care",
            ("VIP care", "专属服务"),
            40,
            &["value_tier:high", "rfm8:important_value"],
            "account_manager",
            (
                "Personalised service, priority handling of orders, exclusive offers",
                "个性化服务、订单优先处理、专属优惠",
            ),
            (
                "Repeat purchase rate and revenue per customer",
                "复购率与客均收入",
            ),
        ),
        action(
            "convert_potential",
            ("Convert potential customers", "潜客转化"),
            45,
            &["lifecycle:potential"],
            "email",
            ("First-purchase offer", "首单优惠"),
            ("First-order rate", "首单转化率"),
        ),
        action(
            "welcome",
            ("Welcome programme", "欢迎计划"),
            50,
            &["lifecycle:new"],
            "email",
            (
                "Welcome series and a first-repeat-purchase offer",
                "欢迎系列邮件与首次复购优惠",
            ),
            ("Second order within 90 days", "90 天内二次购买率"),
        ),
        action(
            "loyalty",
            ("Loyalty programme", "忠诚计划"),
            60,
            &[
                "rfm_segment:champions",
                "rfm_segment:loyal",
                "frequency_class:high",
            ],
            "wechat",
            (
                "Membership tier, points and early access; continuous communication",
                "会员等级、积分与新品抢先；持续沟通",
            ),
            ("Retention and orders per customer", "留存率与客均订单数"),
        ),
        action(
            "referral",
            ("Referral rewards", "推荐激励"),
            70,
            &["nps:promoter", "satisfaction:high"],
            "email",
            ("Reward for every friend referred", "推荐好友奖励"),
            ("Referred new customers", "推荐带来的新客数"),
        ),
        action(
            "nurture",
            ("Regular contact and incentives", "定期沟通与激励"),
            80,
            &["value_tier:mid", "frequency_class:low"],
            "email",
            (
                "Coupons, discounts and value-added services on a regular rhythm",
                "定期发放优惠券、折扣与增值服务",
            ),
            ("Orders and average order value", "订单数与客单价"),
        ),
        action(
            "basic_service",
            ("Basic service and recommendations", "基础服务与潜力挖掘"),
            90,
            &["value_tier:low"],
            "email",
            (
                "Product recommendations through low-cost channels (email, social media)",
                "通过邮件、社交媒体等低成本渠道推荐商品",
            ),
            ("Customers moving up to mid value", "升级为中价值的客户数"),
        ),
    ]
}
