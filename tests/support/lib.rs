//! Starting the real `lepton` binary for integration tests.
//!
//! Each [`TestServer`] runs the binary on a free loopback port with its own temporary data
//! directory, waits until `/healthz` answers, and kills the process when dropped. The binary
//! and the built site are found through `LEPTON_BIN` and `LEPTON_SITE_DIR` (set by the
//! Makefile), or next to this test executable in the cargo target directory.

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The password every test account gets.
pub const PASSWORD: &str = "correct horse battery staple";

/// A test account: username and role.
pub type Account = (&'static str, &'static str);

/// How long a server may take to answer its first health check.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A running `lepton` process.
pub struct TestServer {
    /// The process; tests may signal it.
    pub child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its data directory, removed on drop.
    pub data_dir: tempfile::TempDir,
}

/// The `lepton` binary under test.
pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("LEPTON_BIN") {
        return PathBuf::from(path);
    }

    // target/<profile>/deps/<test> -> target/<profile>/lepton
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent()
        .and_then(|deps| deps.parent())
        .expect("target directory")
        .join("lepton")
}

/// The built site the server serves (`make site` writes it).
pub fn site_dir() -> PathBuf {
    if let Some(path) = std::env::var_os("LEPTON_SITE_DIR") {
        return PathBuf::from(path);
    }

    binary()
        .parent()
        .and_then(|profile| profile.parent())
        .expect("target directory")
        .join("site")
}

/// A loopback port nobody is listening on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

impl TestServer {
    /// Starts a server with `extra` flags and waits until it is healthy.
    ///
    /// A free port can be taken by a parallel test between choosing it and binding it; the
    /// server then exits at once, and this tries again on another port.
    pub async fn start(extra: &[&str]) -> Self {
        Self::launch(extra, &[], "warn", Stdio::null).await
    }

    /// Like [`TestServer::start`], with `accounts` created (password [`PASSWORD`]) through
    /// `lepton admin create-user` before the server starts.
    pub async fn start_with_accounts(extra: &[&str], accounts: &[Account]) -> Self {
        Self::launch(extra, accounts, "warn", Stdio::null).await
    }

    /// Like [`TestServer::start_with_accounts`], with the log filter `rust_log` and stdout
    /// (where the logs go) piped for the test to read from `child.stdout`.
    pub async fn start_with_logs(extra: &[&str], accounts: &[Account], rust_log: &str) -> Self {
        Self::launch(extra, accounts, rust_log, Stdio::piped).await
    }

    /// Starts a server on an existing data directory (which the caller keeps).
    pub async fn start_existing(data_dir: &Path) -> Self {
        let copy = tempfile::tempdir().expect("temporary data dir");
        copy_tree(data_dir, copy.path());
        let addr: SocketAddr = ([127, 0, 0, 1], free_port()).into();
        let child = Command::new(binary())
            .arg("--addr")
            .arg(addr.to_string())
            .arg("--data-dir")
            .arg(copy.path())
            .arg("--site-dir")
            .arg(site_dir())
            // Tests that want the simulated sites turn them on; the others keep quiet data.
            .env("LEPTON_SIMULATE", "false")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the lepton binary");
        let mut server = Self {
            child,
            addr,
            data_dir: copy,
        };
        assert!(server.wait_until_healthy().await, "lepton exited at start");
        server
    }

    async fn launch(
        extra: &[&str],
        accounts: &[Account],
        rust_log: &str,
        stdout: fn() -> Stdio,
    ) -> Self {
        for _ in 0..5 {
            let data_dir = tempfile::tempdir().expect("temporary data dir");
            for (username, role) in accounts {
                create_account(data_dir.path(), username, role, PASSWORD);
            }
            let addr: SocketAddr = ([127, 0, 0, 1], free_port()).into();

            let child = Command::new(binary())
                .arg("--addr")
                .arg(addr.to_string())
                .arg("--data-dir")
                .arg(data_dir.path())
                .arg("--site-dir")
                .arg(site_dir())
                .env("LEPTON_SIMULATE", "false")
                .args(extra)
                .env("RUST_LOG", rust_log)
                .stdout(stdout())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("start the lepton binary (run `make test`, which builds it)");

            let mut server = Self {
                child,
                addr,
                data_dir,
            };
            if server.wait_until_healthy().await {
                return server;
            }
        }
        panic!("lepton did not start on any of five free ports");
    }

    /// The body of `GET path` as text, whatever the status.
    pub async fn text(&self, path: &str) -> String {
        let response = client()
            .get(self.url(path))
            .send()
            .await
            .expect("GET request");
        response.text().await.expect("response body")
    }

    /// `http://ADDR` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// True once `/healthz` answers; false when the process exited first.
    async fn wait_until_healthy(&mut self) -> bool {
        let client = client();
        let deadline = Instant::now() + START_TIMEOUT;

        while Instant::now() < deadline {
            if let Ok(response) = client.get(self.url("/healthz")).send().await
                && response.status().is_success()
            {
                return true;
            }
            if self
                .child
                .try_wait()
                .expect("poll the lepton process")
                .is_some()
            {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "lepton did not answer /healthz on {} within {START_TIMEOUT:?}",
            self.addr
        );
    }

    /// Kills the server with SIGKILL, as a crash or power cut would, then starts a new one on
    /// the same data directory and port range.
    pub async fn crash_and_restart(mut self) -> Self {
        let _ = self.child.kill();
        let _ = self.child.wait();

        for _ in 0..5 {
            self.addr = ([127, 0, 0, 1], free_port()).into();
            self.child = Command::new(binary())
                .arg("--addr")
                .arg(self.addr.to_string())
                .arg("--data-dir")
                .arg(self.data_dir.path())
                .arg("--site-dir")
                .arg(site_dir())
                .env("LEPTON_SIMULATE", "false")
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("restart the lepton binary");
            if self.wait_until_healthy().await {
                return self;
            }
        }
        panic!("lepton did not restart on any of five free ports");
    }

    /// Stops the server with SIGTERM and returns everything it logged (started with
    /// [`TestServer::start_with_logs`]).
    pub fn stop_and_read_logs(&mut self) -> String {
        use std::io::Read;

        self.terminate();
        self.child.wait().expect("wait for lepton to exit");
        let mut logs = String::new();
        self.child
            .stdout
            .take()
            .expect("stdout was piped")
            .read_to_string(&mut logs)
            .expect("read the logs");
        logs
    }

    /// Sends SIGTERM, as an orchestrator stopping the service would.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `lepton admin create-user` against `data_dir`, passing `password` on stdin.
pub fn create_account(data_dir: &Path, username: &str, role: &str, password: &str) {
    let mut child = Command::new(binary())
        .args([
            "admin",
            "create-user",
            "--password-stdin",
            "--username",
            username,
        ])
        .args(["--role", role, "--data-dir"])
        .arg(data_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start lepton admin create-user");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{password}\n").as_bytes())
        .expect("write the password");
    let output = child.wait_with_output().expect("wait for create-user");
    assert!(
        output.status.success(),
        "create-user {username}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A signed-in browser session: its cookie and CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    /// `lepton_session=…`, ready for a `Cookie` header.
    pub cookie: String,
    /// The session's CSRF token.
    pub csrf: String,
}

impl Session {
    /// A request carrying the session cookie and CSRF header.
    pub fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        client()
            .request(method, url)
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf)
    }
}

impl TestServer {
    /// Signs in through `POST /api/v1/auth/login`, panicking unless it succeeds.
    pub async fn sign_in(&self, username: &str, password: &str) -> Session {
        let response = self.login(username, password, None).await;
        assert_eq!(response.status(), 200, "sign in as {username}");
        session_of(response).await
    }

    /// `POST /api/v1/auth/login`, optionally with a `Cookie` header; the raw response.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        cookie: Option<&str>,
    ) -> reqwest::Response {
        let mut request = client()
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({ "username": username, "password": password }));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.expect("login request")
    }

    /// `method path` as `session`, without a body.
    pub async fn call(
        &self,
        session: &Session,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::Response {
        session
            .request(method, &self.url(path))
            .send()
            .await
            .expect("request as a session")
    }

    /// `GET path` as `session`, decoded as JSON.
    pub async fn json_as(&self, session: &Session, path: &str) -> serde_json::Value {
        let response = self.call(session, reqwest::Method::GET, path).await;
        response.json().await.expect("a JSON answer")
    }

    /// The id of the user `username`, looked up by the admin `session`.
    pub async fn user_id(&self, session: &Session, username: &str) -> String {
        let users = self.json_as(session, "/api/v1/users").await;
        users
            .as_array()
            .expect("a list of users")
            .iter()
            .find(|user| user["username"] == username)
            .and_then(|user| user["id"].as_str())
            .unwrap_or_else(|| panic!("no user {username}"))
            .to_owned()
    }

    /// Creates an API token as `session` and returns its secret.
    pub async fn token(&self, session: &Session, scopes: &[&str]) -> String {
        let response = session
            .request(reqwest::Method::POST, &self.url("/api/v1/tokens"))
            .json(&serde_json::json!({ "name": format!("test {scopes:?}"), "scopes": scopes }))
            .send()
            .await
            .expect("create token");
        assert_eq!(response.status(), 201, "create token {scopes:?}");
        let body: serde_json::Value = response.json().await.expect("token JSON");
        body["secret"].as_str().expect("secret").to_owned()
    }
}

/// The session a successful login response started.
pub async fn session_of(response: reqwest::Response) -> Session {
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("lepton_session="))
        .and_then(|value| value.split(';').next())
        .expect("session cookie")
        .to_owned();
    let body: serde_json::Value = response.json().await.expect("login JSON");
    let csrf = body["csrf_token"].as_str().expect("csrf token").to_owned();
    Session { cookie, csrf }
}

/// An HTTP client that neither follows redirects nor decompresses, so tests see the wire.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("build HTTP client")
}

/// Copies the directory `from` into `to`, subdirectories included.
fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read the data dir") {
        let entry = entry.expect("data dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            std::fs::create_dir_all(&target).expect("create a directory");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The status, error code and message of an API error answer; empty strings where the body
/// lacks them.
pub async fn error_code(response: reqwest::Response) -> (reqwest::StatusCode, String, String) {
    let status = response.status();
    let body: serde_json::Value = response.json().await.expect("a JSON body");
    let text = |field: &str| body["error"][field].as_str().unwrap_or_default().to_owned();
    (status, text("code"), text("message"))
}
