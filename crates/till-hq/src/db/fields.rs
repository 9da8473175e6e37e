//! Typed, fallible reads of a result row, by column name: a required value that is NULL,
//! a column the query did not select, or a number or decimal that does not parse is an
//! error naming the table and column — never an empty string or a zero.

use std::sync::Arc;

use rust_decimal::Decimal;

use super::Val;
use crate::error::HqError;

/// One result row: its columns' names (shared by every row of a query) and values.
#[derive(Debug, Clone)]
pub struct Row {
    columns: Arc<[String]>,
    values: Vec<Val>,
}

/// A stored value HQ cannot use as it is: the table and column, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stored {table}.{column}: {problem}")]
pub struct RowError {
    /// The table read.
    pub table: &'static str,
    /// The column read.
    pub column: String,
    /// What is wrong with it.
    pub problem: String,
}

impl From<RowError> for HqError {
    fn from(e: RowError) -> Self {
        HqError::Internal(e.to_string())
    }
}

impl Row {
    /// A row of `values` under `columns`, as a driver read it.
    pub fn new(columns: Arc<[String]>, values: Vec<Val>) -> Row {
        Row { columns, values }
    }

    /// The row's fields as read from `table` (named in errors).
    pub fn of(&self, table: &'static str) -> Fields<'_> {
        Fields { row: self, table }
    }
}

/// A row's fields, read from one table: each read is typed and fallible.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    row: &'a Row,
    table: &'static str,
}

impl Fields<'_> {
    fn error(&self, column: &str, problem: impl Into<String>) -> RowError {
        RowError { table: self.table, column: column.to_string(), problem: problem.into() }
    }

    fn value(&self, column: &str) -> Result<&Val, RowError> {
        let at = self.row.columns.iter().position(|c| c == column);
        at.and_then(|i| self.row.values.get(i))
            .ok_or_else(|| self.error(column, "not among the columns the query read"))
    }

    fn kind(v: &Val) -> &'static str {
        match v {
            Val::Int(_) => "an integer",
            Val::Text(_) => "text",
            Val::Bytes(_) => "bytes",
            Val::Null => "NULL",
        }
    }

    /// A text column.
    pub fn text(&self, column: &str) -> Result<String, RowError> {
        match self.value(column)? {
            Val::Text(t) => Ok(t.clone()),
            other => Err(self.error(column, format!("{} where text is required", Self::kind(other)))),
        }
    }

    /// An integer column.
    pub fn int(&self, column: &str) -> Result<i64, RowError> {
        match self.value(column)? {
            Val::Int(v) => Ok(*v),
            other => Err(self.error(column, format!("{} where an integer is required", Self::kind(other)))),
        }
    }

    /// A count or sequence number: an integer that is not negative.
    pub fn count(&self, column: &str) -> Result<u64, RowError> {
        let v = self.int(column)?;
        u64::try_from(v).map_err(|_| self.error(column, format!("{v} where a count (0 or more) is required")))
    }

    /// A flag stored as 0 or 1.
    pub fn flag(&self, column: &str) -> Result<bool, RowError> {
        match self.int(column)? {
            0 => Ok(false),
            1 => Ok(true),
            v => Err(self.error(column, format!("{v} where a flag (0 or 1) is required"))),
        }
    }

    /// A bytes column.
    pub fn bytes(&self, column: &str) -> Result<Vec<u8>, RowError> {
        match self.value(column)? {
            Val::Bytes(b) => Ok(b.clone()),
            other => Err(self.error(column, format!("{} where bytes are required", Self::kind(other)))),
        }
    }

    /// A decimal kept as text (money, quantities, coordinates): exact, never through a float.
    pub fn decimal(&self, column: &str) -> Result<Decimal, RowError> {
        let text = self.text(column)?;
        Decimal::from_str_exact(&text).map_err(|_| self.error(column, format!("'{text}' is not a decimal")))
    }

    /// A time kept as RFC 3339 text.
    pub fn timestamp(&self, column: &str) -> Result<jiff::Timestamp, RowError> {
        let text = self.text(column)?;
        text.parse().map_err(|e| self.error(column, format!("'{text}' is not a time: {e}")))
    }

    /// A value kept in its text form (an order's status…), read with its `FromStr`.
    pub fn parse<T>(&self, column: &str) -> Result<T, RowError>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        let text = self.text(column)?;
        text.parse().map_err(|e: T::Err| self.error(column, e.to_string()))
    }

    /// A JSON document kept as text; an empty text (nothing recorded yet) is `null`.
    pub fn json(&self, column: &str) -> Result<serde_json::Value, RowError> {
        let text = self.text(column)?;
        if text.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_str(&text).map_err(|e| self.error(column, format!("not JSON: {e}")))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn row() -> Row {
        let columns: Arc<[String]> =
            ["n", "quantity", "note", "blob", "done", "missing_value"].map(String::from).into();
        Row::new(
            columns,
            vec![
                Val::Int(3),
                Val::Text("1,5".into()),
                Val::Text("x".into()),
                Val::Bytes(vec![1]),
                Val::Int(2),
                Val::Null,
            ],
        )
    }

    #[test]
    fn a_read_is_typed_and_a_bad_value_names_its_table_and_column() {
        let r = row();
        let f = r.of("order_lines");
        assert_eq!(f.int("n").unwrap(), 3);
        assert_eq!(f.count("n").unwrap(), 3);
        assert_eq!(f.text("note").unwrap(), "x");
        assert_eq!(f.bytes("blob").unwrap(), vec![1]);
        let says = |e: RowError, text: &str| assert_eq!(e.to_string(), text);
        says(f.decimal("quantity").unwrap_err(), "stored order_lines.quantity: '1,5' is not a decimal");
        says(f.text("missing_value").unwrap_err(), "stored order_lines.missing_value: NULL where text is required");
        says(
            f.int("missing_value").unwrap_err(),
            "stored order_lines.missing_value: NULL where an integer is required",
        );
        says(f.text("n").unwrap_err(), "stored order_lines.n: an integer where text is required");
        says(f.int("note").unwrap_err(), "stored order_lines.note: text where an integer is required");
        says(f.flag("done").unwrap_err(), "stored order_lines.done: 2 where a flag (0 or 1) is required");
        says(f.text("price").unwrap_err(), "stored order_lines.price: not among the columns the query read");
        assert!(matches!(HqError::from(f.text("price").unwrap_err()), HqError::Internal(_)));
    }

    #[test]
    fn an_empty_json_column_is_null_and_bad_json_is_refused() {
        let columns: Arc<[String]> = ["a", "b", "c"].map(String::from).into();
        let r = Row::new(columns, vec![Val::Text(String::new()), Val::Text("{\"x\":1}".into()), Val::Text("{".into())]);
        let f = r.of("orders");
        assert_eq!(f.json("a").unwrap(), serde_json::Value::Null);
        assert_eq!(f.json("b").unwrap()["x"], 1);
        assert!(f.json("c").unwrap_err().to_string().starts_with("stored orders.c: not JSON"));
    }
}
