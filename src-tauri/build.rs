//! Checks the bundled front end exists (the app embeds `ui/dist`), then lets tauri-build
//! read `tauri.conf.json` (a link to the repository root's).

fn main() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/dist/index.html");
    println!("cargo:rerun-if-changed={}", dist.display());
    if !dist.exists() {
        println!(
            "cargo::error=the front end is not built: run `npm --prefix ui ci && npm --prefix ui run build` \
             (./run and ./test do it)"
        );
    }
    tauri_build::build()
}
