//! Identity codes that the law defines, parsed (not merely validated) into newtypes:
//! resident ID numbers (GB 11643-1999) and unified social credit codes (GB 32100-2015),
//! with the masking used on public pages.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An 18-character resident identity number with a valid birth date and check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdNumber(String);

/// An 18-character unified social credit code with a valid check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("身份证号码“{0}”应为 18 位（17 位数字加 1 位数字或 X）")]
    IdShape(String),
    #[error("身份证号码“{0}”中的出生日期无效")]
    IdBirthDate(String),
    #[error("身份证号码“{0}”的校验位不正确")]
    IdCheck(String),
    #[error("统一社会信用代码“{0}”应为 18 位数字或大写字母（不含 I、O、Z、S、V）")]
    CreditShape(String),
    #[error("统一社会信用代码“{0}”的校验位不正确")]
    CreditCheck(String),
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

impl IdNumber {
    pub fn parse(text: &str) -> Result<Self, CodeError> {
        let s = text.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 18
            || !b[..17].iter().all(u8::is_ascii_digit)
            || !(b[17].is_ascii_digit() || b[17] == b'X')
        {
            return Err(CodeError::IdShape(text.to_string()));
        }
        let birth = &s[6..14];
        if chrono::NaiveDate::parse_from_str(birth, "%Y%m%d").is_err() || &s[6..8] < "18" {
            return Err(CodeError::IdBirthDate(text.to_string()));
        }
        if b[17] != Self::check_char(&s[..17]) {
            return Err(CodeError::IdCheck(text.to_string()));
        }
        Ok(IdNumber(s))
    }

    /// The check character for the first 17 digits.
    pub fn check_char(first17: &str) -> u8 {
        let sum: u32 = first17
            .bytes()
            .zip(ID_WEIGHTS)
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        ID_CHECK[(sum % 11) as usize]
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `210212********123X`: region kept, birth date and sequence hidden but the last four.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

const CREDIT_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

impl CreditCode {
    pub fn parse(text: &str) -> Result<Self, CodeError> {
        let s = text.trim().to_ascii_uppercase();
        let values: Option<Vec<u32>> = s
            .bytes()
            .map(|c| CREDIT_CHARS.iter().position(|x| *x == c).map(|p| p as u32))
            .collect();
        let Some(values) = values.filter(|v| v.len() == 18) else {
            return Err(CodeError::CreditShape(text.to_string()));
        };
        if values[17] != Self::check_value(&values[..17]) {
            return Err(CodeError::CreditCheck(text.to_string()));
        }
        Ok(CreditCode(s))
    }

    fn check_value(first17: &[u32]) -> u32 {
        let sum: u32 = first17.iter().zip(CREDIT_WEIGHTS).map(|(v, w)| v * w).sum();
        (31 - sum % 31) % 31
    }

    /// The check character for 17 leading characters (for generating test and demo data).
    pub fn check_char(first17: &str) -> Option<char> {
        let values: Option<Vec<u32>> = first17
            .bytes()
            .map(|c| CREDIT_CHARS.iter().position(|x| *x == c).map(|p| p as u32))
            .collect();
        let values = values.filter(|v| v.len() == 17)?;
        Some(CREDIT_CHARS[Self::check_value(&values) as usize] as char)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_newtype {
    ($t:ident) => {
        impl TryFrom<String> for $t {
            type Error = CodeError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                $t::parse(&value)
            }
        }
        impl From<$t> for String {
            fn from(value: $t) -> Self {
                value.0
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
string_newtype!(IdNumber);
string_newtype!(CreditCode);

/// A person's name on a public page: the family name and `*` for the rest (张**).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

/// Free text as published: the ID numbers and mobile phone numbers written in it are masked as
/// their own fields would be (`110105********002X`, `138****5678`), so that a note or a
/// decision's summary does not publish what the party's fields hide.
pub fn mask_in_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let alnum = |i: usize| chars.get(i).is_some_and(char::is_ascii_alphanumeric);
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && alnum(i - 1)) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut end = i;
        while end < chars.len() && chars[end].is_ascii_digit() {
            end += 1;
        }
        // An ID number's check character may be X.
        if end - i == 17 && matches!(chars.get(end), Some('X' | 'x')) {
            end += 1;
        }
        let run: String = chars[i..end].iter().collect();
        let whole = !alnum(end);
        let shown = match run.len() {
            18 if whole => format!("{}********{}", &run[..6], &run[14..]),
            11 if whole && run.starts_with('1') && matches!(run.as_bytes()[1], b'3'..=b'9') => {
                mask_phone(&run)
            }
            _ => run,
        };
        out.push_str(&shown);
        i = end;
    }
    out
}

/// A phone number on a public page: `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() < 7 {
        return "*".repeat(digits.len());
    }
    let n = digits.len();
    digits[..3]
        .iter()
        .chain(std::iter::repeat_n(&'*', n - 7))
        .chain(digits[n - 4..].iter())
        .collect()
}

#[cfg(test)]
mod tests {

    #[test]
    fn id_and_phone_numbers_written_in_free_text_are_masked() {
        let text = "申请人张三（身份证号11010519491231002X，电话13812345678）对旅市监罚〔2019〕12号决定不服，联系座机0411-86612345，订单号1234567890123456789。";
        let masked = mask_in_text(text);
        assert_eq!(
            masked,
            "申请人张三（身份证号110105********002X，电话138****5678）对旅市监罚〔2019〕12号决定不服，联系座机0411-86612345，订单号1234567890123456789。"
        );
        // Digits inside a longer code are not a number of their own.
        assert_eq!(mask_in_text("A13812345678B"), "A13812345678B");
        assert_eq!(mask_in_text("无"), "无");
    }

    use super::*;

    #[test]
    fn id_numbers_check_their_check_digit_and_birth_date() {
        // GB 11643 example number.
        let id = IdNumber::parse("11010519491231002x").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.masked(), "110105********002X");
        assert!(matches!(
            IdNumber::parse("110105194912310021"),
            Err(CodeError::IdCheck(_))
        ));
        assert!(matches!(
            IdNumber::parse("110105194913310020"),
            Err(CodeError::IdBirthDate(_))
        ));
        assert!(matches!(
            IdNumber::parse("1101051949"),
            Err(CodeError::IdShape(_))
        ));
    }

    #[test]
    fn credit_codes_check_their_check_character() {
        // A published code (GB 32100 example format): 91350100M000100Y43.
        let code = CreditCode::parse("91350100M000100Y43").unwrap();
        assert_eq!(code.as_str(), "91350100M000100Y43");
        assert!(matches!(
            CreditCode::parse("91350100M000100Y44"),
            Err(CodeError::CreditCheck(_))
        ));
        assert!(matches!(
            CreditCode::parse("91350100M000100YI3"),
            Err(CodeError::CreditShape(_))
        ));
        assert_eq!(CreditCode::check_char("91350100M000100Y4"), Some('3'));
    }

    #[test]
    fn personal_data_is_masked() {
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("12"), "**");
    }
}
