//! 行政执法案卷评查: the scoring rules of a case-file evaluation, as pure functions.
//!
//! The procedure itself (registration, scoring, rectification) is data:
//! `procedures/case_file_evaluation/case_file_evaluation-2021-07-15.toml`, and so are the standards it scores by —
//! the score ranges (guards), the grade bands and the veto items (its `[grading]` table).
//! Standards are local (domain.md §8) and change by a new version of the file, never of this
//! module. What is here is the arithmetic the definition names with `rule =
//! "case_file_score"`: the total is the sum of the parts, any veto item gives its grade, and
//! otherwise the highest band the total reaches does — so that whoever records a score (the
//! engine on every step, the statistics over stored cases) grades it the same way.

use crate::procedure::{Definition, Grading};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The definition's grading table, or why there is none to grade by.
fn grading(definition: &Definition) -> Result<&Grading, String> {
    definition
        .grading
        .as_ref()
        .ok_or_else(|| format!("程序“{}”没有评分定等标准（[grading]）", definition.name.zh))
}

/// A field's Chinese label, its code if unknown.
fn label<'d>(definition: &'d Definition, code: &'d str) -> &'d str {
    definition.field(code).map_or(code, |f| f.label.zh.as_str())
}

/// The Chinese name of a veto item of the definition, if the code is one.
pub fn veto_name<'d>(definition: &'d Definition, code: &str) -> Option<&'d str> {
    let field = definition.field(&definition.grading.as_ref()?.vetoes.as_ref()?.field)?;
    field
        .values
        .iter()
        .find(|v| v.code == code)
        .map(|v| v.zh.as_str())
}

/// What the rule needs of a definition that names it, checked when the definition is loaded:
/// a `[grading]` table whose grades are the three of [`Grade`] (the statistics count them).
pub fn check_definition(definition: &Definition) -> Result<(), String> {
    let g = definition.grading.as_ref().ok_or(
        "the rule “case_file_score” grades by the definition's [grading] table, which is missing",
    )?;
    for code in g
        .bands
        .iter()
        .map(|b| b.grade.as_str())
        .chain(g.vetoes.iter().map(|v| v.grade.as_str()))
    {
        if Grade::parse(code).is_none() {
            return Err(format!(
                "the grade “{code}” is not one of {}",
                Grade::ALL.map(Grade::code).join(", ")
            ));
        }
    }
    Ok(())
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

/// Grades a file of `definition` from its total and veto items (codes of the veto field's
/// values): any veto item gives the veto grade whatever the total; otherwise the highest band
/// the total reaches. Unknown veto items are errors.
pub fn grade(definition: &Definition, total: u32, vetoes: &[&str]) -> Result<Evaluation, String> {
    let g = grading(definition)?;
    let grade_label = |code: &str| {
        definition
            .field(&g.grade)
            .and_then(|f| f.values.iter().find(|v| v.code == code))
            .map_or_else(|| code.to_string(), |v| v.zh.clone())
    };
    let as_grade = |code: &str| Grade::parse(code).ok_or_else(|| format!("“{code}”不是评查等次"));
    let mut found: Vec<&str> = Vec::new();
    for code in vetoes {
        let name = veto_name(definition, code).ok_or_else(|| format!("“{code}”不是否决项"))?;
        if !found.contains(&name) {
            found.push(name);
        }
    }
    if let (Some(veto), false) = (&g.vetoes, found.is_empty()) {
        let zh = grade_label(&veto.grade);
        return Ok(Evaluation {
            total,
            grade: as_grade(&veto.grade)?,
            reasons: found
                .iter()
                .map(|name| format!("存在否决项“{name}”，评为{zh}卷"))
                .collect(),
        });
    }
    let total_label = label(definition, &g.total);
    let i = g
        .bands
        .iter()
        .position(|b| total >= b.at_least)
        .ok_or("评分档次设置有误：没有从 0 分起的档次")?;
    let band = &g.bands[i];
    let reached = format!("达到{}线 {} 分", grade_label(&band.grade), band.at_least);
    let short_of = i.checked_sub(1).map(|h| {
        let higher = &g.bands[h];
        format!(
            "不足{}线 {} 分",
            grade_label(&higher.grade),
            higher.at_least
        )
    });
    // The lowest band starts at 0: reaching it says nothing.
    let why = match (band.at_least, short_of) {
        (0, Some(short)) => short,
        (_, Some(short)) => format!("{reached}、{short}"),
        (_, None) => reached,
    };
    Ok(Evaluation {
        total,
        grade: as_grade(&band.grade)?,
        reasons: vec![format!("{total_label} {total} 分，{why}")],
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

/// The parts of a case's score, each with its label, as recorded in its fields.
fn parts<'d>(
    definition: &'d Definition,
    fields: &BTreeMap<String, Value>,
) -> Result<Vec<(&'d str, u32)>, String> {
    grading(definition)?
        .parts
        .iter()
        .map(|p| {
            let l = label(definition, p);
            Ok((l, score(fields, p, l)?))
        })
        .collect()
}

/// The evaluation a case's fields call for, computed from the parts and the veto items (not
/// from the recorded total and grade): for [`summary`] over stored cases.
pub fn evaluation_of(
    definition: &Definition,
    fields: &BTreeMap<String, Value>,
) -> Result<Evaluation, String> {
    let g = grading(definition)?;
    let total = parts(definition, fields)?
        .iter()
        .try_fold(0u32, |sum, (_, n)| sum.checked_add(*n))
        .ok_or("分数过大")?;
    let vetoes: Vec<&str> = match g.vetoes.as_ref().and_then(|v| fields.get(&v.field)) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().ok_or("否决项应为代码列表".to_string()))
            .collect::<Result<_, _>>()?,
        Some(Value::String(s)) => vec![s.as_str()],
        Some(_) => return Err("否决项应为代码列表".into()),
    };
    grade(definition, total, &vetoes)
}

/// Checks a recorded evaluation — the case's fields after a score (the parts, the veto items,
/// the total and the grade the definition's `[grading]` names) — against the rules: the total
/// is the sum of the parts and the grade is the one [`grade`] gives. The error says, in
/// Chinese, what the entry should have been.
pub fn check_recorded(
    definition: &Definition,
    fields: &BTreeMap<String, Value>,
) -> Result<(), String> {
    let g = grading(definition)?;
    let expected = evaluation_of(definition, fields)?;
    let parts = parts(definition, fields)?;
    let total_label = label(definition, &g.total);
    let total = score(fields, &g.total, total_label)?;
    if total != expected.total {
        let named: Vec<String> = parts.iter().map(|(l, n)| format!("{l} {n} 分")).collect();
        let addends = match named.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{}与{last}", rest.join("、")),
            None => String::new(),
        };
        return Err(format!(
            "{total_label}应为{addends}之和 {} 分，记录为 {total} 分",
            expected.total
        ));
    }
    let grade_label = label(definition, &g.grade);
    let recorded = fields
        .get(&g.grade)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("缺少{grade_label}"))?;
    let recorded =
        Grade::parse(recorded).ok_or_else(|| format!("“{recorded}”不是{grade_label}"))?;
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
