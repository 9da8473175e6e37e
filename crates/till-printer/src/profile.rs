//! Printer profiles: what a model's paper holds (dots, columns per font), the number it
//! selects each code page with, and which commands it understands — so Till never sends a
//! QR code to a printer that would print it as garbage. The data is
//! `assets/printers/profiles.toml` (from escpos-printer-db, CC BY 4.0), built in.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::codepage::{CodePage, page};

/// One printer model.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
pub struct Profile {
    /// The key configurations name it by (`TM-T20III`).
    #[serde(skip_deserializing)]
    pub id: String,
    /// Model name.
    pub name: String,
    /// Maker.
    pub vendor: String,
    /// Printable width in millimetres.
    pub paper_mm: u16,
    /// Printable dots per line (the widest logo).
    pub dots: u16,
    /// Characters per line in font A and font B.
    pub columns: [u16; 2],
    /// Code page name → `n` of ESC t on this model.
    pub code_pages: BTreeMap<String, u8>,
    /// Prints QR codes (GS ( k).
    pub qr: bool,
    /// Prints Code 128 barcodes (GS k 73).
    pub code128: bool,
    /// Prints raster images (GS v 0).
    pub raster: bool,
    /// Has an auto-cutter (GS V).
    pub cut: bool,
}

/// The font a number of columns needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Font {
    /// The larger font (ESC M 0).
    A,
    /// The smaller font (ESC M 1).
    B,
}

/// Why a profile cannot print as configured.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProfileError {
    /// No such profile.
    #[error("printer profile '{0}' is not known; known profiles: {1}")]
    Unknown(String, String),
    /// The model lacks the page (or Till has no table for it).
    #[error("printer profile '{profile}' has no code page '{page}'; it has {have}")]
    NoPage {
        /// Profile.
        profile: String,
        /// The page asked for.
        page: String,
        /// The pages it has.
        have: String,
    },
    /// More columns than either font fits.
    #[error("printer profile '{profile}' prints at most {max} columns ({a} in font A, {b} in font B), not {columns}")]
    TooWide {
        /// Profile.
        profile: String,
        /// Columns asked for.
        columns: u16,
        /// Font A columns.
        a: u16,
        /// Font B columns.
        b: u16,
        /// The most it prints.
        max: u16,
    },
}

/// Every built-in profile, by id.
pub fn profiles() -> &'static [Profile] {
    static PROFILES: OnceLock<Vec<Profile>> = OnceLock::new();
    PROFILES.get_or_init(|| {
        let table: BTreeMap<String, Profile> = toml::from_str(include_str!("../../../assets/printers/profiles.toml"))
            .expect("assets/printers/profiles.toml is checked by the crate's tests");
        table.into_iter().map(|(id, p)| Profile { id, ..p }).collect()
    })
}

/// The profile `id` (case-insensitive).
pub fn profile(id: &str) -> Result<&'static Profile, ProfileError> {
    profiles().iter().find(|p| p.id.eq_ignore_ascii_case(id)).ok_or_else(|| {
        ProfileError::Unknown(id.to_string(), profiles().iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", "))
    })
}

impl Profile {
    /// Code page `name` as this model selects it.
    pub fn code_page(&self, name: &str) -> Result<CodePage, ProfileError> {
        let found = self.code_pages.iter().find(|(k, _)| k.eq_ignore_ascii_case(name));
        match (found, page(name)) {
            (Some((_, n)), Some(mut p)) => {
                p.esc_t = *n;
                Ok(p)
            }
            _ => Err(ProfileError::NoPage {
                profile: self.id.clone(),
                page: name.to_string(),
                have: self.code_pages.keys().cloned().collect::<Vec<_>>().join(", "),
            }),
        }
    }

    /// The font that fits `columns` characters a line: A if it does (narrower lines are
    /// left-aligned on the paper), else B.
    pub fn font_for(&self, columns: u16) -> Result<Font, ProfileError> {
        let [a, b] = self.columns;
        if columns <= a {
            Ok(Font::A)
        } else if columns <= b {
            Ok(Font::B)
        } else {
            Err(ProfileError::TooWide { profile: self.id.clone(), columns, a, b, max: a.max(b) })
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_profile_reads_and_names_only_pages_till_has() {
        assert!(profiles().len() >= 8);
        for p in profiles() {
            assert!(!p.code_pages.is_empty(), "{}", p.id);
            for name in p.code_pages.keys() {
                assert!(p.code_page(name).is_ok(), "{}: {name}", p.id);
            }
            assert!(p.columns[0] >= 32 && p.dots >= 384, "{}", p.id);
        }
    }

    #[test]
    fn a_page_takes_the_profiles_number_and_a_missing_one_is_refused() {
        let t20 = profile("tm-t20iii").unwrap();
        assert_eq!(t20.code_page("CP858").unwrap().esc_t, 19);
        let m30 = profile("TM-m30III").unwrap();
        let e = m30.code_page("CP858").unwrap_err().to_string();
        assert!(e.contains("no code page 'CP858'") && e.contains("WPC1252"), "{e}");
        assert!(profile("TM-X").unwrap_err().to_string().contains("known profiles: POS-5890"));
    }

    #[test]
    fn columns_pick_the_font_that_fits() {
        let t20 = profile("TM-T20III").unwrap();
        assert_eq!(t20.font_for(42).unwrap(), Font::A);
        assert_eq!(t20.font_for(48).unwrap(), Font::A);
        assert_eq!(t20.font_for(64).unwrap(), Font::B);
        let zj = profile("ZJ-5870").unwrap();
        assert_eq!(zj.font_for(32).unwrap(), Font::A);
        assert!(zj.font_for(42).unwrap_err().to_string().contains("at most 32 columns"));
    }
}
