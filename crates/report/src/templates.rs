//! Editable templates for official documents (受理通知书, 补正通知书, 答复书 …).
//!
//! A template is a plain-text file that staff can edit without a rebuild:
//!
//! ```text
//! # 政府信息公开申请补正通知书
//! number: {{ case.number }}
//! to: {{ fields.applicant.name }}：
//!
//! 本机关于{{ fields.received_on | date_zh }}收到你（单位）提出的政府信息公开申请……
//!
//! ## 一、需要补正的事项
//!
//! {{ fields.supplement_items }}
//!
//! ---
//! {{ issuer }}
//! {{ today | date_zh }}
//! ```
//!
//! - the first line is the title, written `# 标题`;
//! - optional header lines right under it: `number:` (发文字号) and `to:` (主送);
//! - then the body: paragraphs separated by blank lines, and headings written `## 一级`,
//!   `### 二级`, `#### 三级`;
//! - an optional signature block at the end: a line `---`, then the issuing body and the date,
//!   one per line.
//!
//! Placeholders use minijinja syntax (`{{ … }}`, `{% if … %}`, `{% for … %}`). A template sees
//! `case` (id, number, procedure, state, department, region), `fields` (the case's field values
//! as JSON: a party is an object with `kind`, `name`, `id_number`/`credit_code`, `address` …),
//! `display` (the same fields as the caller displays them: enum labels, money in yuan),
//! `deadlines` (due dates of the case's clocks, by clock code), `today` and `issuer`.
//!
//! Filters besides minijinja's built-ins: `date_zh` (“2019年3月5日”), `yuan` (fen →
//! “1,234.50元”), `party` (a party value → “张三，公民身份号码……，住址：……”), `zh_number`
//! (3 → “三”), `sentence` (adds a final “。” unless there is one), `clause` (drops final
//! punctuation, for free text inside a sentence) and `required` (fails, naming the variable,
//! when it is undefined: for a value that is only compared, never printed).
//!
//! Printing a variable that does not exist is an error naming it (a misspelt field code never
//! yields a silently blank notice). Testing it is not: `{% if fields.purpose %}…{% endif %}`
//! is how a template handles a field that may be absent. (This is minijinja's
//! `UndefinedBehavior::SemiStrict`; `Strict` would also fail that test and force
//! `is defined` everywhere.)
//!
//! Values containing line breaks (a long-text field listing items one per line) become separate
//! paragraphs in the body; they can never create a heading or a signature, because structure
//! is read from the template text only.

use crate::document::{Block, Document, Signature};
use crate::records::CaseRecord;
use chrono::NaiveDate;
use minijinja::value::{StringInput, Value as JinjaValue};
use minijinja::{AutoEscape, Environment, ErrorKind, State, UndefinedBehavior};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Stands for a line break inside a value while the body is split into paragraphs.
const VALUE_BREAK: char = '\u{E000}';

/// The case a document is generated for, as its template sees it under `case`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseInfo {
    /// The case id (a UUID).
    pub id: String,
    /// The formal case number, once the case has one. Absent → `case.number` is undefined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// The procedure's name, e.g. “政府信息公开申请”.
    pub procedure: String,
    /// The current state's label, e.g. “办理中”.
    pub state: String,
    /// The department's name, if the case has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The region's name, e.g. “某某区”.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// Everything a template can refer to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentContext {
    pub case: CaseInfo,
    /// The case's field values as the engine stores them (money in fen, dates `YYYY-MM-DD`,
    /// parties as objects). Null values count as absent.
    pub fields: BTreeMap<String, Value>,
    /// Display values by field code: enum labels in Chinese, money as yuan text, … Filled by
    /// the caller, which knows the procedure definition.
    pub display: BTreeMap<String, String>,
    /// Due dates of the case's running or stopped clocks, by clock code (`deadlines.reply`).
    pub deadlines: BTreeMap<String, NaiveDate>,
    /// The document date (printed with `{{ today | date_zh }}`).
    pub today: NaiveDate,
    /// The issuing body, e.g. “某某区人民政府办公室”.
    pub issuer: String,
}

impl DocumentContext {
    /// A context with the case's id, number and fields taken from its record; display values,
    /// deadlines, department and region are left for the caller to add.
    pub fn from_record(
        record: &CaseRecord,
        procedure: impl Into<String>,
        state: impl Into<String>,
        today: NaiveDate,
        issuer: impl Into<String>,
    ) -> DocumentContext {
        DocumentContext {
            case: CaseInfo {
                id: record.id.clone(),
                number: record.number.clone(),
                procedure: procedure.into(),
                state: state.into(),
                department: None,
                region: None,
            },
            fields: record.fields.clone(),
            display: BTreeMap::new(),
            deadlines: BTreeMap::new(),
            today,
            issuer: issuer.into(),
        }
    }
}

/// What went wrong with a template, in Chinese, with the line of the template it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", line_prefix(*.line))]
pub struct TemplateError {
    /// The template's name as given to [`Template::parse`].
    pub template: String,
    /// 1-based line in the template text, when known.
    pub line: Option<usize>,
    pub kind: TemplateErrorKind,
    /// The explanation, e.g. “未闭合的 {{”.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateErrorKind {
    /// The layout of the file: title, header, signature block.
    Structure,
    /// Template syntax (`{{`, `{% if %}` …).
    Syntax,
    /// A variable printed or used that the context does not have (its dotted name).
    Undefined(String),
    /// Any other failure while rendering (a filter given a wrong value …).
    Render,
}

fn line_prefix(line: Option<usize>) -> String {
    line.map(|l| format!("第 {l} 行：")).unwrap_or_default()
}

/// One piece of template text, the line it starts on, and the code minijinja compiles
/// (the text with the line breaks of tag-only lines hidden, see [`hide_tag_line_breaks`]).
#[derive(Debug, Clone, PartialEq)]
struct Piece {
    line: usize,
    text: String,
    code: String,
}

impl Piece {
    fn new(line: usize, text: String) -> Piece {
        let code = hide_tag_line_breaks(&text);
        Piece { line, text, code }
    }
}

/// A line holding only tags (`{% if … %}`, `{% endif %}`, `{% set … %}`, comments) prints
/// nothing, its line break included, so that it never splits or joins paragraphs. The break
/// is hidden in a comment (`{#⏎#}`) rather than removed, which keeps line numbers right.
/// (Jinja's `trim_blocks` would also eat the break after a tag that ends a line of text.)
fn hide_tag_line_breaks(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        out.push_str(line);
        if lines.peek().is_some() {
            out.push_str(if tags_only(line) { "{#\n#}" } else { "\n" });
        }
    }
    out
}

fn tags_only(line: &str) -> bool {
    let mut rest = line.trim();
    let mut block = false;
    while !rest.is_empty() {
        let close = if rest.starts_with("{%") {
            block = true;
            "%}"
        } else if rest.starts_with("{#") {
            "#}"
        } else {
            return false;
        };
        match rest[2..].find(close) {
            Some(end) => rest = rest[2 + end + 2..].trim_start(),
            None => return false,
        }
    }
    block
}

/// A parsed, syntax-checked template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    name: String,
    source: String,
    title: Piece,
    number: Option<Piece>,
    to: Option<Piece>,
    body: Piece,
    signature: Option<(Piece, Piece)>,
}

impl Template {
    /// Reads a template and checks its layout and syntax. Errors name the line.
    pub fn parse(name: &str, text: &str) -> Result<Template, TemplateError> {
        let source = text
            .strip_prefix('\u{feff}')
            .unwrap_or(text)
            .replace("\r\n", "\n");
        let lines: Vec<&str> = source.split('\n').collect();
        let structure = |line: usize, message: String| TemplateError {
            template: name.to_string(),
            line: Some(line),
            kind: TemplateErrorKind::Structure,
            message,
        };

        // Title: the first non-blank line.
        let Some(first) = lines.iter().position(|l| !l.trim().is_empty()) else {
            return Err(TemplateError {
                template: name.to_string(),
                line: None,
                kind: TemplateErrorKind::Structure,
                message: "模板为空：第一行应为标题，写作“# 标题”".into(),
            });
        };
        let title_line = lines[first].trim();
        let title_text = match title_line.strip_prefix('#') {
            Some(rest) if !rest.starts_with('#') && !rest.trim().is_empty() => rest.trim(),
            _ => {
                return Err(structure(first + 1, "第一行应为标题，写作“# 标题”".into()));
            }
        };
        let title = Piece::new(first + 1, title_text.to_string());

        // Header lines right under the title.
        let mut number = None;
        let mut to = None;
        let mut index = first + 1;
        while index < lines.len() {
            let Some((key, value)) = header_line(lines[index]) else {
                break;
            };
            let slot = if key == "number" {
                &mut number
            } else {
                &mut to
            };
            if slot.is_some() {
                return Err(structure(index + 1, format!("重复的 {key}:")));
            }
            *slot = Some(Piece::new(index + 1, value.to_string()));
            index += 1;
        }
        let body_start = index;

        // Signature block: after the last `---` line.
        let separator = lines
            .iter()
            .enumerate()
            .skip(body_start)
            .rev()
            .find(|(_, l)| l.trim() == "---")
            .map(|(i, _)| i);
        let (body_end, signature) = match separator {
            None => (lines.len(), None),
            Some(sep) => {
                let rest: Vec<(usize, &str)> = lines
                    .iter()
                    .enumerate()
                    .skip(sep + 1)
                    .filter(|(_, l)| !l.trim().is_empty())
                    .map(|(i, l)| (i, l.trim()))
                    .collect();
                if rest.len() != 2 {
                    return Err(structure(
                        sep + 1,
                        format!(
                            "落款应在“---”之后写两行：发文机关、日期（现有 {} 行）",
                            rest.len()
                        ),
                    ));
                }
                let piece = |(i, t): (usize, &str)| Piece::new(i + 1, t.to_string());
                (sep, Some((piece(rest[0]), piece(rest[1]))))
            }
        };
        let body = Piece::new(body_start + 1, lines[body_start..body_end].join("\n"));

        let template = Template {
            name: name.to_string(),
            source,
            title,
            number,
            to,
            body,
            signature,
        };
        let env = environment();
        for piece in template.pieces() {
            check_delimiters(name, piece)?;
            env.template_from_named_str(name, &piece.code)
                .map_err(|e| convert_error(name, piece, &e))?;
        }
        Ok(template)
    }

    /// The name given to [`Template::parse`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The template text (line endings normalised).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Fills the template in.
    pub fn render(&self, ctx: &DocumentContext) -> Result<Document, TemplateError> {
        let env = environment();
        let value = JinjaValue::from(minijinja::value::Serde(prepare(ctx)));
        let render = |piece: &Piece| -> Result<String, TemplateError> {
            env.template_from_named_str(&self.name, &piece.code)
                .and_then(|t| t.render(&value))
                .map_err(|e| convert_error(&self.name, piece, &e))
        };
        let title = one_line(&render(&self.title)?);
        if title.is_empty() {
            return Err(TemplateError {
                template: self.name.clone(),
                line: Some(self.title.line),
                kind: TemplateErrorKind::Render,
                message: "标题为空".into(),
            });
        }
        let optional = |piece: &Option<Piece>| -> Result<Option<String>, TemplateError> {
            match piece {
                None => Ok(None),
                Some(p) => Ok(Some(one_line(&render(p)?)).filter(|s| !s.is_empty())),
            }
        };
        let number = optional(&self.number)?;
        let addressee = optional(&self.to)?;
        let blocks = body_blocks(&render(&self.body)?);
        let signature = match &self.signature {
            None => None,
            Some((issuer, date)) => Some(Signature {
                issuer: one_line(&render(issuer)?),
                date: one_line(&render(date)?),
            }),
        };
        Ok(Document {
            title,
            number,
            addressee,
            blocks,
            signature,
        })
    }

    fn pieces(&self) -> impl Iterator<Item = &Piece> {
        std::iter::once(&self.title)
            .chain(self.number.iter())
            .chain(self.to.iter())
            .chain(std::iter::once(&self.body))
            .chain(self.signature.iter().flat_map(|(a, b)| [a, b]))
    }
}

/// `number: …` or `to: …` (a full-width colon is accepted too).
fn header_line(line: &str) -> Option<(&'static str, &str)> {
    let trimmed = line.trim_start();
    for key in ["number", "to"] {
        if let Some(rest) = trimmed.strip_prefix(key)
            && let Some(value) = rest.strip_prefix(':').or_else(|| rest.strip_prefix('：'))
        {
            return Some((key, value.trim()));
        }
    }
    None
}

/// The environment every template renders in.
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_debug(true);
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .lstrip_blocks(true)
            .build()
            .expect("default delimiters are valid"),
    );
    env.add_filter("date_zh", date_zh);
    env.add_filter("yuan", yuan);
    env.add_filter("party", party);
    env.add_filter("zh_number", zh_number);
    env.add_filter("required", required);
    env.add_filter("sentence", sentence);
    env.add_filter("clause", clause);
    env
}

/// Free text that ends a sentence: a full stop is added unless it already ends with one.
fn sentence(state: &State, value: &JinjaValue) -> Result<String, minijinja::Error> {
    let input = StringInput::new(state, value)?;
    let text = input.as_str().trim();
    let ends = text.ends_with(['。', '！', '？', '；', '…', '.', '!', '?', ';']);
    Ok(if text.is_empty() || ends {
        text.to_string()
    } else {
        format!("{text}。")
    })
}

/// Free text used inside a sentence (“因{{ reason | clause }}，”): trailing punctuation dropped.
fn clause(state: &State, value: &JinjaValue) -> Result<String, minijinja::Error> {
    let input = StringInput::new(state, value)?;
    Ok(input
        .as_str()
        .trim()
        .trim_end_matches([
            '。', '；', '，', '、', '！', '？', '.', ';', ',', '!', '?', ' ',
        ])
        .to_string())
}

/// Passes a value through, failing (and naming it) when it is undefined: for a value a
/// template only compares, such as `{% set t = fields.reply_type | required %}`.
fn required(state: &State, value: &JinjaValue) -> Result<JinjaValue, minijinja::Error> {
    if value.is_undefined() {
        StringInput::new(state, value)?;
    }
    Ok(value.clone())
}

/// “2019-03-05” (or a datetime starting with a date) → “2019年3月5日”.
fn date_zh(state: &State, value: &JinjaValue) -> Result<String, minijinja::Error> {
    let input = StringInput::new(state, value)?;
    let text = input.as_str().trim();
    let date = text
        .get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .ok_or_else(|| {
            minijinja::Error::new(
                ErrorKind::InvalidOperation,
                format!("date_zh：“{text}”不是日期（应为 YYYY-MM-DD）"),
            )
        })?;
    Ok(format_date_zh(date))
}

/// A date as official documents print it: “2019年3月5日”.
pub fn format_date_zh(date: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// Fen → “1,234.50元”.
fn yuan(state: &State, value: &JinjaValue) -> Result<String, minijinja::Error> {
    let input = StringInput::new(state, value)?;
    let text = input.as_str().trim();
    let fen: i64 = text
        .parse()
        .ok()
        .or_else(|| {
            text.parse::<f64>()
                .ok()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                .map(|f| f as i64)
        })
        .ok_or_else(|| {
            minijinja::Error::new(
                ErrorKind::InvalidOperation,
                format!("yuan：“{text}”不是以分为单位的金额"),
            )
        })?;
    Ok(format!("{}元", format_yuan(fen)))
}

/// Fen → “1,234.50” (no unit).
pub fn format_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let digits = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

/// A party value → the line official documents give a party:
/// “张三，公民身份号码110101199003071234，住址：……” or
/// “某某有限公司，统一社会信用代码……，住所：……，法定代表人：……”.
fn party(state: &State, value: &JinjaValue) -> Result<String, minijinja::Error> {
    if value.kind() != minijinja::value::ValueKind::Map {
        return Ok(StringInput::new(state, value)?.as_str().to_string());
    }
    let get = |key: &str| -> Option<String> {
        value
            .get_attr(key)
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_none())
            .map(|v| v.to_string())
            .filter(|s| !s.trim().is_empty())
    };
    let name = get("name").ok_or_else(|| {
        minijinja::Error::new(ErrorKind::InvalidOperation, "party：当事人没有姓名或名称")
    })?;
    let organisation = get("kind").as_deref() == Some("organisation");
    let mut out = name;
    if organisation {
        if let Some(code) = get("credit_code") {
            out.push_str(&format!("，统一社会信用代码{code}"));
        }
        if let Some(address) = get("address") {
            out.push_str(&format!("，住所：{address}"));
        }
        if let Some(rep) = get("representative") {
            out.push_str(&format!("，法定代表人：{rep}"));
        }
    } else {
        if let Some(id) = get("id_number") {
            out.push_str(&format!("，公民身份号码{id}"));
        }
        if let Some(address) = get("address") {
            out.push_str(&format!("，住址：{address}"));
        }
    }
    Ok(out)
}

/// 0–99 → “零”…“九十九”; other integers are printed as digits.
fn zh_number(state: &State, value: &JinjaValue) -> Result<String, minijinja::Error> {
    let input = StringInput::new(state, value)?;
    let n: i64 = input.as_str().trim().parse().map_err(|_| {
        minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!("zh_number：“{}”不是整数", input.as_str()),
        )
    })?;
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    Ok(match n {
        0..=9 => DIGITS[n as usize].to_string(),
        10..=99 => {
            let (tens, ones) = ((n / 10) as usize, (n % 10) as usize);
            let mut s = if tens == 1 {
                String::new()
            } else {
                DIGITS[tens].to_string()
            };
            s.push('十');
            if ones > 0 {
                s.push_str(DIGITS[ones]);
            }
            s
        }
        _ => n.to_string(),
    })
}

/// The context as the template engine gets it: null fields dropped, line breaks inside
/// values replaced by [`VALUE_BREAK`].
fn prepare(ctx: &DocumentContext) -> serde_json::Value {
    fn mark(value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(mark_str(s)),
            Value::Array(items) => Value::Array(items.iter().map(mark).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), mark(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    fn mark_str(s: &str) -> String {
        s.replace("\r\n", "\n")
            .replace('\n', &VALUE_BREAK.to_string())
    }
    let mut value = serde_json::to_value(ctx).expect("a context serialises");
    if let Some(object) = value.as_object_mut() {
        for key in ["fields", "display"] {
            if let Some(v) = object.get_mut(key) {
                *v = mark(v);
            }
        }
    }
    value
}

/// A header, title or signature line: value line breaks become spaces, whitespace collapsed.
fn one_line(text: &str) -> String {
    text.replace(VALUE_BREAK, " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Splits the rendered body into headings and paragraphs.
fn body_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut lines: Vec<&str> = Vec::new();
    let flush = |lines: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if lines.is_empty() {
            return;
        }
        let joined = join_lines(lines);
        lines.clear();
        for part in joined.split(VALUE_BREAK) {
            let part = part.trim();
            if !part.is_empty() {
                blocks.push(Block::Paragraph {
                    text: part.to_string(),
                });
            }
        }
    };
    for line in text.split('\n') {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            flush(&mut lines, &mut blocks);
            continue;
        }
        if let Some((level, heading)) = heading_line(trimmed) {
            flush(&mut lines, &mut blocks);
            blocks.push(Block::Heading {
                level,
                text: one_line(heading),
            });
            continue;
        }
        lines.push(trimmed);
    }
    flush(&mut lines, &mut blocks);
    blocks
}

/// `## 一级` → (1, "一级"), `### ` → 2, `#### ` → 3.
fn heading_line(line: &str) -> Option<(u8, &str)> {
    let hashes = line.chars().take_while(|&c| c == '#').count();
    let rest = &line[hashes..];
    if !(2..=4).contains(&hashes) || !rest.starts_with([' ', '\u{3000}']) || rest.trim().is_empty()
    {
        return None;
    }
    Some(((hashes - 1) as u8, rest.trim()))
}

/// Joins the lines of one paragraph: Chinese text runs on without a space; a space is kept
/// only between two Latin letters or digits.
fn join_lines(lines: &[&str]) -> String {
    let mut out = String::new();
    for line in lines {
        if let (Some(prev), Some(next)) = (out.chars().last(), line.chars().next())
            && prev.is_ascii_alphanumeric()
            && next.is_ascii_alphanumeric()
        {
            out.push(' ');
        }
        out.push_str(line);
    }
    out
}

/// Reports an unclosed `{{`, `{%` or `{#`, and an unbalanced `{% if %}` … `{% endif %}`,
/// with its line, before minijinja's own (English) message could.
fn check_delimiters(name: &str, piece: &Piece) -> Result<(), TemplateError> {
    let text = &piece.text;
    let mut blocks: Vec<(String, usize)> = Vec::new();
    let mut pos = 0;
    while let Some(found) = text[pos..].find('{') {
        let start = pos + found;
        let close = match text.get(start..start + 2) {
            Some("{{") => "}}",
            Some("{%") => "%}",
            Some("{#") => "#}",
            _ => {
                pos = start + 1;
                continue;
            }
        };
        let open = &text[start..start + 2];
        let after = start + 2;
        // The tag must close before the next tag opens.
        let next_open = ["{{", "{%", "{#"]
            .iter()
            .filter_map(|o| text[after..].find(o))
            .min();
        let line = piece.line + text[..start].matches('\n').count();
        let syntax = |message: String| TemplateError {
            template: name.to_string(),
            line: Some(line),
            kind: TemplateErrorKind::Syntax,
            message,
        };
        match text[after..].find(close) {
            Some(end) if next_open.is_none_or(|n| end <= n) => {
                pos = after + end + 2;
                if open == "{%" {
                    let inner = text[after..after + end]
                        .trim_start_matches(['-', '+'])
                        .trim_end_matches(['-', '+'])
                        .trim();
                    check_block(&mut blocks, inner, line).map_err(syntax)?;
                }
            }
            _ => return Err(syntax(format!("未闭合的 {open}（缺少 {close}）"))),
        }
    }
    match blocks.last() {
        Some((keyword, line)) => Err(TemplateError {
            template: name.to_string(),
            line: Some(*line),
            kind: TemplateErrorKind::Syntax,
            message: format!("{{% {keyword} %}} 缺少对应的 {{% end{keyword} %}}"),
        }),
        None => Ok(()),
    }
}

/// Keeps the stack of open block tags (`if`, `for` …) balanced: an `end…` must close the
/// innermost open block, `elif`/`else` must be inside one.
fn check_block(blocks: &mut Vec<(String, usize)>, tag: &str, line: usize) -> Result<(), String> {
    const BLOCKS: [&str; 8] = [
        "if",
        "for",
        "macro",
        "call",
        "filter",
        "with",
        "block",
        "autoescape",
    ];
    let keyword = tag.split_whitespace().next().unwrap_or("");
    let opens = BLOCKS.contains(&keyword) || (keyword == "set" && !tag.contains('='));
    if opens {
        blocks.push((keyword.to_string(), line));
    } else if let Some(closed) = keyword.strip_prefix("end") {
        match blocks.pop() {
            Some((open, _)) if open == closed => {}
            Some((open, open_line)) => {
                return Err(format!(
                    "{{% {keyword} %}} 与第 {open_line} 行的 {{% {open} %}} 不匹配"
                ));
            }
            None => {
                return Err(format!(
                    "多余的 {{% {keyword} %}}（前面没有对应的开始标签）"
                ));
            }
        }
    } else if keyword == "elif" && blocks.last().is_none_or(|(k, _)| k != "if") {
        return Err("{% elif %} 不在 {% if %} 之内".into());
    } else if keyword == "else" && blocks.last().is_none_or(|(k, _)| k != "if" && k != "for") {
        return Err("{% else %} 不在 {% if %} 或 {% for %} 之内".into());
    }
    Ok(())
}

/// Turns a minijinja error into a Chinese one, with the line in the whole template.
fn convert_error(name: &str, piece: &Piece, error: &minijinja::Error) -> TemplateError {
    let line = Some(piece.line + error.line().unwrap_or(1) - 1);
    let detail = error.detail().unwrap_or("").to_string();
    let (kind, message) = match error.kind() {
        ErrorKind::UndefinedError => {
            let variable = undefined_name(&detail)
                .or_else(|| {
                    error
                        .range()
                        .and_then(|r| piece.code.get(r))
                        .map(|s| s.trim().to_string())
                })
                .unwrap_or_else(|| "（未知）".to_string());
            (
                TemplateErrorKind::Undefined(variable.clone()),
                format!("未定义的变量 {variable}"),
            )
        }
        ErrorKind::SyntaxError => (TemplateErrorKind::Syntax, syntax_message(&detail)),
        ErrorKind::UnknownFilter => (
            TemplateErrorKind::Syntax,
            format!("未知的过滤器 {}", detail.trim_start_matches("filter ")),
        ),
        ErrorKind::UnknownTest => (TemplateErrorKind::Syntax, format!("未知的测试 {detail}")),
        ErrorKind::UnknownFunction => (TemplateErrorKind::Syntax, format!("未知的函数 {detail}")),
        ErrorKind::InvalidOperation if !detail.is_ascii() => (TemplateErrorKind::Render, detail),
        _ => (
            TemplateErrorKind::Render,
            if detail.is_empty() {
                format!("模板渲染失败：{}", error.kind())
            } else {
                format!("模板渲染失败：{detail}")
            },
        ),
    };
    TemplateError {
        template: name.to_string(),
        line,
        kind,
        message,
    }
}

/// minijinja describes an undefined value as “`fields.foo` is undefined”.
fn undefined_name(detail: &str) -> Option<String> {
    let start = detail.find('`')? + 1;
    let end = start + detail[start..].find('`')?;
    Some(detail[start..end].to_string()).filter(|s| !s.is_empty())
}

/// The common syntax errors in Chinese; anything else keeps minijinja's detail.
fn syntax_message(detail: &str) -> String {
    let known: &[(&str, &str)] = &[
        ("expected end of variable block", "未闭合的 {{（缺少 }}）"),
        ("expected end of block", "未闭合的 {%（缺少 %}）"),
        ("expected end of comment", "未闭合的 {#（缺少 #}）"),
        ("endif", "{% if %} 缺少对应的 {% endif %}"),
        ("endfor", "{% for %} 缺少对应的 {% endfor %}"),
        ("unknown statement", "未知的语句"),
    ];
    for (needle, zh) in known {
        if detail.contains(needle) {
            return format!("{zh}（{detail}）");
        }
    }
    format!("模板语法错误：{detail}")
}
