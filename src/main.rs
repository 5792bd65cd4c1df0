fn main() {
    std::process::exit(bdprov::cli::main());
}
