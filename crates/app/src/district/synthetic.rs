//! The synthetic-data generator of generated districts (the demo's, the benchmark's): a
//! fixed-seed xorshift, the working-day calendar, and fictitious people, addresses, ID numbers
//! (GB 11643, check character included), credit codes (GB 32100) and companies of the demo
//! district. Each file of demo lines (and each Rust seed still writing its own records) keeps
//! its own look through a [`Profile`]. Same seed, same records: the demo's figures depend on it.

use chrono::{Datelike, Duration, NaiveDate};
use fazhi_core::calendar::{Calendar, Length};
use fazhi_core::codes::{CreditCode, IdNumber};
use serde_json::{Value, json};

pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// lo..=hi
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % ((hi - lo + 1).max(1) as u64)) as i64
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// How a seed's people look (`[people]` of a demo-lines file).
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Percent of men among the people [`Gen::name`] names.
    pub men: u64,
    /// Percent of men among the people [`Gen::person`] and [`Gen::person_born`] make.
    pub person_men: u64,
    /// The birth years (inclusive) of the people [`Gen::person`] makes.
    pub born: (i32, i32),
    /// Percent of addresses in a village rather than on a street.
    pub villages: u64,
    /// Whether street addresses name a flat (unit and room) or only a house number.
    pub flats: bool,
}

impl Default for Profile {
    /// The look of the demo's remedies records: adults born 1944–1998, a third in villages.
    fn default() -> Profile {
        Profile {
            men: 55,
            person_men: 55,
            born: (1944, 1998),
            villages: 35,
            flats: true,
        }
    }
}

pub struct Gen<'a> {
    pub rng: Rng,
    pub cal: &'a Calendar,
    pub profile: Profile,
}

pub fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

pub fn day(d: NaiveDate) -> Value {
    json!(d.format("%Y-%m-%d").to_string())
}

pub fn zh_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

pub const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "孙", "于", "曲", "姜", "隋", "宫", "高", "徐", "周",
    "吴", "郭", "马", "林", "宋", "郑", "谢", "韩", "唐", "冯", "董", "程", "曹", "袁", "邓", "许",
    "沈", "吕", "苏", "卢", "蒋", "蔡", "丁", "魏", "薛", "叶", "潘", "杜", "夏", "田", "任", "范",
    "方", "石", "姚", "谭", "邹", "金", "陆", "郝", "孔", "白", "崔", "康", "毛", "邱", "秦", "史",
    "顾", "侯", "邵", "孟", "段", "栾", "初", "衣", "鞠", "迟", "矫", "修", "臧", "车", "牟", "滕",
];
pub const GIVEN_MALE: &[&str] = &[
    "建国", "建军", "志刚", "志强", "海涛", "海波", "国庆", "立新", "振华", "德胜", "永刚", "春雷",
    "晓东", "宏伟", "洪亮", "明", "伟", "强", "磊", "军", "勇", "斌", "鹏", "浩", "宇", "俊杰",
    "金龙", "长海", "福来", "宝林", "玉山", "成林", "庆丰", "守信", "传福", "树森", "世杰", "春生",
    "继东", "明远", "大鹏", "立军", "文斌", "学军", "洪涛", "振东", "铁军", "广利", "德顺", "连生",
];
pub const GIVEN_FEMALE: &[&str] = &[
    "秀英", "桂兰", "玉梅", "淑珍", "丽华", "红梅", "海燕", "晓红", "春燕", "丽娜", "静", "敏",
    "婷", "雪", "颖", "丹", "晓丽", "美玲", "凤霞", "淑琴", "玉兰", "秀芝", "桂芳", "丽君", "艳华",
    "淑华", "春梅", "晓燕", "文静", "佳怡", "思雨", "欣悦", "凤英", "玉华", "秀云", "丽萍",
];
pub const BIRTH_AREAS: &[&str] = &[
    "210212", "210212", "210212", "210212", "210211", "210202", "210203", "210204", "210213",
    "210281", "210283", "370683", "230103", "220104",
];
pub const STREETS: &[&str] = &[
    "登峰街道",
    "市场街道",
    "得胜街道",
    "光荣街道",
    "水师营街道",
    "龙王塘街道",
    "铁山街道",
    "双岛湾街道",
    "三涧堡街道",
    "长城街道",
];
pub const VILLAGES: &[&str] = &[
    "水师营街道三里桥村",
    "三涧堡街道小黑石村",
    "龙王塘街道黄泥川村",
    "铁山街道柏岚子村",
    "双岛湾街道石河村",
    "长城街道长城村",
    "水师营街道小南村",
    "三涧堡街道袁家村",
    "龙王塘街道塔河湾村",
    "铁山街道郭家沟村",
];
pub const ROADS: &[&str] = &[
    "黄河路",
    "长江路",
    "顺乐街",
    "井冈山路",
    "登峰路",
    "友谊路",
    "华侨路",
    "滨港路",
    "太阳沟路",
    "北海路",
];
pub const PROJECTS: &[&str] = &[
    "旅顺中心区棚户区改造项目",
    "黄河路拓宽改造工程",
    "旅顺新港疏港路改造工程",
    "太阳沟历史街区保护更新项目",
    "水师营棚户区改造二期项目",
    "龙河两岸综合整治工程",
    "三涧堡工业园区配套道路工程",
];
pub const FIRM_WORDS: &[&str] = &[
    "恒泰", "海旭", "鑫源", "德丰", "华顺", "盛达", "远航", "龙腾", "金港", "博海", "旅港", "北湾",
    "蓝湾", "樱城", "双岛", "铁山", "黄渤", "晟世", "宏信", "福瑞", "安泰", "东升", "润泽", "鼎盛",
    "祥和", "新港", "海韵", "金山", "顺达", "嘉禾", "广源", "永兴", "瑞丰", "康达", "万通", "中和",
];
pub const INDUSTRIES: &[&str] = &[
    "商贸",
    "建筑工程",
    "海产品",
    "物流",
    "房地产开发",
    "餐饮管理",
    "旅游开发",
    "水产养殖",
    "船舶修造",
    "物业管理",
    "建材",
    "食品",
    "果蔬种植",
    "机械制造",
    "酒店管理",
];
pub const PHONE_HEADS: &[&str] = &[
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "158", "159", "180", "186", "187", "188", "189",
];
pub const CREDIT_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

impl<'a> Gen<'a> {
    pub fn new(seed: u64, cal: &'a Calendar, profile: Profile) -> Gen<'a> {
        Gen {
            rng: Rng(seed),
            cal,
            profile,
        }
    }

    /// A generator with its own stream, seeded from this one's next number (for attempts that
    /// may be thrown away without disturbing this stream beyond one draw).
    pub fn fork(&mut self) -> Gen<'a> {
        Gen::new(self.rng.next_u64() | 1, self.cal, self.profile)
    }

    pub fn is_workday(&self, d: NaiveDate) -> bool {
        self.cal
            .is_workday(d)
            .unwrap_or(d.weekday().num_days_from_monday() < 5)
    }

    /// `d` or the next working day.
    pub fn workday(&self, mut d: NaiveDate) -> NaiveDate {
        while !self.is_workday(d) {
            d += Duration::days(1);
        }
        d
    }

    /// `d` or the working day before it.
    pub fn workday_back(&self, mut d: NaiveDate) -> NaiveDate {
        while !self.is_workday(d) {
            d -= Duration::days(1);
        }
        d
    }

    /// The working day `n` working days after `d`.
    pub fn add_wd(&self, d: NaiveDate, n: i64) -> NaiveDate {
        self.cal
            .due(d, Length::WorkingDays(n.max(0) as u32), &[], &[])
            .map(|due| due.date)
            .unwrap_or(d + Duration::days(n * 7 / 5 + 1))
    }

    /// `n` calendar days after `d`, moved to a working day.
    pub fn add_days(&self, d: NaiveDate, n: i64) -> NaiveDate {
        self.workday(d + Duration::days(n))
    }

    /// The last day of a period of `n` calendar days from `d` (a rest day moves on).
    pub fn period_end(&self, d: NaiveDate, n: u32) -> NaiveDate {
        self.cal
            .due(d, Length::CalendarDays(n), &[], &[])
            .map(|due| due.date)
            .unwrap_or(d + Duration::days(i64::from(n)))
    }

    /// A random working day within [from, to].
    pub fn between(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let span = (to - from).num_days().max(0);
        let d = from + Duration::days(self.rng.range(0, span));
        let forward = self.workday(d);
        if forward <= to {
            forward
        } else {
            self.workday_back(d).max(from)
        }
    }

    /// `lo..=hi` calendar days later, on a working day.
    pub fn later(&mut self, d: NaiveDate, lo: i64, hi: i64) -> NaiveDate {
        let n = self.rng.range(lo, hi);
        self.add_days(d, n)
    }

    /// `lo..=hi` working days later.
    pub fn later_wd(&mut self, d: NaiveDate, lo: i64, hi: i64) -> NaiveDate {
        let n = self.rng.range(lo, hi);
        self.add_wd(d, n)
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        self.rng.pick(items)
    }

    pub fn name_of(&mut self, male: bool) -> String {
        let surname = self.pick(SURNAMES);
        let given = if male {
            self.pick(GIVEN_MALE)
        } else {
            self.pick(GIVEN_FEMALE)
        };
        format!("{surname}{given}")
    }

    pub fn name(&mut self) -> String {
        let male = self.rng.chance(self.profile.men);
        self.name_of(male)
    }

    pub fn phone(&mut self) -> String {
        let head = self.pick(PHONE_HEADS);
        format!("{head}{:08}", self.rng.range(0, 99_999_999))
    }

    /// A GB 11643 number: birth place, birth date, sequence (odd for men), check character.
    pub fn id_number(&mut self, male: bool, birth: NaiveDate) -> String {
        let area = self.pick(BIRTH_AREAS);
        let sequence = self.rng.range(1, 99);
        let sex = self.rng.range(0, 4) * 2 + i64::from(male);
        let first17 = format!("{area}{}{sequence:02}{sex}", birth.format("%Y%m%d"));
        let check = IdNumber::check_char(&first17) as char;
        format!("{first17}{check}")
    }

    /// A GB 32100 code: `head` (registration authority, kind and region), then the
    /// organisation code, then the check character.
    pub fn credit_code(&mut self, head: &str) -> String {
        self.code_of(head, CREDIT_CHARS)
    }

    /// A state organ's code (registration authority 1, kind 1: 机关), digits only.
    pub fn organ_credit_code(&mut self) -> String {
        self.code_of("11210212", &CREDIT_CHARS[..10])
    }

    fn code_of(&mut self, head: &str, chars: &[u8]) -> String {
        let mut first17 = head.to_string();
        while first17.len() < 17 {
            first17.push(chars[self.rng.below(chars.len())] as char);
        }
        let check = CreditCode::check_char(&first17).expect("credit-code characters");
        format!("{first17}{check}")
    }

    pub fn address(&mut self) -> String {
        if self.rng.chance(self.profile.villages) {
            let village = self.pick(VILLAGES);
            format!("大连市旅顺口区{village}{}号", self.rng.range(1, 320))
        } else if self.profile.flats {
            let street = self.pick(STREETS);
            let road = self.pick(ROADS);
            format!(
                "大连市旅顺口区{street}{road}{}号{}单元{}室",
                self.rng.range(1, 180),
                self.rng.range(1, 6),
                self.rng.range(101, 1802)
            )
        } else {
            let street = self.pick(STREETS);
            let road = self.pick(ROADS);
            format!("大连市旅顺口区{street}{road}{}号", self.rng.range(1, 260))
        }
    }

    /// A named person born between the given years, with an ID number only.
    pub fn person_named(&mut self, name: &str, male: bool, from: i32, to: i32) -> Value {
        let year = self.rng.range(i64::from(from), i64::from(to)) as i32;
        let birth = ymd(year, 1, 1) + Duration::days(self.rng.range(0, 364));
        let id = self.id_number(male, birth);
        json!({"kind": "person", "name": name, "id_number": id})
    }

    /// A natural person born between the given years, with ID number, phone and address.
    pub fn person_born(&mut self, from: i32, to: i32) -> Value {
        let male = self.rng.chance(self.profile.person_men);
        let name = self.name_of(male);
        let mut p = self.person_named(&name, male, from, to);
        p["phone"] = json!(self.phone());
        p["address"] = json!(self.address());
        p
    }

    /// A natural person born in the profile's years, with ID number, phone and address.
    pub fn person(&mut self) -> Value {
        let (from, to) = self.profile.born;
        self.person_born(from, to)
    }

    pub fn firm_word(&mut self) -> &'static str {
        self.pick(FIRM_WORDS)
    }

    pub fn company_name(&mut self) -> String {
        let word = self.firm_word();
        let industry = self.pick(INDUSTRIES);
        if self.rng.chance(50) {
            format!("大连旅顺{word}{industry}有限公司")
        } else {
            format!("旅顺口区{word}{industry}有限公司")
        }
    }

    /// An organisation with a credit code under `head`, a representative and a phone.
    pub fn organisation(&mut self, name: String, head: &str) -> Value {
        let code = self.credit_code(head);
        let representative = self.name();
        let phone = self.phone();
        json!({"kind": "organisation", "name": name, "credit_code": code,
               "representative": representative, "phone": phone})
    }

    /// A limited company of the district.
    pub fn company(&mut self) -> Value {
        let name = self.company_name();
        self.organisation(name, "91210212MA0")
    }

    /// Fills `{street}`, `{village}`, `{road}`, `{project}`, `{company}`, `{amount}`,
    /// `{year}` (a recent year before `year`) and `{n}` with fresh picks.
    pub fn fill(&mut self, text: &str, year: i32) -> String {
        let mut out = text.to_string();
        if out.contains("{street}") {
            let v = self.pick(STREETS);
            out = out.replace("{street}", v);
        }
        if out.contains("{village}") {
            let v = self.pick(VILLAGES);
            out = out.replace("{village}", v);
        }
        if out.contains("{road}") {
            let v = self.pick(ROADS);
            out = out.replace("{road}", v);
        }
        if out.contains("{project}") {
            let v = self.pick(PROJECTS);
            out = out.replace("{project}", v);
        }
        if out.contains("{company}") {
            let v = self.company_name();
            out = out.replace("{company}", &v);
        }
        if out.contains("{amount}") {
            let v = self.rng.range(18, 460) * 100;
            out = out.replace("{amount}", &v.to_string());
        }
        if out.contains("{year}") {
            let v = year - self.rng.range(1, 6) as i32;
            out = out.replace("{year}", &v.to_string());
        }
        if out.contains("{n}") {
            let v = self.rng.range(3, 96);
            out = out.replace("{n}", &v.to_string());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROFILE: Profile = Profile {
        men: 55,
        person_men: 55,
        born: (1944, 1998),
        villages: 35,
        flats: true,
    };

    #[test]
    fn generated_codes_parse() {
        let mut g = Gen::new(42, Calendar::embedded(), PROFILE);
        for _ in 0..500 {
            let p = g.person();
            IdNumber::parse(p["id_number"].as_str().unwrap()).unwrap();
            for head in [
                "91210212MA0",
                "92210212MA0",
                "31210000E",
                "12210200MB",
                "52210212MJ",
                "51210212MJ",
            ] {
                CreditCode::parse(&g.credit_code(head)).unwrap();
            }
            CreditCode::parse(&g.organ_credit_code()).unwrap();
        }
    }

    #[test]
    fn working_days_are_working_days() {
        let mut g = Gen::new(7, Calendar::embedded(), PROFILE);
        for _ in 0..200 {
            let d = g.between(ymd(2019, 1, 1), ymd(2019, 12, 31));
            assert!(g.is_workday(d), "{d}");
        }
        // 2019-10-01..07 is the National Day holiday.
        assert_eq!(g.workday(ymd(2019, 10, 1)), ymd(2019, 10, 8));
    }
}
