//! `essor serve` as deployed, black-box: the binary takes its settings from the command line,
//! listens on the address it is given (port 0: it prints the one it got) and answers there. The
//! other HTTP tests run the same server in-process.

use crate::common::Workspace;
use crate::common::serving::Serving;

#[test]
fn serve_prints_its_address_and_answers_with_its_command_line_settings() {
    let workspace = Workspace::new();
    let serving = Serving::start_with(
        &workspace,
        &[
            "--repository-name",
            "Essor (serve_cli test)",
            "--repository-identifier",
            "serve-cli.example.org",
            // The smallest store cache the option takes serves as well.
            "--store-cache-mib",
            "16",
        ],
    );
    let address = &serving.address;
    assert!(address.starts_with("http://127.0.0.1:"), "{address}");
    assert!(
        !address.ends_with(":0"),
        "{address}: the port it got is printed"
    );
    assert_eq!(serving.get("/healthz").status, 200);
    let identify = serving.get("/oai?verb=Identify");
    assert_eq!(identify.status, 200);
    let identify = identify.text();
    assert!(
        identify.contains("<repositoryName>Essor (serve_cli test)</repositoryName>"),
        "{identify}"
    );
    assert!(
        identify.contains("<repositoryIdentifier>serve-cli.example.org</repositoryIdentifier>"),
        "{identify}"
    );
}
