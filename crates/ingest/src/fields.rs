//! The canonical fields of each table, with their types and header aliases.
//!
//! This is the one place where the English and Chinese header names that kehu recognises are
//! written down. Aliases are compared after [`normalise_header`]: case, spaces, underscores,
//! hyphens, dots, slashes and full-width forms do not matter.

use crate::options::TableKind;

/// How a field's values are parsed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldType {
    /// An identifier kept as text (customer, order, product ids): no scientific notation.
    Id,
    /// A date and time of an event.
    Timestamp,
    /// A calendar date.
    Date,
    /// An exact amount of money.
    Money,
    /// An exact decimal quantity.
    Quantity,
    /// A short label (category, channel, region, gender …).
    Label,
    /// Free text that may span lines (descriptions, comments).
    FreeText,
    /// A person's name.
    Name,
    /// A phone number.
    Phone,
    /// An order status, mapped to completed / cancelled / refunded / pending.
    Status,
    /// A number with an allowed range (scores, ages, coordinates).
    Number {
        /// Smallest allowed value.
        min: f64,
        /// Largest allowed value.
        max: f64,
        /// Whether only whole numbers are allowed.
        integer: bool,
    },
}

/// One canonical field.
#[derive(Debug)]
pub struct FieldSpec {
    /// Canonical name, as in the Arrow table.
    pub name: &'static str,
    /// How values are parsed.
    pub ty: FieldType,
    /// Whether a row without it is quarantined (`missing_value`).
    pub required: bool,
    /// Exact aliases, in priority order (normalised form).
    pub aliases: &'static [&'static str],
    /// Fallback: a header containing all of the words of one of these groups.
    pub contains: &'static [&'static [&'static str]],
}

const fn f(
    name: &'static str,
    ty: FieldType,
    required: bool,
    aliases: &'static [&'static str],
    contains: &'static [&'static [&'static str]],
) -> FieldSpec {
    FieldSpec {
        name,
        ty,
        required,
        aliases,
        contains,
    }
}

const CUSTOMER_ID: FieldSpec = f(
    "customer_id",
    FieldType::Id,
    true,
    &[
        "customerid",
        "customer",
        "custid",
        "customerno",
        "customernumber",
        "customercode",
        "clientid",
        "client",
        "memberid",
        "member",
        "memberno",
        "userid",
        "user",
        "buyerid",
        "accountid",
        "id",
        "客户编号",
        "客户id",
        "客户号",
        "客户代码",
        "客户编码",
        "会员id",
        "会员编号",
        "会员号",
        "会员卡号",
        "用户id",
        "用户编号",
        "买家id",
        "买家会员名",
        "买家账号",
        "会员账号",
        "下单账号",
        "用户账号",
        "客户账号",
        "账号",
        "用户名",
        "买家用户名",
        "顾客编号",
        // German, French, Spanish, Portuguese, Italian, Dutch exports.
        "kundennummer",
        "kundennr",
        "kundenid",
        "kunde",
        "numeroclient",
        "nclient",
        "ncliente",
        "idclient",
        "codeclient",
        "idcliente",
        "numerocliente",
        "codigocliente",
        "cliente",
        "codicecliente",
        "klantnummer",
        "klantid",
        "klant",
        "顾客id",
        "客户",
        "会员",
        "用户",
        "买家",
        "顾客",
    ],
    &[
        &["customer", "id"],
        &["customer", "no"],
        &["客户", "编号"],
        &["客户", "id"],
        &["会员", "号"],
        &["用户", "id"],
        &["账号"],
    ],
);

const TS: FieldType = FieldType::Timestamp;

/// Fields of the transactions table.
pub static TRANSACTIONS: &[FieldSpec] = &[
    CUSTOMER_ID,
    f(
        "order_id",
        FieldType::Id,
        false,
        &[
            "orderid",
            "orderno",
            "ordernumber",
            "order",
            "invoiceno",
            "invoice",
            "invoiceid",
            "invoicenumber",
            "transactionid",
            "txnid",
            "receiptno",
            "billno",
            "订单编号",
            "订单号",
            "订单id",
            "单号",
            "交易编号",
            "交易号",
            "流水号",
            "发票号",
            "小票号",
            "bestellnummer",
            "bestellnr",
            "auftragsnummer",
            "rechnungsnummer",
            "numerocommande",
            "ncommande",
            "npedido",
            "nfactura",
            "nfacture",
            "commande",
            "numerofacture",
            "pedido",
            "numeropedido",
            "idpedido",
            "factura",
            "numerofactura",
            "numeroordine",
            "ordine",
            "bestelnummer",
            "factuurnummer",
            // Last: a bare `id` beside a customer column is the order's (shop platforms'
            // order exports); without one, the customer field takes it first.
            "id",
            "订单",
        ],
        &[
            &["order", "id"],
            &["order", "no"],
            &["invoice"],
            &["订单", "号"],
        ],
    ),
    f(
        "ts",
        TS,
        true,
        &[
            "invoicedate",
            "orderdate",
            "orderdatetime",
            "ordertime",
            "transactiondate",
            "transactiontime",
            "txndate",
            "purchasedate",
            "purchasetime",
            "date",
            "datetime",
            "timestamp",
            "time",
            "createdat",
            "paidat",
            "paymenttime",
            "saledate",
            "订单日期",
            "下单时间",
            "下单日期",
            "交易日期",
            "交易时间",
            "购买日期",
            "购买时间",
            "支付时间",
            "付款时间",
            "成交时间",
            "成交日期",
            "销售日期",
            "创建时间",
            "订单创建时间",
            "订单成交时间",
            "订单付款时间",
            "订单支付时间",
            "订单时间",
            "付款日期",
            "支付日期",
            "processedat",
            "bestelldatum",
            "rechnungsdatum",
            "auftragsdatum",
            "datum",
            "datecommande",
            "datedecommande",
            "datefacture",
            "fecha",
            "fechapedido",
            "fechadepedido",
            "fechafactura",
            "data",
            "datapedido",
            "datadopedido",
            "dataordine",
            "besteldatum",
            "factuurdatum",
            "日期",
            "时间",
        ],
        &[
            &["order", "date"],
            &["date"],
            &["time"],
            &["日期"],
            &["时间"],
        ],
    ),
    f(
        "amount",
        FieldType::Money,
        true,
        &[
            "amount",
            "totalamount",
            "total",
            "sales",
            "salesamount",
            "revenue",
            "value",
            "dollarvalue",
            "ordervalue",
            "orderamount",
            "payment",
            "paid",
            "paidamount",
            "netamount",
            "linetotal",
            "lineamount",
            "金额",
            "实付金额",
            "订单金额",
            "成交金额",
            "销售额",
            "销售金额",
            "支付金额",
            "付款金额",
            "实收金额",
            "交易金额",
            "总金额",
            "总价",
            "应付金额",
            "消费金额",
            "实付",
            "实付款",
            "用户实付金额",
            "买家实付金额",
            "订单实付金额",
            "实付总额",
            "totalprice",
            "currenttotalprice",
            "ordertotal",
            "grandtotal",
            "totalpaid",
            "amountpaid",
            "betrag",
            "gesamtbetrag",
            "umsatz",
            "summe",
            "bruttobetrag",
            "nettobetrag",
            "montant",
            "montanttotal",
            "chiffredaffaires",
            "importe",
            "importetotal",
            "monto",
            "montototal",
            "valor",
            "valortotal",
            "montante",
            "importo",
            "totale",
            "bedrag",
            "totaalbedrag",
        ],
        &[&["amount"], &["value"], &["金额"]],
    ),
    f(
        "quantity",
        FieldType::Quantity,
        false,
        &[
            "quantity",
            "qty",
            "units",
            "numberofcds",
            "numberofitems",
            "数量",
            "件数",
            "购买数量",
            "销量",
            "menge",
            "anzahl",
            "quantite",
            "cantidad",
            "quantidade",
            "quantita",
            "aantal",
        ],
        &[&["quantity"], &["数量"]],
    ),
    f(
        "unit_price",
        FieldType::Money,
        false,
        &[
            "unitprice",
            "price",
            "priceeach",
            "单价",
            "价格",
            "售价",
            "商品单价",
            "einzelpreis",
            "stuckpreis",
            "preis",
            "prixunitaire",
            "prix",
            "preciounitario",
            "precio",
            "precounitario",
            "preco",
            "prezzounitario",
            "prezzo",
            "stukprijs",
            "prijs",
        ],
        &[&["unit", "price"], &["单价"]],
    ),
    f(
        "product_id",
        FieldType::Id,
        false,
        &[
            "productid",
            "stockcode",
            "sku",
            "itemid",
            "productcode",
            "itemcode",
            "商品编号",
            "商品id",
            "商品编码",
            "货号",
            "产品编号",
            "产品id",
            "sku编码",
        ],
        &[&["product", "id"], &["商品", "编"]],
    ),
    f(
        "category",
        FieldType::Label,
        false,
        &[
            "category",
            "productcategory",
            "productline",
            "品类",
            "类别",
            "商品类别",
            "商品分类",
            "分类",
            "类目",
            "商品类目",
            "产品类别",
            "产品分类",
            "kategorie",
            "warengruppe",
            "categorie",
            "categoria",
            "categorieproduit",
            "categoriaproducto",
        ],
        &[&["category"], &["类别"], &["类目"], &["分类"]],
    ),
    f(
        "channel",
        FieldType::Label,
        false,
        &[
            "channel",
            "saleschannel",
            "source",
            "渠道",
            "销售渠道",
            "来源",
            "kanal",
            "vertriebskanal",
            "canal",
            "canale",
        ],
        &[&["channel"], &["渠道"]],
    ),
    f(
        "region",
        FieldType::Label,
        false,
        &[
            "region",
            "area",
            "country",
            "province",
            "state",
            "city",
            "store",
            "区域",
            "地区",
            "大区",
            "国家",
            "省份",
            "城市",
            "门店",
            "省",
            "市",
            "省市",
            "收货省份",
            "收货城市",
            "收货地区",
            "所在地区",
            "所在城市",
            "所在省份",
            "stadt",
            "ort",
            "land",
            "bundesland",
            "ville",
            "pays",
            "ciudad",
            "pais",
            "provincia",
            "cidade",
            "citta",
            "paese",
            "stad",
        ],
        &[
            &["region"],
            &["区域"],
            &["省份"],
            &["地区"],
            &["城市"],
            &["country"],
            &["province"],
            &["state"],
        ],
    ),
    f(
        "discount",
        FieldType::Money,
        false,
        &[
            "discount",
            "discountamount",
            "coupon",
            "couponamount",
            "优惠金额",
            "折扣金额",
            "优惠",
            "折扣",
            "优惠券",
        ],
        &[&["discount"], &["优惠"]],
    ),
    f(
        "description",
        FieldType::FreeText,
        false,
        &[
            "description",
            "productname",
            "itemname",
            "product",
            "item",
            "商品名称",
            "商品",
            "品名",
            "描述",
            "产品名称",
        ],
        // Not any "名称": 客户名称 is a customer's name, 渠道名称 a channel's.
        &[&["description"], &["商品", "名"], &["产品", "名"]],
    ),
    f(
        "status",
        FieldType::Status,
        false,
        &[
            "status",
            "orderstatus",
            "订单状态",
            "状态",
            "交易状态",
            "bestellstatus",
            "statut",
            "estado",
            "stato",
        ],
        &[&["status"], &["状态"]],
    ),
];

/// Fields of the customers table.
pub static CUSTOMERS: &[FieldSpec] = &[
    CUSTOMER_ID,
    f(
        "signup_date",
        FieldType::Date,
        false,
        &[
            "signupdate",
            "registrationdate",
            "registerdate",
            "joindate",
            "joined",
            "dtcustomer",
            "createdat",
            "注册日期",
            "注册时间",
            "开户日期",
            "入会日期",
            "建档日期",
        ],
        &[&["signup"], &["注册"]],
    ),
    f(
        "name",
        FieldType::Name,
        false,
        &[
            "name",
            "customername",
            "fullname",
            "姓名",
            "客户名称",
            "客户姓名",
            "名称",
            "会员姓名",
        ],
        &[&["name"], &["姓名"]],
    ),
    f(
        "phone",
        FieldType::Phone,
        false,
        &[
            "phone",
            "mobile",
            "tel",
            "telephone",
            "phonenumber",
            "mobilephone",
            "手机号",
            "手机",
            "手机号码",
            "电话",
            "联系电话",
            "电话号码",
        ],
        &[&["手机"], &["电话"]],
    ),
    f(
        "gender",
        FieldType::Label,
        false,
        // `genre` (French, and the Mall Customers data), `género` (Spanish), `geschlecht`
        // (German), `sexe` (French), `sesso` (Italian), `geslacht` (Dutch).
        &[
            "gender",
            "sex",
            "性别",
            "genre",
            "genero",
            "geschlecht",
            "sexe",
            "sesso",
            "geslacht",
        ],
        &[],
    ),
    f(
        "birth_date",
        FieldType::Date,
        false,
        &[
            "birthdate",
            "dateofbirth",
            "dob",
            "birthday",
            "出生日期",
            "生日",
        ],
        &[&["birth"]],
    ),
    f(
        "birth_year",
        FieldType::Number {
            min: 1900.0,
            max: 2100.0,
            integer: true,
        },
        false,
        &["yearbirth", "birthyear", "出生年份"],
        &[],
    ),
    f(
        "age",
        FieldType::Number {
            min: 0.0,
            max: 130.0,
            integer: false,
        },
        false,
        &["age", "年龄"],
        &[],
    ),
    f(
        "income",
        FieldType::Money,
        false,
        &[
            "income",
            "annualincome",
            "salary",
            "收入",
            "年收入",
            "月收入",
        ],
        &[&["income"], &["收入"]],
    ),
    f(
        "occupation",
        FieldType::Label,
        false,
        &["occupation", "job", "profession", "职业"],
        &[],
    ),
    f(
        "education",
        FieldType::Label,
        false,
        &["education", "学历", "教育程度"],
        &[],
    ),
    f(
        "country",
        FieldType::Label,
        false,
        &["country", "国家"],
        &[&["country"], &["国家"]],
    ),
    f(
        "province",
        FieldType::Label,
        false,
        &["province", "state", "省份", "省"],
        &[&["province"], &["省份"]],
    ),
    f(
        "city",
        FieldType::Label,
        false,
        &["city", "城市", "市"],
        &[&["city"], &["城市"]],
    ),
    f(
        "region",
        FieldType::Label,
        false,
        &["region", "area", "区域", "地区", "大区"],
        &[],
    ),
    f(
        "lat",
        FieldType::Number {
            min: -90.0,
            max: 90.0,
            integer: false,
        },
        false,
        &["lat", "latitude", "纬度"],
        &[],
    ),
    f(
        "lon",
        FieldType::Number {
            min: -180.0,
            max: 180.0,
            integer: false,
        },
        false,
        &["lon", "lng", "longitude", "经度"],
        &[],
    ),
    f(
        "owner",
        FieldType::Label,
        false,
        &[
            "owner",
            "salesrep",
            "accountmanager",
            "rep",
            "客户经理",
            "销售",
            "负责人",
            "归属销售",
        ],
        &[],
    ),
    f(
        "tags",
        FieldType::FreeText,
        false,
        &["tags", "tag", "标签"],
        &[],
    ),
];

/// Fields of the feedback table.
pub static FEEDBACK: &[FieldSpec] = &[
    CUSTOMER_ID,
    f(
        "ts",
        TS,
        true,
        &[
            "date",
            "feedbackdate",
            "surveydate",
            "responsedate",
            "createdat",
            "time",
            "timestamp",
            "submittedat",
            "submitted",
            "submissiondate",
            "completedat",
            "反馈日期",
            "反馈时间",
            "评价时间",
            "评价日期",
            "调查日期",
            "日期",
            "时间",
        ],
        &[&["date"], &["日期"], &["时间"], &["submitted"]],
    ),
    f(
        "csat",
        FieldType::Number {
            min: 1.0,
            max: 5.0,
            integer: false,
        },
        false,
        &[
            "csat",
            "satisfaction",
            "rating",
            "score",
            "csatscore",
            "满意度",
            "满意度评分",
            "评分",
            "满意度得分",
        ],
        &[&["satisfaction"], &["满意"]],
    ),
    f(
        "nps",
        FieldType::Number {
            min: 0.0,
            max: 10.0,
            integer: true,
        },
        false,
        &[
            "nps",
            "npsscore",
            "likelihoodtorecommend",
            "recommend",
            "推荐值",
            "推荐意愿",
            "推荐分",
        ],
        &[&["nps"], &["推荐"], &["recommend"]],
    ),
    f(
        "kind",
        FieldType::Label,
        false,
        &["kind", "type", "feedbacktype", "类型", "反馈类型"],
        &[],
    ),
    f(
        "comment",
        FieldType::FreeText,
        false,
        &[
            "comment",
            "comments",
            "feedback",
            "text",
            "content",
            "内容",
            "评价内容",
            "备注",
            "反馈内容",
            "意见",
        ],
        &[],
    ),
];

/// The fields of a table kind.
pub fn fields_of(kind: TableKind) -> &'static [FieldSpec] {
    match kind {
        TableKind::Transactions => TRANSACTIONS,
        TableKind::Customers => CUSTOMERS,
        TableKind::Feedback => FEEDBACK,
    }
}

/// Positions of transaction fields in [`TRANSACTIONS`], for the per-row paths that must not
/// look fields up by name.
pub mod tx {
    /// `customer_id`.
    pub const CUSTOMER_ID: usize = 0;
    /// `order_id`.
    pub const ORDER_ID: usize = 1;
    /// `ts`.
    pub const TS: usize = 2;
    /// `amount`.
    pub const AMOUNT: usize = 3;
    /// `quantity`.
    pub const QUANTITY: usize = 4;
    /// `unit_price`.
    pub const UNIT_PRICE: usize = 5;
}

/// Whether `text` folds to `normalised` under [`normalise_header`], without allocating.
pub fn header_matches(text: &str, normalised: &str) -> bool {
    let mut folded = without_currency_unit(text)
        .chars()
        .filter_map(fold_header_char);
    let mut want = normalised.chars();
    loop {
        match (folded.next(), want.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a == b => {}
            _ => return false,
        }
    }
}

fn fold_header_char(c: char) -> Option<char> {
    let c = fold_full_width(c);
    // `°` and `º` of `N° Client`, `Nº Pedido` (number) too.
    if c.is_whitespace() || "_-./()（）:：#'’°º\"\u{feff}\u{200b}".contains(c) {
        None
    } else if c == '帐' {
        // 帐号 and 账号 (account) are written either way in exports.
        Some('账')
    } else if c.is_ascii() {
        Some(c.to_ascii_lowercase())
    } else {
        Some(without_accent(c.to_lowercase().next().unwrap_or(c)))
    }
}

/// A Latin letter without its accent (`é` → `e`, `ü` → `u`, `ñ` → `n`): headers in European
/// exports are written with and without them (`Categoría`, `Categoria`), and the aliases are
/// written without.
pub(crate) fn without_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        c => c,
    }
}

/// Currencies a header may name in brackets after the field (`实付金额(元)`, `Total (USD)`).
const CURRENCY_UNITS: &[&str] = &[
    "元",
    "人民币",
    "rmb",
    "cny",
    "usd",
    "eur",
    "gbp",
    "¥",
    "￥",
    "$",
    "€",
    "£",
];

/// `header` without a trailing bracketed currency: the header names the same field as
/// without it.
fn without_currency_unit(header: &str) -> &str {
    let trimmed = header.trim_end();
    let Some(body) = trimmed
        .strip_suffix(')')
        .or_else(|| trimmed.strip_suffix('）'))
    else {
        return header;
    };
    let Some(open) = body.rfind(['(', '（']) else {
        return header;
    };
    let unit: String = body[open..]
        .chars()
        .skip(1)
        .map(fold_full_width)
        .collect::<String>()
        .trim()
        .to_lowercase();
    if CURRENCY_UNITS.contains(&unit.as_str()) {
        &body[..open]
    } else {
        header
    }
}

/// Folds a header for comparison: trims (full-width spaces too), lowercases, maps full-width
/// ASCII to ASCII, and drops spaces, `_`, `-`, `.`, `/`, `(`, `)` and similar, and a trailing
/// bracketed currency (`(元)`, `(USD)`).
pub fn normalise_header(header: &str) -> String {
    without_currency_unit(header)
        .chars()
        .filter_map(fold_header_char)
        .collect()
}

/// Full-width ASCII forms (U+FF01–FF5E) and the ideographic space to their ASCII twins.
pub fn fold_full_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_fold_case_space_and_width() {
        assert_eq!(normalise_header(" Customer ID "), "customerid");
        assert_eq!(normalise_header("Ｃｕｓｔｏｍｅｒ＿ＩＤ"), "customerid");
        assert_eq!(normalise_header("\u{3000}客户编号\u{3000}"), "客户编号");
        assert_eq!(normalise_header("下单帐号"), "下单账号");
        // Accents, `°`/`º` and apostrophes fold away in European headers.
        assert_eq!(normalise_header("CATÉGORIE"), "categorie");
        assert_eq!(normalise_header("N° Client"), "nclient");
        assert_eq!(normalise_header("Chiffre d’affaires"), "chiffredaffaires");
        assert!(header_matches("Stückpreis", "stuckpreis"));
    }

    #[test]
    fn a_bracketed_currency_is_not_part_of_the_name() {
        assert_eq!(normalise_header("用户实付金额(元)"), "用户实付金额");
        assert_eq!(normalise_header("实付金额（元）"), "实付金额");
        assert_eq!(normalise_header("Total (USD)"), "total");
        assert_eq!(normalise_header("Price (￥)"), "price");
        assert!(header_matches("Total (USD)", "total"));
        // Other brackets stay: they may tell two columns apart.
        assert_eq!(normalise_header("订单金额(含运费)"), "订单金额含运费");
        assert_eq!(normalise_header("(元)"), "");
    }

    #[test]
    fn transaction_field_positions_match_names() {
        let names: Vec<&str> = TRANSACTIONS.iter().map(|f| f.name).collect();
        assert_eq!(names[tx::CUSTOMER_ID], "customer_id");
        assert_eq!(names[tx::ORDER_ID], "order_id");
        assert_eq!(names[tx::TS], "ts");
        assert_eq!(names[tx::AMOUNT], "amount");
        assert_eq!(names[tx::QUANTITY], "quantity");
        assert_eq!(names[tx::UNIT_PRICE], "unit_price");
        assert!(header_matches(" Customer_ID ", "customerid"));
        assert!(!header_matches("C0012345", "customerid"));
    }

    #[test]
    fn aliases_are_already_normalised() {
        for kind in [
            TableKind::Transactions,
            TableKind::Customers,
            TableKind::Feedback,
        ] {
            for field in fields_of(kind) {
                for alias in field.aliases {
                    assert_eq!(&normalise_header(alias), alias, "{}", field.name);
                }
            }
        }
    }
}
