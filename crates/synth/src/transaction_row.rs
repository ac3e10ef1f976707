/// One clean transaction row (an order line or the return of one), amounts in cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TransactionRow {
    /// The customer's id number (written `C0000042`).
    pub(crate) customer_id: u32,
    pub(crate) order_id: u64,
    /// Days since the window's first day.
    pub(crate) day: u32,
    /// Paid amount; negative for a return.
    pub(crate) amount: i64,
    /// Negative for a return.
    pub(crate) quantity: i32,
    pub(crate) unit_price: i64,
    /// Written `P` and six digits.
    pub(crate) product: u32,
    pub(crate) category: u8,
    pub(crate) channel: u8,
    pub(crate) region: u8,
    /// Discount amount: `amount = quantity * unit_price - discount`; negative for a return.
    pub(crate) discount: i64,
}
