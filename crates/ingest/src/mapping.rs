//! Resolving which source column feeds which canonical field.

use crate::error::ImportError;
use crate::fields::{FieldSpec, fields_of, normalise_header};
use crate::options::{ImportOptions, TableKind};
use crate::source::Header;
use kehu_domain::{ATTRIBUTE_PREFIX, Reason};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Headers wider than this are refused (B16).
pub const MAX_COLUMNS: usize = 1024;

/// How a column was matched to a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchHow {
    /// Named in the user's mapping.
    Explicit,
    /// An exact alias of the field.
    Alias,
    /// The header contains the field's key words.
    Contains,
    /// No column names a customer identifier; a phone, e-mail or name column stands in.
    StandIn,
}

/// Headers (normalised) that identify a customer when no column is an identifier, best
/// first: shop and CRM exports often name buyers by phone number or name alone. A name is
/// the last resort, since two customers can share one; the mapping says which was taken.
const CUSTOMER_STAND_INS: &[&str] = &[
    "手机号",
    "手机号码",
    "手机",
    "客户手机",
    "会员手机",
    "买家手机",
    "联系电话",
    "电话",
    "mobile",
    "mobilephone",
    "phone",
    "phonenumber",
    "email",
    "emailaddress",
    "customeremail",
    "billingemail",
    "customerphone",
    "billingphone",
    "收货人手机",
    "收货人电话",
    "联系方式",
    "邮箱",
    "电子邮箱",
    "买家昵称",
    "会员名",
    "会员名称",
    "会员姓名",
    "客户名称",
    "客户姓名",
    "客户名",
    "顾客姓名",
    "姓名",
    "customername",
    "clientname",
    "buyername",
    "name",
];

/// Words of headers that stand in for a customer id when none of [`CUSTOMER_STAND_INS`] is
/// there (`买家手机号`, `收货人/提货人`, `Billing E-mail Address`), best first.
const CUSTOMER_STAND_IN_WORDS: &[&str] = &[
    "手机",
    "电话",
    "mobile",
    "phone",
    "email",
    "邮箱",
    "昵称",
    "姓名",
    "收货人",
];

/// One mapped field.
#[derive(Debug, Clone, Serialize)]
pub struct MappedField {
    /// Canonical field name.
    pub field: &'static str,
    /// Source column index (0-based).
    pub column: usize,
    /// Source header as written.
    pub header: String,
    /// How it was matched.
    pub how: MatchHow,
}

/// The resolved mapping of a source's columns to a table's canonical fields.
#[derive(Debug, Clone)]
pub struct ColumnMapping {
    /// The table the source feeds.
    pub kind: TableKind,
    /// For each field of `fields_of(kind)`, the source column.
    pub columns: Vec<Option<usize>>,
    /// The mapped fields, in canonical order.
    pub mapped: Vec<MappedField>,
    /// `amount` is computed as quantity × unit price.
    pub amount_derived: bool,
    /// Source columns no field uses, by name (a customers file keeps them as `extras`).
    pub unmapped: Vec<String>,
    /// A customers file's other columns, kept as attributes (`attr_…`), in file order.
    pub extras: Vec<ExtraColumn>,
}

/// A column of a customers file that no field names, kept as an attribute (text, or numbers
/// when every value is a plain number): marital
/// status, a campaign's response, a contract type — what rules, custom features and the
/// decision tree may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtraColumn {
    /// Source column index (0-based).
    pub column: usize,
    /// Source header as written.
    pub header: String,
    /// Its column in the table: `attr_` and the header in snake case (`Marital_Status` →
    /// `attr_marital_status`, `婚姻状况` → `attr_婚姻状况`), unique.
    pub name: String,
}

/// [`ATTRIBUTE_PREFIX`] and `header` in snake case: ASCII letters lowercased, letters and
/// digits of any script kept, anything else one `_`; `attr_col<N>` for a header with none of
/// them; `_2`, `_3` … after a name already taken.
fn extra_name(header: &str, column: usize, used: &[String]) -> String {
    let mut snake = String::new();
    let mut after_lower = false;
    for c in header.chars().map(crate::fields::fold_full_width) {
        if c.is_alphanumeric() {
            // CamelCase words apart: `MntWines` → `mnt_wines`.
            if c.is_ascii_uppercase() && after_lower {
                snake.push('_');
            }
            after_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            snake.push(c.to_ascii_lowercase());
        } else {
            after_lower = false;
            if !snake.is_empty() && !snake.ends_with('_') {
                snake.push('_');
            }
        }
    }
    let snake = snake.trim_end_matches('_');
    let base = if snake.is_empty() {
        format!("{ATTRIBUTE_PREFIX}col{}", column + 1)
    } else {
        format!("{ATTRIBUTE_PREFIX}{snake}")
    };
    let mut name = base.clone();
    let mut k = 2;
    while used.contains(&name) {
        name = format!("{base}_{k}");
        k += 1;
    }
    name
}

impl ColumnMapping {
    /// The field specs of this mapping's table.
    pub fn fields(&self) -> &'static [FieldSpec] {
        fields_of(self.kind)
    }

    /// The source column of a field, by canonical name.
    pub fn column_of(&self, field: &str) -> Option<usize> {
        let idx = self.fields().iter().position(|f| f.name == field)?;
        self.columns[idx]
    }

    /// The canonical field a source column feeds.
    pub fn field_of(&self, column: usize) -> Option<&'static str> {
        self.mapped
            .iter()
            .find(|m| m.column == column)
            .map(|m| m.field)
    }

    /// Field name → header, for reports.
    pub fn as_map(&self) -> BTreeMap<String, String> {
        self.mapped
            .iter()
            .map(|m| (m.field.to_string(), m.header.clone()))
            .collect()
    }
}

/// Maps `header` to a table: the kind in `options`, or the first of transactions, feedback,
/// customers whose required fields are all found.
pub fn resolve(
    file: &Path,
    header: &Header,
    options: &ImportOptions,
) -> Result<ColumnMapping, ImportError> {
    if header.names.len() > MAX_COLUMNS {
        return Err(ImportError::new(
            file,
            Reason::TooManyColumnsInHeader,
            format!(
                "the header has {} columns; at most {MAX_COLUMNS} are read",
                header.names.len()
            ),
        )
        .at(header.location.clone()));
    }
    if header.names.len() < 2 {
        let only = header.names.first().map(String::as_str).unwrap_or("");
        return Err(ImportError::new(
            file,
            Reason::MissingRequiredColumn,
            format!("only one column was found (`{}`); kehu needs at least a customer id and more", crate::quarantine::mask_snippet(only)),
        )
        .at(header.location.clone())
        .hint("the delimiter was probably not recognised: pass --delimiter (e.g. ';', '|', 'tab' or ' ' for whitespace-aligned text)", "分隔符可能未被识别：请用 --delimiter 指定（如 ';'、'|'、'tab'，空格对齐的文本用 ' '）"));
    }
    let normalised: Vec<String> = header.names.iter().map(|h| normalise_header(h)).collect();
    let kinds: Vec<TableKind> = match options.kind {
        Some(kind) => vec![kind],
        None => vec![
            TableKind::Transactions,
            TableKind::Feedback,
            TableKind::Customers,
        ],
    };
    let mut first_failure = None;
    for kind in kinds {
        let mapping = map_kind(file, kind, header, &normalised, options)?;
        match missing_required(&mapping) {
            None if kind != TableKind::Feedback || has_any(&mapping, &["csat", "nps"]) => {
                check_duplicates(file, header, &normalised, &mapping)?;
                return Ok(mapping);
            }
            None => {}
            Some(missing) => {
                first_failure.get_or_insert((kind, missing));
            }
        }
    }
    let (kind, missing) = first_failure.unwrap_or((TableKind::Transactions, "customer_id"));
    let found = header
        .names
        .iter()
        .map(|h| format!("`{h}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Err(ImportError::new(
        file,
        Reason::MissingRequiredColumn,
        format!(
            "no column for the required field `{missing}` of a {} file; headers found: {found}",
            kind.name()
        ),
    )
    .at(header.location.clone())
    .column(missing)
    .hint(
        format!("name the column explicitly, e.g. `--map {missing}=\"<header>\"`, or set --kind"),
        format!("请明确指定该列，如 `--map {missing}=\"<表头>\"`，或用 --kind 指定表的类型"),
    ))
}

fn map_kind(
    file: &Path,
    kind: TableKind,
    header: &Header,
    normalised: &[String],
    options: &ImportOptions,
) -> Result<ColumnMapping, ImportError> {
    let fields = fields_of(kind);
    let mut columns: Vec<Option<usize>> = vec![None; fields.len()];
    let mut how: Vec<Option<MatchHow>> = vec![None; fields.len()];
    let mut taken = vec![false; header.names.len()];

    for (field_name, source) in &options.mapping {
        let Some(fi) = fields.iter().position(|f| f.name == field_name) else {
            if options.kind.is_some() {
                let known = fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ");
                return Err(ImportError::new(
                    file,
                    Reason::MissingRequiredColumn,
                    format!(
                        "the mapping names `{field_name}`, which is not a field of a {} file",
                        kind.name()
                    ),
                )
                .hint(format!("fields are: {known}"), format!("可用字段：{known}")));
            }
            continue;
        };
        let col = find_source_column(header, normalised, source, options.has_header).ok_or_else(|| {
            let found = header.names.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(", ");
            ImportError::new(
                file,
                Reason::MissingRequiredColumn,
                format!("the mapping says `{field_name}` comes from `{source}`, which is not a column; headers found: {found}"),
            )
            .column(source.clone())
        })?;
        columns[fi] = Some(col);
        how[fi] = Some(MatchHow::Explicit);
        taken[col] = true;
    }

    // Exact aliases first (for every field), so that a fuzzy match never takes a column that
    // another field names exactly ("InvoiceDate" is the date, not the invoice number).
    for (fi, field) in fields.iter().enumerate() {
        if columns[fi].is_some() {
            continue;
        }
        if let Some(c) = first_named(field.aliases, normalised, &taken) {
            columns[fi] = Some(c);
            how[fi] = Some(MatchHow::Alias);
            taken[c] = true;
        }
    }
    for (fi, field) in fields.iter().enumerate() {
        if columns[fi].is_some() {
            continue;
        }
        let best = field.contains.iter().enumerate().find_map(|(rank, words)| {
            normalised
                .iter()
                .enumerate()
                .find(|(c, n)| {
                    !taken[*c]
                        && words.iter().all(|w| n.contains(w))
                        && !named_elsewhere(kind, field.name, n)
                })
                .map(|(c, _)| (rank, c))
        });
        if let Some((_, c)) = best {
            columns[fi] = Some(c);
            how[fi] = Some(MatchHow::Contains);
            taken[c] = true;
        }
    }

    if let Some(fi) = fields.iter().position(|f| f.name == "customer_id")
        && columns[fi].is_none()
        && let Some(c) = first_named(CUSTOMER_STAND_INS, normalised, &taken)
            .or_else(|| first_containing(CUSTOMER_STAND_IN_WORDS, normalised, &taken))
    {
        columns[fi] = Some(c);
        how[fi] = Some(MatchHow::StandIn);
        taken[c] = true;
    }

    let mapped = fields
        .iter()
        .enumerate()
        .filter_map(|(fi, field)| {
            Some(MappedField {
                field: field.name,
                column: columns[fi]?,
                header: header.names[columns[fi]?].clone(),
                how: how[fi]?,
            })
        })
        .collect();
    let amount_idx = fields.iter().position(|f| f.name == "amount");
    let amount_derived = kind == TableKind::Transactions
        && amount_idx.is_some_and(|i| columns[i].is_none())
        && has_column(fields, &columns, "quantity")
        && has_column(fields, &columns, "unit_price");
    let mut unmapped = Vec::new();
    let mut extras: Vec<ExtraColumn> = Vec::new();
    for (c, h) in header.names.iter().enumerate().filter(|(c, _)| !taken[*c]) {
        // A customers file's other columns are kept; a column without a header is not one.
        if kind == TableKind::Customers && !h.trim().is_empty() {
            let used: Vec<String> = extras.iter().map(|e| e.name.clone()).collect();
            extras.push(ExtraColumn {
                column: c,
                header: h.clone(),
                name: extra_name(h, c, &used),
            });
        } else {
            unmapped.push(h.clone());
        }
    }
    Ok(ColumnMapping {
        kind,
        columns,
        mapped,
        amount_derived,
        unmapped,
        extras,
    })
}

/// The free column whose (normalised) header comes first in `names`.
fn first_named(names: &[&str], normalised: &[String], taken: &[bool]) -> Option<usize> {
    normalised
        .iter()
        .enumerate()
        .filter(|(c, _)| !taken[*c])
        .filter_map(|(c, n)| names.iter().position(|a| a == n).map(|rank| (rank, c)))
        .min()
        .map(|(_, c)| c)
}

/// Whether `header` (normalised) is the exact name of another table's field: a member list's
/// `注册时间` is its signup date, never an order time found by the word `时间`.
fn named_elsewhere(kind: TableKind, field: &str, header: &str) -> bool {
    [
        TableKind::Transactions,
        TableKind::Customers,
        TableKind::Feedback,
    ]
    .into_iter()
    .filter(|k| *k != kind)
    .flat_map(fields_of)
    .any(|f| f.name != field && f.aliases.contains(&header))
}

/// The first free column whose header contains one of `words`, the earlier word first.
fn first_containing(words: &[&str], normalised: &[String], taken: &[bool]) -> Option<usize> {
    words.iter().find_map(|w| {
        normalised
            .iter()
            .enumerate()
            .find(|(c, n)| !taken[*c] && n.contains(w))
            .map(|(c, _)| c)
    })
}

fn has_column(fields: &[FieldSpec], columns: &[Option<usize>], name: &str) -> bool {
    fields
        .iter()
        .position(|f| f.name == name)
        .is_some_and(|i| columns[i].is_some())
}

fn has_any(mapping: &ColumnMapping, names: &[&str]) -> bool {
    names.iter().any(|n| mapping.column_of(n).is_some())
}

fn missing_required(mapping: &ColumnMapping) -> Option<&'static str> {
    mapping
        .fields()
        .iter()
        .zip(&mapping.columns)
        .find_map(|(field, col)| {
            let derived = field.name == "amount" && mapping.amount_derived;
            (field.required && col.is_none() && !derived).then_some(field.name)
        })
}

fn find_source_column(
    header: &Header,
    normalised: &[String],
    source: &str,
    has_header: bool,
) -> Option<usize> {
    if !has_header && let Ok(pos) = source.trim().parse::<usize>() {
        return (1..=header.names.len()).contains(&pos).then(|| pos - 1);
    }
    header
        .names
        .iter()
        .position(|h| h.trim() == source.trim())
        .or_else(|| {
            let n = normalise_header(source);
            normalised.iter().position(|h| *h == n)
        })
}

/// C4: two columns with the same (normalised) name, one of which feeds a field, cannot be
/// told apart; refuse unless the user mapped it explicitly.
fn check_duplicates(
    file: &Path,
    header: &Header,
    normalised: &[String],
    mapping: &ColumnMapping,
) -> Result<(), ImportError> {
    for m in &mapping.mapped {
        if m.how == MatchHow::Explicit {
            continue;
        }
        let name = &normalised[m.column];
        let twins = normalised.iter().filter(|n| *n == name).count();
        if twins > 1 {
            return Err(ImportError::new(
                file,
                Reason::DuplicateHeader,
                format!(
                    "{twins} columns are called `{}`; kehu cannot tell which one is `{}`",
                    header.names[m.column], m.field
                ),
            )
            .at(header.location.clone())
            .column(header.names[m.column].clone())
            .hint(
                "rename one of the columns, or map the field explicitly",
                "请重命名其中一列，或用 --map 明确指定该字段",
            ));
        }
    }
    Ok(())
}

/// How many headers name some field of any table: used to tell a header row from a preamble
/// or from data.
pub fn alias_hits(names: &[String]) -> usize {
    names
        .iter()
        .map(|n| normalise_header(n))
        .filter(|n| {
            [
                TableKind::Transactions,
                TableKind::Customers,
                TableKind::Feedback,
            ]
            .iter()
            .any(|&k| fields_of(k).iter().any(|f| f.aliases.contains(&n.as_str())))
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kehu_domain::Location;

    fn header(names: &[&str]) -> Header {
        Header {
            names: names.iter().map(|s| s.to_string()).collect(),
            location: Location::Line { line: 1 },
        }
    }

    fn map(names: &[&str]) -> Result<ColumnMapping, ImportError> {
        resolve(
            Path::new("t.csv"),
            &header(names),
            &ImportOptions::default(),
        )
    }

    #[test]
    fn online_retail_headers_map_with_derived_amount() {
        let m = map(&[
            "InvoiceNo",
            "StockCode",
            "Description",
            "Quantity",
            "InvoiceDate",
            "UnitPrice",
            "CustomerID",
            "Country",
        ])
        .expect("maps");
        assert_eq!(m.kind, TableKind::Transactions);
        assert!(m.amount_derived);
        assert_eq!(m.column_of("order_id"), Some(0));
        assert_eq!(m.column_of("ts"), Some(4));
        assert_eq!(m.column_of("customer_id"), Some(6));
        assert_eq!(m.column_of("region"), Some(7));
    }

    #[test]
    fn chinese_headers_map() {
        let m = map(&["会员ID", "订单编号", "下单时间", "实付金额", "渠道"]).expect("maps");
        assert_eq!(m.kind, TableKind::Transactions);
        assert_eq!(m.column_of("customer_id"), Some(0));
        assert_eq!(m.column_of("amount"), Some(3));
    }

    #[test]
    fn a_phone_or_a_name_stands_in_for_a_missing_customer_id() {
        let shop = [
            "订单编号",
            "客户名称",
            "手机号",
            "下单日期",
            "实付金额",
            "商品类目",
        ];
        let m = map(&shop).expect("maps");
        assert_eq!(m.kind, TableKind::Transactions);
        assert_eq!(
            m.column_of("customer_id"),
            Some(2),
            "the phone before the name"
        );
        let how = m
            .mapped
            .iter()
            .find(|f| f.field == "customer_id")
            .map(|f| f.how);
        assert_eq!(how, Some(MatchHow::StandIn));
        assert_eq!(m.column_of("category"), Some(5));
        assert_eq!(
            m.column_of("description"),
            None,
            "a customer's name is no product"
        );
        let named = map(&["Order ID", "Customer Name", "Order Date", "Sales"]).expect("maps");
        assert_eq!(named.column_of("customer_id"), Some(1));
        // A Taobao order export names the buyer's account; a WooCommerce one only an e-mail.
        let taobao = [
            "订单编号",
            "买家会员名",
            "订单付款时间",
            "买家实际支付金额",
            "收货人姓名",
        ];
        let m = map(&taobao).expect("maps");
        assert_eq!(m.column_of("customer_id"), Some(1));
        assert_eq!(m.column_of("ts"), Some(2));
        assert_eq!(m.column_of("amount"), Some(3));
        let woo = map(&[
            "Order Number",
            "Order Date",
            "Customer Email",
            "Order Total",
        ])
        .expect("maps");
        assert_eq!(woo.column_of("customer_id"), Some(2));
        // An identifier column always wins over a stand-in.
        let both = map(&["手机号", "会员ID", "下单时间", "实付金额"]).expect("maps");
        assert_eq!(both.column_of("customer_id"), Some(1));
        assert!(both.mapped.iter().all(|f| f.how != MatchHow::StandIn));
    }

    #[test]
    fn chinese_platform_exports_map_without_help() {
        // JD: the ordering account, written 帐号.
        let jd = map(&[
            "订单号",
            "下单时间",
            "下单帐号",
            "商品名称",
            "订购数量",
            "京东价",
            "应付金额",
        ])
        .expect("maps");
        assert_eq!(
            [jd.column_of("customer_id"), jd.column_of("amount")],
            [Some(2), Some(6)]
        );
        // Youzan: only the buyer's phone and the recipient's name identify the buyer.
        let youzan = map(&[
            "订单号",
            "订单创建时间",
            "买家手机号",
            "收货人/提货人",
            "订单实付金额",
        ])
        .expect("maps");
        assert_eq!(youzan.column_of("customer_id"), Some(2), "the phone first");
        assert_eq!(youzan.column_of("ts"), Some(1));
        assert_eq!(youzan.column_of("amount"), Some(4));
        // Pinduoduo: amounts in 元, the deal time after the group time, a nickname.
        let pdd = map(&[
            "订单号",
            "商品总价(元)",
            "店铺优惠折扣(元)",
            "用户实付金额(元)",
            "成团时间",
            "订单成交时间",
            "用户昵称",
        ])
        .expect("maps");
        assert_eq!(
            [
                pdd.column_of("customer_id"),
                pdd.column_of("ts"),
                pdd.column_of("amount"),
                pdd.column_of("discount"),
            ],
            [Some(6), Some(5), Some(3), Some(2)]
        );
        // A shop platform's order export: `id` is the order's when the buyer has a column.
        let shop = map(&["id", "created_at", "customer.id", "total_price"]).expect("maps");
        assert_eq!(
            [
                shop.column_of("customer_id"),
                shop.column_of("order_id"),
                shop.column_of("amount")
            ],
            [Some(2), Some(0), Some(3)]
        );
        let only_id = map(&["id", "date", "amount"]).expect("maps");
        assert_eq!(
            [
                only_id.column_of("customer_id"),
                only_id.column_of("order_id")
            ],
            [Some(0), None]
        );
        // A product's name never stands in for the customer.
        assert!(map(&["Order ID", "Product Name", "Order Date", "Sales"]).is_err());
    }

    #[test]
    fn a_customers_files_other_columns_are_kept_as_attributes() {
        let m = map(&[
            "ID",
            "Year_Birth",
            "Marital_Status",
            "MntWines",
            "会员等级",
            "",
            "Kid home",
            "kid_home",
            "(%)",
        ])
        .expect("maps");
        assert_eq!(m.kind, TableKind::Customers);
        let kept: Vec<(usize, &str)> = m
            .extras
            .iter()
            .map(|e| (e.column, e.name.as_str()))
            .collect();
        assert_eq!(
            kept,
            [
                (2, "attr_marital_status"),
                (3, "attr_mnt_wines"),
                (4, "attr_会员等级"),
                (6, "attr_kid_home"),
                (7, "attr_kid_home_2"),
                (8, "attr_col9"),
            ]
        );
        assert_eq!(m.unmapped, [""], "a column without a header is not kept");
        // A transactions file keeps only its fields.
        let tx = map(&["Customer ID", "Invoice", "InvoiceDate", "Amount", "Note"]).expect("maps");
        assert!(tx.extras.is_empty());
        assert_eq!(tx.unmapped, ["Note"]);
    }

    #[test]
    fn member_lists_and_surveys_are_not_taken_for_orders() {
        // A member list: 注册时间 is the signup date, not an order time found by `时间`, and
        // 累计消费金额 no order amount; with no order time it is no transactions file.
        let members = map(&[
            "会员卡号",
            "姓名",
            "手机号",
            "性别",
            "生日",
            "会员等级",
            "注册时间",
            "累计消费金额",
        ])
        .expect("maps");
        assert_eq!(members.kind, TableKind::Customers);
        assert_eq!(members.column_of("signup_date"), Some(6));
        assert!(members.extras.iter().any(|e| e.name == "attr_累计消费金额"));
        // A survey export: scores named by their questions.
        let survey = map(&[
            "Response ID",
            "Customer ID",
            "Submitted At",
            "How likely are you to recommend us? (0-10)",
            "Satisfaction (1-5)",
        ])
        .expect("maps");
        assert_eq!(survey.kind, TableKind::Feedback);
        assert_eq!(
            [
                survey.column_of("ts"),
                survey.column_of("nps"),
                survey.column_of("csat")
            ],
            [Some(2), Some(3), Some(4)]
        );
        // A shop's customer export names places after the address.
        let shop = map(&[
            "Customer ID",
            "Default Address City",
            "Default Address Province Code",
            "Default Address Country Code",
        ])
        .expect("maps");
        assert_eq!(
            [
                shop.column_of("city"),
                shop.column_of("province"),
                shop.column_of("country")
            ],
            [Some(1), Some(2), Some(3)]
        );
    }

    #[test]
    fn european_exports_map_without_help() {
        let de = map(&[
            "Kundennummer",
            "Bestellnummer",
            "Bestelldatum",
            "Betrag",
            "Stadt",
            "Status",
        ])
        .expect("maps");
        let fr = map(&[
            "N° Client",
            "Numéro Commande",
            "Date Commande",
            "Montant",
            "Catégorie",
            "Statut",
        ])
        .expect("maps");
        let es = map(&[
            "ID Cliente",
            "Nº Pedido",
            "Fecha",
            "Cantidad",
            "Precio Unitario",
            "País",
            "Estado",
        ])
        .expect("maps");
        for m in [&de, &fr, &es] {
            assert_eq!(m.kind, TableKind::Transactions);
            assert_eq!(
                [
                    m.column_of("customer_id"),
                    m.column_of("order_id"),
                    m.column_of("ts")
                ],
                [Some(0), Some(1), Some(2)]
            );
        }
        assert_eq!(
            [
                de.column_of("amount"),
                de.column_of("region"),
                de.column_of("status")
            ],
            [Some(3), Some(4), Some(5)]
        );
        assert_eq!(
            [
                fr.column_of("amount"),
                fr.column_of("category"),
                fr.column_of("status")
            ],
            [Some(3), Some(4), Some(5)]
        );
        assert!(es.amount_derived, "Cantidad × Precio Unitario");
        assert_eq!(
            [es.column_of("region"), es.column_of("status")],
            [Some(5), Some(6)]
        );
    }

    #[test]
    fn customer_and_feedback_files_are_told_apart() {
        assert_eq!(
            map(&["客户编号", "姓名", "手机号", "注册日期"])
                .expect("maps")
                .kind,
            TableKind::Customers
        );
        assert_eq!(
            map(&["客户编号", "反馈日期", "满意度", "NPS"])
                .expect("maps")
                .kind,
            TableKind::Feedback
        );
    }

    #[test]
    fn missing_required_column_lists_headers() {
        let err = map(&["订单编号", "金额"]).expect_err("no customer");
        assert_eq!(err.reason, Reason::MissingRequiredColumn);
        assert!(err.message.contains("`订单编号`"), "{}", err.message);
    }

    #[test]
    fn duplicate_mapped_header_is_refused() {
        let err = map(&["客户编号", "日期", "金额", "金额"]).expect_err("duplicate");
        assert_eq!(err.reason, Reason::DuplicateHeader);
    }

    #[test]
    fn explicit_mapping_wins() {
        let mut options = ImportOptions::default();
        options.mapping.insert("customer_id".into(), "buyer".into());
        let m = resolve(
            Path::new("t"),
            &header(&["buyer", "CustomerID", "date", "amount"]),
            &options,
        )
        .expect("maps");
        assert_eq!(m.column_of("customer_id"), Some(0));
    }
}
