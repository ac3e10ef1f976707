//! `kehu demo`.

use crate::args::DemoArgs;
use crate::exit::Outcome;
use crate::progress::Spinner;
use kehu_domain::Lang;
use kehu_report::{format_count, format_money};
use std::io::Write;

/// Runs the main job on the bundled data.
pub fn run(args: &DemoArgs, lang: Lang) -> anyhow::Result<Outcome> {
    let data = args
        .data
        .clone()
        .unwrap_or_else(kehu_pipeline::bundled_data_dir);
    let spinner = Spinner::new(false);
    let demo = kehu_pipeline::run_demo(&data, &args.out, lang, args.as_of, |f| {
        spinner.say(&format!("{} {}", lang.pick("reading", "读取"), f.display()));
    })?;
    spinner.done();
    let mut out = std::io::stdout().lock();
    write!(
        out,
        "{}",
        kehu_report::render_check(&demo.check.report, lang)
    )?;
    let file = &demo.check.report.files[0];
    writeln!(
        out,
        "{}",
        lang.pick(
            "── Customer summary (DataFusion) ──",
            "── 客户汇总（DataFusion 计算）──"
        )
    )?;
    writeln!(
        out,
        "  {} {}, {} {}, {} {}",
        lang.pick("as of", "截至"),
        demo.as_of,
        format_count(demo.customers as u64),
        lang.pick("customers", "位客户"),
        lang.pick("net revenue", "净收入"),
        file.profile
            .revenue
            .map(|r| format_money(r, lang))
            .unwrap_or_default(),
    )?;
    writeln!(out, "\n{}", lang.pick("Results:", "结果文件："))?;
    for path in &demo.outputs {
        writeln!(out, "  {}", path.display())?;
    }
    Ok(Outcome::Success)
}
