//! `kehu cluster`, `kehu tree` and `kehu compare`: the learned segments, the rules of a label
//! and the comparison of two schemes, printed for a person (and as JSON on request).

use crate::args::{ClusterArgs, CompareArgs, InputArgs, TreeArgs};
use crate::exit::Outcome;
use crate::progress::Spinner;
use crate::read_options::import_options;
use crate::run_cmd::{config_of, settle, step_message};
use crate::usage_error;
use kehu_domain::Lang;
use kehu_pipeline::config::Config;
use kehu_pipeline::{
    ClusterProfile, ClusterReport, Comparison, RunRequest, RunResult, TreeReport, config_dir_of,
};
use kehu_report::format_count;
use std::fmt::Write as _;
use std::io::Write;

/// Classifies with `adjust` applied to the config, without writing a run directory.
fn classify(
    input: &InputArgs,
    lang: Lang,
    adjust: impl FnOnce(&mut Config),
) -> anyhow::Result<Result<RunResult, Outcome>> {
    let (mut config, config_path) = config_of(input.config.as_ref())?;
    adjust(&mut config);
    let request = RunRequest {
        config,
        config_dir: config_dir_of(config_path.as_deref()),
        files: input.files.clone(),
        import: import_options(&input.read).map_err(usage_error)?,
        as_of: input.as_of,
        out_dir: None,
        formats: Vec::new(),
        lang,
    };
    let spinner = Spinner::new(input.quiet);
    let result = kehu_pipeline::classify(&request, |step, what| {
        spinner.say(&step_message(step, what, lang))
    });
    spinner.done();
    Ok(settle(result, lang)?.map(|(result, _, _)| result))
}

/// Why scheme `id` was skipped, in the user's language.
fn skip_reason(result: &RunResult, id: &str, lang: Lang) -> String {
    result
        .outcomes
        .iter()
        .find_map(|o| match o {
            kehu_pipeline::SchemeOutcome::Skipped { scheme, reason } if scheme.id == id => {
                Some(lang.pick(&reason.en, &reason.zh).to_string())
            }
            _ => None,
        })
        .unwrap_or_default()
}

/// `kehu cluster`.
pub fn cluster(args: &ClusterArgs, lang: Lang) -> anyhow::Result<Outcome> {
    if let Some(range) = &args.k_range
        && (range.len() != 2 || range[0] < 2 || range[1] < range[0])
    {
        return Err(usage_error(
            "--k-range LOW,HIGH needs 2 ≤ LOW ≤ HIGH".into(),
        ));
    }
    if args.k == Some(1) {
        return Err(usage_error(
            "--k: give 0 (choose automatically) or at least 2".into(),
        ));
    }
    let result = classify(&args.input, lang, |c| {
        c.cluster.enabled = true;
        c.tree.enabled = false;
        c.playbook.enabled = false;
        c.compare.pairs.clear();
        let uses_predictions = c
            .cluster
            .features
            .iter()
            .chain(&args.features)
            .any(|f| f == "clv" || f == "p_alive");
        c.predict.enabled &= uses_predictions;
        if let Some(k) = args.k {
            c.cluster.k = k;
        }
        if let Some(range) = &args.k_range {
            c.cluster.k_range = [range[0], range[1]];
        }
        if !args.features.is_empty() {
            c.cluster.features = args.features.clone();
        }
        if args.no_ward {
            c.cluster.ward = false;
        }
        if let Some(seed) = args.seed {
            c.cluster.seed = seed;
        }
    })?;
    let result = match result {
        Ok(r) => r,
        Err(outcome) => return Ok(outcome),
    };
    let Some(report) = &result.clustering else {
        let reason = skip_reason(&result, "cluster", lang);
        return Err(usage_error(format!(
            "{}: {reason}",
            lang.pick("cannot cluster", "无法聚类")
        )));
    };
    if let Some(path) = &args.input.json {
        std::fs::write(path, serde_json::to_string_pretty(report)? + "\n")?;
    }
    write!(
        std::io::stdout().lock(),
        "{}",
        render_clusters(report, lang)
    )?;
    Ok(Outcome::Success)
}

fn render_clusters(r: &ClusterReport, lang: Lang) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} {} · {}: {} ({})",
        format_count(r.customers as u64),
        lang.pick("customers clustered", "位客户参与聚类"),
        lang.pick(
            &format!("({} left out)", r.excluded),
            &format!("（{} 位未参与）", r.excluded)
        ),
        lang.pick("features", "特征"),
        r.features.join(", "),
        r.transform
    );
    if let Some(choice) = &r.k_choice {
        let _ = writeln!(out, "\n{}", lang.pick("Choosing k", "选择 k"));
        let _ = writeln!(
            out,
            "  {:>3} {:>14} {:>11} {:>18}",
            "k",
            lang.pick("inertia", "惯性"),
            lang.pick("silhouette", "轮廓系数"),
            "Calinski–Harabasz"
        );
        for (k, inertia, silhouette, ch) in &choice.candidates {
            let mark = if *k == choice.recommended_k {
                " ←"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  {k:>3} {inertia:>14.2} {:>11} {:>18}{mark}",
                silhouette.map_or("-".into(), |s| format!("{s:.4}")),
                ch.map_or("-".into(), |c| format!("{c:.1}"))
            );
        }
        let _ = writeln!(out, "  {}", lang.pick(&choice.why.en, &choice.why.zh));
    }
    let _ = writeln!(
        out,
        "\nk-means: k = {}, {} {}, inertia {:.2}, silhouette {}",
        r.k,
        r.kmeans.starts,
        lang.pick("starts", "次初始化"),
        r.kmeans.inertia,
        r.kmeans
            .silhouette
            .map_or("-".into(), |s| format!("{s:.4}"))
    );
    profiles(&mut out, &r.clusters, &r.features, lang);
    if let Some(ward) = &r.ward {
        let _ = writeln!(
            out,
            "\nWard: {} {}, {} {:.3}, {} {:.2}",
            format_count(ward.rows_in_tree as u64),
            lang.pick("customers in the tree", "位客户建树"),
            lang.pick("cut at height", "切分高度"),
            ward.cut_height,
            lang.pick("agreement with k-means (ARI)", "与 K 均值一致度（ARI）"),
            ward.agreement_with_kmeans
        );
        profiles(&mut out, &ward.clusters, &r.features, lang);
    }
    out
}

fn profiles(out: &mut String, clusters: &[ClusterProfile], features: &[String], lang: Lang) {
    let _ = write!(
        out,
        "  {:<5}{:>10}{:>8}",
        lang.pick("code", "编码"),
        lang.pick("customers", "客户数"),
        "%"
    );
    for f in features {
        let _ = write!(out, "{:>14}", truncate(f, 13));
    }
    let _ = writeln!(
        out,
        "  {}",
        lang.pick(
            "name · value tier · RFM segment",
            "名称 · 价值分层 · RFM 分群"
        )
    );
    for p in clusters {
        let _ = write!(
            out,
            "  {:<5}{:>10}{:>7.1}%",
            p.code,
            format_count(p.customers as u64),
            p.share * 100.0
        );
        for m in &p.means {
            let _ = write!(out, "{m:>14.1}");
        }
        let _ = writeln!(
            out,
            "  {} · {} · {}",
            lang.pick(&p.en, &p.zh),
            p.value_tier.as_deref().unwrap_or("-"),
            p.rfm_segment.as_deref().unwrap_or("-")
        );
    }
}

fn truncate(text: &str, width: usize) -> String {
    text.chars().take(width).collect()
}

/// `kehu tree`.
pub fn tree(args: &TreeArgs, lang: Lang) -> anyhow::Result<Outcome> {
    let result = classify(&args.input, lang, |c| {
        c.tree.enabled = true;
        c.compare.pairs.clear();
        c.playbook.enabled = false;
        if let Some(target) = &args.target {
            c.tree.target = target.clone();
        }
        if let Some(labels) = &args.labels {
            // Relative to where the command runs, not to the config.
            c.tree.labels_file = std::path::absolute(labels)
                .unwrap_or_else(|_| labels.clone())
                .display()
                .to_string();
        }
        if c.tree.target != "cluster" && c.tree.target != "ward_cluster" {
            c.cluster.enabled = false;
        }
        if !args.features.is_empty() {
            c.tree.features = args.features.clone();
        }
        if let Some(depth) = args.max_depth {
            c.tree.max_depth = depth.max(1);
        }
        if let Some(leaf) = args.min_samples_leaf {
            c.tree.min_samples_leaf = leaf.max(1);
        }
        if args.balanced {
            c.tree.class_weight = "balanced".into();
        }
        if let Some(folds) = args.cv_folds {
            c.tree.cv_folds = folds;
        }
    })?;
    let result = match result {
        Ok(r) => r,
        Err(outcome) => return Ok(outcome),
    };
    let Some(report) = &result.tree else {
        let reason = skip_reason(&result, "tree", lang);
        return Err(usage_error(reason));
    };
    if let Some(path) = &args.input.json {
        std::fs::write(path, serde_json::to_string_pretty(report)? + "\n")?;
    }
    if let Some(path) = &args.rules_out {
        std::fs::write(path, kehu_pipeline::rules_toml(report))?;
    }
    write!(std::io::stdout().lock(), "{}", render_tree(report, lang))?;
    if report.rule_mismatches > 0 {
        eprintln!(
            "{}",
            lang.pick(
                &format!(
                    "warning: the exported rules differ from the tree for {} customers",
                    report.rule_mismatches
                ),
                &format!(
                    "警告：导出的规则与决策树对 {} 位客户的结果不同",
                    report.rule_mismatches
                )
            )
        );
        return Ok(Outcome::Failure);
    }
    Ok(Outcome::Success)
}

fn render_tree(r: &TreeReport, lang: Lang) -> String {
    let mut out = String::new();
    let name = |c: &(String, String, String)| lang.pick(&c.1, &c.2).to_string();
    let _ = writeln!(
        out,
        "{} `{}`: {} {}, {} {} · {} {}, {} {}",
        lang.pick("Decision tree for", "决策树目标"),
        r.target,
        lang.pick("depth", "深度"),
        r.depth,
        r.leaves,
        lang.pick("rules", "条规则"),
        format_count(r.train_rows as u64),
        lang.pick("training customers", "位训练客户"),
        format_count(r.test_rows as u64),
        lang.pick("held out", "位留出客户")
    );
    let _ = writeln!(
        out,
        "{} {:.1}% · {} {:.1}% · F1 macro {:.3} · F1 weighted {:.3}",
        lang.pick("test accuracy", "测试准确率"),
        r.test.accuracy * 100.0,
        lang.pick("training accuracy", "训练准确率"),
        r.train_accuracy * 100.0,
        r.test.macro_f1,
        r.test.weighted_f1
    );
    if let Some(cv) = &r.cross_validation {
        let _ = writeln!(
            out,
            "{} {:.1}% ± {:.1}% ({} folds)",
            lang.pick("cross-validated accuracy", "交叉验证准确率"),
            cv.mean * 100.0,
            cv.std * 100.0,
            cv.folds.len()
        );
    }
    let _ = writeln!(
        out,
        "\n{:<10}{:>10}{:>10}{:>8}{:>10}  {}",
        lang.pick("class", "类别"),
        "precision",
        "recall",
        "F1",
        lang.pick("support", "样本"),
        lang.pick("name", "名称")
    );
    for (class, (p, rc, f1, support)) in r.classes.iter().zip(&r.test.per_class) {
        if *support == 0 {
            continue;
        }
        let _ = writeln!(
            out,
            "{:<10}{p:>10.3}{rc:>10.3}{f1:>8.3}{support:>10}  {}",
            class.0,
            name(class)
        );
    }
    let _ = writeln!(
        out,
        "\n{} ({})",
        lang.pick("Confusion matrix", "混淆矩阵"),
        lang.pick("rows: actual, columns: predicted", "行：实际，列：预测")
    );
    let shown: Vec<usize> = (0..r.classes.len())
        .filter(|&i| {
            r.test.confusion[i].iter().sum::<u64>() > 0
                || r.test.confusion.iter().any(|row| row[i] > 0)
        })
        .collect();
    let _ = write!(out, "{:<10}", "");
    for &j in &shown {
        let _ = write!(out, "{:>9}", truncate(&r.classes[j].0, 8));
    }
    let _ = writeln!(out);
    for &i in &shown {
        let _ = write!(out, "{:<10}", truncate(&r.classes[i].0, 9));
        for &j in &shown {
            let _ = write!(out, "{:>9}", r.test.confusion[i][j]);
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "\n{}", lang.pick("Feature importance", "特征重要性"));
    for (feature, importance) in r.importances.iter().filter(|(_, v)| *v > 0.0) {
        let _ = writeln!(out, "  {feature:<22}{:>6.1}%", importance * 100.0);
    }
    let _ = writeln!(out, "\n{}", lang.pick("Rules", "规则"));
    for rule in &r.rules {
        let _ = writeln!(out, "  {}", lang.pick(&rule.en, &rule.zh));
    }
    out
}

/// `kehu compare`.
pub fn compare(args: &CompareArgs, lang: Lang) -> anyhow::Result<Outcome> {
    if args.a == args.b {
        return Err(usage_error("compare two different schemes".into()));
    }
    let comparison = match settle(
        kehu_pipeline::compare_run(&args.run_dir, &args.a, &args.b),
        lang,
    )? {
        Ok(c) => c,
        Err(outcome) => return Ok(outcome),
    };
    if let Some(path) = &args.csv {
        std::fs::write(path, comparison.to_csv(lang))?;
    }
    write!(
        std::io::stdout().lock(),
        "{}",
        render_comparison(&comparison, lang)
    )?;
    Ok(Outcome::Success)
}

fn render_comparison(c: &Comparison, lang: Lang) -> String {
    let mut out = String::new();
    let rows: Vec<usize> = (0..c.a_labels.len())
        .filter(|&i| (0..c.b_labels.len()).any(|j| c.count(i, j) > 0))
        .collect();
    let columns: Vec<usize> = (0..c.b_labels.len())
        .filter(|&j| rows.iter().any(|&i| c.count(i, j) > 0))
        .collect();
    let _ = writeln!(
        out,
        "{} × {} ({})",
        c.a,
        c.b,
        lang.pick("customers", "客户数")
    );
    let _ = write!(out, "{:<22}", "");
    for &j in &columns {
        let _ = write!(out, "{:>10}", truncate(&c.b_labels[j].0, 9));
    }
    let _ = writeln!(out, "{:>10}", lang.pick("total", "合计"));
    for &i in &rows {
        let _ = write!(out, "{:<22}", truncate(&c.a_labels[i].0, 21));
        let mut total = 0;
        for &j in &columns {
            let n = c.count(i, j);
            total += n;
            let _ = write!(
                out,
                "{:>10}",
                if n == 0 {
                    "·".to_string()
                } else {
                    format_count(n)
                }
            );
        }
        let _ = writeln!(out, "{:>10}", format_count(total));
    }
    let _ = writeln!(out, "\n{}", lang.pick("Columns", "列"));
    for &j in &columns {
        let label = &c.b_labels[j];
        let _ = writeln!(out, "  {:<10}{}", label.0, lang.pick(&label.1, &label.2));
    }
    let _ = writeln!(
        out,
        "\n{} ({} {})",
        lang.pick(&c.reading.en, &c.reading.zh),
        format_count(c.customers_compared as u64),
        lang.pick("customers labelled by both", "位客户在两个方案中都有标签")
    );
    out
}
