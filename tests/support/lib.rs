//! Starting the real `lepton` binary for integration tests.
//!
//! Each [`TestServer`] runs the binary on a free loopback port with its own temporary data
//! directory, waits until `/healthz` answers, and kills the process when dropped. The binary
//! and the built site are found through `LEPTON_BIN` and `LEPTON_SITE_DIR` (set by the
//! Makefile), or next to this test executable in the cargo target directory.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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
        Self::launch(extra, "warn", Stdio::null).await
    }

    /// Like [`TestServer::start`], with the log filter `rust_log` and stdout (where the logs
    /// go) piped for the test to read from `child.stdout`.
    pub async fn start_with_logs(extra: &[&str], rust_log: &str) -> Self {
        Self::launch(extra, rust_log, Stdio::piped).await
    }

    async fn launch(extra: &[&str], rust_log: &str, stdout: fn() -> Stdio) -> Self {
        for _ in 0..5 {
            let data_dir = tempfile::tempdir().expect("temporary data dir");
            let addr: SocketAddr = ([127, 0, 0, 1], free_port()).into();

            let child = Command::new(binary())
                .arg("--addr")
                .arg(addr.to_string())
                .arg("--data-dir")
                .arg(data_dir.path())
                .arg("--site-dir")
                .arg(site_dir())
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

/// An HTTP client that neither follows redirects nor decompresses, so tests see the wire.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("build HTTP client")
}
