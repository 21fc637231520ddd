//! 统一社会信用代码 (Unified Social Credit Code), GB 32100-2015.
//!
//! Parsed once at the edge into [`CreditCode`]; code that holds one knows it is valid.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The 31 characters a credit code may use (no I, O, S, V, Z).
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1–17 for the check character.
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// A valid 18-character credit code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CreditCode(String);

/// Why a string is not a credit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("统一社会信用代码应为18位，实际为{0}位")]
    WrongLength(usize),
    #[error("统一社会信用代码第{position}位的字符“{found}”不在允许的字符集内")]
    BadCharacter { position: usize, found: char },
    #[error("统一社会信用代码第3–8位应为行政区划代码数字，实际为“{0}”")]
    RegionNotDigits(String),
    #[error("统一社会信用代码校验位错误：应为“{expected}”，实际为“{found}”")]
    CheckCharacter { expected: char, found: char },
}

fn value_of(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|p| p as u32)
}

impl CreditCode {
    /// Parses a code, ignoring surrounding blanks and letter case; full-width characters, as
    /// some spreadsheets carry them, are folded to ASCII.
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let folded: String = input
            .trim()
            .chars()
            .map(|c| match c {
                '\u{FF10}'..='\u{FF5A}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            })
            .collect::<String>()
            .to_ascii_uppercase();
        let n_chars = folded.chars().count();
        if n_chars != 18 {
            return Err(CreditCodeError::WrongLength(n_chars));
        }
        let bytes = folded.as_bytes();
        let mut sum = 0u32;
        for (i, &b) in bytes.iter().enumerate() {
            let value =
                value_of(b).ok_or(CreditCodeError::BadCharacter { position: i + 1, found: b as char })?;
            if i < 17 {
                sum += value * WEIGHTS[i];
            }
        }
        let region = &folded[2..8];
        if !region.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CreditCodeError::RegionNotDigits(region.to_string()));
        }
        let expected = CHARSET[((31 - sum % 31) % 31) as usize] as char;
        let found = bytes[17] as char;
        if expected != found {
            return Err(CreditCodeError::CheckCharacter { expected, found });
        }
        Ok(CreditCode(folded))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Positions 3–8: the 行政区划代码 of the registering authority.
    pub fn region_digits(&self) -> &str {
        &self.0[2..8]
    }

    /// The registering authority's division (positions 3–8), when it is a known division.
    pub fn region(&self) -> Option<super::RegionCode> {
        let code = super::RegionCode::parse(self.region_digits())?;
        super::regions().get(code).map(|r| r.code)
    }

    /// Builds a valid code from its first 17 characters by appending the check character.
    /// Used by the generator; the body must use only the code's charset.
    pub fn with_check_character(body17: &str) -> Option<Self> {
        if body17.len() != 17 {
            return None;
        }
        let mut sum = 0;
        for (i, b) in body17.bytes().enumerate() {
            sum += value_of(b)? * WEIGHTS[i];
        }
        let check = CHARSET[((31 - sum % 31) % 31) as usize] as char;
        CreditCode::parse(&format!("{body17}{check}")).ok()
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for CreditCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CreditCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        CreditCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for CreditCode {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CreditCode".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$", "description": "统一社会信用代码 (GB 32100-2015)"})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 200 real codes from python-stdnum's test suite (see tests/fixtures/README.md).
    const VALID: &str = include_str!("../../tests/fixtures/uscc-valid.txt");

    #[test]
    fn every_real_code_parses() {
        let mut n = 0;
        for line in VALID.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
            let code = CreditCode::parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(code.as_str(), line.trim());
            n += 1;
        }
        assert_eq!(n, 200);
    }

    #[test]
    fn a_wrong_check_character_is_rejected_with_the_expected_one() {
        assert_eq!(
            CreditCode::parse("91110000600037341N"),
            Err(CreditCodeError::CheckCharacter { expected: 'L', found: 'N' })
        );
    }

    #[test]
    fn characters_outside_the_charset_are_rejected_with_their_position() {
        assert_eq!(
            CreditCode::parse("9111000060003IOZSV"),
            Err(CreditCodeError::BadCharacter { position: 14, found: 'I' })
        );
    }

    #[test]
    fn length_and_region_digits_are_checked() {
        assert_eq!(CreditCode::parse("9111"), Err(CreditCodeError::WrongLength(4)));
        // Valid charset and check character but letters in positions 3–8.
        let code = CreditCode::with_check_character("91A10000600037341");
        assert!(code.is_none());
    }

    #[test]
    fn lower_case_and_blanks_are_folded() {
        let code = CreditCode::parse(" 91152201078377449p ").unwrap();
        assert_eq!(code.as_str(), "91152201078377449P");
        assert_eq!(code.region_digits(), "152201");
    }

    #[test]
    fn every_single_character_change_of_a_valid_code_is_caught() {
        let code = "91152201078377449P";
        for i in 0..18 {
            for &c in CHARSET.iter() {
                let mut b = code.as_bytes().to_vec();
                if b[i] == c {
                    continue;
                }
                b[i] = c;
                let s = String::from_utf8(b).unwrap();
                assert!(CreditCode::parse(&s).is_err(), "{s} should be rejected");
            }
        }
    }
}
