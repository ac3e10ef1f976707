//! The customer-base models against the published CDNOW results and the reference outputs in
//! `data/cdnow_lifetimes_reference.json.gz` (made by `../shared/reference/make_cdnow_reference.py`
//! with lifetimes 0.11.3; its README gives the LL convention and the tolerances used here).

use std::io::Read;

use kehu_models::btyd::{
    BgNbd, ClvHorizon, FitOptions, GammaGamma, MbgNbd, ParetoNbd, PurchaseProcess, RepeatHistory,
    SpendHistory, customer_lifetime_value, fit_bg_nbd, fit_gamma_gamma, fit_mbg_nbd,
    fit_pareto_nbd,
};
use serde_json::Value;

fn data_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(name)
}

fn reference() -> Value {
    let file =
        std::fs::File::open(data_path("cdnow_lifetimes_reference.json.gz")).expect("bundled");
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .expect("gzip");
    serde_json::from_str(&text).expect("json")
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn num(v: &Value) -> f64 {
    v.as_f64().expect("number")
}

/// The lifetimes CSV: x, t_x, T rounded to 2 dp, and z̄.
fn rounded_summary() -> (Vec<RepeatHistory>, Vec<SpendHistory>) {
    let text = std::fs::read_to_string(data_path("cdnow_customers_summary_with_transactions.csv"))
        .expect("bundled");
    let mut histories = Vec::new();
    let mut spends = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let x: u32 = f[1].parse().expect("x");
        let h = RepeatHistory::new(x, f[2].parse().expect("t_x"), f[3].parse().expect("T"));
        histories.push(h);
        let zbar: f64 = f[4].parse().expect("zbar");
        if x > 0 {
            spends.push(SpendHistory {
                frequency: x,
                mean_spend: zbar,
            });
        }
    }
    (histories, spends)
}

/// The unrounded summary rebuilt from the transactions: t_x and T as whole days / 7.
struct Unrounded {
    calibration: Vec<RepeatHistory>,
    spends: Vec<SpendHistory>,
    holdout: Vec<f64>,
}

fn unrounded_summary() -> Unrounded {
    let file = std::fs::File::open(data_path("cdnow_sample_calibration_holdout_summary.csv.gz"))
        .expect("bundled");
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .expect("gzip");
    let mut out = Unrounded {
        calibration: Vec::new(),
        spends: Vec::new(),
        holdout: Vec::new(),
    };
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let x: u32 = f[1].parse().expect("x");
        let days = |i: usize| f[i].parse::<f64>().expect("days") / 7.0;
        out.calibration
            .push(RepeatHistory::new(x, days(4), days(5)));
        if x > 0 {
            out.spends.push(SpendHistory {
                frequency: x,
                mean_spend: f[6].parse().expect("zbar"),
            });
        }
        out.holdout.push(f[7].parse().expect("x holdout"));
    }
    out
}

fn assert_close(label: &str, got: f64, want: f64, relative: f64) {
    assert!(
        got.is_finite() && ((got - want) / want).abs() <= relative,
        "{label}: got {got}, want {want} (relative tolerance {relative:e})"
    );
}

fn first50() -> Vec<RepeatHistory> {
    let r = reference();
    let inputs = &r["customers_first50"]["inputs"];
    let x = numbers(&inputs["frequency"]);
    let t_x = numbers(&inputs["recency"]);
    let t = numbers(&inputs["T"]);
    (0..50)
        .map(|i| RepeatHistory::new(x[i] as u32, t_x[i], t[i]))
        .collect()
}

/// Closed forms at the published parameters against the reference outputs, relative 1e-8
/// (the reference's own independent reimplementation agrees with lifetimes to ≤ 5e-12).
#[test]
fn closed_forms_at_published_parameters_match_the_reference() {
    let r = reference();
    let at = &r["customers_first50"]["at_published_params"];
    let p = &at["params"];
    let bg = BgNbd {
        r: num(&p["BG/NBD"]["r"]),
        alpha: num(&p["BG/NBD"]["alpha"]),
        a: num(&p["BG/NBD"]["a"]),
        b: num(&p["BG/NBD"]["b"]),
    };
    let pareto = ParetoNbd {
        r: num(&p["Pareto/NBD"]["r"]),
        alpha: num(&p["Pareto/NBD"]["alpha"]),
        s: num(&p["Pareto/NBD"]["s"]),
        beta: num(&p["Pareto/NBD"]["beta"]),
    };
    let mbg = MbgNbd {
        r: num(&p["MBG/NBD"]["r"]),
        alpha: num(&p["MBG/NBD"]["alpha"]),
        a: num(&p["MBG/NBD"]["a"]),
        b: num(&p["MBG/NBD"]["b"]),
    };
    let gg = GammaGamma {
        p: num(&p["Gamma-Gamma"]["p"]),
        q: num(&p["Gamma-Gamma"]["q"]),
        gamma: num(&p["Gamma-Gamma"]["gamma"]),
    };
    let customers = first50();
    let spend = numbers(&r["customers_first50"]["inputs"]["monetary_value"]);
    let models: [(&str, &dyn PurchaseProcess); 3] =
        [("bgnbd", &bg), ("pnbd", &pareto), ("mbgnbd", &mbg)];
    let horizon = ClvHorizon {
        period_length: 4.345,
        periods: 12,
        discount_rate: 0.01,
    };
    for (i, h) in customers.iter().enumerate() {
        for (key, model) in models {
            let want = |name: &str| num(&at[format!("{key}_{name}")][i]);
            let label = |name: &str| format!("customer {} {key} {name}", i + 1);
            for t in [39.0, 52.0] {
                let got = model.expected_purchases(t, h).expect("defined");
                assert_close(
                    &label(&format!("E[Y({t})]")),
                    got,
                    want(&format!("cond_exp_t{t}")),
                    1e-8,
                );
            }
            assert_close(
                &label("P(alive)"),
                model.probability_alive(h),
                want("p_alive"),
                1e-8,
            );
            assert_close(
                &label("ln L"),
                model.log_likelihood(h),
                want("loglik"),
                1e-8,
            );
        }
        let m = gg
            .expected_mean_spend(h.frequency, spend[i])
            .expect("q > 1");
        assert_close("E[M]", m, num(&at["gg_cond_expected_avg_profit"][i]), 1e-8);
        for (model, key) in [(&bg as &dyn PurchaseProcess, "bgnbd"), (&pareto, "pnbd")] {
            let clv = customer_lifetime_value(model, h, m, &horizon).expect("defined");
            assert_close(
                &format!("customer {} CLV {key}", i + 1),
                clv,
                num(&at[format!("clv_{key}_gg_12m_d0.01_freqW")][i]),
                1e-8,
            );
        }
        let dert = pareto.discounted_expected_residual_transactions(0.0027, h);
        assert_close(
            "DERT",
            dert,
            num(&at["pnbd_dert_delta_0.0027_weekly"][i]),
            1e-8,
        );
    }
}

#[test]
fn unconditional_expectations_and_spot_checks() {
    let r = reference();
    let u = &r["unconditional_expected_repeat_purchases"];
    let bg = BgNbd {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    };
    let pareto = ParetoNbd {
        r: 0.553,
        alpha: 10.578,
        s: 0.606,
        beta: 11.669,
    };
    for (i, t) in numbers(&u["t_weeks"]).into_iter().enumerate() {
        let want = num(&u["bgnbd_at_published_params"][i]);
        assert_close(
            "BG/NBD E[X(t)]",
            bg.expected_purchases_unconditional(t).expect("a > 1"),
            want,
            1e-8,
        );
        let want = num(&u["pnbd_at_published_params"][i]);
        assert_close(
            "Pareto/NBD E[X(t)]",
            pareto.expected_purchases_unconditional(t).expect("s"),
            want,
            1e-8,
        );
    }
    // BTYD / lifetimes spot values (MODELS.md §0).
    assert_close(
        "P(X(2)=10)",
        bg.probability_of_purchases(10, 2.0),
        1.0786896403968151e-07,
        1e-8,
    );
    assert_close(
        "P(X(39)=0)",
        bg.probability_of_purchases(0, 39.0),
        0.5737863520960094,
        1e-8,
    );
    let btyd = ParetoNbd {
        r: 0.5534,
        alpha: 10.5802,
        s: 0.6061,
        beta: 11.6562,
    };
    let p = btyd.probability_alive(&RepeatHistory::new(26, 30.86, 31.0));
    assert!((p - 0.9979).abs() < 1e-3, "{p}");
    let example = ParetoNbd {
        r: 0.5629966,
        alpha: 12.5590370,
        s: 0.4081095,
        beta: 10.5148048,
    };
    let dert = example
        .discounted_expected_residual_transactions(0.0027, &RepeatHistory::new(7, 35.0, 77.86));
    assert_close("BTYD DERT example", dert, 1.8641833280713285, 1e-8);
    // PMFs sum to one and have the right mean.
    for model in [&bg as &dyn PurchaseProcess, &pareto] {
        let p: Vec<f64> = (0..200)
            .map(|n| model.probability_of_purchases(n, 39.0))
            .collect();
        let total: f64 = p.iter().sum();
        let mean: f64 = p.iter().enumerate().map(|(n, v)| n as f64 * v).sum();
        assert!((total - 1.0).abs() < 1e-8, "{} sum {total}", model.name());
        let e = model
            .expected_purchases_unconditional(39.0)
            .expect("defined");
        assert!(
            (mean - e).abs() < 1e-6,
            "{} mean {mean} vs {e}",
            model.name()
        );
    }
}

/// The calibration histogram χ² of FHL (2005): 4.82 (BG/NBD) and 11.99 (Pareto/NBD) at the
/// published parameters, with each customer's own T (rounded, as in the CSV).
#[test]
fn histogram_chi_square_matches_the_paper() {
    let (histories, _) = rounded_summary();
    let chi_square = |model: &dyn PurchaseProcess| {
        let mut expected = [0.0; 8];
        let mut actual = [0.0; 8];
        for h in &histories {
            let cell = (h.frequency as usize).min(7);
            actual[cell] += 1.0;
            let mut below = 0.0;
            for n in 0..7 {
                let p = model.probability_of_purchases(n, h.age);
                expected[n as usize] += p;
                below += p;
            }
            expected[7] += 1.0 - below;
        }
        (0..8)
            .map(|i| (actual[i] - expected[i]).powi(2) / expected[i])
            .sum::<f64>()
    };
    let bg = chi_square(&BgNbd {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    });
    let pareto = chi_square(&ParetoNbd {
        r: 0.553,
        alpha: 10.578,
        s: 0.606,
        beta: 11.669,
    });
    assert!((bg - 4.824909830861065).abs() < 1e-6, "BG/NBD χ² {bg}");
    assert!(
        (pareto - 11.992593900762905).abs() < 1e-6,
        "Pareto/NBD χ² {pareto}"
    );
}

/// Fits on the lifetimes CSV reproduce the precise MLEs of the reference: parameters within
/// relative 1e-4 (the surfaces are flat to about 1e-5 in a, b; MODELS.md §0 item 5), Pareto/NBD
/// β within 1e-3 absolute (item 4), LL within 1e-4, standard errors within 1%.
#[test]
fn fits_reproduce_the_published_estimates() {
    let r = reference();
    let (histories, spends) = rounded_summary();
    let options = FitOptions::default();
    let check = |key: &str, names: &[&str], params: &[f64], ll: f64, se: &Option<Vec<f64>>| {
        let mle = &r["fits"][key]["precise_mle"];
        for (i, name) in names.iter().enumerate() {
            let want = num(&mle["params"][*name]);
            let tolerance = if *name == "beta" { 1e-3 / want } else { 1e-4 };
            assert_close(&format!("{key} {name}"), params[i], want, tolerance);
            let se_want = num(&mle["std_errors_from_hessian"][*name]);
            let se = se.as_ref().expect("standard errors")[i];
            assert_close(&format!("{key} SE {name}"), se, se_want, 1e-2);
        }
        assert!((ll - num(&mle["ll_total"])).abs() < 1e-4, "{key} LL {ll}");
    };
    let bg = fit_bg_nbd(&histories, &options).expect("fits");
    assert!(bg.converged, "{bg:?}");
    check(
        "BetaGeoFitter",
        &["r", "alpha", "a", "b"],
        &bg.parameters,
        bg.log_likelihood,
        &bg.standard_errors,
    );
    assert!(
        (bg.log_likelihood - -9582.4).abs() < 0.05,
        "published LL −9582.4"
    );
    let pareto = fit_pareto_nbd(&histories, &options).expect("fits");
    check(
        "ParetoNBDFitter",
        &["r", "alpha", "s", "beta"],
        &pareto.parameters,
        pareto.log_likelihood,
        &pareto.standard_errors,
    );
    assert!(
        (pareto.log_likelihood - -9595.0).abs() < 0.05,
        "published LL −9595.0"
    );
    let mbg = fit_mbg_nbd(&histories, &options).expect("fits");
    check(
        "ModifiedBetaGeoFitter",
        &["r", "alpha", "a", "b"],
        &mbg.parameters,
        mbg.log_likelihood,
        &mbg.standard_errors,
    );
    let gg = fit_gamma_gamma(&spends, &options).expect("fits");
    check(
        "GammaGammaFitter",
        &["p", "q", "gamma"],
        &gg.parameters,
        gg.log_likelihood,
        &gg.standard_errors,
    );
}

/// Fits on the unrounded summary (t_x and T in whole days / 7): the values that match the
/// publications (γ = 15.44, LL −9582.429 = CLVTools and BTYD), and the holdout totals.
#[test]
fn unrounded_fits_and_the_holdout() {
    let r = reference();
    let data = unrounded_summary();
    let options = FitOptions::default();
    let sample = &r["calibration_holdout"]["sample_2357"];
    let mle = &sample["precise_mle_on_unrounded_summary"];
    let bg = fit_bg_nbd(&data.calibration, &options).expect("fits");
    assert!((bg.log_likelihood - num(&mle["BG/NBD"]["ll_total"])).abs() < 1e-4);
    let gg = fit_gamma_gamma(&data.spends, &options).expect("fits");
    let gg_mle = &sample["gamma_gamma_on_unrounded_monetary"]["precise_mle"];
    assert_close("γ", gg.parameters[2], num(&gg_mle["params"]["gamma"]), 1e-4);
    assert!(
        (gg.log_likelihood - -4055.9177).abs() < 1e-3,
        "CLVTools' LL −4055.9177"
    );

    let pareto = fit_pareto_nbd(&data.calibration, &options).expect("fits");
    let mbg = fit_mbg_nbd(&data.calibration, &options).expect("fits");
    let predicted = &sample["holdout_total_predicted"];
    let correlation = &sample["holdout_corr_actual_vs_conditional_expectation"];
    for (key, model) in [
        ("BG/NBD", &bg.model as &dyn PurchaseProcess),
        ("Pareto/NBD", &pareto.model),
        ("MBG/NBD", &mbg.model),
    ] {
        let expected: Vec<f64> = data
            .calibration
            .iter()
            .map(|h| model.expected_purchases(39.0, h).expect("defined"))
            .collect();
        let total: f64 = expected.iter().sum();
        assert!(
            (total - num(&predicted[key])).abs() < 0.05,
            "{key} holdout total {total}"
        );
        let rho = pearson(&expected, &data.holdout);
        assert!(
            (rho - num(&correlation[key])).abs() < 1e-4,
            "{key} correlation {rho}"
        );
    }
    assert_eq!(data.holdout.iter().sum::<f64>(), 1882.0);
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}
