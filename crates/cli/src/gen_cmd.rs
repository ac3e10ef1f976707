//! `kehu gen`.

use crate::args::{DirtArg, FormatArg, GenArgs};
use crate::exit::Outcome;
use crate::progress::Spinner;
use kehu_domain::Lang;
use kehu_report::format_count;
use kehu_synth::{DirtLevel, GenParams, OutputFormat, generate};
use std::io::Write;

/// Generates synthetic data.
pub fn run(args: &GenArgs, lang: Lang) -> anyhow::Result<Outcome> {
    let params = GenParams {
        customers: args.customers,
        rows: args.rows,
        seed: args.seed,
        as_of: args.as_of,
        years: args.years,
        dirt: match args.dirt {
            DirtArg::None => DirtLevel::None,
            DirtArg::Some => DirtLevel::Some,
            DirtArg::Heavy => DirtLevel::Heavy,
        },
        with_feedback: !args.no_feedback,
        lang,
        ..GenParams::default()
    };
    let formats: Vec<OutputFormat> = args
        .format
        .iter()
        .map(|f| match f {
            FormatArg::Csv => OutputFormat::Csv,
            FormatArg::Parquet => OutputFormat::Parquet,
        })
        .collect();
    let spinner = Spinner::new(false);
    spinner.say(lang.pick("generating", "生成中"));
    let summary = generate(&params, &args.out, &formats)?;
    spinner.done();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} {} {}, {} {}, {} {} → {}",
        lang.pick("Generated", "已生成"),
        format_count(summary.customers),
        lang.pick("customers", "位客户"),
        format_count(summary.orders),
        lang.pick("orders", "个订单"),
        format_count(summary.transaction_rows),
        lang.pick("transaction rows", "条交易记录"),
        args.out.display()
    )?;
    for f in &summary.files {
        writeln!(out, "  {f}")?;
    }
    Ok(Outcome::Success)
}
