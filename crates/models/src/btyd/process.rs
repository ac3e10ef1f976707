//! What every purchase model predicts for a customer: the interface the pipeline, the CLV and
//! the backtest use, whichever model was fitted.

use super::history::RepeatHistory;

/// Predictions of a purchase model (BG/NBD, MBG/NBD, Pareto/NBD) at fixed parameters, in the
/// time unit the model was fitted in.
pub trait PurchaseProcess: Sync {
    /// "BG/NBD", "MBG/NBD", "Pareto/NBD".
    fn name(&self) -> &'static str;

    /// ln L of one customer's history (the fitted criterion, summed over customers).
    fn log_likelihood(&self, h: &RepeatHistory) -> f64;

    /// P(the customer is still active at the end of the calibration period).
    fn probability_alive(&self, h: &RepeatHistory) -> f64;

    /// E\[number of purchases in the next `horizon`\], given the history (conditional
    /// expectation). `None` only where the parameters make it undefined (BG/NBD with
    /// a + b ≤ 1 for a customer without repeat purchases); never NaN or negative.
    fn expected_purchases(&self, horizon: f64, h: &RepeatHistory) -> Option<f64>;

    /// [`expected_purchases`](Self::expected_purchases) at each of `horizons`, in order: the
    /// same values, as P(alive) times
    /// [`expected_purchases_if_alive_at`](Self::expected_purchases_if_alive_at), which takes
    /// all horizons together (BG/NBD and MBG/NBD sum their ₂F₁ series in one pass).
    fn expected_purchases_at(&self, horizons: &[f64], h: &RepeatHistory) -> Vec<Option<f64>> {
        let alive = self.probability_alive(h);
        let mut values = self.expected_purchases_if_alive_at(horizons, h.frequency, h.age);
        for v in values.iter_mut().flatten() {
            *v *= alive;
        }
        values
    }

    /// E\[purchases in each of `horizons`\] of a customer who is still active, with `frequency`
    /// repeat purchases and age `age`: in all three models the future of an active customer
    /// depends on x and T alone (not on t_x), and [`expected_purchases_at`](Self::expected_purchases_at)
    /// is [`probability_alive`](Self::probability_alive) times this, to the bit. Customers who
    /// share (x, T) share it: [`forecast`](super::forecast) computes it once per distinct pair.
    fn expected_purchases_if_alive_at(
        &self,
        horizons: &[f64],
        frequency: u32,
        age: f64,
    ) -> Vec<Option<f64>>;

    /// P(no purchase in the next `horizon`), given the history. The default holds for the
    /// models where an active customer can leave only at a purchase (BG/NBD, MBG/NBD): a
    /// customer who has left buys nothing, an active one buys nothing with the gamma–Poisson
    /// probability (rate/(rate+t))^shape of [`PurchaseProcess::rate_posterior`].
    fn probability_no_purchase(&self, horizon: f64, h: &RepeatHistory) -> f64 {
        self.probability_no_purchase_given_alive(horizon, h, self.probability_alive(h))
    }

    /// [`probability_no_purchase`](Self::probability_no_purchase) with the customer's
    /// [`probability_alive`](Self::probability_alive) already at hand (e.g. from
    /// [`forecast`](super::forecast)): the same bits without computing it again for every
    /// horizon. Models override this one, not `probability_no_purchase`.
    fn probability_no_purchase_given_alive(
        &self,
        horizon: f64,
        h: &RepeatHistory,
        alive: f64,
    ) -> f64 {
        let (shape, rate) = self.rate_posterior(h);
        let quiet = (rate / (rate + horizon)).powf(shape);
        1.0 - alive + alive * quiet
    }

    /// E\[X(t)\]: expected repeat purchases of a new customer in their first `t` (the tracking
    /// curve). `None` where the parameters make it undefined.
    fn expected_purchases_unconditional(&self, t: f64) -> Option<f64>;

    /// Shape and rate of the gamma posterior of the purchase rate λ of a customer who is still
    /// active: (r + x, α + T) in all three models.
    fn rate_posterior(&self, h: &RepeatHistory) -> (f64, f64);

    /// The median time to the next purchase if the customer is still active: the t with
    /// P(no purchase in t | alive) = 1/2.
    fn median_wait_if_alive(&self, h: &RepeatHistory) -> f64 {
        let (shape, rate) = self.rate_posterior(h);
        rate * (std::f64::consts::LN_2 / shape).exp_m1()
    }

    /// P(X(t) = n): the chance that a new customer makes exactly n repeat purchases in `t`.
    fn probability_of_purchases(&self, n: u32, t: f64) -> f64;
}

/// P(N ≥ n) for N negative binomial with shape r and success probability p (the Poisson–gamma
/// mixture of a customer who never drops out): 1 − Σ_{j<n} Γ(r+j)/(Γ(r) j!) p^r (1−p)^j.
pub(crate) fn poisson_gamma_pmf_tail(r: f64, p: f64, n: u32) -> f64 {
    let ln_q = (1.0 - p).ln();
    let mut ln_term = r * p.ln();
    let mut below = 0.0;
    for j in 0..n {
        let j = f64::from(j);
        if j > 0.0 {
            ln_term += (r + j - 1.0).ln() - j.ln() + ln_q;
        }
        below += ln_term.exp();
    }
    (1.0 - below).max(0.0)
}

/// ln B(p, q).
pub(crate) fn ln_beta(p: f64, q: f64) -> f64 {
    let ln_gamma = statrs::function::gamma::ln_gamma;
    ln_gamma(p) + ln_gamma(q) - ln_gamma(p + q)
}

/// ln P(N = n) for N negative binomial with shape r and success probability p: the purchases
/// in t of a customer who never leaves, p = α/(α + t).
pub(crate) fn ln_nbd_pmf(r: f64, p: f64, n: u32) -> f64 {
    let ln_gamma = statrs::function::gamma::ln_gamma;
    let n = f64::from(n);
    ln_gamma(r + n) - ln_gamma(r) - ln_gamma(n + 1.0) + r * p.ln() + n * (1.0 - p).ln()
}
