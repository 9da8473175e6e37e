//! One mapper per table: each turns a result row into the table's typed row, every read
//! fallible (see [`super::Fields`]). Each row type says which columns it reads
//! (`COLUMNS`); a query that reads a record selects them. Narrow look-ups (a single
//! column, an existence check) read typed fields directly.

mod catalog;
mod conflicts;
mod journal;
mod orders;
mod registers;

pub use catalog::{CatalogItemRow, CatalogRow};
pub use conflicts::ConflictRow;
pub use journal::{JOURNAL_COLUMNS, SaleRow, SaleTaxRow, SaleTenderRow, stored_record};
pub use orders::{
    FulfilmentRow, LocationRow, OrderEventRow, OrderLineRow, OrderReturnRow, OrderRow, RefundRow, ReservationRow,
};
pub use registers::RegisterRow;
