//! The HTML report in a real browser (headless Chromium, installed by `.ci/run`): the report of
//! the bundled demo loads with no console errors and no network request, every chart is
//! present and non-empty, the Chinese report holds Chinese text, a screenshot of every section
//! is saved, and printing to PDF works. Without Chromium the test says so and passes, unless
//! `KEHU_REQUIRE_BROWSER=1` (set by `.ci/run`) makes that a failure.
// The test says where its screenshots went, and when it could not run.
#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn browser() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find_map(|name| {
            let found = Command::new("which").arg(name).output().ok()?;
            found
                .status
                .success()
                .then(|| PathBuf::from(String::from_utf8_lossy(&found.stdout).trim()))
        })
}

fn headless(browser: &Path, profile: &Path, args: &[&str]) -> Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            // The browser's own traffic (updates, time sync, metrics) off: the test runs offline.
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-domain-reliability",
            "--disable-client-side-phishing-detection",
            "--metrics-recording-only",
            "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate",
            "--enable-logging=stderr",
            "--v=0",
            // Any request that is not a file fails.
            "--proxy-server=http://127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            &format!("--user-data-dir={}", profile.display()),
        ])
        .args(args)
        .output()
        .expect("the browser starts")
}

/// Where the screenshots and PDFs go: `$KEHU_ARTIFACTS`, else a folder in the temp dir.
fn artifacts() -> PathBuf {
    let dir = std::env::var_os("KEHU_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("kehu-report-artifacts"));
    std::fs::create_dir_all(&dir).expect("artifact folder");
    dir
}

#[test]
fn the_demo_report_renders_offline_in_both_languages() {
    let Some(browser) = browser() else {
        assert!(
            std::env::var_os("KEHU_REQUIRE_BROWSER").is_none(),
            "KEHU_REQUIRE_BROWSER is set but no Chromium was found"
        );
        eprintln!("no Chromium: the browser test of report.html did not run (.ci/run installs it)");
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let artifacts = artifacts();
    for lang in ["en", "zh"] {
        let out = dir.path().join(lang);
        // The demo: the bundled data, with the migration since a quarter before.
        let run = Command::new(env!("CARGO_BIN_EXE_kehu"))
            .args(["--lang", lang, "demo", "--data"])
            .arg(repo().join("data"))
            .args(["--out", out.to_str().expect("utf8")])
            .output()
            .expect("kehu runs");
        assert_eq!(
            run.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let report = out.join("report.html");
        let html = std::fs::read_to_string(&report).expect("report.html");
        // `kehu report RUN` writes the same page from the run directory.
        let again = dir.path().join(format!("again-{lang}.html"));
        let rerun = Command::new(env!("CARGO_BIN_EXE_kehu"))
            .args(["--lang", lang, "report"])
            .arg(&out)
            .args(["--out", again.to_str().expect("utf8")])
            .output()
            .expect("kehu runs");
        assert_eq!(
            rerun.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&rerun.stderr)
        );
        assert_eq!(
            std::fs::read_to_string(&again).expect("again"),
            html,
            "{lang}: kehu report = kehu run's report"
        );
        assert!(
            html.len() < 5_000_000,
            "the report stays small: {} bytes",
            html.len()
        );
        let url = format!("file://{}", report.display());
        let profile = dir.path().join(format!("profile-{lang}"));

        // The DOM after load: every figure has a chart with shapes in it.
        let dom = headless(&browser, &profile, &["--dump-dom", &url]);
        assert!(
            dom.status.success(),
            "{}",
            String::from_utf8_lossy(&dom.stderr)
        );
        let page = String::from_utf8_lossy(&dom.stdout);
        let figures = page.matches("<figure>").count();
        assert!(figures >= 10, "{lang}: {figures} charts");
        for figure in page.split("<figure>").skip(1) {
            let chart = &figure[..figure.find("</figure>").expect("closed")];
            assert!(
                chart.contains("<svg") && (chart.contains("<rect") || chart.contains("<polyline")),
                "{lang}: an empty chart"
            );
            assert!(
                chart.contains("<figcaption>") && chart.contains(r#"<p class="read">"#),
                "{lang}: a chart without title or reading"
            );
        }
        if lang == "zh" {
            assert!(
                page.contains("客户分类报告") && page.contains("价值集中度"),
                "Chinese text"
            );
        }
        // No console errors, no request beyond the file itself.
        let log = String::from_utf8_lossy(&dom.stderr);
        assert!(
            !log.lines()
                .any(|l| l.contains("CONSOLE") && l.to_lowercase().contains("error")),
            "{log}"
        );

        // A screenshot of every section (each alone on the report's own head and style: a
        // headless screenshot does not paint below the first screen), and the page as PDF.
        let head = &html[..html.find("<body>").expect("a body") + "<body>".len()];
        for section in [
            "overview",
            "quality",
            "value",
            "rfm",
            "schemes",
            "migration",
            "learned",
            "predictions",
            "playbook",
        ] {
            let open = format!(r#"<section id="{section}">"#);
            let start = html
                .find(&open)
                .unwrap_or_else(|| panic!("{lang}: section {section}"));
            let end =
                start + html[start..].find("</section>").expect("closed") + "</section>".len();
            let alone = dir.path().join(format!("{lang}-{section}.html"));
            std::fs::write(&alone, format!("{head}{}</body></html>", &html[start..end]))
                .expect("page");
            let shot = artifacts.join(format!("report-{lang}-{section}.png"));
            let taken = headless(
                &browser,
                &profile,
                &[
                    &format!("--screenshot={}", shot.display()),
                    "--window-size=1200,1600",
                    &format!("file://{}", alone.display()),
                ],
            );
            assert!(
                taken.status.success() && std::fs::metadata(&shot).is_ok_and(|m| m.len() > 15_000),
                "{lang} {section}: {}",
                String::from_utf8_lossy(&taken.stderr)
            );
        }
        let pdf = artifacts.join(format!("report-{lang}.pdf"));
        let printed = headless(
            &browser,
            &profile,
            &[
                &format!("--print-to-pdf={}", pdf.display()),
                "--no-pdf-header-footer",
                &url,
            ],
        );
        assert!(
            printed.status.success(),
            "{}",
            String::from_utf8_lossy(&printed.stderr)
        );
        let bytes = std::fs::read(&pdf).expect("pdf");
        assert!(
            bytes.starts_with(b"%PDF") && bytes.len() > 20_000,
            "{lang}: a real PDF ({} bytes)",
            bytes.len()
        );
    }
    eprintln!("report screenshots and PDFs in {}", artifacts.display());
}
