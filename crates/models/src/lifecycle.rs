//! Lifecycle stages from each customer's purchase history, with thresholds that follow the
//! customer's own rhythm.

/// A lifecycle stage. A customer may move backward between runs (active → dormant →
/// reactivated); each run judges the history as of its own date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// No purchase yet (a known customer without orders).
    Potential,
    /// First purchase recent.
    New,
    /// Buying at their usual pace.
    Active,
    /// Bought again after a gap long enough to count as churned.
    Reactivated,
    /// Overdue: past the dormancy threshold.
    Dormant,
    /// Past the churn threshold.
    Churned,
}

impl Stage {
    /// Every stage, in display order.
    pub const ALL: [Stage; 6] = [
        Stage::Potential,
        Stage::New,
        Stage::Active,
        Stage::Reactivated,
        Stage::Dormant,
        Stage::Churned,
    ];

    /// The stable label code.
    pub fn code(self) -> &'static str {
        match self {
            Stage::Potential => "potential",
            Stage::New => "new",
            Stage::Active => "active",
            Stage::Reactivated => "reactivated",
            Stage::Dormant => "dormant",
            Stage::Churned => "churned",
        }
    }
}

/// Thresholds of the lifecycle rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LifecycleParams {
    /// A first purchase at most this many days ago makes a customer new.
    pub new_days: f64,
    /// Days without a purchase after which a customer is dormant (fixed rule).
    pub dormant_days: f64,
    /// Days without a purchase after which a customer is churned (fixed rule).
    pub churned_days: f64,
    /// Customers with at least this many orders are judged by their own rhythm: dormant after
    /// `dormant_rhythm` × their mean interval, churned after `churned_rhythm` × it.
    /// 0 turns the rhythm rule off.
    pub rhythm_min_orders: u64,
    /// Multiple of the mean interval for dormancy.
    pub dormant_rhythm: f64,
    /// Multiple of the mean interval for churn.
    pub churned_rhythm: f64,
    /// The rhythm thresholds never go below this many days (a daily buyer is not dormant
    /// after two days).
    pub rhythm_floor_days: f64,
}

impl Default for LifecycleParams {
    fn default() -> Self {
        LifecycleParams {
            new_days: 30.0,
            dormant_days: 90.0,
            churned_days: 180.0,
            rhythm_min_orders: 3,
            dormant_rhythm: 2.0,
            churned_rhythm: 4.0,
            rhythm_floor_days: 14.0,
        }
    }
}

/// One customer's history, as the lifecycle rule needs it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct History {
    /// Purchase orders.
    pub orders: u64,
    /// Days since the last purchase.
    pub recency_days: f64,
    /// Days since the first purchase.
    pub tenure_days: f64,
    /// Mean days between purchases (NaN with fewer than two).
    pub interval_mean_days: f64,
    /// Days between the last two purchases (NaN with fewer than two).
    pub last_gap_days: f64,
}

impl LifecycleParams {
    /// The (dormant, churned) thresholds in days for a customer.
    pub fn thresholds(&self, h: &History) -> (f64, f64) {
        let rhythm = self.rhythm_min_orders > 0
            && h.orders >= self.rhythm_min_orders
            && h.interval_mean_days.is_finite()
            && h.interval_mean_days > 0.0;
        if rhythm {
            let dormant = (self.dormant_rhythm * h.interval_mean_days).max(self.rhythm_floor_days);
            let churned = (self.churned_rhythm * h.interval_mean_days).max(dormant);
            (dormant, churned)
        } else {
            (self.dormant_days, self.churned_days.max(self.dormant_days))
        }
    }

    /// The stage of a customer: potential without orders; else churned, dormant, new,
    /// reactivated, active — the first that applies.
    ///
    /// ```
    /// use kehu_models::{History, LifecycleParams, Stage};
    /// let p = LifecycleParams::default();
    /// let weekly = History { orders: 20, recency_days: 21.0, tenure_days: 140.0,
    ///                        interval_mean_days: 7.0, last_gap_days: 7.0 };
    /// // A weekly buyer silent for three weeks is overdue, long before the fixed 90 days.
    /// assert_eq!(p.stage(&weekly), Stage::Dormant);
    /// ```
    pub fn stage(&self, h: &History) -> Stage {
        if h.orders == 0 {
            return Stage::Potential;
        }
        let (dormant, churned) = self.thresholds(h);
        if h.recency_days > churned {
            Stage::Churned
        } else if h.recency_days > dormant {
            Stage::Dormant
        } else if h.tenure_days <= self.new_days {
            Stage::New
        } else if h.orders >= 2 && h.last_gap_days > churned {
            Stage::Reactivated
        } else {
            Stage::Active
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(orders: u64, recency: f64, tenure: f64, mean: f64, last_gap: f64) -> History {
        History {
            orders,
            recency_days: recency,
            tenure_days: tenure,
            interval_mean_days: mean,
            last_gap_days: last_gap,
        }
    }

    #[test]
    fn fixed_thresholds_without_rhythm() {
        let p = LifecycleParams::default();
        assert_eq!(
            p.stage(&history(0, f64::NAN, f64::NAN, f64::NAN, f64::NAN)),
            Stage::Potential
        );
        assert_eq!(
            p.stage(&history(1, 10.0, 10.0, f64::NAN, f64::NAN)),
            Stage::New
        );
        assert_eq!(
            p.stage(&history(1, 60.0, 60.0, f64::NAN, f64::NAN)),
            Stage::Active
        );
        assert_eq!(
            p.stage(&history(2, 100.0, 300.0, 200.0, 200.0)),
            Stage::Dormant
        );
        assert_eq!(
            p.stage(&history(1, 181.0, 181.0, f64::NAN, f64::NAN)),
            Stage::Churned
        );
    }

    #[test]
    fn slow_rhythm_is_not_dormant_early_and_comebacks_are_reactivated() {
        let p = LifecycleParams::default();
        // Buys every 100 days, silent for 150: within twice the rhythm, still active.
        assert_eq!(
            p.stage(&history(5, 150.0, 500.0, 100.0, 100.0)),
            Stage::Active
        );
        // Came back after 600 silent days (past 4 × its 120-day rhythm), bought 5 days ago.
        assert_eq!(
            p.stage(&history(6, 5.0, 1100.0, 120.0, 600.0)),
            Stage::Reactivated
        );
        // A daily buyer keeps the 14-day floor.
        assert_eq!(p.stage(&history(50, 10.0, 60.0, 1.0, 1.0)), Stage::Active);
    }
}
