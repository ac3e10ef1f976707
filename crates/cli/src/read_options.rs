//! Turning `ReadArgs` into the importer's options, with usage errors that say what is wrong.

use crate::args::{DuplicatesArg, KindArg, ReadArgs};
use kehu_ingest::{DuplicatePolicy, EscapeStyle, ImportOptions, TableKind};

/// Options for the importer, or a message about the argument that is wrong.
pub fn import_options(args: &ReadArgs) -> Result<ImportOptions, String> {
    let mut o = ImportOptions {
        kind: args.kind.map(|k| match k {
            KindArg::Transactions => TableKind::Transactions,
            KindArg::Customers => TableKind::Customers,
            KindArg::Feedback => TableKind::Feedback,
        }),
        encoding: args.encoding.clone(),
        escape: if args.backslash_escape {
            EscapeStyle::Backslash
        } else {
            EscapeStyle::Doubled
        },
        has_header: !args.no_header,
        skip_rows: args.skip_rows,
        sheet: args.sheet.clone(),
        date_format: args.date_format.clone(),
        decimal_comma: args.decimal_comma,
        magnitude_units: !args.no_magnitude_units,
        max_malformed_ratio: args.max_bad_ratio,
        max_malformed_rows: args.max_bad_rows,
        duplicates: match args.duplicates {
            DuplicatesArg::Auto => DuplicatePolicy::Auto,
            DuplicatesArg::Keep => DuplicatePolicy::Keep,
            DuplicatesArg::Quarantine => DuplicatePolicy::Quarantine,
        },
        ..ImportOptions::default()
    };
    if let Some(d) = &args.delimiter {
        o.delimiter = Some(match d.as_str() {
            "tab" | "\\t" | "\t" => b'\t',
            "space" | "whitespace" => b' ',
            s if s.len() == 1 && s.is_ascii() => s.as_bytes()[0],
            s => {
                return Err(format!(
                    "--delimiter `{s}`: give one ASCII character, or `tab`"
                ));
            }
        });
    }
    if let Some(tz) = &args.timezone {
        o.timezone = Some(tz.parse().map_err(|e| format!("--timezone: {e}"))?);
    }
    for pair in &args.map {
        let (field, column) = pair.split_once('=').ok_or_else(|| {
            format!("--map `{pair}`: write FIELD=COLUMN, e.g. customer_id=会员卡号")
        })?;
        o.mapping
            .insert(field.trim().to_string(), column.trim().to_string());
    }
    Ok(o)
}
