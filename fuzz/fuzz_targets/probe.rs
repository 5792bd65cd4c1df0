//! Probe JSON path matching: a check (`expect PATH=JSON`, `count PATH`) and a
//! response body, judged as a readiness probe would.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bdprov::fuzz::probe_json(data);
});
