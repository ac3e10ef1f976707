use crate::SynthError;
use crate::dirt::{Dirt, DirtKind, full_width};
use crate::labels::Labels;
use crate::text_format::{TextFormat, push_cents, push_padded, push_u64};
use crate::transaction_row::TransactionRow;
use kehu_domain::Money;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

const FIELDS: usize = 11;
const CUSTOMER_ID: usize = 0;
const DATE: usize = 2;
const AMOUNT: usize = 3;

/// `transactions.csv`: header, `,` separator, `\n` line ends, quotes only around a dirty
/// amount that contains a comma. Counts physical lines so that dirt can be located.
#[derive(Debug)]
pub(crate) struct TransactionCsv<'a> {
    path: PathBuf,
    out: BufWriter<File>,
    format: &'a TextFormat,
    labels: &'a Labels,
    dirt: Dirt,
    /// The clean line being written, without its line end.
    line: Vec<u8>,
    /// Where each field of `line` starts; `bounds[FIELDS]` is its end plus one.
    bounds: [usize; FIELDS + 1],
    variant: Vec<u8>,
    /// Physical lines written so far (the header is line 1).
    lines: u64,
    total_cents: i128,
}

impl<'a> TransactionCsv<'a> {
    pub(crate) fn create(
        path: &Path,
        format: &'a TextFormat,
        labels: &'a Labels,
        dirt: Dirt,
    ) -> Result<Self, SynthError> {
        let file = File::create(path).map_err(SynthError::io(path))?;
        let mut csv = TransactionCsv {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(1 << 20, file),
            format,
            labels,
            dirt,
            line: Vec::with_capacity(256),
            bounds: [0; FIELDS + 1],
            variant: Vec::with_capacity(256),
            lines: 0,
            total_cents: 0,
        };
        let header = labels.transaction_headers.join(",");
        csv.emit_line(header.as_bytes())?;
        Ok(csv)
    }

    /// Writes a clean row, with the dirt the dirt stream picks for it.
    pub(crate) fn write(&mut self, row: &TransactionRow) -> Result<(), SynthError> {
        self.format_row(row);
        self.total_cents += i128::from(row.amount);
        let Some(kind) = self.dirt.next_row() else {
            return self.emit_clean();
        };
        match kind {
            DirtKind::DuplicateRow => {
                self.emit_clean()?;
                self.emit_clean()?;
            }
            DirtKind::BlankLine => {
                self.emit_line(b"")?;
                self.dirt.record(self.lines, kind);
                return self.emit_clean();
            }
            DirtKind::CurrencySymbol => {
                let amount = field(&self.line, &self.bounds, AMOUNT);
                rebuild(&self.line, &self.bounds, AMOUNT, &mut self.variant, |out| {
                    self.dirt.currency(amount, out)
                });
                self.emit_variant()?;
            }
            DirtKind::FullWidthDigits => {
                let amount = field(&self.line, &self.bounds, AMOUNT);
                rebuild(&self.line, &self.bounds, AMOUNT, &mut self.variant, |out| {
                    full_width(amount, out)
                });
                self.emit_variant()?;
            }
            DirtKind::DateFormat => {
                let (dirt, parts) = (&mut self.dirt, self.format.date_parts(row.day));
                rebuild(&self.line, &self.bounds, DATE, &mut self.variant, |out| {
                    dirt.date_format(parts, out)
                });
                self.emit_variant()?;
            }
            DirtKind::MissingCustomerId => {
                self.emit_clean()?;
                rebuild(
                    &self.line,
                    &self.bounds,
                    CUSTOMER_ID,
                    &mut self.variant,
                    |_| {},
                );
                self.emit_variant()?;
            }
            DirtKind::InvalidDate => {
                self.emit_clean()?;
                let (dirt, (year, _, _)) = (&mut self.dirt, self.format.date_parts(row.day));
                rebuild(&self.line, &self.bounds, DATE, &mut self.variant, |out| {
                    dirt.invalid_date(year, out)
                });
                self.emit_variant()?;
            }
            DirtKind::SummaryRow => return self.emit_clean(),
        }
        self.dirt.record(self.lines, kind);
        Ok(())
    }

    /// Adds the totals row (when dirt is on), flushes, and returns the dirt records and the
    /// number of physical lines.
    pub(crate) fn finish(mut self) -> Result<(Dirt, u64), SynthError> {
        if self.dirt.wants_summary() {
            let total = Money::from_units(self.total_cents * 100).to_string();
            let line = format!("{},,,{total},,,,,,,", self.labels.summary_label);
            self.emit_line(line.as_bytes())?;
            self.dirt.record(self.lines, DirtKind::SummaryRow);
        }
        self.out.flush().map_err(SynthError::io(&self.path))?;
        Ok((self.dirt, self.lines))
    }

    fn format_row(&mut self, row: &TransactionRow) {
        let line = &mut self.line;
        let labels = self.labels;
        line.clear();
        let mut field = 0;
        let mut start = |line: &mut Vec<u8>, bounds: &mut [usize; FIELDS + 1]| {
            if field > 0 {
                line.push(b',');
            }
            bounds[field] = line.len();
            field += 1;
        };
        let bounds = &mut self.bounds;
        start(line, bounds);
        self.format.push_customer_id(line, row.customer_id);
        start(line, bounds);
        push_u64(line, row.order_id);
        start(line, bounds);
        self.format.push_date(line, row.day);
        start(line, bounds);
        push_cents(line, row.amount);
        start(line, bounds);
        if row.quantity < 0 {
            line.push(b'-');
        }
        push_u64(line, u64::from(row.quantity.unsigned_abs()));
        start(line, bounds);
        push_cents(line, row.unit_price);
        start(line, bounds);
        line.push(b'P');
        push_padded(line, u64::from(row.product), 6);
        start(line, bounds);
        line.extend_from_slice(label(&labels.categories, row.category));
        start(line, bounds);
        line.extend_from_slice(label(&labels.channels, row.channel));
        start(line, bounds);
        line.extend_from_slice(label(&labels.regions, row.region));
        start(line, bounds);
        push_cents(line, row.discount);
        bounds[FIELDS] = line.len() + 1;
    }

    fn emit_clean(&mut self) -> Result<(), SynthError> {
        self.lines += 1;
        self.out
            .write_all(&self.line)
            .and_then(|()| self.out.write_all(b"\n"))
            .map_err(SynthError::io(&self.path))
    }

    fn emit_variant(&mut self) -> Result<(), SynthError> {
        self.lines += 1;
        self.out
            .write_all(&self.variant)
            .and_then(|()| self.out.write_all(b"\n"))
            .map_err(SynthError::io(&self.path))
    }

    fn emit_line(&mut self, text: &[u8]) -> Result<(), SynthError> {
        self.lines += 1;
        self.out
            .write_all(text)
            .and_then(|()| self.out.write_all(b"\n"))
            .map_err(SynthError::io(&self.path))
    }
}

/// Field `index` of `line`.
fn field<'l>(line: &'l [u8], bounds: &[usize; FIELDS + 1], index: usize) -> &'l [u8] {
    line.get(bounds[index]..bounds[index + 1] - 1)
        .unwrap_or_default()
}

/// `line` with field `index` replaced by what `write` produces, into `out`.
fn rebuild(
    line: &[u8],
    bounds: &[usize; FIELDS + 1],
    index: usize,
    out: &mut Vec<u8>,
    write: impl FnOnce(&mut Vec<u8>),
) {
    out.clear();
    out.extend_from_slice(&line[..bounds[index]]);
    write(out);
    out.extend_from_slice(&line[(bounds[index + 1] - 1).min(line.len())..]);
}

fn label<'s>(list: &[&'s str], index: u8) -> &'s [u8] {
    list.get(usize::from(index))
        .copied()
        .unwrap_or_default()
        .as_bytes()
}
