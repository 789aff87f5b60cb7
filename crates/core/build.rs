//! Embeds every official calendar file of `calendars/` (one file a year, `YYYY.toml`): a new
//! year's file is picked up by the next build without touching Rust.
use std::fmt::Write;

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../calendars");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut years: Vec<(i32, std::path::PathBuf)> = std::fs::read_dir(&dir)
        .expect("the calendars folder")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let year = path
                .file_name()?
                .to_str()?
                .strip_suffix(".toml")?
                .parse()
                .ok()?;
            Some((year, path.canonicalize().ok()?))
        })
        .collect();
    years.sort();
    let mut code = String::from("&[\n");
    for (year, path) in &years {
        println!("cargo::rerun-if-changed={}", path.display());
        writeln!(
            code,
            "    ({year}, include_str!({:?})),",
            path.display().to_string()
        )
        .expect("writing to a string");
    }
    code.push(']');
    let out =
        std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("calendars.rs");
    std::fs::write(out, code).expect("writing the calendar list");
}
