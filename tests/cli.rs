//! The command line as an operator uses it: admin commands, then `serve` on a free port, then
//! sign-in through the form; bad settings answered with a clear message.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{Browser, PASSWORD, new_client, tmas_binary};

fn tmas(dir: &std::path::Path) -> Command {
    let mut command = Command::new(tmas_binary());
    command
        .env_remove("DATABASE_URL")
        .env("TMAS_DATA_DIR", dir)
        .env("RUST_LOG", "warn");
    command
}

#[tokio::test]
async fn admin_commands_then_serve_then_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let out = tmas(dir.path())
        .args([
            "admin",
            "create-tenant",
            "--name",
            "Acme",
            "--plan",
            "retail",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("tenant Acme created"));

    let out = tmas(dir.path())
        .args([
            "admin",
            "create-user",
            "--email",
            "ana@acme.example",
            "--role",
            "admin",
            "--tenant",
            "Acme",
        ])
        .env("TMAS_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Bad input is refused with a message naming the problem, and nothing is created.
    let out = tmas(dir.path())
        .args([
            "admin",
            "create-user",
            "--email",
            "bo@acme.example",
            "--role",
            "manager",
            "--tenant",
            "Nope",
        ])
        .env("TMAS_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no tenant named \"Nope\""));
    let out = tmas(dir.path())
        .args([
            "admin",
            "create-user",
            "--email",
            "bo@acme.example",
            "--role",
            "manager",
            "--tenant",
            "Acme",
        ])
        .env("TMAS_PASSWORD", "weak")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("too weak"));

    let mut server = tmas(dir.path())
        .args(["serve", "--no-worker", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = server.stdout.take().unwrap();
    let address = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            line.strip_prefix("TMAS is listening on ")
                .map(str::to_string)
        })
        .expect("the server prints its address");
    // A user exists, so no setup link is printed; the one we made signs in through the form.
    let browser = Browser {
        base: address.clone(),
        client: new_client(),
    };
    let health = browser.get("/healthz").await;
    assert_eq!(health.status(), 200);
    browser.login("ana@acme.example", PASSWORD).await;
    let (status, page) = browser.text("/admin/locations").await;
    assert_eq!(status, 200);
    assert!(page.contains("Locations"));
    server.kill().unwrap();
    let _ = server.wait();
    assert!(
        dir.path().join("tmas.db").exists(),
        "SQLite file under the data dir"
    );
    assert!(dir.path().join("secret.key").exists(), "generated key file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("secret.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn bad_settings_get_clear_messages() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            &["migrate", "--database-url", "mysql://x"],
            "must start with sqlite:// or postgres://",
        ),
        (
            &["migrate", "--shopify-api-version", "latest"],
            "must look like YYYY-MM",
        ),
        (
            &["migrate", "--shopify-url", "https://example.com"],
            "must contain {shop}",
        ),
        (&["serve", "--bind", "nowhere"], "invalid socket address"),
    ];
    for (args, message) in cases {
        let out = tmas(dir.path()).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    // The number of imports a worker runs at once: refused outside 1..=256, from the flag or
    // the environment, on both commands that run a worker, before anything starts.
    for command in ["worker", "serve"] {
        for bad in ["0", "257", "many"] {
            let flag = tmas(dir.path())
                .args([command, "--concurrent-imports", bad])
                .output()
                .unwrap();
            let env = tmas(dir.path())
                .arg(command)
                .env("TMAS_CONCURRENT_IMPORTS", bad)
                .output()
                .unwrap();
            for out in [flag, env] {
                assert!(!out.status.success(), "{command} with {bad} should fail");
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert!(
                    stderr.contains(
                        "--concurrent-imports / TMAS_CONCURRENT_IMPORTS must be a whole number \
                         from 1 to 256"
                    ) && stderr.contains(&format!("got \"{bad}\"")),
                    "{command} {bad}: {stderr}"
                );
                let stdout = String::from_utf8_lossy(&out.stdout);
                assert!(!stdout.contains("started"), "{command} {bad}: {stdout}");
            }
        }
        let help = tmas(dir.path()).args([command, "--help"]).output().unwrap();
        let text = String::from_utf8_lossy(&help.stdout);
        assert!(
            text.contains("--concurrent-imports") && text.contains("TMAS_CONCURRENT_IMPORTS"),
            "{command} --help explains --concurrent-imports: {text}"
        );
    }
    // Nothing was created by the refused starts.
    assert!(!dir.path().join("tmas.db").exists());
    // A good value is taken, from the environment too.
    let mut worker = tmas(dir.path())
        .arg("worker")
        .env("TMAS_CONCURRENT_IMPORTS", "16")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let first = BufReader::new(worker.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .next();
    let _ = worker.kill();
    let _ = worker.wait();
    assert_eq!(
        first.as_deref(),
        Some("TMAS worker started (16 imports at once)")
    );
    let help = tmas(dir.path()).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--bind",
        "--data-dir",
        "--database-url",
        "--secret-key-file",
        "--shopify-url",
        "--shopify-api-version",
        "--secure-cookies",
        "TMAS_BIND",
        "DATABASE_URL",
    ] {
        assert!(text.contains(flag), "--help explains {flag}");
    }
    for command in ["serve", "worker", "migrate", "admin", "demo"] {
        assert!(text.contains(command), "--help lists {command}");
    }
}

/// `tmas demo` keeps its data like serve and migrate do: its folders are the service user's
/// alone (0700), the database and the key files 0600.
#[cfg(unix)]
#[test]
fn demo_folders_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut demo = tmas(&data)
        .args(["demo", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let started = BufReader::new(demo.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .any(|line| line.starts_with("TMAS demo: "));
    let _ = demo.kill();
    let _ = demo.wait();
    assert!(started, "the demo starts and prints its address");
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "the data folder");
    assert_eq!(mode(&data.join("demo")), 0o700, "the demo folder");
    assert_eq!(mode(&data.join("demo").join("tmas.db")), 0o600);
    assert_eq!(mode(&data.join("demo").join("secret.key")), 0o600);
}
