//! An official holiday file, as an administrator enters it: refused or read, never a panic; what
//! is read can be added to the calendar and counted through.
#![no_main]

use fazhi_core::calendar::{Calendar, Length};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(year) = Calendar::parse_year("2027.toml", &text)
        && let Ok(calendar) = Calendar::embedded().with_year(year)
    {
        let start = chrono::NaiveDate::from_ymd_opt(2026, 12, 20).unwrap();
        let _ = calendar.due(start, Length::WorkingDays(20), &[], &[]);
    }
});
