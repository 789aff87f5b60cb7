//! Loading of the data the application runs on: the procedure definitions (embedded in the
//! binary from `procedures/`, replaced or added to by the `*.toml` files of an installation's
//! folder, directly in it or in a folder per procedure) and the
//! official calendar (the embedded years of `calendars/`, plus the years an administrator
//! entered, kept in the store). Every mistake in every file is reported, with file and place.

use fazhi_core::calendar::Calendar;
use fazhi_core::procedure::Registry;
use fazhi_store::Store;
use rust_embed::RustEmbed;

/// A procedure's folder holds its definitions (`*.toml`, one per version), its scenarios
/// (`scenarios.toml`), its demo lines (`demo.toml`, see [`crate::district::lines`]) and its
/// documents (`documents/*.md`).
const SCENARIOS: &str = "scenarios.toml";

#[derive(RustEmbed)]
#[folder = "../../procedures/"]
#[include = "*.toml"]
#[exclude = "*scenarios.toml"]
#[exclude = "*demo.toml"]
struct EmbeddedProcedures;

#[derive(RustEmbed)]
#[folder = "../../procedures/"]
#[include = "*/demo.toml"]
struct EmbeddedDemoLines;

#[derive(RustEmbed)]
#[folder = "../../procedures/"]
#[include = "*/documents/*.md"]
struct EmbeddedDocuments;

/// The template of an official document a definition lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentTemplate {
    pub procedure: String,
    pub code: String,
    pub name: fazhi_core::procedure::Label,
    /// The built-in text (a region may keep its own edit in the store).
    pub text: String,
    /// Where the text came from, for messages.
    pub source: String,
}

/// The document templates of the definitions, by procedure and document code.
#[derive(Debug, Clone, Default)]
pub struct Documents(std::collections::BTreeMap<(String, String), DocumentTemplate>);

impl Documents {
    pub fn get(&self, procedure: &str, document: &str) -> Option<&DocumentTemplate> {
        self.0.get(&(procedure.to_string(), document.to_string()))
    }

    /// The documents of one procedure, in the order of its codes.
    pub fn of<'a>(&'a self, procedure: &'a str) -> impl Iterator<Item = &'a DocumentTemplate> {
        self.0.values().filter(move |d| d.procedure == procedure)
    }

    pub fn all(&self) -> impl Iterator<Item = &DocumentTemplate> {
        self.0.values()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The templates of every document the definitions list: `<code>/documents/<document>.md` of
/// `folder` (an installation's own) or else of the embedded procedures. A listed document
/// without a template, or a template that does not parse, is an error naming the file.
pub fn documents(
    folder: Option<&std::path::Path>,
    registry: &Registry,
) -> Result<Documents, String> {
    let mut out = std::collections::BTreeMap::new();
    let mut errors = Vec::new();
    for definition in registry.all() {
        for spec in &definition.documents {
            let key = (definition.code.clone(), spec.code.clone());
            if out.contains_key(&key) {
                continue;
            }
            let name = format!("{}/documents/{}.md", definition.code, spec.code);
            let own = folder
                .map(|f| f.join(&name))
                .filter(|p| p.exists())
                .map(|p| {
                    std::fs::read_to_string(&p)
                        .map(|text| (text, p.display().to_string()))
                        .map_err(|e| format!("无法读取 {}：{e}", p.display()))
                });
            let found = match own {
                Some(read) => Some(read),
                None => EmbeddedDocuments::get(&name).map(|file| {
                    Ok((
                        String::from_utf8_lossy(&file.data).into_owned(),
                        format!("procedures/{name}"),
                    ))
                }),
            };
            match found {
                None => errors.push(format!(
                    "procedures/{name}：定义列出的文书“{}”没有模板文件",
                    spec.label.zh
                )),
                Some(Err(e)) => errors.push(e),
                Some(Ok((text, source))) => {
                    if let Err(e) = fazhi_report::templates::Template::parse(&name, &text) {
                        errors.push(format!("{source}：{e}"));
                    }
                    out.insert(
                        key,
                        DocumentTemplate {
                            procedure: definition.code.clone(),
                            code: spec.code.clone(),
                            name: spec.label.clone(),
                            text,
                            source,
                        },
                    );
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(Documents(out))
    } else {
        Err(format!(
            "文书模板有误 / document templates have errors:\n{}",
            errors.join("\n")
        ))
    }
}

/// The definition files of a folder: its `*.toml` files and those of its subfolders (one per
/// procedure), scenarios aside, in name order.
fn definition_files(folder: &std::path::Path) -> Result<Vec<std::path::PathBuf>, String> {
    let read = |dir: &std::path::Path| {
        std::fs::read_dir(dir)
            .map_err(|e| format!("无法读取程序定义目录 {}：{e}", dir.display()))
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .collect::<Vec<_>>()
            })
    };
    let mut files = Vec::new();
    for path in read(folder)? {
        if path.is_dir() {
            files.extend(read(&path)?);
        } else {
            files.push(path);
        }
    }
    files.retain(|p| {
        p.extension().is_some_and(|x| x == "toml")
            && p.file_name()
                .is_some_and(|n| n != SCENARIOS && n != crate::district::lines::FILE_NAME)
    });
    files.sort();
    Ok(files)
}

/// The embedded procedure definitions, plus (replacing or adding) the `*.toml` files of
/// `folder`.
pub fn procedures(folder: Option<&std::path::Path>) -> Result<Registry, String> {
    let mut sources: Vec<(String, String)> = EmbeddedProcedures::iter()
        .filter_map(|name| {
            let file = EmbeddedProcedures::get(&name)?;
            Some((
                format!("procedures/{name}"),
                String::from_utf8_lossy(&file.data).into_owned(),
            ))
        })
        .collect();
    if let Some(folder) = folder.filter(|f| f.exists()) {
        for path in definition_files(folder)? {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("无法读取 {}：{e}", path.display()))?;
            sources.push((path.display().to_string(), text));
        }
    }
    Registry::from_sources(&sources).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        format!(
            "程序定义有误 / procedure definitions have errors:\n{}",
            lines.join("\n")
        )
    })
}

/// The demo lines of every procedure (`<code>/demo.toml`): the embedded ones, replaced by or
/// added to by those of `folder` (a folder per procedure); checked against `registry`, every
/// mistake of every file reported.
pub fn demo_lines(
    folder: Option<&std::path::Path>,
    registry: &Registry,
) -> crate::Result<Vec<crate::district::lines::Lines>> {
    use crate::district::lines::{self, FILE_NAME};
    let mut files = std::collections::BTreeMap::new();
    for name in EmbeddedDemoLines::iter() {
        let Some(file) = EmbeddedDemoLines::get(&name) else {
            continue;
        };
        let Some((code, _)) = name.split_once('/') else {
            continue;
        };
        files.insert(
            code.to_string(),
            (
                format!("procedures/{name}"),
                String::from_utf8_lossy(&file.data).into_owned(),
            ),
        );
    }
    if let Some(folder) = folder.filter(|f| f.is_dir()) {
        let entries = std::fs::read_dir(folder).map_err(|e| {
            crate::AppError::Invalid(format!("无法读取程序定义目录 {}：{e}", folder.display()))
        })?;
        for entry in entries.filter_map(|e| e.ok()) {
            let path = entry.path().join(FILE_NAME);
            let Some(code) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if path.is_file() {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    crate::AppError::Invalid(format!("无法读取 {}：{e}", path.display()))
                })?;
                files.insert(code, (path.display().to_string(), text));
            }
        }
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (code, (source, text)) in &files {
        match lines::parse(source, code, text, registry) {
            Ok(l) => out.push(l),
            Err(e) => errors.push(e.to_string()),
        }
    }
    if errors.is_empty() {
        chain(out)
    } else {
        Err(crate::AppError::Invalid(errors.join("\n")))
    }
}

/// Gives every procedure's lines the lines of the other procedures whose cases they follow
/// (those first), and checks that the lines followed exist; a procedure that follows itself
/// through others is a mistake.
fn chain(
    all: Vec<crate::district::lines::Lines>,
) -> crate::Result<Vec<crate::district::lines::Lines>> {
    use crate::district::lines::Lines;
    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::Arc;
    let needs = |l: &Lines| -> BTreeSet<String> { l.reads() };
    let mut errors = Vec::new();
    for l in &all {
        for line in l.lines.iter() {
            let Some(f) = &line.follows else { continue };
            match all.iter().find(|o| o.procedure == f.procedure) {
                None => errors.push(format!(
                    "{}: no demo lines of “{}” to follow",
                    f.place, f.procedure
                )),
                Some(o) if !o.lines.iter().any(|x| x.name == f.line) => errors.push(format!(
                    "{}: {} has no line “{}”",
                    f.place, o.source, f.line
                )),
                Some(_) => {}
            }
        }
    }
    if !errors.is_empty() {
        return Err(crate::AppError::Invalid(errors.join("\n")));
    }
    for l in &all {
        for p in l.reads() {
            if !all.iter().any(|o| o.procedure == p) {
                errors.push(format!("{}: no demo lines of “{p}” to read", l.source));
            }
        }
    }
    if !errors.is_empty() {
        return Err(crate::AppError::Invalid(errors.join("\n")));
    }
    // In the order they can be generated and loaded: the procedures read before those that
    // read them (a certificate before the cases that name it).
    let mut order: Vec<String> = Vec::new();
    let mut done: BTreeMap<String, Arc<Lines>> = BTreeMap::new();
    let mut pending = all;
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for mut l in pending {
            let needed = needs(&l);
            if needed.iter().all(|p| done.contains_key(p)) {
                for p in needed {
                    l.followed.insert(p.clone(), done[&p].clone());
                }
                order.push(l.procedure.clone());
                done.insert(l.procedure.clone(), Arc::new(l));
            } else {
                rest.push(l);
            }
        }
        if rest.len() == before {
            let names: Vec<&str> = rest.iter().map(|l| l.source.as_str()).collect();
            return Err(crate::AppError::Invalid(format!(
                "示例数据有误 / demo lines follow each other in a circle: {}",
                names.join(", ")
            )));
        }
        pending = rest;
    }
    Ok(order
        .iter()
        .filter_map(|p| done.get(p))
        .map(|l| l.as_ref().clone())
        .collect())
}

/// The embedded calendar plus the years an administrator entered (kept in the store).
pub async fn calendar(store: &Store) -> crate::Result<Calendar> {
    let invalid = |e: fazhi_core::calendar::CalendarError| crate::AppError::Invalid(e.to_string());
    let mut calendar = Calendar::embedded().clone();
    for (year, source) in store.calendar_years().await? {
        let arrangement =
            Calendar::parse_year(&format!("{year}.toml"), &source).map_err(invalid)?;
        calendar = calendar.with_year(arrangement).map_err(invalid)?;
    }
    Ok(calendar)
}
