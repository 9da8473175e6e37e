//! Changing a configuration without retyping it: `KEY=VALUE` edits applied to the TOML
//! text (comments, order and layout kept), and the split between what is the store's and
//! what is one register's.
//!
//! Keys are dotted paths into the file (`tax_classes.standard`, `receipt.header`,
//! `returns.window_days`). A value keeps the type the file already has for the key: a tax
//! rate is text in the file (`"19"`), so `tax_classes.standard=9` writes `"9"`; a window in
//! days is a number, so `returns.window_days=30` writes `30`; a list is written as TOML
//! (`receipt.header=["Harbour & Co", "Amsterdam"]`). A key the file does not have yet
//! takes the type its kind of setting has (see [`DECIMAL_TEXT_KEYS`]), else the value as
//! TOML, else the value as text. The edited text is then validated as a whole by
//! [`crate::RegisterConfig::parse`]; nothing here judges a value's meaning.

use toml_edit::{DocumentMut, Item, Table, TableLike, Value};

/// The sections that belong to one register (its devices); everything else but the
/// identity belongs to the store.
pub const REGISTER_SECTIONS: &[&str] = &["printer", "scale", "display", "scanner", "peers"];

/// Keys that name who the configuration is for: never edited, never copied between
/// registers.
pub const IDENTITY_KEYS: &[&str] = &["store", "register"];

/// Keys (or key prefixes ending in `.`) whose values the file holds as decimal text, so a
/// new one given as a number is written as text.
pub const DECIMAL_TEXT_KEYS: &[&str] =
    &["tax_classes.", "returns.restocking_fee_percent.", "permissions.", "cash_rounding", "scale.tare_kg"];

/// An edit that cannot be applied, naming the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// Not `KEY=VALUE`.
    #[error("'{0}' is not KEY=VALUE (e.g. tax_classes.standard=9)")]
    NotAnEdit(String),
    /// The key is empty or has an empty part.
    #[error("'{0}' is not a key (dotted names such as receipt.width)")]
    BadKey(String),
    /// The key names the store or register: identity, not a setting.
    #[error("{0}: the store and register ids are the register's identity and cannot be changed")]
    Identity(String),
    /// The value does not fit the type the file has for the key.
    #[error("{key}: {message}")]
    Value {
        /// The key.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// A part of the key is a value, not a section.
    #[error("{key}: '{part}' is a value, not a section")]
    NotASection {
        /// The key.
        key: String,
        /// The part that is not a table.
        part: String,
    },
    /// The text edited is not TOML.
    #[error("the configuration is not TOML: {0}")]
    Text(String),
}

/// Who a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyScope {
    /// `store` and `register`: identity, not editable.
    Identity,
    /// The store's, the same at every register of the store.
    Store,
    /// One register's (its devices).
    Register,
}

/// One `KEY=VALUE` edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The dotted key.
    pub key: String,
    /// The value as typed.
    pub value: String,
}

impl Edit {
    /// Reads `KEY=VALUE` (spaces around either side trimmed).
    pub fn parse(text: &str) -> Result<Edit, EditError> {
        let (key, value) = text.split_once('=').ok_or_else(|| EditError::NotAnEdit(text.to_string()))?;
        let key = key.trim();
        if key.is_empty() || key.split('.').any(|p| p.trim().is_empty()) {
            return Err(EditError::BadKey(key.to_string()));
        }
        Ok(Edit { key: key.to_string(), value: value.trim().to_string() })
    }

    /// Who the key belongs to.
    pub fn scope(&self) -> KeyScope {
        scope_of(&self.key)
    }
}

/// Who `key` belongs to.
pub fn scope_of(key: &str) -> KeyScope {
    let first = key.split('.').next().unwrap_or_default();
    if IDENTITY_KEYS.contains(&key) {
        KeyScope::Identity
    } else if REGISTER_SECTIONS.contains(&first) {
        KeyScope::Register
    } else {
        KeyScope::Store
    }
}

fn document(text: &str) -> Result<DocumentMut, EditError> {
    text.parse::<DocumentMut>().map_err(|e| EditError::Text(e.to_string().trim().to_string()))
}

/// Applies `edits` in order to the configuration `text`; returns the new text. Identity
/// keys are refused. The result is not validated here (see [`crate::RegisterConfig::parse`]).
pub fn apply(text: &str, edits: &[Edit]) -> Result<String, EditError> {
    let mut doc = document(text)?;
    for edit in edits {
        set(doc.as_table_mut(), edit)?;
    }
    Ok(doc.to_string())
}

fn set(root: &mut Table, edit: &Edit) -> Result<(), EditError> {
    if edit.scope() == KeyScope::Identity {
        return Err(EditError::Identity(edit.key.clone()));
    }
    let parts: Vec<&str> = edit.key.split('.').map(str::trim).collect();
    let (last, sections) = parts.split_last().ok_or_else(|| EditError::BadKey(edit.key.clone()))?;
    let mut table: &mut dyn TableLike = root;
    for part in sections {
        let item = table.entry(part).or_insert(Item::Table(Table::new()));
        // A section written `[returns]` or inline (`category_window_days = { Coffee = 14 }`).
        table = item
            .as_table_like_mut()
            .ok_or_else(|| EditError::NotASection { key: edit.key.clone(), part: (*part).to_string() })?;
    }
    let value = value_for(table.get(last).and_then(Item::as_value), edit)?;
    match table.get_mut(last).and_then(Item::as_value_mut) {
        // The new value keeps the old one's comments and spacing.
        Some(old) => {
            let decor = old.decor().clone();
            *old = value;
            *old.decor_mut() = decor;
        }
        None => {
            table.insert(last, Item::Value(value));
        }
    }
    Ok(())
}

/// The value `edit` writes where the file holds `old` (if anything).
fn value_for(old: Option<&Value>, edit: &Edit) -> Result<Value, EditError> {
    let raw = edit.value.as_str();
    let as_toml = raw.parse::<Value>().ok();
    let bad = |message: String| EditError::Value { key: edit.key.clone(), message };
    let text = || match &as_toml {
        Some(Value::String(s)) => Value::from(s.value().as_str()),
        _ => Value::from(raw),
    };
    match old {
        Some(Value::String(_)) => Ok(text()),
        Some(old) => {
            let new = as_toml.ok_or_else(|| bad(format!("'{raw}' is not {}", kind(old))))?;
            if kind(&new) != kind(old) {
                return Err(bad(format!("'{raw}' is {}; the file has {} here", kind(&new), kind(old))));
            }
            Ok(new)
        }
        None => {
            let decimal_text = DECIMAL_TEXT_KEYS
                .iter()
                .any(|k| if k.ends_with('.') { edit.key.starts_with(k) } else { edit.key == *k });
            Ok(match as_toml {
                Some(Value::Integer(_) | Value::Float(_)) if decimal_text => Value::from(raw),
                Some(v) => v,
                None => Value::from(raw),
            })
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "text",
        Value::Integer(_) => "a whole number",
        Value::Float(_) => "a decimal number",
        Value::Boolean(_) => "true or false",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "a list",
        Value::InlineTable(_) => "a table",
    }
}

/// The store's part of a configuration: the text without the register's id and device
/// sections (what HQ keeps for the whole store).
pub fn store_part(text: &str) -> Result<String, EditError> {
    let mut doc = document(text)?;
    doc.remove("register");
    for section in REGISTER_SECTIONS {
        doc.remove(section);
    }
    Ok(doc.to_string())
}

/// One register's part of a configuration: its device sections only ("" when none).
pub fn register_part(text: &str) -> Result<String, EditError> {
    let doc = document(text)?;
    let mut out = DocumentMut::new();
    for section in REGISTER_SECTIONS {
        if let Some(item) = doc.get(section) {
            out.insert(section, item.clone());
        }
    }
    Ok(out.to_string().trim_start().to_string())
}

/// The configuration of register `register`: the store's part with the register's id and
/// its device sections (`overrides`, as [`register_part`] gives them) in place of any the
/// store's text has.
pub fn compose(store_text: &str, register: &str, overrides: &str) -> Result<String, EditError> {
    let mut doc = document(&store_part(store_text)?)?;
    doc.insert("register", toml_edit::value(register));
    let extra = document(overrides)?;
    for (key, item) in extra.iter() {
        if REGISTER_SECTIONS.contains(&key) {
            doc.insert(key, item.clone());
        }
    }
    Ok(doc.to_string())
}

/// The values of a configuration as `key = value` lines, sorted by key (tables flattened
/// to dotted keys), for showing and comparing.
pub fn flatten(text: &str) -> Result<Vec<(String, String)>, EditError> {
    let doc = document(text)?;
    let mut out = Vec::new();
    walk("", doc.as_table(), &mut out);
    out.sort();
    Ok(out)
}

fn walk(prefix: &str, table: &Table, out: &mut Vec<(String, String)>) {
    for (key, item) in table.iter() {
        let path = if prefix.is_empty() { key.to_string() } else { format!("{prefix}.{key}") };
        match item {
            Item::Table(t) => walk(&path, t, out),
            Item::Value(Value::InlineTable(t)) => {
                for (k, v) in t.iter() {
                    out.push((format!("{path}.{k}"), v.clone().decorated("", "").to_string()));
                }
            }
            Item::Value(v) => out.push((path, v.clone().decorated("", "").to_string())),
            Item::ArrayOfTables(a) => out.push((path, format!("[{} tables]", a.len()))),
            Item::None => {}
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const TEXT: &str = r#"# Harbour & Co
store = "S1"
register = "R1"
currency = "EUR"
prices_include_tax = true
default_tax_class = "standard"

[tax_classes]
standard = "21"   # VAT
reduced = "9"

[receipt]
header = ["Harbour & Co"]
width = 42

[printer]
url = "tcp://p:9100"
"#;

    fn edit(text: &str, edits: &[&str]) -> Result<String, EditError> {
        let edits: Vec<Edit> = edits.iter().map(|e| Edit::parse(e)).collect::<Result<_, _>>()?;
        apply(text, &edits)
    }

    #[test]
    fn an_edit_keeps_the_type_the_file_has_and_the_rest_of_the_file() {
        let out = edit(TEXT, &["tax_classes.standard=9", "receipt.width=48", "prices_include_tax=false"]).unwrap();
        assert!(out.contains("standard = \"9\"   # VAT"), "text kept as text, comment kept:\n{out}");
        assert!(out.contains("width = 48\n") && out.contains("prices_include_tax = false\n"), "{out}");
        assert!(out.starts_with("# Harbour & Co\n"), "{out}");
        let out = edit(TEXT, &[r#"receipt.header=["Harbour & Co", "Amsterdam"]"#]).unwrap();
        assert!(out.contains(r#"header = ["Harbour & Co", "Amsterdam"]"#), "{out}");
        let inline = format!("{TEXT}\n[returns]\ncategory_window_days = {{ Coffee = 14 }}\n");
        let out =
            edit(&inline, &["returns.category_window_days.Coffee=7", "returns.category_window_days.Tea=10"]).unwrap();
        let values = flatten(&out).unwrap();
        assert!(out.contains("category_window_days = { Coffee = 7"), "an inline table stays inline:\n{out}");
        assert!(values.contains(&("returns.category_window_days.Tea".into(), "10".into())), "{values:?}");
        let out = edit(TEXT, &["tax_classes.zero=0", "returns.window_days=30", "currency=\"USD\""]).unwrap();
        assert!(out.contains("zero = \"0\""), "a new rate is text like the others:\n{out}");
        assert!(out.contains("[returns]\nwindow_days = 30\n"), "a new section:\n{out}");
        assert!(out.contains("currency = \"USD\"\n"), "a quoted value is unquoted for a text key:\n{out}");
    }

    #[test]
    fn bad_edits_name_the_key() {
        assert_eq!(
            edit(TEXT, &["receipt.width=wide"]).unwrap_err().to_string(),
            "receipt.width: 'wide' is not a whole number"
        );
        assert_eq!(
            edit(TEXT, &["receipt.header=Harbour"]).unwrap_err().to_string(),
            "receipt.header: 'Harbour' is not a list"
        );
        assert_eq!(
            edit(TEXT, &["prices_include_tax=1"]).unwrap_err().to_string(),
            "prices_include_tax: '1' is a whole number; the file has true or false here"
        );
        assert_eq!(
            edit(TEXT, &["register=R2"]).unwrap_err().to_string(),
            "register: the store and register ids are the register's identity and cannot be changed"
        );
        assert_eq!(edit(TEXT, &["currency"]).unwrap_err(), EditError::NotAnEdit("currency".into()));
        assert_eq!(edit(TEXT, &["tax_classes..x=1"]).unwrap_err(), EditError::BadKey("tax_classes..x".into()));
        assert_eq!(
            edit(TEXT, &["currency.code=EUR"]).unwrap_err().to_string(),
            "currency.code: 'currency' is a value, not a section"
        );
    }

    #[test]
    fn the_store_and_register_parts_compose_back_into_a_registers_config() {
        assert_eq!(scope_of("printer.url"), KeyScope::Register);
        assert_eq!(scope_of("tax_classes.standard"), KeyScope::Store);
        assert_eq!(scope_of("store"), KeyScope::Identity);
        let store = store_part(TEXT).unwrap();
        assert!(!store.contains("register =") && !store.contains("[printer]"), "{store}");
        let mine = register_part(TEXT).unwrap();
        assert_eq!(mine, "[printer]\nurl = \"tcp://p:9100\"\n");
        let r2 = compose(&store, "R2", "[scale]\nport = \"/dev/ttyUSB1\"\n").unwrap();
        assert!(r2.contains("register = \"R2\"") && r2.contains("[scale]") && !r2.contains("[printer]"), "{r2}");
        let values = flatten(&r2).unwrap();
        assert!(values.contains(&("tax_classes.standard".into(), "\"21\"".into())), "{values:?}");
        assert!(values.contains(&("register".into(), "\"R2\"".into())), "{values:?}");
    }
}
