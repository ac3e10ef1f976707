use crate::TruthModel;
use crate::customer_sim::{CustomerSim, geometric_failures};
use crate::labels::Labels;
use crate::text_format::{TextFormat, push_u64};
use kehu_domain::Lang;
use rand::Rng;
use rand_distr::{Distribution, Exp1, StandardNormal};

/// Share of buyers who leave any feedback.
const FEEDBACK_SHARE: f64 = 0.25;
/// Share of low scores (CSAT 1–2) filed as a complaint rather than a survey answer.
const COMPLAINT_SHARE: f64 = 0.6;

const COMMENTS_EN: [&[&str]; 4] = [
    &[
        "Terrible experience",
        "Item arrived damaged",
        "Too slow and nobody answered",
        "Will not order again",
    ],
    &[
        "It was okay",
        "Average service",
        "Delivery could be faster",
        "Nothing special",
    ],
    &[
        "Great service",
        "Fast delivery",
        "Very happy with the quality",
        "Will buy again",
        "Good value for money",
    ],
    &[
        "Refund still not received",
        "Wrong item delivered",
        "Rude customer service",
        "Charged twice for one order",
    ],
];
const COMMENTS_ZH: [&[&str]; 4] = [
    &[
        "体验很差",
        "商品到货有损坏",
        "太慢了，也没人回复",
        "不会再买了",
    ],
    &["还可以", "服务一般", "配送可以再快一点", "中规中矩"],
    &[
        "服务很好",
        "发货很快",
        "质量很满意",
        "还会再来买",
        "性价比高",
    ],
    &[
        "退款一直没到账",
        "发错货了",
        "客服态度差",
        "一个订单扣了两次款",
    ],
];
const COMPLAINT_COMMENTS: usize = 3;

/// One survey answer or complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FeedbackEntry {
    pub(crate) customer: u32,
    pub(crate) day: u32,
    /// 1–5.
    pub(crate) csat: u8,
    /// 0–10; complaints carry none.
    pub(crate) nps: Option<u8>,
    pub(crate) complaint: bool,
    /// Index into the comment list of the entry's score band (or the complaint list).
    pub(crate) comment: u8,
}

impl FeedbackEntry {
    /// Draws the feedback of one customer: a quarter of buyers answer one or more surveys or
    /// complain, some days after one of their purchases. Scores are higher for customers who
    /// are still alive, buy often and spend much per order.
    pub(crate) fn simulate(
        rng: &mut impl Rng,
        customer: u32,
        sim: &CustomerSim,
        model: &TruthModel,
        purchase_days: &[u32],
        window_days: u32,
        out: &mut Vec<FeedbackEntry>,
    ) {
        if purchase_days.is_empty() || rng.random::<f64>() >= FEEDBACK_SHARE {
            return;
        }
        let entries = 1 + geometric_failures(rng, 0.5, 4);
        let relative_rate = (sim.lambda * model.alpha / model.r).ln();
        let relative_spend = (model.q / model.gamma / sim.nu).ln();
        let mood = if sim.alive { 0.8 } else { -0.8 } + 0.3 * relative_rate + 0.4 * relative_spend;
        for _ in 0..entries {
            let anchor = purchase_days[rng.random_range(0..purchase_days.len())];
            let lag: f64 = Exp1.sample(rng);
            let day = anchor + 1 + (lag * 7.0) as u32;
            let noise: f64 = StandardNormal.sample(rng);
            let csat = (3.4 + mood + 0.9 * noise).round().clamp(1.0, 5.0) as u8;
            let nps_noise: f64 = StandardNormal.sample(rng);
            let nps = (2.0 * f64::from(csat) - 1.0 + 1.2 * nps_noise)
                .round()
                .clamp(0.0, 10.0) as u8;
            let complaint = csat <= 2 && rng.random::<f64>() < COMPLAINT_SHARE;
            let band = if complaint {
                COMPLAINT_COMMENTS
            } else {
                score_band(csat)
            };
            let comment = rng.random_range(0..COMMENTS_EN[band].len()) as u8;
            if day < window_days {
                out.push(FeedbackEntry {
                    customer,
                    day,
                    csat,
                    nps: (!complaint).then_some(nps),
                    complaint,
                    comment,
                });
            }
        }
    }

    /// Writes the entry as a `feedback.csv` line.
    pub(crate) fn write_csv(
        &self,
        out: &mut Vec<u8>,
        id: u32,
        format: &TextFormat,
        labels: &Labels,
    ) {
        format.push_customer_id(out, id);
        out.push(b',');
        format.push_date(out, self.day);
        out.push(b',');
        push_u64(out, u64::from(self.csat));
        out.push(b',');
        if let Some(nps) = self.nps {
            push_u64(out, u64::from(nps));
        }
        out.push(b',');
        out.extend_from_slice(labels.feedback_kinds[usize::from(self.complaint)].as_bytes());
        out.push(b',');
        let band = if self.complaint {
            COMPLAINT_COMMENTS
        } else {
            score_band(self.csat)
        };
        let comments = match labels.lang {
            Lang::En => COMMENTS_EN[band],
            Lang::Zh => COMMENTS_ZH[band],
        };
        out.extend_from_slice(
            comments
                .get(usize::from(self.comment))
                .copied()
                .unwrap_or_default()
                .as_bytes(),
        );
        out.push(b'\n');
    }
}

fn score_band(csat: u8) -> usize {
    match csat {
        0..=2 => 0,
        3 => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_lists_match_across_languages_and_need_no_quoting() {
        for (en, zh) in COMMENTS_EN.iter().zip(COMMENTS_ZH.iter()) {
            assert_eq!(en.len(), zh.len());
            assert!(
                en.iter()
                    .chain(zh.iter())
                    .all(|c| !c.contains(',') && !c.contains('"'))
            );
        }
    }
}
