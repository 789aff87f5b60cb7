//! The official holiday calendar and the counting of legal time limits (期间).
//!
//! # Calendar
//!
//! One [`YearArrangement`] per year, taken from the State Council General Office's annual
//! notice (国务院办公厅关于YYYY年部分节假日安排的通知). The files in `calendars/` (2004–2026) are
//! embedded at compile time; see `calendars/README.md` for the format. A date is a rest day
//! iff it is listed in some holiday's `off`, or it is a Saturday/Sunday not listed in any
//! `work`. Everything else is a working day.
//!
//! A date can only be decided when the calendar has the file of *that date's year*
//! ([`CalendarError::NoCalendar`] otherwise). Blocks of a file may reach into the
//! neighbouring year (2019.toml starts 元旦 on 2018-12-30): those dates are looked up in all
//! files, but still need their own year's file to be present.
//!
//! # Counting (民法典 Art 201–203, 民事诉讼法 Art 85)
//!
//! * The start day is never counted.
//! * [`Length::CalendarDays`]: end = start + n days.
//! * [`Length::WorkingDays`]: count n working days after the start; the result is always a
//!   working day. **n = 0** means the start day itself if it is a working day, otherwise
//!   the first working day after it.
//! * [`Length::Months`]: the corresponding date n months later, or that month's last day if
//!   there is none (01-31 + 1 month = 02-28/29).
//! * Pauses ([`Pause`] `{from: P, to: R}`, P ≤ R): the days in (P, R] are not counted, so the
//!   deadline moves on by the number of counted units in (P, R] — working days for a
//!   working-day period, calendar days otherwise. Only days after the start day count, and
//!   a day covered by an earlier pause is not counted twice. Pauses are applied in the
//!   given order; a pause whose `from` is after the due date reached so far is ignored
//!   (recorded with 0 units). A pause with `to < from` is an error
//!   ([`CalendarError::InvalidPause`]).
//! * Then, if the date is a rest day, it rolls to the next working day (Art 203: a last day
//!   on a holiday moves to the day after the holiday).
//! * Extensions are applied after that, each counted from the due date reached so far (the
//!   rolled date, because that is when the original period actually expired); a
//!   calendar-day or month extension that ends on a rest day rolls again.
//!
//! Every date the computation has to classify must lie in a year the calendar has, with one
//! exception: a period running into the (up to three) years after the last one with an official
//! arrangement is computed provisionally, those years' rest days being the weekends, and the
//! result says so (`Due::provisional`, a first line of its explanation) until the years are
//! entered. Anything else is [`CalendarError::NoCalendar`]; nothing else is guessed and nothing
//! panics.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::OnceLock;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize, Serializer};

/// Name given to make-up working days (调休上班日).
pub const MAKE_UP_DAY_NAME: &str = "调休上班";
/// Name given to ordinary Saturdays and Sundays.
pub const WEEKEND_NAME: &str = "周末";

/// Years a calendar file may describe.
const YEAR_RANGE: std::ops::RangeInclusive<i32> = 1990..=2100;

/// The calendar files of `calendars/`, embedded at compile time (the list is made by build.rs
/// from the folder's `YYYY.toml` files).
const EMBEDDED: &[(i32, &str)] = include!(concat!(env!("OUT_DIR"), "/calendars.rs"));

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/// Whether a day is a working day or a rest day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum DayKind {
    Workday,
    Restday,
}

/// One classified date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Day {
    #[serde(serialize_with = "ser_date")]
    pub date: NaiveDate,
    pub kind: DayKind,
    /// The holiday's name for listed off days (e.g. "春节"), [`MAKE_UP_DAY_NAME`] for make-up
    /// working days, [`WEEKEND_NAME`] for ordinary Saturdays/Sundays, "" for ordinary weekdays.
    pub name: String,
}

impl Day {
    pub fn is_workday(&self) -> bool {
        self.kind == DayKind::Workday
    }
}

/// One item of a notice: a block of rest days and its make-up working days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holiday {
    pub name: String,
    #[serde(serialize_with = "ser_dates")]
    pub off: Vec<NaiveDate>,
    #[serde(serialize_with = "ser_dates")]
    pub work: Vec<NaiveDate>,
}

/// One year's notice (one calendar file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearArrangement {
    pub year: i32,
    /// Document number (发文字号), "" if unknown.
    pub notice: String,
    /// Signing date (成文日期) as `YYYY-MM-DD`, "" if not confirmed.
    pub published: String,
    /// Where it was checked, free text.
    pub source: String,
    pub holidays: Vec<Holiday>,
}

/// Errors of the calendar and of deadline computation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("没有 {year} 年的官方节假日安排（no official calendar for {year}）")]
    NoCalendar { year: i32 },
    #[error("日历文件 {source_name} 有误：{message}（invalid calendar file {source_name}）")]
    Invalid {
        source_name: String,
        message: String,
    },
    #[error(
        "暂停的恢复日 {to} 早于暂停日 {from}（a pause cannot resume on {to}, before it starts on {from}）"
    )]
    InvalidPause { from: NaiveDate, to: NaiveDate },
}

/// The length of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Length {
    CalendarDays(u32),
    WorkingDays(u32),
    Months(u32),
}

/// A pause of the clock: `from` is the day the pausing event happened (still counted), `to`
/// the day the resuming event happened (not counted). The days in (from, to] are not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Pause {
    #[serde(serialize_with = "ser_date")]
    pub from: NaiveDate,
    #[serde(serialize_with = "ser_date")]
    pub to: NaiveDate,
}

/// A computed deadline (the last day of the period) and how it was reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Due {
    #[serde(serialize_with = "ser_date")]
    pub date: NaiveDate,
    pub explanation: Explanation,
    /// Years after the last one with an official arrangement that the period reached: their
    /// days were counted as if only weekends were rest days, so the date is provisional until
    /// those years are entered (and then recomputed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub provisional: Vec<i32>,
}

impl Due {
    pub fn is_provisional(&self) -> bool {
        !self.provisional.is_empty()
    }
}

/// How a deadline was computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    #[serde(serialize_with = "ser_date")]
    pub start: NaiveDate,
    pub length: Length,
    /// Rest days passed over while counting working days (the period, pause shifts and
    /// extensions) or while rolling a last day, in date order.
    pub skipped: Vec<Day>,
    /// If the final due date was reached by rolling a last day that fell on a rest day: that
    /// last day. (An earlier roll followed by an extension is only described in `lines`.)
    #[serde(serialize_with = "ser_opt_date")]
    pub rolled_from: Option<NaiveDate>,
    /// Each pause and how many units (working days or calendar days) it added.
    pub paused: Vec<(Pause, u32)>,
    pub extended: Vec<Length>,
    /// A human explanation in Chinese, one step per line.
    pub lines: Vec<String>,
}

/// How many years past the last one with an official arrangement a period may run, computed
/// provisionally (weekends only).
const PROVISIONAL_YEARS: i32 = 3;

/// The holiday calendar: all known years' arrangements.
#[derive(Debug, Clone)]
pub struct Calendar {
    years: BTreeMap<i32, YearArrangement>,
    /// Every date listed in some file: its kind and name.
    listed: HashMap<NaiveDate, (DayKind, String)>,
}

// ---------------------------------------------------------------------------------------------
// Serialisation helpers (chrono is built without its serde feature)
// ---------------------------------------------------------------------------------------------

fn ser_date<S: Serializer>(date: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(date)
}

fn ser_opt_date<S: Serializer>(date: &Option<NaiveDate>, serializer: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(date) => serializer.serialize_some(&date.to_string()),
        None => serializer.serialize_none(),
    }
}

fn ser_dates<S: Serializer>(dates: &[NaiveDate], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(dates.iter().map(|d| d.to_string()))
}

// ---------------------------------------------------------------------------------------------
// Parsing and validation of calendar files
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    year: i64,
    notice: String,
    published: String,
    source: String,
    holiday: Vec<RawHoliday>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    name: String,
    off: Vec<String>,
    work: Vec<String>,
}

/// Parses `YYYY-MM-DD` strictly (four-digit year, two-digit month and day).
fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    if bytes.len() != 10
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || !bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit())
    {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

fn weekday_zh(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Mon => "星期一",
        Weekday::Tue => "星期二",
        Weekday::Wed => "星期三",
        Weekday::Thu => "星期四",
        Weekday::Fri => "星期五",
        Weekday::Sat => "星期六",
        Weekday::Sun => "星期日",
    }
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

fn kind_key(kind: DayKind) -> &'static str {
    match kind {
        DayKind::Restday => "off（放假）",
        DayKind::Workday => "work（调休上班）",
    }
}

/// The year in a source name like `2019.toml` or `calendars/2019.toml`, if it has one.
fn year_of_source_name(source_name: &str) -> Option<i32> {
    let file = source_name.rsplit(['/', '\\']).next()?;
    file.strip_suffix(".toml")?.parse().ok()
}

/// Structural checks of one year, shared by [`Calendar::parse_year`] and
/// [`Calendar::from_years`] (arrangements entered by hand go through the same rules).
fn validate_year(source_name: &str, arrangement: &YearArrangement) -> Result<(), CalendarError> {
    let invalid = |message: String| CalendarError::Invalid {
        source_name: source_name.to_string(),
        message,
    };
    let year = arrangement.year;
    if !YEAR_RANGE.contains(&year) {
        return Err(invalid(format!("year = {year} 不在 1990 至 2100 之间")));
    }
    if !arrangement.published.is_empty() && parse_iso_date(&arrangement.published).is_none() {
        return Err(invalid(format!(
            "published = \"{}\" 不是 YYYY-MM-DD 格式的日期（不确定时应为空字符串 \"\"）",
            arrangement.published
        )));
    }
    let mut seen: HashMap<NaiveDate, (&str, DayKind)> = HashMap::new();
    for (index, holiday) in arrangement.holidays.iter().enumerate() {
        let name = holiday.name.trim();
        if name.is_empty() {
            return Err(invalid(format!(
                "第 {} 个 [[holiday]] 的 name 为空",
                index + 1
            )));
        }
        if holiday.off.is_empty() {
            return Err(invalid(format!(
                "节日「{name}」的 off 为空，至少要有一个放假日"
            )));
        }
        for (key, dates) in [("off", &holiday.off), ("work", &holiday.work)] {
            for date in dates {
                if (date.year() - year).abs() > 1 {
                    return Err(invalid(format!(
                        "节日「{name}」的 {key} 日期 {date} 不在 {year} 年及其前后一年之内"
                    )));
                }
            }
        }
        for pair in holiday.off.windows(2) {
            let expected = pair[0].succ_opt();
            if expected != Some(pair[1]) {
                return Err(invalid(format!(
                    "节日「{name}」的 off 日期应为按顺序连续的日期：{} 之后是 {}",
                    pair[0], pair[1]
                )));
            }
        }
        for date in &holiday.work {
            if !is_weekend(*date) {
                return Err(invalid(format!(
                    "节日「{name}」的 work 日期 {date} 是{}，调休上班日必须是星期六或星期日",
                    weekday_zh(date.weekday())
                )));
            }
        }
        let entries = holiday
            .off
            .iter()
            .map(|d| (*d, DayKind::Restday))
            .chain(holiday.work.iter().map(|d| (*d, DayKind::Workday)));
        for (date, kind) in entries {
            if let Some((other, other_kind)) = seen.insert(date, (name, kind)) {
                let message = if other == name && other_kind != kind {
                    format!("日期 {date} 在节日「{name}」中既列在 off（放假）又列在 work（上班）")
                } else if other_kind != kind {
                    format!(
                        "日期 {date} 既是「{other}」的 {} 又是「{name}」的 {}",
                        kind_key(other_kind),
                        kind_key(kind)
                    )
                } else {
                    format!(
                        "日期 {date} 重复出现：「{other}」与「{name}」的 {} 都列有此日",
                        kind_key(kind)
                    )
                };
                return Err(invalid(message));
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Date arithmetic helpers
// ---------------------------------------------------------------------------------------------

/// The proleptic Gregorian year of a day number counted from 0001-01-01 = 1, for results
/// beyond chrono's range (only used to name the missing year in an error).
fn year_of_day_number(days_from_ce: i64) -> i64 {
    // Howard Hinnant's civil_from_days, with day 0 = 1970-01-01.
    let z = days_from_ce - 719_163 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    yoe + era * 400 + i64::from(month <= 2)
}

fn clamp_year(year: i64) -> i32 {
    i32::try_from(year).unwrap_or(if year < 0 { i32::MIN } else { i32::MAX })
}

/// `date + n` days; a result outside chrono's range is a year without data.
fn add_days(date: NaiveDate, n: u64) -> Result<NaiveDate, CalendarError> {
    date.checked_add_days(Days::new(n)).ok_or_else(|| {
        let day_number = i64::from(date.num_days_from_ce()).saturating_add_unsigned(n);
        CalendarError::NoCalendar {
            year: clamp_year(year_of_day_number(day_number)),
        }
    })
}

fn next_day(date: NaiveDate) -> Result<NaiveDate, CalendarError> {
    add_days(date, 1)
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The corresponding date `n` months later (民法典 Art 202), or that month's last day if there
/// is none. The flag says whether the day was cut to the month's end.
fn add_months(date: NaiveDate, n: u32) -> Result<(NaiveDate, bool), CalendarError> {
    let total = i64::from(date.year()) * 12 + i64::from(date.month0()) + i64::from(n);
    let year = total.div_euclid(12);
    let no_data = CalendarError::NoCalendar {
        year: clamp_year(year),
    };
    let year = i32::try_from(year).map_err(|_| no_data.clone())?;
    let month = u32::try_from(total.rem_euclid(12)).map_err(|_| no_data.clone())? + 1;
    let last = days_in_month(year, month);
    let day = date.day().min(last);
    let result = NaiveDate::from_ymd_opt(year, month, day).ok_or(no_data)?;
    Ok((result, date.day() > last))
}

/// Subtracts the already covered (a, b] intervals from (lo, hi]; returns what is left.
fn uncovered(
    covered: &[(NaiveDate, NaiveDate)],
    lo: NaiveDate,
    hi: NaiveDate,
) -> Vec<(NaiveDate, NaiveDate)> {
    let mut pieces = if lo < hi { vec![(lo, hi)] } else { Vec::new() };
    for &(c, d) in covered {
        let mut next = Vec::with_capacity(pieces.len() + 1);
        for (a, b) in pieces {
            let left_end = b.min(c);
            if a < left_end {
                next.push((a, left_end));
            }
            let right_start = a.max(d);
            if right_start < b {
                next.push((right_start, b));
            }
        }
        pieces = next;
    }
    pieces
}

fn describe_day(day: &Day) -> String {
    if day.name.is_empty() {
        day.date.to_string()
    } else {
        format!("{} {}", day.date, day.name)
    }
}

fn skipped_line(days: &[Day]) -> String {
    let list: Vec<String> = days.iter().map(describe_day).collect();
    format!("跳过休息日：{}", list.join("、"))
}

// ---------------------------------------------------------------------------------------------
// Calendar
// ---------------------------------------------------------------------------------------------

impl Calendar {
    /// The calendar of the embedded files (`calendars/`, 2004 to the latest year shipped).
    pub fn embedded() -> &'static Calendar {
        static EMBEDDED_CALENDAR: OnceLock<Calendar> = OnceLock::new();
        EMBEDDED_CALENDAR.get_or_init(|| {
            let years = EMBEDDED
                .iter()
                .map(|(year, text)| {
                    Calendar::parse_year(&format!("{year}.toml"), text)
                        .expect("embedded calendar files are tested to parse")
                })
                .collect();
            Calendar::from_years(years).expect("embedded calendar files are tested to agree")
        })
    }

    /// Builds a calendar, checking every year and that the years agree with each other: no
    /// year twice, and no date listed twice (e.g. off in one file and work in another).
    pub fn from_years(years: Vec<YearArrangement>) -> Result<Calendar, CalendarError> {
        let mut by_year: BTreeMap<i32, YearArrangement> = BTreeMap::new();
        for arrangement in years {
            let source_name = format!("{}.toml", arrangement.year);
            validate_year(&source_name, &arrangement)?;
            if by_year.contains_key(&arrangement.year) {
                return Err(CalendarError::Invalid {
                    source_name,
                    message: format!("{} 年出现了两次", arrangement.year),
                });
            }
            by_year.insert(arrangement.year, arrangement);
        }
        let mut listed: HashMap<NaiveDate, (DayKind, String)> = HashMap::new();
        let mut origin: HashMap<NaiveDate, (i32, String)> = HashMap::new();
        for (year, arrangement) in &by_year {
            for holiday in &arrangement.holidays {
                let entries = holiday
                    .off
                    .iter()
                    .map(|d| (*d, DayKind::Restday, holiday.name.clone()))
                    .chain(
                        holiday
                            .work
                            .iter()
                            .map(|d| (*d, DayKind::Workday, MAKE_UP_DAY_NAME.to_string())),
                    );
                for (date, kind, name) in entries {
                    if let Some((other_kind, _)) = listed.get(&date) {
                        let (other_year, other_holiday) = origin[&date].clone();
                        return Err(CalendarError::Invalid {
                            source_name: format!("{year}.toml"),
                            message: format!(
                                "日期 {date} 已在 {other_year}.toml 中列为「{other_holiday}」的 {}，这里又列为「{}」的 {}",
                                kind_key(*other_kind),
                                holiday.name,
                                kind_key(kind)
                            ),
                        });
                    }
                    listed.insert(date, (kind, name));
                    origin.insert(date, (*year, holiday.name.clone()));
                }
            }
        }
        Ok(Calendar {
            years: by_year,
            listed,
        })
    }

    /// Parses and checks one calendar file. `source_name` (e.g. `2019.toml`) is used in
    /// error messages; if it is of the form `YYYY.toml` it must agree with `year`.
    pub fn parse_year(source_name: &str, text: &str) -> Result<YearArrangement, CalendarError> {
        let invalid = |message: String| CalendarError::Invalid {
            source_name: source_name.to_string(),
            message,
        };
        let raw: RawYear = toml::from_str(text)
            .map_err(|e| invalid(format!("TOML 无法解析（cannot parse）：{e}")))?;
        let year = i32::try_from(raw.year)
            .ok()
            .filter(|y| YEAR_RANGE.contains(y))
            .ok_or_else(|| invalid(format!("year = {} 不在 1990 至 2100 之间", raw.year)))?;
        if let Some(named) = year_of_source_name(source_name)
            && named != year
        {
            return Err(invalid(format!("文件名是 {named} 年，但 year = {year}")));
        }
        let mut holidays = Vec::with_capacity(raw.holiday.len());
        for (index, raw_holiday) in raw.holiday.into_iter().enumerate() {
            let name = raw_holiday.name.trim().to_string();
            let label = if name.is_empty() {
                format!("第 {} 个 [[holiday]]", index + 1)
            } else {
                format!("节日「{name}」")
            };
            let parse_all =
                |key: &str, values: &[String]| -> Result<Vec<NaiveDate>, CalendarError> {
                    values
                        .iter()
                        .map(|value| {
                            parse_iso_date(value).ok_or_else(|| {
                            invalid(format!(
                                "{label}的 {key} 中的 \"{value}\" 不是有效日期（应为 YYYY-MM-DD）"
                            ))
                        })
                        })
                        .collect()
                };
            let off = parse_all("off", &raw_holiday.off)?;
            let work = parse_all("work", &raw_holiday.work)?;
            holidays.push(Holiday { name, off, work });
        }
        let arrangement = YearArrangement {
            year,
            notice: raw.notice,
            published: raw.published,
            source: raw.source,
            holidays,
        };
        validate_year(source_name, &arrangement)?;
        Ok(arrangement)
    }

    /// A copy of this calendar with `year` added, or replacing the arrangement of the same
    /// year (e.g. when the next year's notice is entered). The result is checked as a whole.
    pub fn with_year(&self, year: YearArrangement) -> Result<Calendar, CalendarError> {
        let mut years: Vec<YearArrangement> = self
            .years
            .values()
            .filter(|a| a.year != year.year)
            .cloned()
            .collect();
        years.push(year);
        Calendar::from_years(years)
    }

    /// All arrangements, sorted by year.
    pub fn years(&self) -> Vec<&YearArrangement> {
        self.years.values().collect()
    }

    pub fn has_year(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// Classifies one date. [`CalendarError::NoCalendar`] if the date's year has no file.
    pub fn day(&self, date: NaiveDate) -> Result<Day, CalendarError> {
        let year = date.year();
        if !self.has_year(year) {
            return Err(CalendarError::NoCalendar { year });
        }
        let (kind, name) = match self.listed.get(&date) {
            Some((kind, name)) => (*kind, name.clone()),
            None if is_weekend(date) => (DayKind::Restday, WEEKEND_NAME.to_string()),
            None => (DayKind::Workday, String::new()),
        };
        Ok(Day { date, kind, name })
    }

    /// Whether `date` is a working day.
    pub fn is_workday(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        Ok(self.day(date)?.is_workday())
    }

    /// Every day from `from` to `to`, both included (empty if `from > to`).
    pub fn days(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Day>, CalendarError> {
        let mut days = Vec::new();
        let mut date = from;
        while date <= to {
            days.push(self.day(date)?);
            if date == to {
                break;
            }
            date = next_day(date)?;
        }
        Ok(days)
    }

    /// The last day of a period of `length` starting on `start` (not counted), with the
    /// clock paused during `pauses` and then extended by `extensions`. See the module
    /// documentation for the rules.
    ///
    /// A period that runs into a year after the last one with an official arrangement (in
    /// December, most of them: the State Council publishes the next year's in the autumn) is
    /// computed provisionally, with only weekends as rest days in those years; the `Due` says
    /// so, and its explanation too. A year before the first one known is still an error.
    pub fn due(
        &self,
        start: NaiveDate,
        length: Length,
        pauses: &[Pause],
        extensions: &[Length],
    ) -> Result<Due, CalendarError> {
        let Some(last_known) = self.years.keys().next_back().copied() else {
            return self.due_known(start, length, pauses, extensions);
        };
        let mut until = last_known;
        loop {
            let attempt = if until == last_known {
                self.due_known(start, length, pauses, extensions)
            } else {
                self.with_weekends_only(last_known + 1..=until)
                    .due_known(start, length, pauses, extensions)
            };
            match attempt {
                // One more year at a time, at most three past the last one known: beyond that a
                // guess would say too little to be worth a date.
                Err(CalendarError::NoCalendar { year })
                    if year > until && year <= last_known + PROVISIONAL_YEARS =>
                {
                    until = year;
                }
                Ok(mut due) if until > last_known => {
                    due.provisional = (last_known + 1..=until)
                        .filter(|y| {
                            (start.year()..=due.date.year()).contains(y)
                                || pauses.iter().any(|p| p.to.year() == *y)
                        })
                        .collect();
                    if due.provisional.is_empty() {
                        due.provisional = vec![until];
                    }
                    let years: Vec<String> = due.provisional.iter().map(i32::to_string).collect();
                    due.explanation.lines.insert(
                        0,
                        format!(
                            "暂定：{} 年的法定节假日安排尚未录入，该年日期暂按周六、周日休息计算；录入后期限自动重新计算",
                            years.join("、")
                        ),
                    );
                    return Ok(due);
                }
                other => return other,
            }
        }
    }

    /// The `n`th working day after `from` (not counted), as a period of `n` working days ends.
    pub fn working_days_after(&self, from: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        Ok(self.due(from, Length::WorkingDays(n), &[], &[])?.date)
    }

    /// This calendar with `years` added as if only weekends were rest days in them.
    fn with_weekends_only(&self, years: std::ops::RangeInclusive<i32>) -> Calendar {
        let mut provisional = self.clone();
        for year in years {
            provisional.years.insert(
                year,
                YearArrangement {
                    year,
                    notice: String::new(),
                    published: String::new(),
                    source: "provisional: weekends only".into(),
                    holidays: Vec::new(),
                },
            );
        }
        provisional
    }

    /// [`Calendar::due`] over the years this calendar has.
    fn due_known(
        &self,
        start: NaiveDate,
        length: Length,
        pauses: &[Pause],
        extensions: &[Length],
    ) -> Result<Due, CalendarError> {
        if let Some(bad) = pauses.iter().find(|p| p.from > p.to) {
            return Err(CalendarError::InvalidPause {
                from: bad.from,
                to: bad.to,
            });
        }
        let mut ex = Explanation {
            start,
            length,
            skipped: Vec::new(),
            rolled_from: None,
            paused: Vec::new(),
            extended: extensions.to_vec(),
            lines: vec![
                format!("起算日 {start}（当日不计入）"),
                format!("期间：{}", length.describe_zh()),
            ],
        };

        // 1. The period itself.
        let mut due = match length {
            Length::WorkingDays(0) => {
                let first = self.day(start)?;
                if first.is_workday() {
                    ex.lines.push(format!(
                        "期间为 0 个工作日：起算日 {start} 为工作日，即为末日"
                    ));
                    start
                } else {
                    let (date, skipped) = self.skip_to_workday(start)?;
                    ex.lines.push(format!(
                        "期间为 0 个工作日：起算日 {} 为休息日，取其后第一个工作日 {date}",
                        describe_day(&first)
                    ));
                    ex.skipped.extend(skipped);
                    date
                }
            }
            Length::WorkingDays(n) => {
                let date = self.count_working_days(start, n, &mut ex)?;
                ex.lines.push(format!("第 {n} 个工作日为 {date}"));
                date
            }
            Length::CalendarDays(n) => {
                let date = add_days(start, u64::from(n))?;
                ex.lines.push(format!("自次日起算 {n} 日，末日为 {date}"));
                date
            }
            Length::Months(n) => {
                let (date, cut) = add_months(start, n)?;
                if cut {
                    ex.lines.push(format!(
                        "{n} 个月后的 {} 年 {} 月没有 {} 日，末日取该月最后一日 {date}",
                        date.year(),
                        date.month(),
                        start.day()
                    ));
                } else {
                    ex.lines.push(format!("{n} 个月后的对应日为 {date}"));
                }
                date
            }
        };

        // 2. Pauses.
        let working = matches!(length, Length::WorkingDays(_));
        let unit = if working { "个工作日" } else { "日" };
        let mut covered: Vec<(NaiveDate, NaiveDate)> = Vec::new();
        for pause in pauses {
            if pause.from > due {
                ex.paused.push((*pause, 0));
                ex.lines.push(format!(
                    "暂停 {} 至 {} 开始于末日 {due} 之后，不影响期限",
                    pause.from, pause.to
                ));
                continue;
            }
            let pieces = uncovered(&covered, pause.from.max(start), pause.to);
            covered.push((pause.from.max(start), pause.to));
            let mut units: u64 = 0;
            for (a, b) in pieces {
                if working {
                    for day in self.days(next_day(a)?, b)? {
                        units += u64::from(day.is_workday());
                    }
                } else {
                    units += u64::try_from((b - a).num_days()).unwrap_or(0);
                }
            }
            let units = u32::try_from(units).unwrap_or(u32::MAX);
            ex.paused.push((*pause, units));
            if units == 0 {
                ex.lines.push(format!(
                    "暂停 {} 至 {}，其间没有应计入的{unit}，期限不变",
                    pause.from, pause.to
                ));
                continue;
            }
            due = if working {
                self.count_working_days(due, units, &mut ex)?
            } else {
                add_days(due, u64::from(units))?
            };
            ex.lines.push(format!(
                "暂停 {} 至 {}，不计入 {units} {unit}，末日移至 {due}",
                pause.from, pause.to
            ));
        }

        // 3. Extensions, counted from the original last day — not from the day a rest day
        //    would roll it to: an extended period is one period, and only its final last day
        //    rolls ("60 + 30" is 90 days plus at most one roll, never 97).
        for extension in extensions {
            let from = due;
            due = match *extension {
                Length::WorkingDays(n) => self.count_working_days(from, n, &mut ex)?,
                Length::CalendarDays(n) => add_days(from, u64::from(n))?,
                Length::Months(n) => add_months(from, n)?.0,
            };
            let resting = !self.day(from)?.is_workday();
            ex.lines.push(if resting {
                format!(
                    "延长 {}：自原末日 {from} 起算（原末日虽为休息日，延长期间不自顺延后的日期起算），末日为 {due}",
                    extension.describe_zh()
                )
            } else {
                format!(
                    "延长 {}：自原末日 {from} 起算，末日为 {due}",
                    extension.describe_zh()
                )
            });
        }

        // 4. A last day on a rest day rolls to the next working day.
        due = self.roll(due, &mut ex)?;

        ex.lines.push(format!("期限届满日：{due}"));
        Ok(Due {
            date: due,
            explanation: ex,
            provisional: Vec::new(),
        })
    }

    /// Counts `n` working days after `from` (not counted); records the rest days passed over.
    fn count_working_days(
        &self,
        from: NaiveDate,
        n: u32,
        ex: &mut Explanation,
    ) -> Result<NaiveDate, CalendarError> {
        let mut date = from;
        let mut counted = 0;
        let mut skipped = Vec::new();
        while counted < n {
            date = next_day(date)?;
            let day = self.day(date)?;
            if day.is_workday() {
                counted += 1;
            } else {
                skipped.push(day);
            }
        }
        if !skipped.is_empty() {
            ex.lines.push(skipped_line(&skipped));
            ex.skipped.extend(skipped);
        }
        Ok(date)
    }

    /// The first working day after `date`, and the rest days before it.
    fn skip_to_workday(&self, date: NaiveDate) -> Result<(NaiveDate, Vec<Day>), CalendarError> {
        let mut skipped = Vec::new();
        let mut current = next_day(date)?;
        loop {
            let day = self.day(current)?;
            if day.is_workday() {
                return Ok((current, skipped));
            }
            skipped.push(day);
            current = next_day(current)?;
        }
    }

    /// Rolls a last day on a rest day to the next working day (民法典 Art 203).
    fn roll(&self, date: NaiveDate, ex: &mut Explanation) -> Result<NaiveDate, CalendarError> {
        let last = self.day(date)?;
        if last.is_workday() {
            ex.rolled_from = None;
            return Ok(date);
        }
        let (rolled, rest) = self.skip_to_workday(date)?;
        ex.lines.push(format!(
            "末日 {date} 为休息日（{}），顺延至 {rolled}",
            last.name
        ));
        ex.skipped.push(last);
        ex.skipped.extend(rest);
        ex.rolled_from = Some(date);
        Ok(rolled)
    }
}

// ---------------------------------------------------------------------------------------------
// Length
// ---------------------------------------------------------------------------------------------

impl Length {
    /// Parses `15d` (calendar days), `20wd` (working days) or `3m` (months).
    pub fn parse(text: &str) -> Result<Length, String> {
        let trimmed = text.trim();
        let split = trimmed
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(split);
        let format_error = || {
            format!(
                "无法识别的期间“{text}”：应为数字加单位，如 15d（日）、20wd（工作日）、3m（月）"
            )
        };
        if number.is_empty() {
            return Err(format_error());
        }
        let constructor: fn(u32) -> Length = match unit {
            "d" => Length::CalendarDays,
            "wd" => Length::WorkingDays,
            "m" => Length::Months,
            _ => return Err(format_error()),
        };
        let n: u32 = number
            .parse()
            .map_err(|_| format!("期间“{text}”的数字过大（最大 {}）", u32::MAX))?;
        Ok(constructor(n))
    }

    /// `15日`, `20个工作日`, `3个月`.
    pub fn describe_zh(&self) -> String {
        match self {
            Length::CalendarDays(n) => format!("{n}日"),
            Length::WorkingDays(n) => format!("{n}个工作日"),
            Length::Months(n) => format!("{n}个月"),
        }
    }
}

/// The form [`Length::parse`] reads: `15d`, `20wd`, `3m`.
impl fmt::Display for Length {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Length::CalendarDays(n) => write!(f, "{n}d"),
            Length::WorkingDays(n) => write!(f, "{n}wd"),
            Length::Months(n) => write!(f, "{n}m"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(text: &str) -> NaiveDate {
        parse_iso_date(text).unwrap_or_else(|| panic!("bad test date {text}"))
    }

    fn cal() -> &'static Calendar {
        Calendar::embedded()
    }

    fn due(start: &str, length: Length) -> Due {
        cal().due(d(start), length, &[], &[]).unwrap()
    }

    // --- Embedded files --------------------------------------------------------------------

    #[test]
    fn every_embedded_file_parses() {
        for (year, text) in EMBEDDED {
            let parsed = Calendar::parse_year(&format!("{year}.toml"), text)
                .unwrap_or_else(|e| panic!("{year}: {e}"));
            assert_eq!(parsed.year, *year);
            assert!(!parsed.holidays.is_empty(), "{year} has no holidays");
        }
    }

    #[test]
    fn embedded_calendar_covers_2004_to_2026() {
        let years: Vec<i32> = cal().years().iter().map(|a| a.year).collect();
        assert_eq!(years, (2004..=2026).collect::<Vec<_>>());
        assert!(cal().has_year(2004) && cal().has_year(2026));
        assert!(!cal().has_year(2003) && !cal().has_year(2027));
        assert_eq!(
            cal().day(d("2027-01-01")),
            Err(CalendarError::NoCalendar { year: 2027 })
        );
        assert_eq!(
            cal().day(d("2003-12-31")),
            Err(CalendarError::NoCalendar { year: 2003 })
        );
        assert_eq!(
            cal().day(d("2027-01-01")).unwrap_err().to_string(),
            "没有 2027 年的官方节假日安排（no official calendar for 2027）"
        );
    }

    // --- Official notices 2019–2026 ---------------------------------------------------------

    const R: DayKind = DayKind::Restday;
    const W: DayKind = DayKind::Workday;
    const UP: &str = "调休上班";
    const WE: &str = "周末";

    /// First and last off day of every holiday, every make-up day, and some ordinary days,
    /// written down from the notices (not read from the files).
    const OFFICIAL: &[(&str, DayKind, &str)] = &[
        // 2019 (国办发明电〔2018〕15号; 劳动节 as amended by 国办发明电〔2019〕3号)
        ("2018-12-29", W, UP),
        ("2018-12-30", R, "元旦"),
        ("2019-01-01", R, "元旦"),
        ("2019-02-02", W, UP),
        ("2019-02-03", W, UP),
        ("2019-02-04", R, "春节"),
        ("2019-02-10", R, "春节"),
        ("2019-04-05", R, "清明节"),
        ("2019-04-07", R, "清明节"),
        ("2019-04-28", W, UP),
        ("2019-05-01", R, "劳动节"),
        ("2019-05-04", R, "劳动节"),
        ("2019-05-05", W, UP),
        ("2019-06-07", R, "端午节"),
        ("2019-06-09", R, "端午节"),
        ("2019-09-13", R, "中秋节"),
        ("2019-09-15", R, "中秋节"),
        ("2019-09-29", W, UP),
        ("2019-10-01", R, "国庆节"),
        ("2019-10-07", R, "国庆节"),
        ("2019-10-12", W, UP),
        ("2019-03-01", W, ""),
        ("2019-03-02", R, WE),
        ("2019-10-08", W, ""),
        ("2019-10-13", R, WE),
        // 2020 (国办发明电〔2019〕16号; 春节 extended by 国办发明电〔2020〕1号)
        ("2020-01-01", R, "元旦"),
        ("2020-01-19", W, UP),
        ("2020-01-24", R, "春节"),
        ("2020-02-01", R, "春节"),
        ("2020-02-02", R, "春节"),
        ("2020-02-03", W, ""),
        ("2020-04-04", R, "清明节"),
        ("2020-04-06", R, "清明节"),
        ("2020-04-26", W, UP),
        ("2020-05-01", R, "劳动节"),
        ("2020-05-05", R, "劳动节"),
        ("2020-05-09", W, UP),
        ("2020-06-25", R, "端午节"),
        ("2020-06-27", R, "端午节"),
        ("2020-06-28", W, UP),
        ("2020-09-27", W, UP),
        ("2020-10-01", R, "国庆节、中秋节"),
        ("2020-10-08", R, "国庆节、中秋节"),
        ("2020-10-10", W, UP),
        ("2020-01-02", W, ""),
        ("2020-01-04", R, WE),
        // 2021 (国办发明电〔2020〕27号)
        ("2021-01-01", R, "元旦"),
        ("2021-01-03", R, "元旦"),
        ("2021-02-07", W, UP),
        ("2021-02-11", R, "春节"),
        ("2021-02-17", R, "春节"),
        ("2021-02-20", W, UP),
        ("2021-04-03", R, "清明节"),
        ("2021-04-05", R, "清明节"),
        ("2021-04-25", W, UP),
        ("2021-05-01", R, "劳动节"),
        ("2021-05-05", R, "劳动节"),
        ("2021-05-08", W, UP),
        ("2021-06-12", R, "端午节"),
        ("2021-06-14", R, "端午节"),
        ("2021-09-18", W, UP),
        ("2021-09-19", R, "中秋节"),
        ("2021-09-21", R, "中秋节"),
        ("2021-09-26", W, UP),
        ("2021-10-01", R, "国庆节"),
        ("2021-10-07", R, "国庆节"),
        ("2021-10-09", W, UP),
        ("2021-03-01", W, ""),
        ("2021-03-06", R, WE),
        // 2022 (国办发明电〔2021〕11号)
        ("2022-01-01", R, "元旦"),
        ("2022-01-03", R, "元旦"),
        ("2022-01-29", W, UP),
        ("2022-01-30", W, UP),
        ("2022-01-31", R, "春节"),
        ("2022-02-06", R, "春节"),
        ("2022-04-02", W, UP),
        ("2022-04-03", R, "清明节"),
        ("2022-04-05", R, "清明节"),
        ("2022-04-24", W, UP),
        ("2022-04-30", R, "劳动节"),
        ("2022-05-04", R, "劳动节"),
        ("2022-05-07", W, UP),
        ("2022-06-03", R, "端午节"),
        ("2022-06-05", R, "端午节"),
        ("2022-09-10", R, "中秋节"),
        ("2022-09-12", R, "中秋节"),
        ("2022-10-01", R, "国庆节"),
        ("2022-10-07", R, "国庆节"),
        ("2022-10-08", W, UP),
        ("2022-10-09", W, UP),
        ("2022-06-06", W, ""),
        ("2022-06-11", R, WE),
        // 2023 (国办发明电〔2022〕16号)
        ("2022-12-31", R, "元旦"),
        ("2023-01-02", R, "元旦"),
        ("2023-01-21", R, "春节"),
        ("2023-01-27", R, "春节"),
        ("2023-01-28", W, UP),
        ("2023-01-29", W, UP),
        ("2023-04-05", R, "清明节"),
        ("2023-04-23", W, UP),
        ("2023-04-29", R, "劳动节"),
        ("2023-05-03", R, "劳动节"),
        ("2023-05-06", W, UP),
        ("2023-06-22", R, "端午节"),
        ("2023-06-24", R, "端午节"),
        ("2023-06-25", W, UP),
        ("2023-09-29", R, "国庆节、中秋节"),
        ("2023-10-06", R, "国庆节、中秋节"),
        ("2023-10-07", W, UP),
        ("2023-10-08", W, UP),
        ("2023-04-04", W, ""),
        ("2023-04-08", R, WE),
        // 2024 (国办发明电〔2023〕7号; 除夕 02-09 only "encouraged" off)
        ("2023-12-30", R, "元旦"),
        ("2024-01-01", R, "元旦"),
        ("2024-02-04", W, UP),
        ("2024-02-09", W, ""),
        ("2024-02-10", R, "春节"),
        ("2024-02-17", R, "春节"),
        ("2024-02-18", W, UP),
        ("2024-04-04", R, "清明节"),
        ("2024-04-06", R, "清明节"),
        ("2024-04-07", W, UP),
        ("2024-04-28", W, UP),
        ("2024-05-01", R, "劳动节"),
        ("2024-05-05", R, "劳动节"),
        ("2024-05-11", W, UP),
        ("2024-06-08", R, "端午节"),
        ("2024-06-10", R, "端午节"),
        ("2024-09-14", W, UP),
        ("2024-09-15", R, "中秋节"),
        ("2024-09-17", R, "中秋节"),
        ("2024-09-29", W, UP),
        ("2024-10-01", R, "国庆节"),
        ("2024-10-07", R, "国庆节"),
        ("2024-10-12", W, UP),
        ("2024-03-01", W, ""),
        ("2024-03-02", R, WE),
        // 2025 (国办发明电〔2024〕12号)
        ("2025-01-01", R, "元旦"),
        ("2025-01-26", W, UP),
        ("2025-01-28", R, "春节"),
        ("2025-02-04", R, "春节"),
        ("2025-02-08", W, UP),
        ("2025-04-04", R, "清明节"),
        ("2025-04-06", R, "清明节"),
        ("2025-04-27", W, UP),
        ("2025-05-01", R, "劳动节"),
        ("2025-05-05", R, "劳动节"),
        ("2025-05-31", R, "端午节"),
        ("2025-06-02", R, "端午节"),
        ("2025-09-28", W, UP),
        ("2025-10-01", R, "国庆节、中秋节"),
        ("2025-10-08", R, "国庆节、中秋节"),
        ("2025-10-11", W, UP),
        ("2025-01-02", W, ""),
        ("2025-01-04", R, WE),
        ("2025-05-10", R, WE),
        // 2026 (国办发明电〔2025〕7号)
        ("2026-01-01", R, "元旦"),
        ("2026-01-03", R, "元旦"),
        ("2026-01-04", W, UP),
        ("2026-02-14", W, UP),
        ("2026-02-15", R, "春节"),
        ("2026-02-23", R, "春节"),
        ("2026-02-28", W, UP),
        ("2026-04-04", R, "清明节"),
        ("2026-04-06", R, "清明节"),
        ("2026-05-01", R, "劳动节"),
        ("2026-05-05", R, "劳动节"),
        ("2026-05-09", W, UP),
        ("2026-06-19", R, "端午节"),
        ("2026-06-21", R, "端午节"),
        ("2026-09-20", W, UP),
        ("2026-09-25", R, "中秋节"),
        ("2026-09-27", R, "中秋节"),
        ("2026-10-01", R, "国庆节"),
        ("2026-10-07", R, "国庆节"),
        ("2026-10-10", W, UP),
        ("2026-12-26", R, WE),
        ("2026-12-31", W, ""),
    ];

    #[test]
    fn official_notices_2019_to_2026() {
        for (date, kind, name) in OFFICIAL {
            let day = cal().day(d(date)).unwrap();
            assert_eq!((day.kind, day.name.as_str()), (*kind, *name), "{date}");
        }
        // Every make-up day the files list for 2019–2026 is in the table above.
        let table_make_up: Vec<NaiveDate> = OFFICIAL
            .iter()
            .filter(|(_, _, name)| *name == UP)
            .map(|(date, _, _)| d(date))
            .collect();
        for arrangement in cal().years().into_iter().filter(|a| a.year >= 2019) {
            for holiday in &arrangement.holidays {
                for date in &holiday.work {
                    assert!(
                        table_make_up.contains(date),
                        "{date} missing from the table"
                    );
                }
                let first = holiday.off[0];
                let last = holiday.off[holiday.off.len() - 1];
                for date in [first, last] {
                    assert!(
                        OFFICIAL.iter().any(|(t, _, _)| d(t) == date),
                        "{date} ({}) missing from the table",
                        holiday.name
                    );
                }
            }
        }
    }

    #[test]
    fn days_lists_a_range() {
        let days = cal().days(d("2019-09-28"), d("2019-10-02")).unwrap();
        let kinds: Vec<(String, DayKind)> = days
            .iter()
            .map(|day| (day.date.to_string(), day.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("2019-09-28".to_string(), R),
                ("2019-09-29".to_string(), W),
                ("2019-09-30".to_string(), W),
                ("2019-10-01".to_string(), R),
                ("2019-10-02".to_string(), R),
            ]
        );
        assert!(
            cal()
                .days(d("2019-10-02"), d("2019-10-01"))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            cal().days(d("2026-12-30"), d("2027-01-02")),
            Err(CalendarError::NoCalendar { year: 2027 })
        );
    }

    // --- Examples ---------------------------------------------------------------------------

    #[test]
    fn working_days_across_national_day() {
        // 10-01..07 off; 10-08 (1), 10-09 (2), 10-10 (3), 10-11 (4), Sat 10-12 make-up day (5).
        let result = due("2019-09-30", Length::WorkingDays(5));
        assert_eq!(result.date, d("2019-10-12"));
        let skipped: Vec<NaiveDate> = result.explanation.skipped.iter().map(|s| s.date).collect();
        assert_eq!(
            skipped,
            cal()
                .days(d("2019-10-01"), d("2019-10-07"))
                .unwrap()
                .iter()
                .map(|s| s.date)
                .collect::<Vec<_>>()
        );
        assert!(
            result
                .explanation
                .skipped
                .iter()
                .all(|s| s.name == "国庆节")
        );
        assert_eq!(result.explanation.rolled_from, None);
        assert_eq!(
            result.explanation.lines,
            vec![
                "起算日 2019-09-30（当日不计入）",
                "期间：5个工作日",
                "跳过休息日：2019-10-01 国庆节、2019-10-02 国庆节、2019-10-03 国庆节、2019-10-04 国庆节、2019-10-05 国庆节、2019-10-06 国庆节、2019-10-07 国庆节",
                "第 5 个工作日为 2019-10-12",
                "期限届满日：2019-10-12",
            ]
        );
        // Without the make-up Saturday it would have been Monday 10-14.
        assert_eq!(
            due("2019-09-30", Length::WorkingDays(6)).date,
            d("2019-10-14")
        );
    }

    #[test]
    fn supreme_court_three_months_example() {
        let result = due("2014-05-28", Length::Months(3));
        assert_eq!(result.date, d("2014-08-28"));
        assert_eq!(result.explanation.rolled_from, None);
        assert!(result.explanation.skipped.is_empty());
    }

    #[test]
    fn month_end_is_cut_to_the_last_day() {
        let result = due("2019-01-31", Length::Months(1));
        assert_eq!(result.date, d("2019-02-28"));
        assert_eq!(result.date.weekday(), Weekday::Thu);
        assert!(result.explanation.lines[2].contains("没有 31 日"));
        // Leap year: 2020-02-29, a Saturday, rolls to Monday 03-02.
        let leap = due("2020-01-31", Length::Months(1));
        assert_eq!(leap.explanation.rolled_from, Some(d("2020-02-29")));
        assert_eq!(leap.date, d("2020-03-02"));
        // 2018-11-30 + 3 months = 2019-02-28.
        assert_eq!(due("2018-11-30", Length::Months(3)).date, d("2019-02-28"));
    }

    #[test]
    fn calendar_days_ending_on_national_day_roll() {
        let result = due("2019-09-16", Length::CalendarDays(15));
        assert_eq!(result.date, d("2019-10-08"));
        assert_eq!(result.explanation.rolled_from, Some(d("2019-10-01")));
        assert_eq!(result.explanation.skipped.len(), 7);
        assert!(
            result
                .explanation
                .lines
                .contains(&"末日 2019-10-01 为休息日（国庆节），顺延至 2019-10-08".to_string())
        );
        // Holidays inside a calendar-day period are not deducted.
        assert_eq!(
            due("2019-09-20", Length::CalendarDays(20)).date,
            d("2019-10-10")
        );
        // A weekend last day rolls to Monday.
        let weekend = due("2019-03-01", Length::CalendarDays(1));
        assert_eq!(weekend.date, d("2019-03-04"));
        assert!(
            weekend
                .explanation
                .lines
                .contains(&"末日 2019-03-02 为休息日（周末），顺延至 2019-03-04".to_string())
        );
        // Make-up Saturday is a working day: no roll.
        assert_eq!(
            due("2019-10-02", Length::CalendarDays(10)).date,
            d("2019-10-12")
        );
    }

    #[test]
    fn running_into_a_year_without_data_is_provisional() {
        let c = cal();
        // 2026-12-20 (Sunday) + 20 working days: 9 in December, then 2027 with only its
        // weekends as rest days (元旦 not yet known): 1, 4–8, 11–15 January.
        let due = c
            .due(d("2026-12-20"), Length::WorkingDays(20), &[], &[])
            .unwrap();
        assert_eq!(due.date, d("2027-01-15"));
        assert_eq!(due.provisional, vec![2027]);
        assert!(
            due.explanation.lines[0].starts_with("暂定：2027 年"),
            "{:?}",
            due.explanation.lines
        );
        let due = c
            .due(d("2026-12-20"), Length::CalendarDays(15), &[], &[])
            .unwrap();
        assert_eq!(
            (due.date, due.provisional.clone()),
            (d("2027-01-04"), vec![2027])
        );
        // 2026-12-30, then a month's extension to Saturday 2027-01-30, rolled to Monday.
        let due = c
            .due(
                d("2026-11-30"),
                Length::Months(1),
                &[],
                &[Length::Months(1)],
            )
            .unwrap();
        assert_eq!(
            (due.date, due.provisional.clone()),
            (d("2027-02-01"), vec![2027])
        );
        // Within the known years nothing is provisional.
        let known = c
            .due(d("2026-12-20"), Length::WorkingDays(0), &[], &[])
            .unwrap();
        assert!(!known.is_provisional());
        // More than three years past the last one known, and before the first: an error.
        assert_eq!(
            c.due(d("2026-12-20"), Length::Months(48), &[], &[]),
            Err(CalendarError::NoCalendar { year: 2030 })
        );
        assert_eq!(
            c.due(d("2003-12-01"), Length::WorkingDays(5), &[], &[]),
            Err(CalendarError::NoCalendar { year: 2003 })
        );
        // Huge lengths: an error, not a panic or an endless loop.
        for length in [
            Length::CalendarDays(u32::MAX),
            Length::WorkingDays(u32::MAX),
            Length::Months(u32::MAX),
        ] {
            assert!(matches!(
                c.due(d("2019-01-01"), length, &[], &[]),
                Err(CalendarError::NoCalendar { year }) if year >= 2027
            ));
        }
        assert!(matches!(
            c.due(d("2019-01-01"), Length::CalendarDays(u32::MAX), &[], &[]),
            Err(CalendarError::NoCalendar { year }) if year > 11_000_000
        ));
    }

    #[test]
    fn zero_working_days() {
        // A working day: the start day itself.
        assert_eq!(
            due("2019-03-01", Length::WorkingDays(0)).date,
            d("2019-03-01")
        );
        // A rest day: the next working day.
        let result = due("2019-10-01", Length::WorkingDays(0));
        assert_eq!(result.date, d("2019-10-08"));
        assert_eq!(result.explanation.skipped.len(), 6);
        assert_eq!(result.explanation.rolled_from, None);
    }

    #[test]
    fn working_days_from_a_rest_day() {
        // Start on a Saturday: Monday is the first counted day.
        assert_eq!(
            due("2019-03-02", Length::WorkingDays(1)).date,
            d("2019-03-04")
        );
        assert_eq!(
            due("2019-03-01", Length::WorkingDays(20)).date,
            d("2019-03-29")
        );
    }

    #[test]
    fn pauses() {
        let c = cal();
        // 2019-03-01 + 20 working days = 2019-03-29. Pause 03-05..03-12: 03-06, 07, 08, 11, 12
        // are 5 working days, so the end moves 5 working days: 04-01..04-04, then 04-05..07 off
        // (清明节), then 04-08.
        let pause = Pause {
            from: d("2019-03-05"),
            to: d("2019-03-12"),
        };
        let result = c
            .due(d("2019-03-01"), Length::WorkingDays(20), &[pause], &[])
            .unwrap();
        assert_eq!(result.date, d("2019-04-08"));
        assert_eq!(result.explanation.paused, vec![(pause, 5)]);
        assert!(result.explanation.lines.contains(
            &"暂停 2019-03-05 至 2019-03-12，不计入 5 个工作日，末日移至 2019-04-08".to_string()
        ));
        assert!(result.explanation.lines.contains(
            &"跳过休息日：2019-03-30 周末、2019-03-31 周末、2019-04-05 清明节、2019-04-06 清明节、2019-04-07 清明节".to_string()
        ));

        // Calendar days: the pause adds the calendar days in (P, R] (7), then rolls.
        let result = c
            .due(d("2019-03-01"), Length::CalendarDays(15), &[pause], &[])
            .unwrap();
        // 03-16 + 7 = 03-23 (Saturday) → 03-25.
        assert_eq!(result.date, d("2019-03-25"));
        assert_eq!(result.explanation.paused, vec![(pause, 7)]);
        assert_eq!(result.explanation.rolled_from, Some(d("2019-03-23")));

        // The same days paused twice count once.
        let overlapping = Pause {
            from: d("2019-03-08"),
            to: d("2019-03-14"),
        };
        let result = c
            .due(
                d("2019-03-01"),
                Length::CalendarDays(15),
                &[pause, overlapping],
                &[],
            )
            .unwrap();
        assert_eq!(
            result.explanation.paused,
            vec![(pause, 7), (overlapping, 2)]
        );

        // A pause after the due date is ignored.
        let late = Pause {
            from: d("2019-04-01"),
            to: d("2019-04-10"),
        };
        let result = c
            .due(d("2019-03-01"), Length::WorkingDays(20), &[late], &[])
            .unwrap();
        assert_eq!(result.date, d("2019-03-29"));
        assert_eq!(result.explanation.paused, vec![(late, 0)]);

        // A pause that began before the start day only counts days after the start.
        let early = Pause {
            from: d("2019-02-20"),
            to: d("2019-03-05"),
        };
        let result = c
            .due(d("2019-03-01"), Length::WorkingDays(20), &[early], &[])
            .unwrap();
        assert_eq!(result.explanation.paused, vec![(early, 2)]);
        assert_eq!(result.date, d("2019-04-02"));

        // A reversed pause is an error.
        let reversed = Pause {
            from: d("2019-03-12"),
            to: d("2019-03-05"),
        };
        assert_eq!(
            c.due(d("2019-03-01"), Length::WorkingDays(20), &[reversed], &[]),
            Err(CalendarError::InvalidPause {
                from: d("2019-03-12"),
                to: d("2019-03-05")
            })
        );
    }

    #[test]
    fn extensions() {
        let c = cal();
        // 行政许可法 Art 42: 20 working days + 10.
        let result = c
            .due(
                d("2019-03-01"),
                Length::WorkingDays(20),
                &[],
                &[Length::WorkingDays(10)],
            )
            .unwrap();
        // 03-29 + 10 working days: 04-01..04-04 (4), 04-08..04-12 (9), 04-15 (10).
        assert_eq!(result.date, d("2019-04-15"));
        assert_eq!(result.explanation.extended, vec![Length::WorkingDays(10)]);
        assert!(
            result.explanation.lines.contains(
                &"延长 10个工作日：自原末日 2019-03-29 起算，末日为 2019-04-15".to_string()
            )
        );
        // Calendar days: the extension counts from the original last day, though it is a rest
        // day; only the final last day would roll (shared/domain.md §19).
        let result = c
            .due(
                d("2019-09-16"),
                Length::CalendarDays(15),
                &[],
                &[Length::CalendarDays(30)],
            )
            .unwrap();
        // 09-16 + 15 = 10-01 (国庆, not rolled to 10-08 first); + 30 = 10-31 (Thursday), not
        // 11-07.
        assert_eq!(result.date, d("2019-10-31"));
        assert_eq!(result.explanation.rolled_from, None);
        assert!(
            result
                .explanation
                .lines
                .iter()
                .any(|l| l.contains("自原末日 2019-10-01 起算")
                    && l.contains("不自顺延后的日期起算")),
            "{:?}",
            result.explanation.lines
        );
        // An extension ending on a rest day rolls.
        let result = c
            .due(
                d("2019-03-01"),
                Length::CalendarDays(10),
                &[],
                &[Length::CalendarDays(5)],
            )
            .unwrap();
        // 03-11 + 5 = 03-16 (Saturday) → 03-18.
        assert_eq!(result.date, d("2019-03-18"));
        assert_eq!(result.explanation.rolled_from, Some(d("2019-03-16")));
    }

    // --- Parsing ----------------------------------------------------------------------------

    const GOOD: &str = r#"
year = 2019
notice = "国办发明电〔2018〕15号"
published = "2018-12-04"
source = "test"

[[holiday]]
name = "元旦"
off = ["2018-12-30", "2018-12-31", "2019-01-01"]
work = ["2018-12-29"]

[[holiday]]
name = "春节"
off = ["2019-02-04", "2019-02-05", "2019-02-06", "2019-02-07", "2019-02-08", "2019-02-09", "2019-02-10"]
work = ["2019-02-02", "2019-02-03"]
"#;

    fn parse_error(text: &str) -> String {
        match Calendar::parse_year("2019.toml", text) {
            Err(e @ CalendarError::Invalid { .. }) => e.to_string(),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn parses_a_good_file() {
        let parsed = Calendar::parse_year("2019.toml", GOOD).unwrap();
        assert_eq!(parsed.year, 2019);
        assert_eq!(parsed.holidays.len(), 2);
        assert_eq!(
            parsed.holidays[1].work,
            vec![d("2019-02-02"), d("2019-02-03")]
        );
    }

    #[test]
    fn rejects_a_bad_date() {
        let message = parse_error(&GOOD.replace("2019-02-06", "2019-02-30"));
        assert!(message.contains("2019.toml"), "{message}");
        assert!(message.contains("春节"), "{message}");
        assert!(message.contains("\"2019-02-30\""), "{message}");
        let message = parse_error(&GOOD.replace("2019-02-06", "2019-2-6"));
        assert!(message.contains("\"2019-2-6\""), "{message}");
    }

    #[test]
    fn rejects_a_weekday_make_up_day() {
        let message = parse_error(&GOOD.replace(
            r#"work = ["2019-02-02", "2019-02-03"]"#,
            r#"work = ["2019-02-02", "2019-02-12"]"#,
        ));
        assert!(message.contains("2019.toml"), "{message}");
        assert!(message.contains("2019-02-12"), "{message}");
        assert!(message.contains("星期二"), "{message}");
    }

    #[test]
    fn rejects_a_date_both_off_and_work() {
        let message = parse_error(&GOOD.replace(
            r#"work = ["2019-02-02", "2019-02-03"]"#,
            r#"work = ["2019-02-02", "2019-02-09"]"#,
        ));
        assert!(message.contains("2019.toml"), "{message}");
        assert!(message.contains("2019-02-09"), "{message}");
        assert!(
            message.contains("off") && message.contains("work"),
            "{message}"
        );
        // Across two holidays of the same file.
        let message =
            parse_error(&GOOD.replace(r#"work = ["2018-12-29"]"#, r#"work = ["2019-02-09"]"#));
        assert!(
            message.contains("2019-02-09") && message.contains("元旦"),
            "{message}"
        );
    }

    #[test]
    fn rejects_an_unknown_key() {
        let message =
            parse_error(&GOOD.replace("source = \"test\"", "source = \"test\"\nsorce = 1"));
        assert!(message.contains("2019.toml"), "{message}");
        assert!(message.contains("sorce"), "{message}");
        let message = parse_error(&GOOD.replace("name = \"元旦\"", "name = \"元旦\"\nextra = []"));
        assert!(message.contains("extra"), "{message}");
    }

    #[test]
    fn rejects_other_mistakes() {
        // Non-consecutive off days.
        let message = parse_error(&GOOD.replace("\"2018-12-31\", ", ""));
        assert!(
            message.contains("2018-12-30") && message.contains("2019-01-01"),
            "{message}"
        );
        // Year out of range, and file name not matching.
        assert!(parse_error(&GOOD.replace("year = 2019", "year = 1989")).contains("1989"));
        let message = parse_error(&GOOD.replace("year = 2019", "year = 2020"));
        assert!(message.contains("2020"), "{message}");
        // A date more than a year away.
        let message = parse_error(&GOOD.replace("2018-12-29", "2017-12-30"));
        assert!(message.contains("2017-12-30"), "{message}");
        // A bad published date.
        assert!(parse_error(&GOOD.replace("2018-12-04", "2018-12")).contains("2018-12"));
        // Missing key.
        assert!(
            parse_error(&GOOD.replace("notice = \"国办发明电〔2018〕15号\"", ""))
                .contains("notice")
        );
        // Duplicate make-up day.
        let message = parse_error(&GOOD.replace(
            r#"work = ["2019-02-02", "2019-02-03"]"#,
            r#"work = ["2019-02-02", "2019-02-02"]"#,
        ));
        assert!(message.contains("2019-02-02"), "{message}");
        // The error text names the file first in Chinese, then in English.
        assert!(
            message.starts_with("日历文件 2019.toml 有误："),
            "{message}"
        );
    }

    #[test]
    fn from_years_checks_consistency() {
        let y2019 = Calendar::parse_year("2019.toml", GOOD).unwrap();
        let duplicate = Calendar::from_years(vec![y2019.clone(), y2019.clone()]).unwrap_err();
        assert!(duplicate.to_string().contains("2019"), "{duplicate}");

        // 2018.toml claiming 2018-12-29 (a make-up day in 2019.toml) as a rest day.
        let y2018 = YearArrangement {
            year: 2018,
            notice: String::new(),
            published: String::new(),
            source: String::new(),
            holidays: vec![Holiday {
                name: "测试".to_string(),
                off: vec![d("2018-12-29")],
                work: vec![],
            }],
        };
        let conflict = Calendar::from_years(vec![y2018.clone(), y2019.clone()]).unwrap_err();
        let message = conflict.to_string();
        assert!(message.contains("2018-12-29"), "{message}");
        assert!(
            message.contains("2018.toml") && message.contains("2019.toml"),
            "{message}"
        );

        // Hand-built arrangements are validated too.
        let mut bad = y2018;
        bad.holidays[0].work = vec![d("2018-12-26")];
        bad.holidays[0].off = vec![d("2018-12-27")];
        assert!(
            Calendar::from_years(vec![bad])
                .unwrap_err()
                .to_string()
                .contains("2018-12-26")
        );
    }

    #[test]
    fn with_year_adds_and_replaces() {
        let y2027 = Calendar::parse_year(
            "2027.toml",
            r#"
year = 2027
notice = ""
published = ""
source = "test"

[[holiday]]
name = "元旦"
off = ["2027-01-01", "2027-01-02", "2027-01-03"]
work = []
"#,
        )
        .unwrap();
        let extended = cal().with_year(y2027.clone()).unwrap();
        assert!(extended.has_year(2027));
        assert_eq!(extended.years().len(), 24);
        assert_eq!(extended.day(d("2027-01-01")).unwrap().name, "元旦");
        // 2026-12-20 + 20 working days now works: 12-21..12-31 has 9 working days,
        // 01-04..01-08 (14), 01-11..01-15 (19), 01-18 (20).
        assert_eq!(
            extended
                .due(d("2026-12-20"), Length::WorkingDays(20), &[], &[])
                .unwrap()
                .date,
            d("2027-01-18")
        );
        // Replacing a year.
        let mut changed = y2027;
        changed.holidays[0].off = vec![d("2027-01-01")];
        let replaced = extended.with_year(changed).unwrap();
        assert_eq!(replaced.years().len(), 24);
        assert_eq!(replaced.day(d("2027-01-02")).unwrap().name, "周末");
        // The embedded calendar is unchanged.
        assert!(!cal().has_year(2027));
    }

    // --- Length -----------------------------------------------------------------------------

    #[test]
    fn length_parse_and_describe() {
        assert_eq!(Length::parse("15d"), Ok(Length::CalendarDays(15)));
        assert_eq!(Length::parse("20wd"), Ok(Length::WorkingDays(20)));
        assert_eq!(Length::parse("3m"), Ok(Length::Months(3)));
        assert_eq!(Length::parse(" 0d "), Ok(Length::CalendarDays(0)));
        for bad in [
            "", "d", "15", "15D", "15 d", "-1d", "1.5d", "15y", "wd20", "15dd", "3mo",
        ] {
            let message = Length::parse(bad).unwrap_err();
            assert!(message.contains("无法识别的期间"), "{bad}: {message}");
        }
        assert!(
            Length::parse("99999999999d")
                .unwrap_err()
                .contains("数字过大")
        );
        assert_eq!(Length::CalendarDays(15).describe_zh(), "15日");
        assert_eq!(Length::WorkingDays(20).describe_zh(), "20个工作日");
        assert_eq!(Length::Months(3).describe_zh(), "3个月");
        assert_eq!(Length::WorkingDays(20).to_string(), "20wd");
    }

    #[test]
    fn serializes_dates_as_text() {
        let result = due("2019-09-16", Length::CalendarDays(15));
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(json["date"], "2019-10-08");
        assert_eq!(json["explanation"]["rolled_from"], "2019-10-01");
        assert_eq!(json["explanation"]["skipped"][0]["date"], "2019-10-01");
        assert_eq!(json["explanation"]["skipped"][0]["kind"], "Restday");
    }

    // --- Properties -------------------------------------------------------------------------

    fn date_between(from: &'static str, to: &'static str) -> impl Strategy<Value = NaiveDate> {
        let (from, to) = (d(from), d(to));
        let span = u64::try_from((to - from).num_days()).unwrap();
        (0..=span).prop_map(move |offset| from + Days::new(offset))
    }

    fn any_length(n: u32) -> impl Strategy<Value = Length> {
        prop_oneof![
            Just(Length::CalendarDays(n)),
            Just(Length::WorkingDays(n)),
            Just(Length::Months(n)),
        ]
    }

    fn working_days_in(from_exclusive: NaiveDate, to_inclusive: NaiveDate) -> u32 {
        if from_exclusive >= to_inclusive {
            return 0;
        }
        let days = cal()
            .days(from_exclusive + Days::new(1), to_inclusive)
            .unwrap();
        u32::try_from(days.iter().filter(|day| day.is_workday()).count()).unwrap()
    }

    proptest! {
        // No regression files: this crate's tree is shared, and the cases are cheap to rerun.
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn due_is_never_a_rest_day(
            start in date_between("2005-01-01", "2025-12-31"),
            length in (0u32..60).prop_flat_map(any_length),
        ) {
            match cal().due(start, length, &[], &[]) {
                Ok(result) if result.is_provisional() => {
                    prop_assert!(result.date.weekday().number_from_monday() <= 5);
                    prop_assert!(result.date >= start);
                }
                Ok(result) => {
                    prop_assert!(cal().is_workday(result.date).unwrap());
                    prop_assert!(result.date >= start);
                    prop_assert!(result.explanation.skipped.iter().all(|s| !s.is_workday()));
                }
                Err(CalendarError::NoCalendar { year }) => prop_assert!(year > 2029),
                Err(other) => prop_assert!(false, "unexpected error {other}"),
            }
        }

        #[test]
        fn working_days_are_monotone(
            start in date_between("2005-01-01", "2025-12-31"),
            n in 0u32..60,
            later in 0u64..30,
        ) {
            let c = cal();
            let a = c.due(start, Length::WorkingDays(n), &[], &[]).unwrap().date;
            let b = c.due(start, Length::WorkingDays(n + 1), &[], &[]).unwrap().date;
            // Strictly increasing from n = 1 on; n = 0 from a rest day already gives the
            // first working day after it, which is also the result for n = 1.
            if n > 0 || c.is_workday(start).unwrap() {
                prop_assert!(a < b);
                prop_assert_eq!(working_days_in(a, b), 1);
            } else {
                prop_assert_eq!(a, b);
            }
            let other = start + Days::new(later);
            let c2 = c.due(other, Length::WorkingDays(n), &[], &[]).unwrap().date;
            prop_assert!(a <= c2);
            // n ≥ 1: exactly n working days in (start, due].
            if n > 0 {
                prop_assert_eq!(working_days_in(start, a), n);
            }
        }

        #[test]
        fn a_pause_moves_a_working_day_deadline_by_its_working_days(
            start in date_between("2005-01-01", "2025-10-31"),
            n in 1u32..60,
            offset_seed in 0u64..10_000,
            pause_length in 0u64..40,
        ) {
            let c = cal();
            let plain = c.due(start, Length::WorkingDays(n), &[], &[]).unwrap().date;
            let span = u64::try_from((plain - start).num_days()).unwrap();
            let from = start + Days::new(offset_seed % (span + 1));
            let pause = Pause { from, to: from + Days::new(pause_length) };
            let k = working_days_in(pause.from, pause.to);
            let paused = c.due(start, Length::WorkingDays(n), &[pause], &[]).unwrap();
            prop_assert_eq!(&paused.explanation.paused, &vec![(pause, k)]);
            let expected = c.due(plain, Length::WorkingDays(k), &[], &[]).unwrap().date;
            prop_assert_eq!(paused.date, expected);
            // Independently: n working days in (start, due] outside (from, to].
            prop_assert!(c.is_workday(paused.date).unwrap());
            let counted = working_days_in(start, paused.date)
                - working_days_in(pause.from, pause.to.min(paused.date));
            prop_assert_eq!(counted, n);
        }

        #[test]
        fn months_at_month_ends(
            year in 2005i32..=2021,
            month in 1u32..=12,
            day in 28u32..=31,
            n in 0u32..60,
        ) {
            let start = NaiveDate::from_ymd_opt(year, month, day.min(days_in_month(year, month))).unwrap();
            let result = cal().due(start, Length::Months(n), &[], &[]).unwrap();
            let total = year * 12 + i32::try_from(month).unwrap() - 1 + i32::try_from(n).unwrap();
            let (ty, tm) = (total.div_euclid(12), u32::try_from(total.rem_euclid(12)).unwrap() + 1);
            let expected = NaiveDate::from_ymd_opt(ty, tm, start.day().min(days_in_month(ty, tm))).unwrap();
            let unrolled = result.explanation.rolled_from.unwrap_or(result.date);
            prop_assert_eq!(unrolled, expected);
            prop_assert!(cal().is_workday(result.date).unwrap());
            // Every day between the corresponding date and the result is a rest day.
            for day in cal().days(expected, result.date).unwrap() {
                prop_assert_eq!(day.is_workday(), day.date == result.date);
            }
        }

        #[test]
        fn length_round_trips(length in (0u32..100_000).prop_flat_map(any_length)) {
            prop_assert_eq!(Length::parse(&length.to_string()), Ok(length));
        }
    }
}

/// The arrangement written in the calendar file format (what [`Calendar::parse_year`] reads).
pub fn to_toml(year: &YearArrangement) -> String {
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    let dates = |ds: &[NaiveDate]| {
        ds.iter()
            .map(|d| format!("\"{}\"", d.format("%Y-%m-%d")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = format!(
        "year = {}\nnotice = {}\npublished = {}\nsource = {}\n",
        year.year,
        quote(&year.notice),
        quote(&year.published),
        quote(&year.source)
    );
    for h in &year.holidays {
        out.push_str(&format!(
            "\n[[holiday]]\nname = {}\noff = [{}]\nwork = [{}]\n",
            quote(&h.name),
            dates(&h.off),
            dates(&h.work)
        ));
    }
    out
}

#[cfg(test)]
mod to_toml_tests {
    use super::*;

    #[test]
    fn every_embedded_year_round_trips_through_the_file_format() {
        for year in Calendar::embedded().years() {
            let text = to_toml(year);
            let again = Calendar::parse_year(&format!("{}.toml", year.year), &text).unwrap();
            assert_eq!(&again, year);
        }
    }
}
