//! Reading one worksheet of an XLSX workbook into rows.
//!
//! The container is checked before calamine parses anything: an OLE2 file (legacy `.xls` or an
//! encrypted workbook) is refused, and so is a zip whose declared sizes expand too far. zip ≥ 9
//! enforces each entry's declared uncompressed size while inflating, so checking the central
//! directory bounds what calamine can ever decompress.
//!
//! The sheet is streamed cell by cell with calamine's cells reader; only one row (plus up to
//! 20 rows while the header is looked for) is held at a time, so memory does not grow with the
//! used range and a far-away cell (`XFD1048576`) never allocates a dense grid.
//!
//! Rows above the header (a title, an empty line) are a preamble, not data, and are not sent
//! to the sinks. Empty rows between the header and the last row with a value are sent as
//! blanks; empty rows after it do not exist in the file.

use crate::ImportError;
use crate::source::{Cell, Header, RawRow, Rejected, RowSink, SinkFactory};
use calamine::{DataRef, Dimensions, Reader, SheetType, SheetVisible, Xlsx, XlsxError};
use chrono::{Duration, NaiveDate, NaiveTime};
use kehu_domain::{Location, Reason};
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// How far an XLSX file may expand before it is refused.
#[derive(Debug, Clone)]
pub struct XlsxLimits {
    /// The most bytes all zip entries together may declare uncompressed (`archive_too_large`).
    pub max_uncompressed_bytes: u64,
    /// The highest uncompressed/compressed ratio of an entry larger than
    /// [`XlsxLimits::ratio_applies_above`] (`archive_too_large`).
    pub max_ratio: u64,
    /// Entries up to this many uncompressed bytes are exempt from the ratio check (a small
    /// sheet of repeated styles legitimately compresses very well).
    pub ratio_applies_above: u64,
    /// The most cells (rows × columns of the used range) a sheet may span (`sheet_too_large`).
    pub max_cells: u64,
    /// The most columns a sheet may span (`sheet_too_large`).
    pub max_columns: u32,
}

impl Default for XlsxLimits {
    fn default() -> Self {
        XlsxLimits {
            max_uncompressed_bytes: 200_000_000,
            max_ratio: 100,
            ratio_applies_above: 10_000_000,
            max_cells: 5_000_000,
            max_columns: 1_024,
        }
    }
}

/// What the XLSX reader found out about a workbook.
#[derive(Debug, Clone, PartialEq)]
pub struct XlsxInfo {
    /// The sheet that was read.
    pub sheet: String,
    /// Every worksheet in workbook order, with whether it is visible.
    pub sheets: Vec<(String, bool)>,
    /// The workbook counts dates from 1904-01-01 (old Mac Excel) instead of 1900.
    pub date_system_1904: bool,
    /// The 1-based row of the header.
    pub header_row: u64,
    /// The used range the sheet declares, as (rows, columns); (1, 1) when it declares none.
    pub dimension: (u32, u32),
}

const OLE2_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
/// Rows looked at to find the header.
const HEADER_SCAN_ROWS: usize = 20;
/// Excel's last row; a row attribute beyond it is a hostile or broken file.
const EXCEL_MAX_ROWS: u32 = 1_048_576;

/// The value of `--sheet` that reads every visible worksheet, one import each (a workbook
/// that keeps a year per sheet); a sheet really named so is that sheet.
pub const ALL_SHEETS: &str = "all";

/// The worksheets of an XLSX workbook in workbook order, with whether each is visible.
pub fn workbook_sheets(path: &Path) -> Result<Vec<(String, bool)>, ImportError> {
    check_container(path, &XlsxLimits::default())?;
    let file = File::open(path).map_err(|e| unreadable(path, &e))?;
    let workbook: Xlsx<BufReader<File>> =
        Xlsx::new(BufReader::new(file)).map_err(|e| workbook_error(path, &e))?;
    Ok(workbook
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| (s.name.clone(), s.visible == SheetVisible::Visible))
        .collect())
}

/// Reads one worksheet of an XLSX workbook.
///
/// `sheet` names the sheet; without it the workbook must have exactly one visible worksheet
/// (a hidden sheet is never chosen implicitly). The header is the first row whose number of
/// non-empty cells is at least half the widest of the first 20 non-empty rows; its columns
/// span from its first to its last non-empty cell. Every later row goes to the single sink:
/// as a [`RawRow`] with one [`Cell`] per header column, as a blank, or — when a cell outside
/// the header's columns holds a value — as a [`Rejected`] row with `too_many_columns`.
///
/// Excel dates become [`Cell::Date`] (a whole serial) or [`Cell::DateTime`], in the workbook's
/// date system; serial 60 of the 1900 system (the 1900-02-29 Excel invented) and serials out of
/// range become [`Cell::Error`], and so do error values (`#N/A`) and formulas without a cached
/// value. A time-only value (a 1900-system serial below 1) becomes text `HH:MM:SS`.
///
/// Refuses the file with `empty_file`, `wrong_format`, `unsupported_workbook`,
/// `archive_too_large`, `sheet_not_found`, `sheet_not_chosen`, `sheet_too_large`,
/// `merged_cells` (a merged range below the header row) or whatever `prepare` returns.
pub fn read_xlsx<F: SinkFactory>(
    path: &Path,
    sheet: Option<&str>,
    limits: &XlsxLimits,
    prepare: impl FnOnce(&Header) -> Result<F, ImportError>,
) -> Result<(F, Vec<F::Sink>, XlsxInfo), ImportError> {
    check_container(path, limits)?;
    let file = File::open(path).map_err(|e| unreadable(path, &e))?;
    let mut workbook: Xlsx<BufReader<File>> =
        Xlsx::new(BufReader::new(file)).map_err(|e| workbook_error(path, &e))?;

    let sheets: Vec<(String, bool)> = workbook
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| (s.name.clone(), s.visible == SheetVisible::Visible))
        .collect();
    let chosen = choose_sheet(path, &sheets, sheet)?;
    let date_system_1904 = workbook.has_1904_epoch();
    let merges = workbook
        .merge_cells_by_sheet_name(&chosen)
        .map_err(|e| workbook_error(path, &e))?;

    let cells = workbook
        .worksheet_cells_reader(&chosen)
        .map_err(|e| workbook_error(path, &e))?;
    let declared = cells.dimensions();
    let dimension = (
        declared
            .end
            .0
            .saturating_sub(declared.start.0)
            .saturating_add(1),
        declared
            .end
            .1
            .saturating_sub(declared.start.1)
            .saturating_add(1),
    );
    let mut rows = SheetRows {
        cells,
        pending: None,
        finished: false,
        cells_seen: 0,
        last_row: None,
        is_1904: date_system_1904,
        path,
        sheet: &chosen,
        limits,
    };
    rows.check_span(
        u64::from(dimension.0),
        u64::from(dimension.1),
        "declares a used range of",
    )?;

    // The header is chosen among the first non-empty rows, so those are held until it is.
    let mut held = Vec::new();
    while held.len() < HEADER_SCAN_ROWS {
        match rows.next_row()? {
            Some(row) if row.1.iter().any(|(_, c)| !c.is_blank()) => held.push(row),
            Some(_) => {}
            None => break,
        }
    }
    let Some(header_at) = pick_header(&held) else {
        return Err(ImportError::new(
            path,
            Reason::EmptyFile,
            format!("sheet `{chosen}` has no values"),
        ));
    };
    let (header_row, header_cells) = &held[header_at];
    let header_row = *header_row;
    let first_col = header_cells
        .iter()
        .find(|(_, c)| !c.is_blank())
        .map_or(0, |(c, _)| *c);
    let last_col = header_cells
        .iter()
        .rev()
        .find(|(_, c)| !c.is_blank())
        .map_or(0, |(c, _)| *c);
    let mut names = vec![String::new(); (last_col - first_col) as usize + 1];
    for (col, cell) in header_cells {
        if (first_col..=last_col).contains(col) {
            names[(col - first_col) as usize] = cell.to_text().into_owned();
        }
    }
    if let Some(m) = merges.iter().find(|m| m.end.0 > header_row) {
        return Err(ImportError::new(
            path,
            Reason::MergedCells,
            format!(
                "cells {} of sheet `{chosen}` are merged below the header row",
                range_ref(m)
            ),
        )
        .at(Location::Cell {
            sheet: chosen.clone(),
            row: u64::from(m.start.0) + 1,
        })
        .hint(
            "unmerge or fill the cells",
            "请取消合并单元格或填满这些单元格",
        ));
    }

    let width = names.len();
    let header = Header {
        names,
        location: Location::Cell {
            sheet: chosen.clone(),
            row: u64::from(header_row) + 1,
        },
    };
    let factory = prepare(&header)?;
    let mut sink = factory.sink();
    let mut emitter = Emitter {
        sheet: &chosen,
        header_row,
        first_col,
        width,
        last_emitted: header_row,
    };
    for (row, cells) in held.drain(header_at + 1..) {
        rows.check_span(u64::from(row - header_row), width as u64, "spans")?;
        emitter.emit(&mut sink, row, cells);
    }
    drop(held);
    while let Some((row, cells)) = rows.next_row()? {
        if row <= header_row {
            continue;
        }
        rows.check_span(u64::from(row - header_row), width as u64, "spans")?;
        emitter.emit(&mut sink, row, cells);
    }

    let info = XlsxInfo {
        sheet: chosen.clone(),
        sheets,
        date_system_1904,
        header_row: u64::from(header_row) + 1,
        dimension,
    };
    Ok((factory, vec![sink], info))
}

/// Refuses what calamine should not be handed: nothing, an OLE2 file, a non-zip, a zip bomb.
fn check_container(path: &Path, limits: &XlsxLimits) -> Result<(), ImportError> {
    let mut file = File::open(path).map_err(|e| unreadable(path, &e))?;
    let mut magic = [0u8; 8];
    let mut got = 0;
    while got < magic.len() {
        match file.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => return Err(unreadable(path, &e)),
        }
    }
    if got == 0 {
        return Err(ImportError::new(
            path,
            Reason::EmptyFile,
            "the file is empty",
        ));
    }
    if magic == OLE2_MAGIC {
        return Err(ImportError::new(
            path,
            Reason::UnsupportedWorkbook,
            "this is an encrypted (password-protected) workbook or a legacy .xls file",
        )
        .hint(
            "open it in Excel, remove the password if any, and save it as .xlsx",
            "请用 Excel 打开，如有密码先去掉，再另存为 .xlsx",
        ));
    }
    if !magic.starts_with(b"PK") {
        return Err(ImportError::new(
            path,
            Reason::WrongFormat,
            "an .xlsx file is a zip archive; this one is not",
        ));
    }
    let archive = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| {
        ImportError::new(
            path,
            Reason::WrongFormat,
            format!("the zip archive of the workbook is broken: {e}"),
        )
    })?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_data(i).map_err(|e| {
            ImportError::new(
                path,
                Reason::WrongFormat,
                format!("zip entry {i} is broken: {e}"),
            )
        })?;
        let name = entry
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("entry {i}"));
        if entry.encrypted() {
            return Err(ImportError::new(
                path,
                Reason::UnsupportedWorkbook,
                format!("zip entry `{name}` is encrypted"),
            )
            .hint(
                "remove the password in Excel and save again as .xlsx",
                "请在 Excel 中去掉密码，再另存为 .xlsx",
            ));
        }
        let size = entry.size();
        let packed = entry.compressed_size();
        total = total.saturating_add(size);
        if size > limits.ratio_applies_above && size / packed.max(1) > limits.max_ratio {
            return Err(ImportError::new(
                path,
                Reason::ArchiveTooLarge,
                format!(
                    "zip entry `{name}` expands from {packed} to {size} bytes, more than {}:1",
                    limits.max_ratio
                ),
            ));
        }
    }
    if total > limits.max_uncompressed_bytes {
        return Err(ImportError::new(
            path,
            Reason::ArchiveTooLarge,
            format!(
                "the workbook expands to {total} bytes, more than the limit of {}",
                limits.max_uncompressed_bytes
            ),
        )
        .hint(
            "split the workbook, or export the sheet as CSV",
            "请拆分工作簿，或把该工作表导出为 CSV",
        ));
    }
    Ok(())
}

fn choose_sheet(
    path: &Path,
    sheets: &[(String, bool)],
    wanted: Option<&str>,
) -> Result<String, ImportError> {
    let listing = || {
        sheets
            .iter()
            .map(|(n, visible)| {
                if *visible {
                    format!("`{n}`")
                } else {
                    format!("`{n}` (hidden)")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(wanted) = wanted {
        return match sheets.iter().find(|(n, _)| n == wanted) {
            Some((n, _)) => Ok(n.clone()),
            None => Err(ImportError::new(
                path,
                Reason::SheetNotFound,
                format!(
                    "there is no sheet `{wanted}`; the workbook has {}",
                    listing()
                ),
            )
            .hint(
                "--sheet NAME with one of those names",
                "用 --sheet 名称 选择其中一个工作表",
            )),
        };
    }
    let visible: Vec<&String> = sheets.iter().filter(|(_, v)| *v).map(|(n, _)| n).collect();
    match visible.as_slice() {
        [only] => Ok((*only).clone()),
        [] => Err(ImportError::new(
            path,
            Reason::SheetNotChosen,
            format!(
                "the workbook has no visible worksheet; it has {}",
                listing()
            ),
        )
        .hint("--sheet NAME", "用 --sheet 名称 选择工作表")),
        many => Err(ImportError::new(
            path,
            Reason::SheetNotChosen,
            format!(
                "the workbook has {} visible sheets: {}",
                many.len(),
                many.iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .hint(
            "--sheet NAME, or --sheet all to read every visible sheet",
            "用 --sheet 名称 选择工作表，或用 --sheet all 读取所有可见工作表",
        )),
    }
}

/// The index of the header among the held rows: the first whose non-empty count is at least
/// half of the widest.
fn pick_header(rows: &[(u32, Vec<(u32, Cell<'_>)>)]) -> Option<usize> {
    let filled = |cells: &[(u32, Cell<'_>)]| cells.iter().filter(|(_, c)| !c.is_blank()).count();
    let widest = rows.iter().map(|(_, cells)| filled(cells)).max()?;
    rows.iter()
        .position(|(_, cells)| filled(cells) * 2 >= widest && widest > 0)
}

/// A cell with its 0-based (row, column).
type PlacedCell<'a> = ((u32, u32), Cell<'a>);

/// One row: its 0-based index and its cells (0-based column, value) in column order.
type SheetRow<'a> = (u32, Vec<(u32, Cell<'a>)>);

/// Groups the streamed cells into rows and enforces the size limits while doing it.
struct SheetRows<'a, 'p> {
    cells: calamine::XlsxCellReader<'a, BufReader<File>>,
    pending: Option<PlacedCell<'a>>,
    /// The reader returned the end of `sheetData`; asking again would read past it.
    finished: bool,
    cells_seen: u64,
    last_row: Option<u32>,
    is_1904: bool,
    path: &'p Path,
    sheet: &'p str,
    limits: &'p XlsxLimits,
}

impl<'a> SheetRows<'a, '_> {
    fn next_cell(&mut self) -> Result<Option<PlacedCell<'a>>, ImportError> {
        if let Some(p) = self.pending.take() {
            return Ok(Some(p));
        }
        if self.finished {
            return Ok(None);
        }
        let Some(record) = self
            .cells
            .next_cell_with_formula_metadata()
            .map_err(|e| workbook_error(self.path, &e))?
        else {
            self.finished = true;
            return Ok(None);
        };
        let (row, col) = record.pos;
        self.cells_seen += 1;
        if col >= self.limits.max_columns
            || row >= EXCEL_MAX_ROWS
            || self.cells_seen > self.limits.max_cells
        {
            return Err(self.too_large(format!(
                "has a cell at {}{} (cell {} of the sheet)",
                column_letters(col as usize),
                u64::from(row) + 1,
                self.cells_seen
            )));
        }
        let cell = match record.value {
            DataRef::Empty if record.formula.is_some() => {
                Cell::Error("formula without a cached value".into())
            }
            value => to_cell(value, self.is_1904),
        };
        Ok(Some(((row, col), cell)))
    }

    fn next_row(&mut self) -> Result<Option<SheetRow<'a>>, ImportError> {
        let Some(((row, col), cell)) = self.next_cell()? else {
            return Ok(None);
        };
        if self.last_row.is_some_and(|last| row <= last) {
            return Err(ImportError::new(
                self.path,
                Reason::WrongFormat,
                format!(
                    "sheet `{}` stores row {} after a later row",
                    self.sheet,
                    u64::from(row) + 1
                ),
            )
            .hint(
                "open the workbook in Excel and save it again",
                "请用 Excel 打开该工作簿并重新保存",
            ));
        }
        self.last_row = Some(row);
        let mut cells = vec![(col, cell)];
        while let Some((pos, cell)) = self.next_cell()? {
            if pos.0 != row {
                self.pending = Some((pos, cell));
                break;
            }
            cells.push((pos.1, cell));
        }
        // Later cells win when a column repeats, as in Excel's own reading.
        cells.sort_by_key(|(c, _)| *c);
        cells.dedup_by(|later, earlier| {
            if later.0 == earlier.0 {
                std::mem::swap(later, earlier);
                true
            } else {
                false
            }
        });
        Ok(Some((row, cells)))
    }

    fn check_span(&self, rows: u64, cols: u64, what: &str) -> Result<(), ImportError> {
        if cols > u64::from(self.limits.max_columns)
            || rows.saturating_mul(cols) > self.limits.max_cells
        {
            return Err(self.too_large(format!("{what} {rows} rows × {cols} columns")));
        }
        Ok(())
    }

    fn too_large(&self, detail: String) -> ImportError {
        ImportError::new(
            self.path,
            Reason::SheetTooLarge,
            format!(
                "sheet `{}` {detail}; the limits are {} cells and {} columns",
                self.sheet, self.limits.max_cells, self.limits.max_columns
            ),
        )
        .hint(
            "delete unused rows and columns (Ctrl+End shows the last used cell), or export as CSV",
            "删除未使用的行和列（Ctrl+End 可定位最后使用的单元格），或导出为 CSV",
        )
    }
}

/// Turns sheet rows into sink calls, filling the gaps between stored rows with blanks.
struct Emitter<'s> {
    sheet: &'s str,
    header_row: u32,
    first_col: u32,
    width: usize,
    last_emitted: u32,
}

impl Emitter<'_> {
    fn location(&self, row: u32) -> Location {
        Location::Cell {
            sheet: self.sheet.to_string(),
            row: u64::from(row) + 1,
        }
    }

    fn emit(&mut self, sink: &mut impl RowSink, row: u32, cells: Vec<(u32, Cell<'_>)>) {
        debug_assert!(row > self.header_row);
        let location = self.location(row);
        let raw = || {
            cells
                .iter()
                .map(|(_, c)| c.to_text())
                .collect::<Vec<_>>()
                .join(",")
        };
        let outside = cells.iter().find(|(c, cell)| {
            !cell.is_blank()
                && (*c < self.first_col || (*c - self.first_col) as usize >= self.width)
        });
        let blank = outside.is_none() && cells.iter().all(|(_, c)| c.is_blank());
        if !blank {
            for gap in self.last_emitted + 1..row {
                sink.blank(self.location(gap));
            }
            self.last_emitted = row;
        }
        if let Some((col, _)) = outside {
            sink.rejected(Rejected {
                message: format!(
                    "cell {} holds a value but its column has no header",
                    location.with_column(Some(*col as usize))
                ),
                location,
                byte_offset: None,
                reason: Reason::TooManyColumns,
                column_idx: None,
                raw: raw(),
            });
            return;
        }
        if blank {
            // Sent as part of the gap before the next row with a value, so that empty rows
            // after the last value are dropped whether or not Excel stored them.
            return;
        }
        let mut dense = vec![Cell::Empty; self.width];
        for (col, cell) in cells {
            if let Some(slot) = col
                .checked_sub(self.first_col)
                .and_then(|i| dense.get_mut(i as usize))
            {
                *slot = cell;
            }
        }
        let raw = dense
            .iter()
            .map(Cell::to_text)
            .collect::<Vec<_>>()
            .join(",");
        sink.row(RawRow {
            location,
            byte_offset: None,
            cells: dense,
            raw: Cow::Owned(raw),
            reader_notes: vec![],
        });
    }
}

fn to_cell(value: DataRef<'_>, is_1904: bool) -> Cell<'_> {
    match value {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            Cell::Text(Cow::Owned(s))
        }
        DataRef::SharedString(s) => Cell::Text(Cow::Borrowed(s)),
        DataRef::Int(i) => Cell::Int(i),
        DataRef::Float(f) => Cell::Float(f),
        DataRef::Bool(b) => Cell::Bool(b),
        DataRef::Error(e) => Cell::Error(e.to_string()),
        // A duration (`[h]:mm`) is a number of days, not a point in time.
        DataRef::DateTime(dt) if dt.is_duration() => Cell::Float(dt.as_f64()),
        DataRef::DateTime(dt) => excel_date(dt.as_f64(), is_1904),
    }
}

const MS_PER_DAY: i64 = 86_400_000;
/// 9999-12-31 in the 1900 system; the 1904 system ends 1,462 days earlier.
const LAST_SERIAL_1900: i64 = 2_958_465;

/// An Excel serial date in the workbook's date system (OOXML Part 4, "Date Representation").
fn excel_date(serial: f64, is_1904: bool) -> Cell<'static> {
    let invalid = || Cell::Error(format!("invalid date serial {serial}"));
    let last = if is_1904 {
        LAST_SERIAL_1900 - 1_462
    } else {
        LAST_SERIAL_1900
    };
    if !serial.is_finite() || serial < 0.0 || serial >= (last + 1) as f64 {
        return invalid();
    }
    // Excel keeps milliseconds; rounding there absorbs the float error of the fraction.
    let ms = (serial * MS_PER_DAY as f64).round() as i64;
    let (days, time_ms) = (ms / MS_PER_DAY, ms % MS_PER_DAY);
    let (epoch, days) = if is_1904 {
        (NaiveDate::from_ymd_opt(1904, 1, 1), days)
    } else {
        match days {
            // Day 0 ("1900-01-00") carries times of day without a date.
            0 if time_ms > 0 => {
                return Cell::Text(Cow::Owned(
                    time_of_day(time_ms).format("%H:%M:%S").to_string(),
                ));
            }
            0 | 60 => return invalid(),
            // Excel treats 1900 as a leap year, so serials after the phantom 29 February are
            // one day ahead of a day count from 1899-12-31.
            1..60 => (NaiveDate::from_ymd_opt(1899, 12, 31), days),
            _ => (NaiveDate::from_ymd_opt(1899, 12, 30), days),
        }
    };
    let Some(date) = epoch.and_then(|e| e.checked_add_signed(Duration::days(days))) else {
        return invalid();
    };
    if time_ms == 0 {
        Cell::Date(date)
    } else {
        Cell::DateTime(date.and_time(time_of_day(time_ms)))
    }
}

fn time_of_day(ms: i64) -> NaiveTime {
    NaiveTime::from_num_seconds_from_midnight_opt(
        (ms / 1000) as u32,
        ((ms % 1000) * 1_000_000) as u32,
    )
    .unwrap_or(NaiveTime::MIN)
}

/// Excel column letters for a 0-based column: 0 → `A`, 26 → `AA`.
fn column_letters(col: usize) -> String {
    let mut letters = Vec::new();
    let mut rest = col + 1;
    while rest > 0 {
        letters.push(char::from(b'A' + ((rest - 1) % 26) as u8));
        rest = (rest - 1) / 26;
    }
    letters.iter().rev().collect()
}

fn range_ref(d: &Dimensions) -> String {
    let cell =
        |(row, col): (u32, u32)| format!("{}{}", column_letters(col as usize), u64::from(row) + 1);
    format!("{}:{}", cell(d.start), cell(d.end))
}

fn unreadable(path: &Path, e: &std::io::Error) -> ImportError {
    ImportError::new(
        path,
        Reason::Unreadable,
        format!("cannot read the file: {e}"),
    )
}

fn workbook_error(path: &Path, e: &XlsxError) -> ImportError {
    match e {
        XlsxError::Password => ImportError::new(
            path,
            Reason::UnsupportedWorkbook,
            "the workbook is password-protected",
        )
        .hint(
            "remove the password in Excel and save again as .xlsx",
            "请在 Excel 中去掉密码，再另存为 .xlsx",
        ),
        // zip refuses to inflate an entry past its declared size: a forged central directory.
        _ if e
            .to_string()
            .contains("larger than its declared uncompressed size") =>
        {
            ImportError::new(
                path,
                Reason::ArchiveTooLarge,
                format!("the workbook's zip archive is forged: {e}"),
            )
        }
        _ => ImportError::new(
            path,
            Reason::WrongFormat,
            format!("the workbook cannot be read: {e}"),
        )
        .hint(
            "open it in Excel and save it again as .xlsx",
            "请用 Excel 打开并另存为 .xlsx",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonl::tests::{Event, Recording, events, text};
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    struct Sheet<'s> {
        name: &'s str,
        hidden: bool,
        xml: String,
    }

    fn sheet<'s>(name: &'s str, dimension: &str, rows: &str, merges: &str) -> Sheet<'s> {
        let dimension = if dimension.is_empty() {
            String::new()
        } else {
            format!(r#"<dimension ref="{dimension}"/>"#)
        };
        let merges = if merges.is_empty() {
            String::new()
        } else {
            let refs: String = merges
                .split(' ')
                .map(|m| format!(r#"<mergeCell ref="{m}"/>"#))
                .collect();
            format!(r#"<mergeCells count="1">{refs}</mergeCells>"#)
        };
        Sheet {
            name,
            hidden: false,
            xml: format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>{rows}</sheetData>{merges}</worksheet>"#
            ),
        }
    }

    fn hidden(mut s: Sheet<'_>) -> Sheet<'_> {
        s.hidden = true;
        s
    }

    /// An inline-string cell.
    fn s(r: &str, v: &str) -> String {
        format!(r#"<c r="{r}" t="inlineStr"><is><t>{v}</t></is></c>"#)
    }

    /// A number cell with an optional style (1 = date, 2 = date and time).
    fn n(r: &str, v: &str, style: u8) -> String {
        format!(r#"<c r="{r}" s="{style}"><v>{v}</v></c>"#)
    }

    fn row(r: u32, cells: &[String]) -> String {
        format!(r#"<row r="{r}">{}</row>"#, cells.concat())
    }

    fn write_xlsx(
        dir: &tempfile::TempDir,
        sheets: &[Sheet<'_>],
        date1904: bool,
        padding: usize,
    ) -> std::path::PathBuf {
        let path = dir.path().join("book.xlsx");
        let mut zip = zip::ZipWriter::new(File::create(&path).expect("create"));
        let opts =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let mut put = |name: &str, body: &str| {
            zip.start_file(name, opts).expect("start");
            zip.write_all(body.as_bytes()).expect("write");
        };
        let mut types = String::new();
        let mut entries = String::new();
        let mut rels = String::new();
        for (i, sh) in sheets.iter().enumerate() {
            let id = i + 1;
            types.push_str(&format!(
                r#"<Override PartName="/xl/worksheets/sheet{id}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
            ));
            let state = if sh.hidden { r#" state="hidden""# } else { "" };
            entries.push_str(&format!(
                r#"<sheet name="{}" sheetId="{id}"{state} r:id="rId{id}"/>"#,
                sh.name
            ));
            rels.push_str(&format!(
                r#"<Relationship Id="rId{id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{id}.xml"/>"#
            ));
        }
        put(
            "[Content_Types].xml",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{types}</Types>"#
            ),
        );
        put(
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        );
        let pr = if date1904 {
            r#"<workbookPr date1904="1"/>"#
        } else {
            "<workbookPr/>"
        };
        put(
            "xl/workbook.xml",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">{pr}<sheets>{entries}</sheets></workbook>"#
            ),
        );
        let n = sheets.len() + 1;
        put(
            "xl/_rels/workbook.xml.rels",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#
            ),
        );
        put(
            "xl/styles.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="22" applyNumberFormat="1"/></cellXfs></styleSheet>"#,
        );
        for (i, sh) in sheets.iter().enumerate() {
            let pad = " ".repeat(padding);
            put(
                &format!("xl/worksheets/sheet{}.xml", i + 1),
                &format!("{}<!--{pad}-->", sh.xml),
            );
        }
        zip.finish().expect("finish");
        path
    }

    fn read(
        path: &Path,
        name: Option<&str>,
        limits: &XlsxLimits,
    ) -> Result<(Header, Vec<Event>, XlsxInfo), ImportError> {
        let mut header = None;
        let (_, sinks, info) = read_xlsx(path, name, limits, |h| {
            header = Some(h.clone());
            Ok(Recording)
        })?;
        Ok((header.expect("prepare was called"), events(sinks), info))
    }

    fn at(sheet: &str, row: u64) -> Location {
        Location::Cell {
            sheet: sheet.into(),
            row,
        }
    }

    fn two_rows(name: &str) -> Sheet<'_> {
        sheet(
            name,
            "A1:B2",
            &(row(1, &[s("A1", "id"), s("B1", "amount")])
                + &row(2, &[s("A2", "C1"), n("B2", "19.9", 0)])),
            "",
        )
    }

    #[test]
    fn the_only_visible_sheet_is_chosen_over_a_hidden_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write_xlsx(&dir, &[hidden(two_rows("Old")), two_rows("Data")], false, 0);
        let (header, events, info) = read(&path, None, &XlsxLimits::default()).expect("reads");
        assert_eq!(info.sheet, "Data");
        assert_eq!(
            info.sheets,
            [("Old".to_string(), false), ("Data".to_string(), true)]
        );
        assert_eq!(
            (info.header_row, info.dimension, info.date_system_1904),
            (1, (2, 2), false)
        );
        assert_eq!(header.names, ["id", "amount"]);
        assert_eq!(header.location, at("Data", 1));
        assert_eq!(
            events,
            [Event::Row {
                location: at("Data", 2),
                cells: vec![text("C1"), Cell::Float(19.9)],
                raw: "C1,19.9".into()
            }]
        );
        // Named explicitly, a hidden sheet is read.
        let (_, _, info) = read(&path, Some("Old"), &XlsxLimits::default()).expect("reads");
        assert_eq!(info.sheet, "Old");
    }

    #[test]
    fn several_visible_sheets_need_a_choice() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write_xlsx(
            &dir,
            &[two_rows("一月"), two_rows("二月"), hidden(two_rows("x"))],
            false,
            0,
        );
        let err = read(&path, None, &XlsxLimits::default()).expect_err("refused");
        assert_eq!(err.reason, Reason::SheetNotChosen);
        assert!(
            err.message.contains("`一月`, `二月`") && !err.message.contains("`x`"),
            "{}",
            err.message
        );
        assert_eq!(
            err.hint.as_deref(),
            Some("--sheet NAME, or --sheet all to read every visible sheet")
        );
        let err = read(&path, Some("三月"), &XlsxLimits::default()).expect_err("refused");
        assert_eq!(err.reason, Reason::SheetNotFound);
        assert!(err.message.contains("`x` (hidden)"), "{}", err.message);
        assert_eq!(
            read(&path, Some("二月"), &XlsxLimits::default())
                .expect("reads")
                .2
                .sheet,
            "二月"
        );
    }

    #[test]
    fn error_cells_dates_and_formulas_become_cells() {
        let dir = tempfile::tempdir().expect("tempdir");
        let rows = [
            row(1, &[s("A1", "v")]),
            row(2, &[r#"<c r="A2" t="e"><v>#N/A</v></c>"#.to_string()]),
            row(3, &[n("A3", "45000", 1)]),
            row(4, &[n("A4", "45000.5", 2)]),
            row(5, &[n("A5", "60", 1)]),
            row(6, &[n("A6", "59", 1)]),
            row(7, &[n("A7", "61", 1)]),
            row(8, &[r#"<c r="A8"><f>1+1</f></c>"#.to_string()]),
            row(9, &[r#"<c r="A9" t="b"><v>1</v></c>"#.to_string()]),
            row(10, &[n("A10", "0.75", 2)]),
        ]
        .concat();
        let path = write_xlsx(&dir, &[sheet("S", "A1:A10", &rows, "")], false, 0);
        let (_, events, _) = read(&path, None, &XlsxLimits::default()).expect("reads");
        let cells: Vec<Cell<'static>> = events
            .into_iter()
            .map(|e| match e {
                Event::Row { mut cells, .. } => cells.remove(0),
                other => panic!("{other:?}"),
            })
            .collect();
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        assert_eq!(
            cells,
            [
                Cell::Error("#N/A".into()),
                Cell::Date(date(2023, 3, 15)),
                Cell::DateTime(date(2023, 3, 15).and_hms_opt(12, 0, 0).expect("time")),
                Cell::Error("invalid date serial 60".into()),
                Cell::Date(date(1900, 2, 28)),
                Cell::Date(date(1900, 3, 1)),
                Cell::Error("formula without a cached value".into()),
                Cell::Bool(true),
                text("18:00:00"),
            ]
        );
    }

    #[test]
    fn the_1904_date_system_is_respected() {
        let dir = tempfile::tempdir().expect("tempdir");
        let rows =
            row(1, &[s("A1", "d")]) + &row(2, &[n("A2", "0", 1)]) + &row(3, &[n("A3", "45000", 1)]);
        let path = write_xlsx(&dir, &[sheet("S", "", &rows, "")], true, 0);
        let (_, events, info) = read(&path, None, &XlsxLimits::default()).expect("reads");
        assert!(info.date_system_1904);
        let first = |e: &Event| match e {
            Event::Row { cells, .. } => cells[0].clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            first(&events[0]),
            Cell::Date(NaiveDate::from_ymd_opt(1904, 1, 1).expect("date"))
        );
        assert_eq!(
            first(&events[1]),
            Cell::Date(NaiveDate::from_ymd_opt(2027, 3, 16).expect("date"))
        );
    }

    #[test]
    fn preamble_gaps_and_stray_cells_are_accounted_for() {
        let dir = tempfile::tempdir().expect("tempdir");
        let rows = [
            row(1, &[s("A1", "Sales 2024")]),
            row(3, &[s("B3", "id"), s("C3", "name"), s("D3", "amount")]),
            row(4, &[s("B4", "C1"), s("D4", "5")]),
            row(
                6,
                &[s("B6", "C2"), s("C6", "Li"), s("D6", "6"), s("F6", "note")],
            ),
            row(7, &[s("C7", " ")]),
            row(8, &[s("B8", "C3")]),
            row(9, &[s("B9", "")]),
        ]
        .concat();
        // The merged title is above the header, so it is allowed.
        let path = write_xlsx(&dir, &[sheet("S", "A1:F9", &rows, "A1:D1")], false, 0);
        let (header, events, info) = read(&path, None, &XlsxLimits::default()).expect("reads");
        assert_eq!(header.names, ["id", "name", "amount"]);
        assert_eq!(info.header_row, 3);
        assert_eq!(
            events,
            [
                Event::Row {
                    location: at("S", 4),
                    cells: vec![text("C1"), Cell::Empty, text("5")],
                    raw: "C1,,5".into()
                },
                Event::Blank(at("S", 5)),
                Event::Rejected(
                    Reason::TooManyColumns,
                    at("S", 6),
                    "cell S!F6 holds a value but its column has no header".into()
                ),
                Event::Blank(at("S", 7)),
                Event::Row {
                    location: at("S", 8),
                    cells: vec![text("C3"), Cell::Empty, Cell::Empty],
                    raw: "C3,,".into()
                },
            ]
        );
    }

    #[test]
    fn merged_cells_below_the_header_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let rows = row(1, &[s("A1", "id"), s("B1", "x")])
            + &row(2, &[s("A2", "C1")])
            + &row(3, &[s("A3", "C2")]);
        let path = write_xlsx(&dir, &[sheet("S", "A1:B3", &rows, "B2:B3")], false, 0);
        let err = read(&path, None, &XlsxLimits::default()).expect_err("refused");
        assert_eq!(err.reason, Reason::MergedCells);
        assert!(err.message.contains("B2:B3"), "{}", err.message);
        assert_eq!(err.location, Some(at("S", 2)));
        assert_eq!(err.hint.as_deref(), Some("unmerge or fill the cells"));
    }

    #[test]
    fn far_away_cells_are_refused_before_reading() {
        let dir = tempfile::tempdir().expect("tempdir");
        let rows = row(1, &[s("A1", "id")]) + &row(2, &[s("A2", "C1")]);
        let path = write_xlsx(&dir, &[sheet("S", "A1:XFD1048576", &rows, "")], false, 0);
        let err = read(&path, None, &XlsxLimits::default()).expect_err("refused");
        assert_eq!(err.reason, Reason::SheetTooLarge);
        // Without a dimension the cell itself trips the guard.
        let rows = row(1, &[s("A1", "id")]) + &row(2, &[s("XFD2", "C1")]);
        let path = write_xlsx(&dir, &[sheet("S", "", &rows, "")], false, 0);
        let err = read(&path, None, &XlsxLimits::default()).expect_err("refused");
        assert_eq!(err.reason, Reason::SheetTooLarge);
        assert!(err.message.contains("XFD2"), "{}", err.message);
        // So does a used range that outgrows the cell budget row by row.
        let rows = row(1, &[s("A1", "a"), s("B1", "b")])
            + &row(2, &[s("A2", "1")])
            + &row(40, &[s("A40", "2")]);
        let path = write_xlsx(&dir, &[sheet("S", "", &rows, "")], false, 0);
        let limits = XlsxLimits {
            max_cells: 50,
            ..XlsxLimits::default()
        };
        let err = read(&path, None, &limits).expect_err("refused");
        assert_eq!(err.reason, Reason::SheetTooLarge);
    }

    #[test]
    fn zip_bombs_are_refused_before_parsing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write_xlsx(&dir, &[two_rows("S")], false, 200_000);
        let limits = XlsxLimits {
            max_uncompressed_bytes: 100_000,
            ..XlsxLimits::default()
        };
        assert_eq!(
            read(&path, None, &limits).expect_err("refused").reason,
            Reason::ArchiveTooLarge
        );
        let limits = XlsxLimits {
            ratio_applies_above: 100_000,
            ..XlsxLimits::default()
        };
        let err = read(&path, None, &limits).expect_err("refused");
        assert_eq!(err.reason, Reason::ArchiveTooLarge);
        assert!(err.message.contains("sheet1.xml"), "{}", err.message);
        // Under the default limits the same file is fine.
        assert!(read(&path, None, &XlsxLimits::default()).is_ok());
    }

    #[test]
    fn legacy_empty_and_foreign_files_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.xlsx");
        let reason = |bytes: &[u8]| {
            std::fs::write(&path, bytes).expect("write");
            read(&path, None, &XlsxLimits::default())
                .expect_err("refused")
                .reason
        };
        let mut ole = OLE2_MAGIC.to_vec();
        ole.extend([0; 504]);
        assert_eq!(reason(&ole), Reason::UnsupportedWorkbook);
        assert_eq!(reason(b""), Reason::EmptyFile);
        assert_eq!(reason(b"id,amount\nC1,5\n"), Reason::WrongFormat);
        assert_eq!(reason(b"PK\x03\x04 broken"), Reason::WrongFormat);
    }
}
