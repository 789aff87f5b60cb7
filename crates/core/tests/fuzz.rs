//! Fuzzing the parsers outsiders feed (issue 22, "keep it found"), as property tests on the
//! stable toolchain: a definition file or a holiday file damaged at random — a line dropped,
//! doubled or cut, a character replaced — and arbitrary text are refused with an error or
//! accepted, never a panic. `PROPTEST_CASES=N` runs longer.

use fazhi_core::calendar::Calendar;
use fazhi_core::procedure::Registry;
use proptest::prelude::*;

const DEFINITION: &str =
    include_str!("../../../procedures/disclosure_request/disclosure_request-2019-05-15.toml");
const PENALTY: &str = include_str!(
    "../../../procedures/administrative_penalty/administrative_penalty-2021-07-15.toml"
);
const CALENDAR: &str = include_str!("../../../calendars/2019.toml");

/// 96 cases each, or `PROPTEST_CASES`.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(96)
}

/// A file damaged at `at` (a fraction of its lines) in one of four ways.
fn damaged(text: &str, at: f64, how: u8, with: char) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        return String::new();
    }
    let i = ((lines.len() - 1) as f64 * at) as usize;
    match how % 4 {
        0 => {
            lines.remove(i);
        }
        1 => {
            let line = lines[i].clone();
            lines.insert(i, line);
        }
        2 => {
            let cut: String = lines[i]
                .chars()
                .take(lines[i].chars().count() / 2)
                .collect();
            lines[i] = cut;
        }
        _ => {
            let mut chars: Vec<char> = lines[i].chars().collect();
            if !chars.is_empty() {
                let j = ((chars.len() - 1) as f64 * at) as usize;
                chars[j] = with;
            }
            lines[i] = chars.into_iter().collect();
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn a_damaged_definition_is_refused_or_read_never_a_panic(
        at in 0.0f64..1.0,
        how in any::<u8>(),
        with in any::<char>(),
        which in any::<bool>(),
    ) {
        let text = damaged(if which { DEFINITION } else { PENALTY }, at, how, with);
        let _ = Registry::from_sources(&[("fuzzed.toml".to_string(), text)]);
    }

    #[test]
    fn arbitrary_text_as_a_definition_never_panics(text in ".{0,400}") {
        let _ = Registry::from_sources(&[("fuzzed.toml".to_string(), text)]);
    }

    #[test]
    fn a_damaged_holiday_file_is_refused_or_read_never_a_panic(
        at in 0.0f64..1.0,
        how in any::<u8>(),
        with in any::<char>(),
    ) {
        let text = damaged(CALENDAR, at, how, with);
        if let Ok(year) = Calendar::parse_year("2019.toml", &text) {
            // What is read can be used: added to the others, and a period counted through it.
            if let Ok(calendar) = Calendar::embedded().with_year(year) {
                let start = chrono::NaiveDate::from_ymd_opt(2019, 9, 20).unwrap();
                let _ = calendar.due(start, fazhi_core::calendar::Length::WorkingDays(20), &[], &[]);
            }
        }
    }

    #[test]
    fn arbitrary_text_as_a_holiday_file_never_panics(text in ".{0,300}") {
        let _ = Calendar::parse_year("2027.toml", &text);
    }
}
