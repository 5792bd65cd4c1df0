//! The blueprint loader: YAML (with includes, `-f` values and `--set`, see
//! `bdprov::fuzz::LoaderInput`) → validated blueprint → plan → compose.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bdprov::fuzz::load_blueprint(data);
});
