//! `kehu demo`.

use crate::args::DemoArgs;
use crate::exit::Outcome;
use crate::progress::Spinner;
use crate::run_cmd::{step_message, summary_of};
use kehu_domain::Lang;
use std::io::Write;

/// Runs the main job on the bundled data.
pub fn run(args: &DemoArgs, lang: Lang) -> anyhow::Result<Outcome> {
    let data = args
        .data
        .clone()
        .unwrap_or_else(kehu_pipeline::bundled_data_dir);
    let spinner = Spinner::new(false);
    let demo = kehu_pipeline::run_demo(&data, &args.out, lang, args.as_of, |step, what| {
        spinner.say(&step_message(step, what, lang));
    });
    spinner.done();
    let (demo, migration) = demo?;
    let mut out = std::io::stdout().lock();
    write!(
        out,
        "{}",
        kehu_report::render_check(&demo.check.report, lang)
    )?;
    writeln!(
        out,
        "{}",
        lang.pick("── Customer classification ──", "── 客户分类 ──")
    )?;
    write!(
        out,
        "{}",
        kehu_report::render_run_summary(&summary_of(&demo, lang), lang)
    )?;
    write!(
        out,
        "\n{}",
        crate::diff_cmd::render(&migration, "value_tier", &args.out.join("migration"), lang)
    )?;
    writeln!(out, "\n{}", lang.pick("Files:", "结果文件："))?;
    for path in &demo.outputs {
        writeln!(out, "  {}", path.display())?;
    }
    Ok(Outcome::Success)
}
