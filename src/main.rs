fn main() {
    let code = docker_guard::run(std::env::args_os().collect());
    std::process::exit(code);
}
