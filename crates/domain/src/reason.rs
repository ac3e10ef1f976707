use crate::Lang;
use serde::{Serialize, Serializer};

/// How a reason is used: to refuse a file, to quarantine a row, to warn, or to record a
/// normalisation that was applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonClass {
    /// The whole file is refused; nothing is published.
    Refused,
    /// The row is set aside in the quarantine with this reason.
    Quarantined,
    /// The row is accepted; the report shows a warning.
    Warning,
    /// The row is accepted after a deterministic rewrite.
    Normalised,
}

macro_rules! reasons {
    ($( $variant:ident = $code:literal, $class:ident, $en:literal, $zh:literal; )*) => {
        /// Why a file was refused, a row quarantined or flagged, or a value rewritten.
        ///
        /// The snake_case [`Reason::code`] is stable: it appears in `quarantine.csv`, in the JSON
        /// report and in documentation, and scripts may match on it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Reason {
            $(
                #[doc = $en]
                $variant,
            )*
        }

        impl Reason {
            /// Every reason, in declaration order.
            pub const ALL: &'static [Reason] = &[$(Reason::$variant),*];

            /// The stable snake_case code.
            pub fn code(self) -> &'static str {
                match self { $(Reason::$variant => $code,)* }
            }

            /// Where the reason is normally used.
            pub fn class(self) -> ReasonClass {
                match self { $(Reason::$variant => ReasonClass::$class,)* }
            }

            /// A one-line description for people, in the chosen language.
            pub fn describe(self, lang: Lang) -> &'static str {
                match self { $(Reason::$variant => lang.pick($en, $zh),)* }
            }

            /// Looks a reason up by its code.
            pub fn from_code(code: &str) -> Option<Reason> {
                match code { $($code => Some(Reason::$variant),)* _ => None }
            }
        }
    };
}

reasons! {
    // Files refused as a whole.
    EmptyFile = "empty_file", Refused, "the file is empty", "文件为空";
    WrongFormat = "wrong_format", Refused, "the file's bytes do not match its format", "文件内容与其格式不符";
    UnsupportedEncoding = "unsupported_encoding", Refused, "the text encoding is not supported", "不支持的文本编码";
    MixedEncoding = "mixed_encoding", Refused, "the file mixes text encodings", "文件混用了多种编码";
    HeaderNotFound = "header_not_found", Refused, "no header row was found", "未找到表头行";
    DuplicateHeader = "duplicate_header", Refused, "two columns have the same name", "存在重名的列";
    MissingRequiredColumn = "missing_required_column", Refused, "a required column is missing", "缺少必需的列";
    TooManyColumnsInHeader = "too_many_columns_in_header", Refused, "the header has too many columns", "表头列数过多";
    ArchiveTooLarge = "archive_too_large", Refused, "the archive expands too much (zip bomb guard)", "压缩包解压后过大";
    SheetTooLarge = "sheet_too_large", Refused, "the sheet is too large", "工作表过大";
    SheetNotChosen = "sheet_not_chosen", Refused, "the workbook has several sheets; choose one", "工作簿有多个工作表，请指定一个";
    SheetNotFound = "sheet_not_found", Refused, "the named sheet does not exist", "指定的工作表不存在";
    UnsupportedWorkbook = "unsupported_workbook", Refused, "encrypted or legacy workbook", "加密或旧版工作簿";
    MergedCells = "merged_cells", Refused, "merged cells in the data area", "数据区域存在合并单元格";
    CorruptParquet = "corrupt_parquet", Refused, "the Parquet file is corrupt", "Parquet 文件已损坏";
    SchemaMismatch = "schema_mismatch", Refused, "a column has a type that cannot hold its field", "列类型与字段不符";
    UnsupportedNested = "unsupported_nested", Refused, "nested or list columns are not supported", "不支持嵌套或列表列";
    TooManyQuarantined = "too_many_quarantined", Refused, "too many rows are malformed", "格式错误的行过多";
    AmbiguousEscape = "ambiguous_escape", Refused, "quotes are escaped with backslashes; say how", "引号以反斜杠转义，需指定转义方式";
    Unreadable = "unreadable", Refused, "the file could not be read", "无法读取文件";

    // Rows set aside.
    InvalidEncoding = "invalid_encoding", Quarantined, "bytes that are not valid in the file's encoding", "存在不符合文件编码的字节";
    Mojibake = "mojibake", Quarantined, "garbled text from an earlier wrong decoding (锟斤拷, 烫烫)", "文本已是乱码（锟斤拷、烫烫等）";
    ControlChar = "control_char", Quarantined, "a control character (such as NUL) inside a field", "字段中含控制字符（如 NUL）";
    MissingColumns = "missing_columns", Quarantined, "the row has fewer fields than the header", "该行字段数少于表头";
    TooManyColumns = "too_many_columns", Quarantined, "the row has more fields than the header", "该行字段数多于表头";
    UnterminatedQuote = "unterminated_quote", Quarantined, "a quoted field is never closed on its line", "引号字段未闭合";
    NewlineInField = "newline_in_field", Quarantined, "a line break inside a key or typed field", "键或类型字段中含换行";
    LineTooLong = "line_too_long", Quarantined, "the line or field is too long", "行或字段过长";
    SummaryRow = "summary_row", Quarantined, "a totals row (合计/总计), not a transaction", "合计/总计行，不是交易";
    RepeatedHeader = "repeated_header", Quarantined, "the header repeated inside the data", "数据中重复出现表头";
    MissingValue = "missing_value", Quarantined, "a required field is empty", "必填字段为空";
    NonNumeric = "non_numeric", Quarantined, "not a number", "不是数字";
    AmbiguousNumber = "ambiguous_number", Quarantined, "a number whose decimal separator is unclear", "小数点含义不明确的数字";
    CurrencyMismatch = "currency_mismatch", Quarantined, "an amount in another currency", "金额为其他币种";
    UnitInNumber = "unit_in_number", Quarantined, "a magnitude unit (万, 亿) where none is allowed", "数字中含有不允许的单位（万、亿）";
    InvalidDate = "invalid_date", Quarantined, "not a valid calendar date", "不是有效日期";
    AmbiguousDate = "ambiguous_date", Quarantined, "day and month could be either way round; pin the date format", "日与月顺序不明确，请指定日期格式";
    TwoDigitYear = "two_digit_year", Quarantined, "a two-digit year; set a pivot year or a format", "两位数年份，请指定格式";
    OutOfRange = "out_of_range", Quarantined, "a value outside its allowed range", "数值超出允许范围";
    InvalidPhone = "invalid_phone", Quarantined, "not a valid phone number", "不是有效电话号码";
    FieldTooLong = "field_too_long", Quarantined, "a field longer than allowed", "字段超过长度上限";
    ScientificNotationInId = "scientific_notation_in_id", Quarantined, "an id or phone mangled into scientific notation by Excel", "编号或电话被 Excel 改成了科学计数法";
    DuplicateRow = "duplicate_row", Quarantined, "an exact copy of an earlier row", "与前面某行完全相同";
    ConflictingDuplicateKey = "conflicting_duplicate_key", Quarantined, "the same transaction id as an earlier row with other content", "交易编号与前面某行相同但内容不同";
    UnknownStatus = "unknown_status", Quarantined, "an order status kehu does not know", "未知的订单状态";
    InvalidJson = "invalid_json", Quarantined, "a line that is not a JSON object", "该行不是 JSON 对象";
    CellError = "cell_error", Quarantined, "a spreadsheet error cell (#N/A, #VALUE!)", "表格错误单元格（#N/A、#VALUE!）";

    // Accepted, with a warning.
    Outlier = "outlier", Warning, "an unusually large or small value", "数值异常大或异常小";
    OutOfRangeDate = "out_of_range_date", Warning, "a date in the future or before the configured start", "日期在未来或早于设定的起始日";
    PossibleExcelTruncation = "possible_excel_truncation", Warning, "a long id that Excel may have truncated (ends in 000)", "长编号可能已被 Excel 截断（以 000 结尾）";
    OrphanRefund = "orphan_refund", Warning, "a refund from a customer with no purchase", "该客户无购买记录却有退款";
    InvisibleCharacters = "invisible_characters", Warning, "zero-width or direction characters in a name", "姓名中含零宽或方向控制字符";
    InnerWhitespace = "inner_whitespace", Warning, "spaces inside a name", "姓名中间含空格";
    HeaderOnly = "header_only", Warning, "the file has a header and no data", "文件只有表头没有数据";
    RepeatedRow = "repeated_row", Warning, "an exact copy of an earlier row, kept because duplicates are allowed", "与前面某行完全相同，按设置保留";
    UnquotedQuote = "unquoted_quote", Warning, "a quote character inside an unquoted field, kept as text", "未加引号的字段中含引号，按文本保留";

    // Accepted after a rewrite.
    RoundedAmount = "rounded_amount", Normalised, "an amount with more than four decimals, rounded half-to-even", "超过四位小数的金额，已按银行家舍入";
    FullWidthCharacters = "full_width_characters", Normalised, "full-width digits or punctuation made ASCII", "全角数字或标点已转为半角";
    ThousandsSeparator = "thousands_separator", Normalised, "thousands separators removed", "已去除千位分隔符";
    CurrencySymbol = "currency_symbol", Normalised, "currency symbol or unit (¥, 元, RMB) removed", "已去除货币符号或单位（¥、元、RMB）";
    ChineseMagnitude = "chinese_magnitude", Normalised, "万/亿 multiplied out", "已换算万/亿";
    NegativeForm = "negative_form", Normalised, "an accounting negative, (50) or 50-, made -50", "会计负数写法已转为 -50";
    ExcelSerialDate = "excel_serial_date", Normalised, "an Excel serial number turned into a date", "Excel 日期序号已转为日期";
    TextMarker = "text_marker", Normalised, "a leading apostrophe (Excel's mark for text, '+8613…) removed", "已去除开头的撇号（Excel 的文本标记，如 '+8613…）";
    FloatId = "float_id", Normalised, "an id written as a whole float (17850.0) read as 17850", "以浮点数写出的编号（17850.0）按 17850 读取";
    TimezoneConverted = "timezone_converted", Normalised, "a time with an offset converted to the business time zone", "带时区的时间已转换为业务时区";
    PhoneNormalised = "phone_normalised", Normalised, "a mobile number written in E.164 form", "手机号已规范为 E.164 格式";
    WhitespaceTrimmed = "whitespace_trimmed", Normalised, "spaces (including full-width) trimmed from the ends", "已去除首尾空格（含全角）";
    InvisibleStripped = "invisible_stripped", Normalised, "zero-width characters removed from an id or phone", "已从编号或电话中去除零宽字符";
    Refund = "refund", Normalised, "a negative amount kept as a return or refund and netted", "负金额作为退货/退款保留并冲减";
    DerivedOrderId = "derived_order_id", Normalised, "no order id: the customer's rows at the same time make one order", "无订单号：同一客户同一时间的记录视为一个订单";
    DerivedAmount = "derived_amount", Normalised, "amount computed as quantity × unit price", "金额由数量×单价计算";
}

impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let mut seen = HashSet::new();
        for &r in Reason::ALL {
            assert!(seen.insert(r.code()), "duplicate code {}", r.code());
            assert_eq!(Reason::from_code(r.code()), Some(r));
            assert!(!r.describe(Lang::Zh).is_empty());
        }
    }
}
