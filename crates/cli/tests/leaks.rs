//! The public-leak walk (issue 22, "keep it found"): the demo district served, every public page
//! reached by following the portal's own links (publicity lists and records, flowcharts, the
//! application forms, the integrity page …), and each page read for personal data that must
//! not be public: a resident ID number (checked by its check digit, so a masked one or another
//! code does not count) or a mobile number standing on its own.

mod common;

use common::{fazhi, serve};
use std::collections::{BTreeSet, VecDeque};

/// The most pages the walk reads (the demo's public site has far fewer).
const MOST_PAGES: usize = 600;

/// The site's own links on a page that stay on the public side.
fn public_links(page: &str) -> Vec<String> {
    page.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|href| href.replace("&amp;", "&"))
        .map(|href| href.split('#').next().unwrap_or_default().to_string())
        .filter(|href| {
            href.starts_with('/')
                && !href.starts_with("//")
                && !["/console", "/api", "/static", "/lang", "/metrics"]
                    .iter()
                    .any(|p| href.starts_with(p))
        })
        .collect()
}

/// Runs of characters of a kind, with what stands before and after them.
fn runs(text: &str, of: impl Fn(char) -> bool) -> Vec<(Option<char>, String, Option<char>)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if of(chars[i]) {
            let start = i;
            while i < chars.len() && of(chars[i]) {
                i += 1;
            }
            let before = start.checked_sub(1).map(|b| chars[b]);
            out.push((
                before,
                chars[start..i].iter().collect(),
                chars.get(i).copied(),
            ));
        } else {
            i += 1;
        }
    }
    out
}

/// Personal numbers on a page: valid resident ID numbers, and mobile numbers (11 digits from
/// 13–19) that are not part of a longer code or hash.
fn leaks(page: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (_, run, _) in runs(page, |c| c.is_ascii_alphanumeric()) {
        for start in 0..run.len().saturating_sub(17) {
            let candidate = &run[start..start + 18];
            if fazhi_core::codes::IdNumber::parse(candidate).is_ok() {
                found.push(format!("ID number {candidate}"));
            }
        }
    }
    for (before, run, after) in runs(page, |c| c.is_ascii_digit()) {
        let standalone = !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
            && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-');
        if standalone && run.len() == 11 && run.starts_with('1') && run.as_bytes()[1] >= b'3' {
            found.push(format!("mobile number {run}"));
        }
    }
    found
}

#[test]
fn the_checks_find_what_they_look_for_and_nothing_else() {
    assert_eq!(
        leaks("申请人身份证号 11010519491231002X。"),
        vec!["ID number 11010519491231002X"]
    );
    assert_eq!(
        leaks("电话：13812345678，"),
        vec!["mobile number 13812345678"]
    );
    assert!(leaks("110105********002X 138****5678").is_empty(), "masked");
    assert!(
        leaks("91210212MA0Q7XYZ1K 0411-86231234").is_empty(),
        "a credit code, a fixed line"
    );
    assert!(
        leaks("ab13812345678cd 2019138123456789").is_empty(),
        "inside longer codes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_public_page_of_the_demo_shows_personal_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let data = data.to_str().unwrap().to_string();
    let seeded = fazhi(&["demo", "--data", &data, "--no-serve"]);
    assert!(seeded.status.success());
    let (_server, site) = serve(&data).await;
    let http = reqwest::Client::new();
    // The home, and searches a visitor would make (forms are not links).
    let mut queue: VecDeque<String> = [
        "/",
        "/publicity",
        "/flowcharts",
        "/apply",
        "/track",
        "/publicity?q=%E5%85%AC%E5%8F%B8",
        "/publicity?q=%E7%BD%9A%E6%AC%BE",
        "/publicity?q=%E8%AE%B8%E5%8F%AF",
        "/publicity?q=2019",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    let mut read = 0;
    let mut problems = Vec::new();
    while let Some(path) = queue.pop_front() {
        if read == MOST_PAGES {
            break;
        }
        let reply = http.get(format!("{site}{path}")).send().await.unwrap();
        let status = reply.status();
        let body = reply.text().await.unwrap_or_default();
        read += 1;
        if status.is_server_error() {
            problems.push(format!("{path}: {status}"));
        }
        for leak in leaks(&body) {
            problems.push(format!("{path}: {leak}"));
        }
        for link in public_links(&body) {
            if seen.insert(link.clone()) {
                queue.push_back(link);
            }
        }
    }
    eprintln!("public-leak walk: {read} pages read");
    assert!(read > 20, "the walk read only {read} pages");
    assert!(
        problems.is_empty(),
        "{} problems in {read} pages:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
