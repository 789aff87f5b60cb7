//! A procedure definition file: any bytes are refused with errors or read, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let _ = fazhi_core::procedure::Registry::from_sources(&[("fuzzed.toml".to_string(), text)]);
});
