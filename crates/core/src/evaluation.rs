//! 行政执法案卷评查: the scoring rules of a case-file evaluation, as pure functions.
//!
//! The procedure itself (registration, scoring, rectification) is data:
//! `procedures/case_file_evaluation-2021-07-15.toml`. Its guards say what the definition format
//! can (score ranges, a veto item forcing 不合格, the bands of 优秀 and 合格); this module says
//! the rest — the total is the sum of the form and content scores, and a file without veto
//! items is graded by its total — so that whoever records a score (the store, the console)
//! can refuse an inconsistent entry with [`check_recorded`].
//!
//! Standards are local (domain.md §8): any veto item makes a 不合格卷; form is scored out of
//! 20, content out of 80; the bands of the grades are local [U] and configurable ([`Bands`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The procedure code of the evaluation definition.
pub const PROCEDURE: &str = "case_file_evaluation";

/// The action that records a score (where [`check_recorded`] applies).
pub const SCORE_ACTION: &str = "score";

/// Maximum score for the form of a file (案卷形式).
pub const FORM_MAX: u32 = 20;

/// Maximum score for the content of a file (案卷内容).
pub const CONTENT_MAX: u32 = 80;

/// The veto items (否决项), by code and Chinese name, as in the definition's `vetoes` field.
pub const VETOES: [(&str, &str); 9] = [
    ("unlawful_body", "执法主体不合法"),
    ("unqualified_officer", "执法人员不具备资格"),
    ("failure_to_refer", "应当移送而未移送"),
    ("insufficient_evidence", "主要证据不足"),
    ("unclear_facts", "事实不清"),
    ("wrong_characterisation", "定性错误"),
    ("wrong_law", "适用法律错误"),
    ("illegal_procedure", "违反法定程序"),
    ("fewer_than_two", "执法人员少于两人"),
];

/// The Chinese name of a veto item, if the code is one.
pub fn veto_name(code: &str) -> Option<&'static str> {
    VETOES.iter().find(|(c, _)| *c == code).map(|(_, zh)| *zh)
}

/// The lowest totals of the grades (local rules [U]; default 优秀 from 90, 合格 from 70).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bands {
    pub excellent_from: u32,
    pub qualified_from: u32,
}

impl Default for Bands {
    fn default() -> Self {
        Bands {
            excellent_from: 90,
            qualified_from: 70,
        }
    }
}

impl Bands {
    /// Checks that 0 < qualified_from ≤ excellent_from ≤ 100.
    pub fn check(&self) -> Result<(), String> {
        let max = FORM_MAX + CONTENT_MAX;
        if self.qualified_from == 0
            || self.qualified_from > self.excellent_from
            || self.excellent_from > max
        {
            return Err(format!(
                "评分档次设置有误：合格线 {} 分、优秀线 {} 分（应满足 0 < 合格线 ≤ 优秀线 ≤ {max}）",
                self.qualified_from, self.excellent_from
            ));
        }
        Ok(())
    }
}

/// The grade of an evaluated file (评查等次).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 优秀
    Excellent,
    /// 合格
    Qualified,
    /// 不合格
    Unqualified,
}

impl Grade {
    pub const ALL: [Grade; 3] = [Grade::Excellent, Grade::Qualified, Grade::Unqualified];

    /// The code used in the definition's `grade` field.
    pub fn code(self) -> &'static str {
        match self {
            Grade::Excellent => "excellent",
            Grade::Qualified => "qualified",
            Grade::Unqualified => "unqualified",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Grade::Excellent => "优秀",
            Grade::Qualified => "合格",
            Grade::Unqualified => "不合格",
        }
    }

    pub fn parse(code: &str) -> Option<Grade> {
        Grade::ALL.into_iter().find(|g| g.code() == code)
    }
}

/// The result of grading a file: its total, its grade and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub total: u32,
    pub grade: Grade,
    /// Why the grade: each veto item found (by its Chinese name), or the band of the total.
    pub reasons: Vec<String>,
}

/// Grades a file from its form score (0–20), content score (0–80) and veto items (codes of
/// [`VETOES`]). Any veto item makes it 不合格 whatever the score; otherwise the total's band
/// decides. Scores out of range, unknown veto items and inconsistent bands are errors.
pub fn grade(
    form: u32,
    content: u32,
    vetoes: &[&str],
    bands: &Bands,
) -> Result<Evaluation, String> {
    bands.check()?;
    if form > FORM_MAX {
        return Err(format!("案卷形式得分 {form} 分超出范围（0–{FORM_MAX} 分）"));
    }
    if content > CONTENT_MAX {
        return Err(format!(
            "案卷内容得分 {content} 分超出范围（0–{CONTENT_MAX} 分）"
        ));
    }
    let mut found: Vec<&str> = Vec::new();
    for code in vetoes {
        let name = veto_name(code).ok_or_else(|| format!("“{code}”不是否决项"))?;
        if !found.contains(&name) {
            found.push(name);
        }
    }
    let total = form + content;
    if !found.is_empty() {
        let reasons = found
            .iter()
            .map(|name| format!("存在否决项“{name}”，评为不合格卷"))
            .collect();
        return Ok(Evaluation {
            total,
            grade: Grade::Unqualified,
            reasons,
        });
    }
    let (grade, reason) = if total >= bands.excellent_from {
        (
            Grade::Excellent,
            format!("总分 {total} 分，达到优秀线 {} 分", bands.excellent_from),
        )
    } else if total >= bands.qualified_from {
        (
            Grade::Qualified,
            format!(
                "总分 {total} 分，达到合格线 {} 分、不足优秀线 {} 分",
                bands.qualified_from, bands.excellent_from
            ),
        )
    } else {
        (
            Grade::Unqualified,
            format!("总分 {total} 分，不足合格线 {} 分", bands.qualified_from),
        )
    };
    Ok(Evaluation {
        total,
        grade,
        reasons: vec![reason],
    })
}

/// A score field as a non-negative integer (the engine keeps integers as JSON numbers).
fn score(fields: &BTreeMap<String, Value>, code: &str, label: &str) -> Result<u32, String> {
    let value = fields.get(code).ok_or_else(|| format!("缺少{label}"))?;
    let n = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
    .ok_or_else(|| format!("{label}应为整数"))?;
    u32::try_from(n).map_err(|_| format!("{label} {n} 分超出范围"))
}

/// The evaluation a case's fields call for, computed from `form_score`, `content_score` and
/// `vetoes` (not from the recorded total and grade): for [`summary`] over stored cases.
pub fn evaluation_of(
    fields: &BTreeMap<String, Value>,
    bands: &Bands,
) -> Result<Evaluation, String> {
    let form = score(fields, "form_score", "案卷形式得分")?;
    let content = score(fields, "content_score", "案卷内容得分")?;
    let vetoes: Vec<&str> = match fields.get("vetoes") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().ok_or("否决项应为代码列表".to_string()))
            .collect::<Result<_, _>>()?,
        Some(Value::String(s)) => vec![s.as_str()],
        Some(_) => return Err("否决项应为代码列表".into()),
    };
    grade(form, content, &vetoes, bands)
}

/// Checks a recorded evaluation — the case's fields after a `score` (`form_score`,
/// `content_score`, `vetoes`, `total_score`, `grade`) — against the rules: the total is the sum
/// of the two scores and the grade is the one [`grade`] gives. The error says, in Chinese,
/// what the entry should have been.
pub fn check_recorded(fields: &BTreeMap<String, Value>, bands: &Bands) -> Result<(), String> {
    let expected = evaluation_of(fields, bands)?;
    let form = score(fields, "form_score", "案卷形式得分")?;
    let content = score(fields, "content_score", "案卷内容得分")?;
    let total = score(fields, "total_score", "总分")?;
    if total != expected.total {
        return Err(format!(
            "总分应为案卷形式得分 {form} 分与案卷内容得分 {content} 分之和 {} 分，记录为 {total} 分",
            expected.total
        ));
    }
    let recorded = fields
        .get("grade")
        .and_then(Value::as_str)
        .ok_or("缺少评查等次")?;
    let recorded = Grade::parse(recorded).ok_or_else(|| format!("“{recorded}”不是评查等次"))?;
    if recorded != expected.grade {
        return Err(format!(
            "按评查标准应评为{}（{}），记录为{}",
            expected.grade.zh(),
            expected.reasons.join("；"),
            recorded.zh()
        ));
    }
    Ok(())
}

/// Per evaluated body: how many files, how many of each grade, the average total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BodySummary {
    pub body: String,
    pub files: u32,
    pub excellent: u32,
    pub qualified: u32,
    pub unqualified: u32,
    /// The mean of the files' totals (veto files included, at their scores).
    pub average_total: f64,
}

/// Figures per evaluated body, sorted by body.
pub fn summary(evaluations: &[(String, Evaluation)]) -> Vec<BodySummary> {
    let mut by_body: BTreeMap<&str, (BodySummary, u64)> = BTreeMap::new();
    for (body, evaluation) in evaluations {
        let (s, sum) = by_body.entry(body.as_str()).or_insert_with(|| {
            (
                BodySummary {
                    body: body.clone(),
                    files: 0,
                    excellent: 0,
                    qualified: 0,
                    unqualified: 0,
                    average_total: 0.0,
                },
                0,
            )
        });
        s.files += 1;
        *sum += u64::from(evaluation.total);
        match evaluation.grade {
            Grade::Excellent => s.excellent += 1,
            Grade::Qualified => s.qualified += 1,
            Grade::Unqualified => s.unqualified += 1,
        }
    }
    by_body
        .into_values()
        .map(|(mut s, sum)| {
            s.average_total = sum as f64 / f64::from(s.files);
            s
        })
        .collect()
}
