//! A real browser for the tests: headless Chromium driven over WebDriver
//! (Debian's `chromium` and `chromium-driver`), addressed as a person sees
//! the page — fields by their label, buttons and links by their text —
//! never by CSS paths. Each step can save a screenshot under
//! `target/shop-screenshots/`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};

/// How long a page may take to show what a step waits for.
const PATIENCE: Duration = Duration::from_secs(15);

/// Chromium, driven.
pub struct Browser {
    client: Client,
    driver: Child,
    shots: PathBuf,
}

/// Where the browser's programs are, when they are.
pub struct Installed {
    driver: PathBuf,
    chromium: PathBuf,
}

impl Installed {
    /// `chromedriver` and `chromium` from `PATH` (or `CHROMEDRIVER` and
    /// `CHROME_BIN`), or why not.
    pub fn find() -> Result<Self, String> {
        let driver = locate("CHROMEDRIVER", &["chromedriver"])?;
        let chromium = locate(
            "CHROME_BIN",
            &["chromium", "chromium-browser", "google-chrome"],
        )?;
        Ok(Self { driver, chromium })
    }
}

fn locate(variable: &str, names: &[&str]) -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(variable) {
        return Ok(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            format!(
                "{} not found (apt-get install chromium chromium-driver, or set {variable})",
                names[0]
            )
        })
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session.
    pub async fn start(installed: &Installed) -> Self {
        let port = free_port();
        let driver = Command::new(&installed.driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let mut args = vec![
            "--headless=new",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1000,1000",
        ];
        if running_as_root() {
            args.push("--no-sandbox"); // Chromium refuses to run as root with its sandbox
        }
        let mut chrome = serde_json::Map::new();
        chrome.insert("binary".into(), installed.chromium.to_string_lossy().into());
        chrome.insert("args".into(), args.into());
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), chrome.into());
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + PATIENCE;
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(error) if Instant::now() > deadline => panic!("no WebDriver session: {error}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        let shots = screenshot_dir();
        std::fs::create_dir_all(&shots).expect("the screenshot directory");
        Self {
            client,
            driver,
            shots,
        }
    }

    /// Opens `url`.
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("the page opens");
    }

    /// Reloads the page, as a person pressing F5.
    pub async fn reload(&self) {
        self.client.refresh().await.expect("the page reloads");
    }

    /// The page's visible text; empty while a page is being replaced.
    pub async fn text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the page shows `text`, reloading only if the page does
    /// (the order page refreshes itself while pending).
    pub async fn wait_for_text(&self, text: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let shown = self.text().await;
            if shown.contains(text) {
                return shown;
            }
            assert!(
                Instant::now() < deadline,
                "the page never showed {text:?}; it shows:\n{shown}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The input labelled `label` (the label wraps it, or names it by `for`).
    pub async fn field(&self, label: &str) -> Element {
        let xpath = format!(
            "//label[contains(normalize-space(.), {0})]//input | //input[@id=//label[contains(normalize-space(.), {0})]/@for]",
            literal(label)
        );
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no field labelled {label:?}: {e}"))
    }

    /// Types `value` into the field labelled `label`, replacing its text.
    pub async fn fill(&self, label: &str, value: &str) {
        let field = self.field(label).await;
        field.clear().await.expect("the field clears");
        field.send_keys(value).await.expect("typing");
    }

    /// Ticks (or picks) the checkbox or radio button labelled `label`.
    pub async fn tick(&self, label: &str) {
        let field = self.field(label).await;
        if !field.is_selected().await.expect("its state") {
            field.click().await.expect("a click");
        }
    }

    /// Whether the checkbox or radio button labelled `label` is ticked.
    pub async fn is_ticked(&self, label: &str) -> bool {
        self.field(label)
            .await
            .is_selected()
            .await
            .expect("its state")
    }

    /// Clicks the button that says `text`.
    pub async fn press(&self, text: &str) {
        let xpath = format!("//button[normalize-space(.)={}]", literal(text));
        self.click(&xpath, text).await;
    }

    /// Follows the link that says `text`.
    pub async fn follow(&self, text: &str) {
        let xpath = format!("//a[normalize-space(.)={}]", literal(text));
        self.click(&xpath, text).await;
    }

    async fn click(&self, xpath: &str, what: &str) {
        let element = self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::XPath(xpath))
            .await
            .unwrap_or_else(|e| panic!("nothing to click that says {what:?}: {e}"));
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking {what:?}: {e}"));
    }

    /// The page's URL.
    pub async fn url(&self) -> String {
        self.client.current_url().await.expect("a URL").to_string()
    }

    /// Saves a screenshot as `target/shop-screenshots/<name>.png`.
    pub async fn shot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::write(self.shots.join(format!("{name}.png")), png)
            .expect("the screenshot is saved");
    }

    /// Ends the session and chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill(); // also when a step panicked
    }
}

/// `text` as an XPath string literal.
fn literal(text: &str) -> String {
    if text.contains('\'') {
        format!("\"{text}\"")
    } else {
        format!("'{text}'")
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("Uid:"))?.to_owned();
            Some(line.split_whitespace().nth(1)? == "0")
        })
        .unwrap_or(false)
}

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("shop-screenshots")
}
