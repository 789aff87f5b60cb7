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
/// (`scenarios.toml`) and its documents (`documents/*.md`).
const SCENARIOS: &str = "scenarios.toml";

#[derive(RustEmbed)]
#[folder = "../../procedures/"]
#[include = "*.toml"]
#[exclude = "*scenarios.toml"]
struct EmbeddedProcedures;

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
        p.extension().is_some_and(|x| x == "toml") && p.file_name().is_some_and(|n| n != SCENARIOS)
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
