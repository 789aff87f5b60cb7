//! Who is told what, as data. A write of a case derives its notices ([`Notice`]: a kind and
//! its parameters); [`resolve`] finds the people behind them and makes the rows the store
//! writes in the same transaction as the event that causes them. An in-app notice keeps its
//! kind and parameters, so that the console renders it in its reader's language
//! ([`render_stored`]); its Chinese text is kept too. Messages to outside addresses are
//! rendered here, in Chinese. The texts are in `locales/zh-CN.toml` and `locales/en.toml`,
//! keyed by kind.

use fazhi_store::Store;
use fazhi_store::cases::{NoticeRow, OutboxMessage};
use fazhi_store::notifications::{EMAIL, WEBHOOK};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// What somebody is told about a case.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// The staff of a department, except the one who acted, hear of a case in the console.
    Department {
        department: String,
        /// The actor (`user:<id>`) who caused it, who is not told of their own act.
        except: String,
        kind: NoticeKind,
        case_id: String,
        params: BTreeMap<&'static str, String>,
    },
    /// One member of staff hears of a case in the console (the person it is assigned to).
    Person {
        user_id: String,
        kind: NoticeKind,
        case_id: String,
        params: BTreeMap<&'static str, String>,
    },
    /// A message to an address outside (the applicant's e-mail, the alert webhook).
    Outside {
        channel: Channel,
        target: String,
        kind: NoticeKind,
        params: BTreeMap<&'static str, String>,
        /// For a webhook: the JSON body it receives (the text is its subject).
        payload: Option<serde_json::Value>,
    },
}

/// The kinds of notice, each with its texts in the locale file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    CaseCreated,
    CaseHandedOver,
    CaseAssigned,
    DeadlineDueSoon,
    DeadlineOverdue,
    ApplicantStateChanged,
}

impl NoticeKind {
    /// The kind's code: the key of its texts, and what an in-app notice records.
    pub fn code(self) -> &'static str {
        match self {
            NoticeKind::CaseCreated => "case.created",
            NoticeKind::CaseHandedOver => "case.handed_over",
            NoticeKind::CaseAssigned => "case.assigned",
            NoticeKind::DeadlineDueSoon => "deadline.due_soon",
            NoticeKind::DeadlineOverdue => "deadline.overdue",
            NoticeKind::ApplicantStateChanged => "applicant.state_changed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Webhook,
}

/// The rendered title and body of a notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub title: String,
    pub body: String,
}

type Catalogue = BTreeMap<String, BTreeMap<String, String>>;

fn parse_catalogue(text: &str) -> Catalogue {
    #[derive(serde::Deserialize)]
    struct File {
        notice: Catalogue,
    }
    let file: File = toml::from_str(text).expect("the notice texts are tested to parse");
    file.notice
}

/// The texts, in Chinese or in English.
fn catalogue(english: bool) -> &'static Catalogue {
    static ZH: OnceLock<Catalogue> = OnceLock::new();
    static EN: OnceLock<Catalogue> = OnceLock::new();
    if english {
        EN.get_or_init(|| parse_catalogue(include_str!("../locales/en.toml")))
    } else {
        ZH.get_or_init(|| parse_catalogue(include_str!("../locales/zh-CN.toml")))
    }
}

fn fill(kind: &str, params: &BTreeMap<String, String>, english: bool) -> Option<Text> {
    let texts = catalogue(english).get(kind)?;
    let fill = |key: &str| {
        let mut text = texts.get(key).cloned().unwrap_or_default();
        for (name, value) in params {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    };
    Some(Text {
        title: fill("title"),
        body: fill("body"),
    })
}

/// The Chinese texts of a notice of `kind` with its parameters filled in.
pub fn render(kind: NoticeKind, params: &BTreeMap<&'static str, String>) -> Text {
    let params = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    fill(kind.code(), &params, false).unwrap_or_else(|| Text {
        title: kind.code().to_string(),
        body: String::new(),
    })
}

/// A stored in-app notice in its reader's language, from its kind and parameters (`None`
/// when it has none, or its kind no text: then its stored Chinese text is shown).
pub fn render_stored(kind: &str, params: Option<&str>, english: bool) -> Option<Text> {
    let params: BTreeMap<String, String> = serde_json::from_str(params?).ok()?;
    fill(kind, &params, english)
}

/// The parameters of a notice as an in-app row keeps them.
fn stored_params(params: &BTreeMap<&'static str, String>) -> Option<String> {
    serde_json::to_string(params).ok()
}

/// The rows that carry the notices: one in-app notice per member of each department told
/// (active users granted a role there), one outbox message per outside address.
pub async fn resolve(
    store: &Store,
    notices: &[Notice],
) -> fazhi_store::Result<(Vec<NoticeRow>, Vec<OutboxMessage>)> {
    let mut rows = Vec::new();
    let mut outbox = Vec::new();
    for notice in notices {
        match notice {
            Notice::Department {
                department,
                except,
                kind,
                case_id,
                params,
            } => {
                let text = render(*kind, params);
                for user in store.department_users(department).await? {
                    if format!("user:{user}") == *except {
                        continue;
                    }
                    rows.push(NoticeRow {
                        user_id: user,
                        kind: kind.code().to_string(),
                        title: text.title.clone(),
                        body: text.body.clone(),
                        link: format!("/console/cases/{case_id}"),
                        params: stored_params(params),
                    });
                }
            }
            Notice::Person {
                user_id,
                kind,
                case_id,
                params,
            } => {
                let text = render(*kind, params);
                rows.push(NoticeRow {
                    user_id: user_id.clone(),
                    kind: kind.code().to_string(),
                    title: text.title,
                    body: text.body,
                    link: format!("/console/cases/{case_id}"),
                    params: stored_params(params),
                });
            }
            Notice::Outside {
                channel,
                target,
                kind,
                params,
                payload,
            } => {
                let text = render(*kind, params);
                outbox.push(match channel {
                    Channel::Email => OutboxMessage {
                        channel: EMAIL,
                        target: target.clone(),
                        subject: text.title,
                        body: text.body,
                    },
                    Channel::Webhook => OutboxMessage {
                        channel: WEBHOOK,
                        target: target.clone(),
                        subject: text.title,
                        body: payload.clone().unwrap_or_default().to_string(),
                    },
                });
            }
        }
    }
    Ok((rows, outbox))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_texts() {
        for kind in [
            NoticeKind::CaseCreated,
            NoticeKind::CaseHandedOver,
            NoticeKind::CaseAssigned,
            NoticeKind::DeadlineDueSoon,
            NoticeKind::DeadlineOverdue,
            NoticeKind::ApplicantStateChanged,
        ] {
            for english in [false, true] {
                let texts = catalogue(english)
                    .get(kind.code())
                    .unwrap_or_else(|| panic!("no texts for {} (en: {english})", kind.code()));
                assert!(texts.contains_key("title") && texts.contains_key("body"));
            }
        }
    }

    #[test]
    fn parameters_are_filled_in() {
        let params = BTreeMap::from([("title", "张三".to_string()), ("due", "2019-03-01".into())]);
        let text = render(NoticeKind::DeadlineOverdue, &params);
        assert_eq!(text.title, "已超期：张三");
        assert_eq!(text.body, "到期日 2019-03-01");
        // A stored notice reads in its reader's language.
        let stored = stored_params(&params);
        let english = render_stored("deadline.overdue", stored.as_deref(), true).unwrap();
        assert_eq!(english.title, "Overdue: 张三");
        assert_eq!(english.body, "Was due on 2019-03-01");
        assert_eq!(render_stored("deadline.overdue", None, true), None);
    }
}
