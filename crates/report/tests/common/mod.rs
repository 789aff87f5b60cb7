//! What the report tests read from `procedures/`: the definition files (one folder per
//! procedure) and the document templates their `[[documents]]` list.
#![allow(dead_code)]

use fazhi_core::procedure::Definition;
use std::path::{Path, PathBuf};

pub fn procedures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../procedures")
}

/// Every definition file under `procedures/` (`<code>/<code>-<version>.toml`), in name order:
/// not the scenarios nor the demo lines beside them.
pub fn definition_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(procedures_dir()).expect("procedures/") {
        let dir = entry.expect("an entry").path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir).expect("a procedure folder") {
            let path = file.expect("an entry").path();
            if path.extension().is_some_and(|x| x == "toml")
                && path
                    .file_name()
                    .is_some_and(|n| n != "scenarios.toml" && n != "demo.toml")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The definition a file gives: read beside the other versions in its folder, so a version
/// written as the differences from another (`amends`) is read whole.
pub fn parse(path: &Path) -> Definition {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let text = std::fs::read_to_string(path).expect("read");
    let fail = |errors: Vec<fazhi_core::procedure::DefinitionError>| -> ! {
        let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
        panic!("{name}: {}", errors.join("; "))
    };
    if !text.contains(fazhi_core::amend::AMENDS) {
        return Definition::parse(&name, &text).unwrap_or_else(|e| fail(e));
    }
    let folder = path.parent().expect("a folder");
    let mut sources = Vec::new();
    for file in std::fs::read_dir(folder).expect("the folder") {
        let sibling = file.expect("an entry").path();
        let sibling_name = sibling.file_name().unwrap().to_string_lossy().to_string();
        if sibling.extension().is_some_and(|x| x == "toml")
            && sibling_name != "scenarios.toml"
            && sibling_name != "demo.toml"
        {
            sources.push((
                sibling_name,
                std::fs::read_to_string(&sibling).expect("read"),
            ));
        }
    }
    let registry =
        fazhi_core::procedure::Registry::from_sources(&sources).unwrap_or_else(|e| fail(e));
    registry
        .all()
        .iter()
        .find(|d| format!("{}-{}.toml", d.code, d.version) == name)
        .unwrap_or_else(|| panic!("{name}: not named <code>-<version>.toml"))
        .clone()
}

/// (procedure, document, name, template text) of every document the definitions list.
pub fn templates() -> Vec<(String, String, String, String)> {
    let mut out: Vec<(String, String, String, String)> = Vec::new();
    for path in definition_files() {
        let definition = parse(&path);
        for spec in &definition.documents {
            if out
                .iter()
                .any(|(p, d, _, _)| *p == definition.code && *d == spec.code)
            {
                continue;
            }
            let file = procedures_dir()
                .join(&definition.code)
                .join("documents")
                .join(format!("{}.md", spec.code));
            let text = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            out.push((
                definition.code.clone(),
                spec.code.clone(),
                spec.label.zh.clone(),
                text,
            ));
        }
    }
    assert!(!out.is_empty(), "no document templates found");
    out
}

pub fn template(procedure: &str, document: &str) -> Option<String> {
    templates()
        .into_iter()
        .find(|(p, d, _, _)| p == procedure && d == document)
        .map(|(_, _, _, text)| text)
}
