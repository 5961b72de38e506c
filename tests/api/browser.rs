//! Browser tests in headless Chromium (Debian's chromium + chromium-driver), driven by fantoccini.
use crate::helpers::*;
use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};

/// A chromedriver for one test, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn browser() -> (Driver, Client) {
    let port = free_port();
    let driver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let child = Command::new(&driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start {driver} ({e}); scripts/test installs chromium-driver")
        });
    let d = Driver { child, port };
    let mut caps = serde_json::Map::new();
    let chrome = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let profile = tempfile::tempdir().unwrap().keep();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chrome,
            "prefs": {"intl.accept_languages": "zh-CN,zh"},
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--lang=zh-CN", "--window-size=412,915", format!("--user-data-dir={}", profile.display())]
        }),
    );
    let mut last = None;
    for _ in 0..50 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{}", d.port))
            .await
        {
            Ok(c) => return (d, c),
            Err(e) => {
                last = Some(e);
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        }
    }
    panic!("chromedriver did not answer: {last:?}");
}

async fn log_in(c: &Client, base: &str, user: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Id("login"))
        .await
        .unwrap()
        .send_keys(user)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Id("login-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Keeps a screenshot under target/screenshots for people to look at (nothing is asserted on it).
async fn keep_screenshot(c: &Client, name: &str) {
    if let Ok(png) = c.screenshot().await {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(format!("{name}-{}.png", backend())), png);
    }
}

async fn home_text(c: &Client) -> String {
    // The page after a form post may still be loading: wait for it (fantoccini polls).
    c.wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(Locator::Id("home-title"))
        .await
        .unwrap();
    c.find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_resident_and_a_district_official_see_their_home_pages_in_both_languages() {
    let app = spawn_demo().await;
    let (_driver, c) = browser().await;
    log_in(&c, &app.base, "zhangshiying").await;
    let text = home_text(&c).await;
    assert!(text.contains("您好，张世英"), "{text}");
    assert!(text.contains("我的小区"), "resident card: {text}");
    keep_screenshot(&c, "home-resident-zh").await;
    // Switch to English with the visible link, then to large text (长辈版).
    c.find(Locator::LinkText("English"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let text = home_text(&c).await;
    assert!(
        text.contains("Hello, 张世英") && text.contains("My compound"),
        "{text}"
    );
    c.find(Locator::Id("large-switch"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    home_text(&c).await;
    let size: String = c
        .execute("return getComputedStyle(document.body).fontSize", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    let px: f64 = size.trim_end_matches("px").parse().unwrap();
    assert!(
        px >= 24.0,
        "large mode body text is at least 18pt (24px): {size}"
    );
    c.find(Locator::Css("form[action='/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    log_in(&c, &app.base, "huminjian").await;
    let text = home_text(&c).await;
    assert!(
        text.contains("Hello, 胡明建") && text.contains("District compounds"),
        "{text}"
    );
    c.find(Locator::LinkText("中文"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let text = home_text(&c).await;
    assert!(
        text.contains("您好，胡明建") && text.contains("全区小区"),
        "{text}"
    );
    // The official can open the compound list and a compound, but sees no residents' names.
    c.goto(&format!("{}/places", app.base)).await.unwrap();
    c.find(Locator::LinkText("国税佳苑"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let text = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("重庆远博物业管理有限公司"), "{text}");
    keep_screenshot(&c, "compound-official").await;
    c.close().await.unwrap();
}
