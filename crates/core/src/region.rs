//! Administrative region codes (GB/T 2260, extended by the statistical codes for
//! townships/streets and villages/communities).
//!
//! Six digits name a province (`210000`), a prefecture-level city (`210200`) or a county-level
//! district (`210212`); nine digits a township or street (`210212001`); twelve digits a village or
//! community (`210212001001`), where grids live. `000000` stands for the installation itself:
//! its hash chain holds events that belong to no one region (national holiday data, failed
//! logins by unknown names).

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "210212"))]
pub struct RegionCode(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    Installation,
    Province,
    City,
    County,
    Township,
    Village,
}

impl RegionLevel {
    /// How many leading digits identify a region of this level.
    fn significant_digits(self) -> usize {
        match self {
            RegionLevel::Installation => 0,
            RegionLevel::Province => 2,
            RegionLevel::City => 4,
            RegionLevel::County => 6,
            RegionLevel::Township => 9,
            RegionLevel::Village => 12,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            RegionLevel::Installation => "installation",
            RegionLevel::Province => "province",
            RegionLevel::City => "city",
            RegionLevel::County => "county",
            RegionLevel::Township => "township",
            RegionLevel::Village => "village",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionCodeError {
    #[error("区划代码“{0}”应为 6、9 或 12 位数字 (GB/T 2260)")]
    Shape(String),
    #[error("区划代码“{0}”的省级部分为 00，只有 000000 可以这样写")]
    NoProvince(String),
}

impl RegionCode {
    pub const INSTALLATION: &'static str = "000000";

    pub fn parse(text: &str) -> Result<Self, RegionCodeError> {
        let text = text.trim();
        let digits_only = text.bytes().all(|b| b.is_ascii_digit());
        if !digits_only || !matches!(text.len(), 6 | 9 | 12) {
            return Err(RegionCodeError::Shape(text.to_string()));
        }
        if text.starts_with("00") && text != Self::INSTALLATION {
            return Err(RegionCodeError::NoProvince(text.to_string()));
        }
        Ok(RegionCode(text.to_string()))
    }

    pub fn installation() -> Self {
        RegionCode(Self::INSTALLATION.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> RegionLevel {
        match self.0.len() {
            9 => RegionLevel::Township,
            12 => RegionLevel::Village,
            _ if self.0 == Self::INSTALLATION => RegionLevel::Installation,
            _ if &self.0[2..] == "0000" => RegionLevel::Province,
            _ if &self.0[4..] == "00" => RegionLevel::City,
            _ => RegionLevel::County,
        }
    }

    /// The parent region the code itself implies (a registry may say otherwise, e.g. for
    /// districts of a municipality, whose city-level code `xx0100` is a statistical grouping).
    pub fn implied_parent(&self) -> Option<RegionCode> {
        let parent = match self.level() {
            RegionLevel::Installation => return None,
            RegionLevel::Province => Self::INSTALLATION.to_string(),
            RegionLevel::City => format!("{}0000", &self.0[..2]),
            RegionLevel::County => format!("{}00", &self.0[..4]),
            RegionLevel::Township => self.0[..6].to_string(),
            RegionLevel::Village => self.0[..9].to_string(),
        };
        Some(RegionCode(parent))
    }

    /// The leading digits that every region inside this one shares (`2102` for 210200).
    pub fn significant_prefix(&self) -> &str {
        &self.0[..self.level().significant_digits()]
    }

    /// True when `self` is `other` or lies inside it.
    pub fn is_within(&self, other: &RegionCode) -> bool {
        let level = other.level();
        if level == RegionLevel::Installation {
            return true;
        }
        let n = level.significant_digits();
        self.level() >= level && self.0.len() >= n && self.0[..n] == other.0[..n]
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = RegionCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        RegionCode::parse(&value)
    }
}

impl From<RegionCode> for String {
    fn from(value: RegionCode) -> Self {
        value.0
    }
}

impl std::str::FromStr for RegionCode {
    type Err = RegionCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RegionCode::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn levels_follow_the_code_shape() {
        assert_eq!(code("210000").level(), RegionLevel::Province);
        assert_eq!(code("210200").level(), RegionLevel::City);
        assert_eq!(code("210212").level(), RegionLevel::County);
        assert_eq!(code("210212001").level(), RegionLevel::Township);
        assert_eq!(code("210212001001").level(), RegionLevel::Village);
        assert_eq!(code("000000").level(), RegionLevel::Installation);
    }

    #[test]
    fn malformed_codes_are_refused_with_the_reason() {
        assert!(matches!(
            RegionCode::parse("2102"),
            Err(RegionCodeError::Shape(_))
        ));
        assert!(matches!(
            RegionCode::parse("21021a"),
            Err(RegionCodeError::Shape(_))
        ));
        assert!(matches!(
            RegionCode::parse("001200"),
            Err(RegionCodeError::NoProvince(_))
        ));
        let message = RegionCode::parse("12").unwrap_err().to_string();
        assert!(message.contains("“12”"), "{message}");
    }

    #[test]
    fn containment_follows_the_hierarchy() {
        let district = code("210212");
        assert!(district.is_within(&code("210200")));
        assert!(district.is_within(&code("210000")));
        assert!(district.is_within(&district));
        assert!(district.is_within(&RegionCode::installation()));
        assert!(code("210212001001").is_within(&district));
        assert!(!district.is_within(&code("210211")));
        assert!(!code("210200").is_within(&district));
        assert!(!district.is_within(&code("210300")));
    }

    #[test]
    fn prefixes_select_exactly_the_regions_inside() {
        assert_eq!(code("210000").significant_prefix(), "21");
        assert_eq!(code("210200").significant_prefix(), "2102");
        assert_eq!(code("210210").significant_prefix(), "210210");
        assert_eq!(code("210212001").significant_prefix(), "210212001");
        assert_eq!(RegionCode::installation().significant_prefix(), "");
    }

    #[test]
    fn implied_parents_walk_up_to_the_installation() {
        let mut chain = vec![];
        let mut at = Some(code("210212001001"));
        while let Some(c) = at {
            chain.push(c.to_string());
            at = c.implied_parent();
        }
        assert_eq!(
            chain,
            [
                "210212001001",
                "210212001",
                "210212",
                "210200",
                "210000",
                "000000"
            ]
        );
    }
}
