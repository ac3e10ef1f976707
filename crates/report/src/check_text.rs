//! The terminal form of the `kehu check` report.

use crate::check_report::{AcrossFiles, CheckReport, FileCheck, RefusedFile};
use crate::numbers::{format_count, format_money};
use crate::text_width::pad;
use comfy_table::{Table, presets::UTF8_BORDERS_ONLY};
use kehu_domain::{Lang, Location, Reason};
use std::fmt::Write;

/// Renders the report for a terminal, in `lang`.
pub fn render_check(report: &CheckReport, lang: Lang) -> String {
    let mut out = String::new();
    for file in &report.files {
        render_file(&mut out, file, lang);
    }
    if let Some(across) = &report.across_files {
        render_across(&mut out, across, lang);
    }
    for refused in &report.refused {
        render_refused(&mut out, refused, lang);
    }
    out
}

/// Where a row is, in the reader's language: `line 13` / `第 13 行`, `Sheet1!D17`.
fn place(location: &Location, column_idx: Option<usize>, lang: Lang) -> String {
    match (location, lang) {
        (Location::Line { line }, Lang::Zh) => format!("第 {line} 行"),
        (Location::Row { row }, Lang::Zh) => format!("第 {row} 行"),
        _ => location.with_column(column_idx),
    }
}

fn t(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    lang.pick(en, zh)
}

fn table(lang: Lang, header: [&str; 3]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_BORDERS_ONLY)
        .set_header(header.to_vec());
    let _ = lang;
    table
}

/// How the files' customers meet; a gap is marked when it is a large share, the sign of two
/// systems that number customers differently.
fn render_across(out: &mut String, a: &AcrossFiles, lang: Lang) {
    let _ = writeln!(out, "── {} ──", t(lang, "Across the files", "文件之间"));
    let mut counts = vec![format!(
        "{} {}",
        format_count(a.buyers),
        t(lang, "with transactions", "位有交易")
    )];
    if let Some(n) = a.listed {
        counts.push(format!(
            "{} {}",
            format_count(n),
            t(lang, "listed", "位在客户文件中")
        ));
    }
    if let Some(n) = a.with_feedback {
        counts.push(format!(
            "{} {}",
            format_count(n),
            t(lang, "with feedback", "位有反馈")
        ));
    }
    let _ = writeln!(
        out,
        "  {}{}",
        pad(t(lang, "customers", "客户"), 10),
        counts.join(" · ")
    );
    let gaps = [
        (
            "listed_without_transactions",
            a.listed_without_transactions,
            a.listed,
            t(
                lang,
                "listed without a transaction (potential customers)",
                "在客户文件中但没有交易（潜在客户）",
            ),
        ),
        (
            "buyers_not_listed",
            a.buyers_not_listed,
            Some(a.buyers),
            t(
                lang,
                "with transactions but not in the customers files",
                "有交易但不在客户文件中",
            ),
        ),
        (
            "feedback_from_unknown",
            a.feedback_from_unknown,
            a.with_feedback,
            t(
                lang,
                "with feedback but in no other file",
                "有反馈但不在其他文件中",
            ),
        ),
    ];
    for (code, gap, of, words) in gaps {
        let (Some(gap), Some(of)) = (gap, of) else {
            continue;
        };
        // More than half of a file's customers unknown to the others is no coincidence.
        let mark = if of > 0 && gap * 2 > of { "⚠ " } else { "" };
        let examples = a.examples.get(code).cloned().unwrap_or_default();
        let e_g = if examples.is_empty() {
            String::new()
        } else {
            match lang {
                Lang::Zh => format!("（如 {}）", examples.join("、")),
                Lang::En => format!(" (e.g. {})", examples.join(", ")),
            }
        };
        let _ = writeln!(
            out,
            "  {mark}{} / {} {words}{e_g}",
            format_count(gap),
            format_count(of)
        );
    }
    let mostly_unknown = [
        (a.buyers_not_listed, Some(a.buyers)),
        (a.feedback_from_unknown, a.with_feedback),
    ]
    .into_iter()
    .any(|(gap, of)| matches!((gap, of), (Some(g), Some(o)) if o > 0 && g * 2 > o));
    if mostly_unknown {
        let _ = writeln!(
            out,
            "  {}",
            t(
                lang,
                "what to do: check that the files use the same customer ids (a prefix, leading zeros, a phone instead of an id); name the id column with --map customer_id=<header>",
                "建议：确认各文件使用同一套客户编号（前缀、前导零、用手机号代替编号等）；可用 --map customer_id=<表头> 指定编号列"
            )
        );
    }
    out.push('\n');
}

fn render_file(out: &mut String, f: &FileCheck, lang: Lang) {
    let r = &f.import;
    let p = &f.profile;
    let _ = writeln!(
        out,
        "── {} {} ──",
        t(lang, "Data check:", "数据检查："),
        r.file
    );
    let compression = if r.compression == "gzip" {
        " (gzip)"
    } else {
        ""
    };
    let mut how = format!("{}{compression}", r.format);
    if r.format == "csv" || r.format == "jsonl" {
        let _ = write!(
            how,
            ", {} {}{}",
            t(lang, "encoding", "编码"),
            r.encoding,
            if r.bom { " (BOM)" } else { "" }
        );
    }
    if let Some(d) = &r.dialect {
        let shown = if d.delimiter == "\t" {
            "\\t".to_string()
        } else {
            d.delimiter.clone()
        };
        let _ = write!(
            how,
            ", {} \"{shown}\", {} {}",
            t(lang, "delimiter", "分隔符"),
            t(lang, "header on line", "表头在第"),
            d.header_line
        );
        if lang == Lang::Zh {
            how.push_str(" 行");
        }
        if d.preamble_lines > 0 {
            let _ = write!(
                how,
                ", {} {}",
                t(lang, "preamble lines skipped:", "跳过表头前的行："),
                d.preamble_lines
            );
        }
    }
    if let Some(s) = &r.sheet {
        let _ = write!(how, ", {} {s}", t(lang, "sheet", "工作表"));
    }
    let _ = writeln!(out, "  {}{how}", pad(t(lang, "format", "格式"), 10));
    let kind = match (r.kind.name(), lang) {
        (k, Lang::En) => k.to_string(),
        ("transactions", Lang::Zh) => "交易记录".into(),
        ("customers", Lang::Zh) => "客户资料".into(),
        (_, Lang::Zh) => "客户反馈".into(),
    };
    let _ = writeln!(out, "  {}{kind}", pad(t(lang, "table", "数据表"), 10));
    let mut mapping: Vec<String> = r
        .mapping_detail
        .iter()
        .map(|m| {
            let stands_in = match m.how {
                kehu_ingest::MatchHow::StandIn => t(
                    lang,
                    " (no customer id column: this one identifies customers)",
                    "（没有客户编号列，以此列识别客户）",
                ),
                _ => "",
            };
            format!("{} ← {}{stands_in}", m.field, m.header)
        })
        .collect();
    if r.amount_derived {
        mapping.push(format!(
            "amount ← {}",
            t(lang, "quantity × unit_price", "数量 × 单价")
        ));
    }
    if r.order_id_derived {
        mapping.push(format!(
            "order_id ← {}",
            t(lang, "customer + time", "客户 + 时间")
        ));
    }
    let _ = writeln!(
        out,
        "  {}{}",
        pad(t(lang, "mapping", "列映射"), 10),
        mapping.join(", ")
    );
    if !r.extra_columns.is_empty() {
        let kept: Vec<String> = r
            .extra_columns
            .iter()
            .map(|e| format!("{} ← {}", e.name, e.header))
            .collect();
        let _ = writeln!(
            out,
            "  {}{}",
            pad(t(lang, "kept", "保留属性"), 10),
            kept.join(", ")
        );
    }
    if !r.unmapped_columns.is_empty() {
        let _ = writeln!(
            out,
            "  {}{}",
            pad(t(lang, "ignored", "未使用列"), 10),
            r.unmapped_columns.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "  {}{} {} = {} {} + {} {} + {} {}",
        pad(t(lang, "rows", "行数"), 10),
        format_count(r.rows_seen),
        t(lang, "seen", "读取"),
        format_count(r.accepted),
        t(lang, "accepted", "接受"),
        format_count(r.quarantined),
        t(lang, "quarantined", "隔离"),
        format_count(r.skipped_blank),
        t(lang, "blank", "空行"),
    );

    if !r.quarantine_reasons.is_empty() {
        let _ = writeln!(
            out,
            "\n  {}",
            t(
                lang,
                "Quarantined (rows set aside, with the reason):",
                "隔离原因（被隔离的行及原因）："
            )
        );
        let mut tb = table(
            lang,
            [
                t(lang, "reason", "原因代码"),
                t(lang, "count", "数量"),
                t(lang, "meaning", "含义"),
            ],
        );
        for (reason, n) in &r.quarantine_reasons {
            tb.add_row(vec![
                reason.code().to_string(),
                format_count(*n),
                reason.describe(lang).to_string(),
            ]);
        }
        let _ = writeln!(out, "{}", indent(&tb.to_string()));
        let _ = writeln!(out, "  {}", t(lang, "First examples:", "示例："));
        for e in &r.quarantine_examples {
            let col = e
                .column_name
                .as_deref()
                .map(|c| format!(" [{c}]"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "    {}{col} {}: {}  | {}",
                place(&e.location, e.column_idx, lang),
                e.reason.code(),
                e.message,
                e.snippet
            );
        }
    }
    render_counts(
        out,
        lang,
        t(
            lang,
            "Normalised (accepted after a logged rewrite):",
            "已规范化（按规则改写后接受）：",
        ),
        &r.normalised,
    );
    render_counts(
        out,
        lang,
        t(
            lang,
            "Warnings (accepted, worth a look):",
            "警告（已接受，建议查看）：",
        ),
        &r.warnings,
    );
    if !r.warning_examples.is_empty() {
        for e in r.warning_examples.iter().take(8) {
            let _ = writeln!(
                out,
                "    {} {}: {}",
                place(&e.location, e.column_idx, lang),
                e.reason.code(),
                e.snippet
            );
        }
    }

    let _ = writeln!(
        out,
        "\n  {}",
        t(lang, "What the accepted rows hold:", "接受的数据概况：")
    );
    let fact = |out: &mut String, en: &'static str, zh: &'static str, value: String| {
        let _ = writeln!(out, "    {}{value}", pad(t(lang, en, zh), 14));
    };
    fact(out, "customers", "客户数", format_count(p.customers));
    if let Some(o) = p.orders {
        fact(out, "orders", "订单数", format_count(o));
    }
    if let Some(rev) = p.revenue {
        let currency = r.currency.map(|c| format!(" {c}")).unwrap_or_default();
        fact(
            out,
            "revenue (net)",
            "净收入",
            format!("{}{currency}", format_money(rev, lang)),
        );
    }
    if let (Some(s), Some(ret)) = (p.sales, &p.returns) {
        fact(out, "gross sales", "销售总额", format_money(s, lang));
        let rows = t(lang, "rows", "行");
        let value = format!(
            "{} {rows} / {}",
            format_count(ret.rows),
            format_money(ret.amount, lang)
        );
        fact(out, "returns", "退货退款", value);
    }
    if let Some(d) = &p.date_range {
        fact(
            out,
            "date range",
            "日期范围",
            format!("{} … {}", d.first, d.last),
        );
    }
    let missing: Vec<String> = p
        .missing_values
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(f, n)| format!("{f} {}", format_count(*n)))
        .collect();
    if !missing.is_empty() {
        fact(out, "empty values", "空值", missing.join(", "));
    }
    let _ = writeln!(out);
}

fn render_counts(
    out: &mut String,
    lang: Lang,
    title: &str,
    counts: &std::collections::BTreeMap<Reason, u64>,
) {
    if counts.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n  {title}");
    for (reason, n) in counts {
        let _ = writeln!(
            out,
            "    {:<26}{:>10}  {}",
            reason.code(),
            format_count(*n),
            reason.describe(lang)
        );
    }
}

/// One refused file as `kehu check` shows it: reason, place, detail, what to do.
pub fn render_refused_file(r: &RefusedFile, lang: Lang) -> String {
    let mut out = String::new();
    render_refused(&mut out, r, lang);
    out
}

fn render_refused(out: &mut String, r: &RefusedFile, lang: Lang) {
    let _ = writeln!(
        out,
        "── {} {} ──",
        t(lang, "Refused:", "拒绝导入："),
        r.file
    );
    let place = match (&r.location, &r.column) {
        (Some(l), Some(c)) => format!(" ({l}, {c})"),
        (Some(l), None) => format!(" ({l})"),
        (None, Some(c)) => format!(" ({c})"),
        _ => String::new(),
    };
    let described = Reason::from_code(&r.reason)
        .map(|x| x.describe(lang))
        .unwrap_or("");
    let _ = writeln!(out, "  {} — {described}{place}", r.reason);
    let _ = writeln!(out, "  {}", r.message);
    let hint = match lang {
        Lang::Zh => r.hint_zh.as_ref().or(r.hint.as_ref()),
        Lang::En => r.hint.as_ref(),
    };
    if let Some(h) = hint {
        let _ = writeln!(out, "  {} {h}", t(lang, "what to do:", "处理建议："));
    }
    let _ = writeln!(
        out,
        "  {}\n",
        t(
            lang,
            "Nothing from this file was imported.",
            "该文件未导入任何数据。"
        )
    );
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
