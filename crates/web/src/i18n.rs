//! Interface text in zh-CN (the default) and en, from the locale files embedded in the binary.
//!
//! The language comes from the `lang` cookie, else from `Accept-Language`, else Chinese.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(text: &str) -> Option<Lang> {
        let text = text.trim().to_ascii_lowercase();
        if text.starts_with("zh") {
            Some(Lang::Zh)
        } else if text.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    pub fn from_headers(headers: &axum::http::HeaderMap) -> Lang {
        if let Some(lang) = crate::session::cookie(headers, "lang").and_then(|v| Lang::parse(&v)) {
            return lang;
        }
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(Lang::parse)
            .unwrap_or(Lang::Zh)
    }

    pub fn texts(self) -> Tr {
        Tr(self)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::from_headers(&parts.headers))
    }
}

const ZH: &str = include_str!("../locales/zh-CN.toml");
const EN: &str = include_str!("../locales/en.toml");

type Table = HashMap<String, String>;

fn flatten(prefix: &str, value: &toml::Value, out: &mut Table) {
    match value {
        toml::Value::Table(table) => {
            for (key, value) in table {
                let key = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&key, value, out);
            }
        }
        toml::Value::String(text) => {
            out.insert(prefix.to_string(), text.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

fn parse(source: &str, name: &str) -> Table {
    let value: toml::Value = toml::from_str(source)
        .unwrap_or_else(|e| panic!("locale file {name} is not valid TOML: {e}"));
    let mut out = Table::new();
    flatten("", &value, &mut out);
    out
}

fn tables() -> &'static (Table, Table) {
    static TABLES: OnceLock<(Table, Table)> = OnceLock::new();
    TABLES.get_or_init(|| (parse(ZH, "zh-CN.toml"), parse(EN, "en.toml")))
}

/// The texts of one language; templates call `t.get("nav.home")`.
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub Lang);

impl Tr {
    /// The text for `key`; a missing key shows itself, so it is noticed rather than blank.
    pub fn get<'a>(&self, key: &'a str) -> &'a str
    where
        'static: 'a,
    {
        let (zh, en) = tables();
        let table = match self.0 {
            Lang::Zh => zh,
            Lang::En => en,
        };
        table.get(key).map(String::as_str).unwrap_or(key)
    }

    /// The text for `key` with `{name}` placeholders filled in.
    pub fn fill(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut text = self.get(key).to_string();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// The label of a code in a group, e.g. `label("role", "admin")`.
    pub fn label(&self, group: &str, code: &str) -> String {
        let (zh, en) = tables();
        let table = match self.0 {
            Lang::Zh => zh,
            Lang::En => en,
        };
        table
            .get(&format!("{group}.{code}"))
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    pub fn lang(&self) -> &'static str {
        self.0.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_locales_have_the_same_keys() {
        let (zh, en) = tables();
        let mut missing_en: Vec<_> = zh.keys().filter(|k| !en.contains_key(*k)).collect();
        let mut missing_zh: Vec<_> = en.keys().filter(|k| !zh.contains_key(*k)).collect();
        missing_en.sort();
        missing_zh.sort();
        assert!(missing_en.is_empty(), "missing in en.toml: {missing_en:?}");
        assert!(
            missing_zh.is_empty(),
            "missing in zh-CN.toml: {missing_zh:?}"
        );
    }

    #[test]
    fn every_role_and_department_kind_has_a_label() {
        for lang in [Lang::Zh, Lang::En] {
            let t = lang.texts();
            for role in fazhi_core::Role::ALL {
                assert_ne!(t.label("role", role.code()), role.code());
            }
            for kind in fazhi_core::DepartmentKind::ALL {
                assert_ne!(t.label("kind", kind.code()), kind.code());
            }
        }
    }

    #[test]
    fn placeholders_are_filled_and_languages_parsed() {
        let t = Lang::Zh.texts();
        assert_eq!(t.fill("home.welcome", &[("name", "张三")]), "您好，张三");
        assert_eq!(Lang::parse("en-US"), Some(Lang::En));
        assert_eq!(Lang::parse("zh-Hans-CN"), Some(Lang::Zh));
        assert_eq!(Lang::parse("fr"), None);
    }
}
