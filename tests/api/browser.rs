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

async fn wait_for(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

async fn click(c: &Client, css: &str) {
    wait_for(c, css).await.click().await.unwrap();
}

/// The text of `main`, read again when a page that is still loading replaces it under us.
async fn main_text(c: &Client) -> String {
    text_of(c, "main").await
}

/// The text of an element; retried while navigation makes the element stale.
async fn text_of(c: &Client, css: &str) -> String {
    let mut last = None;
    for _ in 0..100 {
        match wait_for(c, css).await.text().await {
            Ok(t) => return t,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{css}: {last:?}")
}

/// Waits until an element (after a form post: on the new page) has the expected text.
async fn wait_text(c: &Client, css: &str, expected: &str) {
    let mut seen = String::new();
    for _ in 0..200 {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(t) = e.text().await
        {
            if t == expected {
                return;
            }
            seen = t;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{css}: expected {expected:?}, saw {seen:?}");
}

async fn log_out(c: &Client) {
    click(c, "form[action='/logout'] button").await;
    wait_for(c, "#login").await;
}

/// Runs one of the case actions offered on the case page.
async fn case_action(c: &Client, action: &str, note: Option<&str>) {
    click(c, &format!("#action-{action} summary")).await;
    if let Some(n) = note {
        wait_for(c, &format!("#action-{action} textarea[name=note]"))
            .await
            .send_keys(n)
            .await
            .unwrap();
    }
    click(c, &format!("#action-{action} button[type=submit]")).await;
    wait_for(c, "#case-status").await;
}

/// S1 in a phone-sized browser: a resident reports the dogs at building 3 with a photo, the
/// squad member signs for it and replies, the resident rates it in three taps, it is closed.
#[tokio::test]
async fn s1_a_resident_reports_with_a_photo_follows_and_rates_on_a_phone() {
    let app = spawn_demo().await;
    let (_driver, c) = browser().await;
    let photo = tempfile::Builder::new().suffix(".jpg").tempfile().unwrap();
    std::fs::write(photo.path(), phone_photo(640, 480, 6)).unwrap();

    log_in(&c, &app.base, "zhangshiying").await;
    home_text(&c).await;
    c.find(Locator::LinkText("我要反映问题"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "#case-form").await;
    wait_for(&c, "#category")
        .await
        .select_by_value("pets_noise")
        .await
        .unwrap();
    let b3 = app
        .id_of("SELECT b.id FROM buildings b JOIN compounds c ON c.id = b.compound_id WHERE c.name = '凤栖阁' AND b.name = '3栋'")
        .await;
    wait_for(&c, "#building_id")
        .await
        .select_by_value(&b3.to_string())
        .await
        .unwrap();
    wait_for(&c, "#description")
        .await
        .send_keys("3栋楼下的狗没拴绳，晚上一直叫")
        .await
        .unwrap();
    wait_for(&c, "#photos")
        .await
        .send_keys(&photo.path().display().to_string())
        .await
        .unwrap();
    click(&c, "#submit-case").await;
    let ack = text_of(&c, "#ack").await;
    assert!(
        ack.contains("已收到您的反映") && ack.contains("YC-"),
        "{ack}"
    );
    let number = ack.split_whitespace().last().unwrap().to_string();
    wait_text(&c, "#case-unit", "物管服务分队").await;
    assert!(
        c.find(Locator::Css("img.thumb")).await.is_ok(),
        "the photo is shown"
    );
    keep_screenshot(&c, "case-reported-zh").await;
    log_out(&c).await;

    // The squad member works it from the queue.
    log_in(&c, &app.base, "zhengkairui").await;
    home_text(&c).await;
    c.goto(&format!("{}/cases", app.base)).await.unwrap();
    let queue = main_text(&c).await;
    assert!(queue.contains(&number), "{queue}");
    c.find(Locator::XPath(&format!("//a[contains(., '{number}')]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    case_action(&c, "sign_for", None).await;
    case_action(&c, "reply", Some("已提醒犬主拴绳，东门设电瓶车停放区")).await;
    wait_text(&c, "#case-status", "已答复").await;
    let case_url = c.current_url().await.unwrap().to_string();
    log_out(&c).await;

    // The resident: open the case (1), choose 满意 (2), send (3).
    log_in(&c, &app.base, "zhangshiying").await;
    home_text(&c).await;
    c.goto(&case_url).await.unwrap();
    let text = main_text(&c).await;
    assert!(
        text.contains("已提醒犬主拴绳"),
        "the public reply is shown: {text}"
    );
    click(&c, "#rate input[value=satisfied]").await;
    click(&c, "#rate-submit").await;
    assert!(
        wait_for(&c, "#case-rating")
            .await
            .text()
            .await
            .unwrap()
            .contains("满意")
    );
    keep_screenshot(&c, "case-rated-zh").await;
    log_out(&c).await;

    log_in(&c, &app.base, "zhengkairui").await;
    home_text(&c).await;
    c.goto(&case_url).await.unwrap();
    case_action(&c, "close", None).await;
    wait_text(&c, "#case-status", "已办结").await;
    c.close().await.unwrap();
}

/// S6: the building leader raises a concern for the neighbour who lives alone; a butler finds
/// she is at her son's, replies and records the follow-up call; in English this time.
#[tokio::test]
async fn s6_a_building_leader_raises_a_concern_that_a_butler_resolves() {
    let app = spawn_demo().await;
    let (_driver, c) = browser().await;
    log_in(&c, &app.base, "wangxinglian").await;
    home_text(&c).await;
    c.find(Locator::LinkText("English"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    home_text(&c).await;
    c.find(Locator::XPath("//a[contains(., 'Wellbeing concern')]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "#case-form").await;
    let kind = wait_for(&c, "#kind").await.prop("value").await.unwrap();
    assert_eq!(
        kind.as_deref(),
        Some("wellbeing"),
        "the kind is chosen already"
    );
    wait_for(&c, "#category")
        .await
        .select_by_value("other")
        .await
        .unwrap();
    let b8 = app
        .id_of("SELECT b.id FROM buildings b JOIN compounds c ON c.id = b.compound_id WHERE c.name = '凤栖阁' AND b.name = '8栋'")
        .await;
    wait_for(&c, "#building_id")
        .await
        .select_by_value(&b8.to_string())
        .await
        .unwrap();
    wait_for(&c, "#description")
        .await
        .send_keys("熊婆婆 has not come downstairs for a week")
        .await
        .unwrap();
    wait_for(&c, "#channel")
        .await
        .select_by_value("building_leader")
        .await
        .unwrap();
    wait_for(&c, "#reporter_name")
        .await
        .send_keys("王兴莲 for 熊婆婆")
        .await
        .unwrap();
    click(&c, "#submit-case").await;
    let ack = text_of(&c, "#ack").await;
    assert!(ack.contains("We have received your report"), "{ack}");
    let case_url = c.current_url().await.unwrap().to_string();
    log_out(&c).await;

    log_in(&c, &app.base, "zhengkairui").await;
    home_text(&c).await;
    c.goto(&case_url).await.unwrap();
    case_action(&c, "sign_for", None).await;
    case_action(&c, "reply", Some("She is staying at her son's; all well.")).await;
    // The follow-up call is made by someone other than the handler: community staff.
    log_out(&c).await;
    log_in(&c, &app.base, "liwenjing").await;
    home_text(&c).await;
    c.goto(&case_url).await.unwrap();
    click(&c, "#action-follow_up summary").await;
    click(&c, "#action-follow_up input[value=satisfied]").await;
    click(&c, "#action-follow_up button[type=submit]").await;
    wait_for(&c, "#case-status").await;
    case_action(&c, "close", None).await;
    wait_text(&c, "#case-status", "Closed").await;
    let timeline = text_of(&c, "#timeline").await;
    assert!(
        timeline.contains("Signed for") && timeline.contains("Followed up"),
        "{timeline}"
    );
    keep_screenshot(&c, "concern-closed-en").await;
    c.close().await.unwrap();
}

/// S3 in the browser: community staff register a petition brought by three visitors, accept it
/// (the 60-day reply period starts), extend it once with a reason, reply and close it without a
/// follow-up call (reason recorded).
#[tokio::test]
async fn s3_staff_register_and_handle_a_petition_within_the_time_limits() {
    let app = spawn_demo().await;
    let (_driver, c) = browser().await;
    log_in(&c, &app.base, "liwenjing").await;
    home_text(&c).await;
    c.goto(&format!("{}/cases/new?kind=petition", app.base))
        .await
        .unwrap();
    // Staff see many compounds: first the compound, then its buildings by name.
    let guoshui = app
        .id_of("SELECT id FROM compounds WHERE name = '国税佳苑'")
        .await;
    wait_for(&c, "#pick-compound #compound_id")
        .await
        .select_by_value(&guoshui.to_string())
        .await
        .unwrap();
    click(&c, "#pick-compound button").await;
    wait_for(&c, "#case-form").await;
    assert_eq!(
        wait_for(&c, "#kind")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("petition"),
        "the kind asked for is kept through the compound step"
    );
    wait_for(&c, "#building_id")
        .await
        .select_by_label("1栋")
        .await
        .unwrap();
    wait_for(&c, "#category")
        .await
        .select_by_value("fees_services")
        .await
        .unwrap();
    wait_for(&c, "#description")
        .await
        .send_keys("物业费上涨未经业主大会同意")
        .await
        .unwrap();
    wait_for(&c, "#channel")
        .await
        .select_by_value("visit")
        .await
        .unwrap();
    wait_for(&c, "#reporter_name")
        .await
        .send_keys("李某等三人")
        .await
        .unwrap();
    // Without the number of visitors the form is refused, in words, beside the field, and
    // what was typed is still there.
    click(&c, "#submit-case").await;
    let text = main_text(&c).await;
    assert!(text.contains("来访人数"), "{text}");
    wait_for(&c, "#visitors-error").await;
    assert_eq!(
        wait_for(&c, "#description")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("物业费上涨未经业主大会同意")
    );
    assert_eq!(
        wait_for(&c, "#channel")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("visit")
    );
    wait_for(&c, "#visitors")
        .await
        .send_keys("3")
        .await
        .unwrap();
    click(&c, "#submit-case").await;
    wait_for(&c, "#ack").await;
    let text = main_text(&c).await;
    assert!(
        text.contains("受理决定期限"),
        "the 15-day limit is shown: {text}"
    );
    case_action(&c, "accept", None).await;
    let text = main_text(&c).await;
    assert!(
        text.contains("答复期限"),
        "the 60-day limit is shown: {text}"
    );
    // The handling office cannot extend its own time limit: a supervisor approves it.
    assert!(
        c.find(Locator::Css("#action-extend")).await.is_err(),
        "the handler is not offered the extension"
    );
    let case_url = c.current_url().await.unwrap().to_string();
    log_out(&c).await;
    log_in(&c, &app.base, "huminjian").await;
    home_text(&c).await;
    c.goto(&case_url).await.unwrap();
    case_action(&c, "extend", Some("需调取三年收费台账，经区信访办批准")).await;
    let text = main_text(&c).await;
    assert!(text.contains("已延期"), "{text}");
    assert!(
        c.find(Locator::Css("#action-extend")).await.is_err(),
        "no second extension is offered"
    );
    log_out(&c).await;
    log_in(&c, &app.base, "liwenjing").await;
    home_text(&c).await;
    c.goto(&case_url).await.unwrap();
    case_action(&c, "sign_for", None).await;
    case_action(&c, "reply", Some("书面答复已送达")).await;
    case_action(&c, "no_follow_up", Some("信访人拒绝回访")).await;
    case_action(&c, "close", None).await;
    wait_text(&c, "#case-status", "已办结").await;
    keep_screenshot(&c, "petition-closed-zh").await;
    c.close().await.unwrap();
}

/// S2 (the case part) in the browser: the property manager escalates the parking problem to the
/// Red Butler team, a butler asks the landscaping bureau, the bureau answers from its own page.
#[tokio::test]
async fn s2_parking_is_escalated_and_the_bureau_answers_in_the_browser() {
    let app = spawn_demo().await;
    let (_driver, c) = browser().await;
    log_in(&c, &app.base, "zhengkairui").await;
    home_text(&c).await;
    c.goto(&format!("{}/cases/new", app.base)).await.unwrap();
    wait_for(&c, "#case-form").await;
    wait_for(&c, "#category")
        .await
        .select_by_value("parking")
        .await
        .unwrap();
    let guoshui = app
        .id_of("SELECT id FROM compounds WHERE name = '国税佳苑'")
        .await;
    wait_for(&c, "#compound_id")
        .await
        .select_by_value(&guoshui.to_string())
        .await
        .unwrap();
    wait_for(&c, "#public_area")
        .await
        .send_keys("消防通道")
        .await
        .unwrap();
    wait_for(&c, "#description")
        .await
        .send_keys("消防通道被堵，需要划停车位")
        .await
        .unwrap();
    click(&c, "#submit-case").await;
    wait_for(&c, "#ack").await;
    let case_url = c.current_url().await.unwrap().to_string();
    case_action(&c, "sign_for", None).await;
    click(&c, "#action-escalate summary").await;
    wait_for(&c, "#action-escalate select[name=level]")
        .await
        .select_by_value("team")
        .await
        .unwrap();
    wait_for(&c, "#action-escalate textarea[name=note]")
        .await
        .send_keys("需园林局审批和业主同意")
        .await
        .unwrap();
    click(&c, "#action-escalate button[type=submit]").await;
    wait_text(&c, "#case-unit", "兴龙湖社区红管家工作站").await;
    log_out(&c).await;

    log_in(&c, &app.base, "luojiangyan").await;
    home_text(&c).await;
    c.goto(&case_url).await.unwrap();
    case_action(&c, "sign_for", None).await;
    click(&c, "#action-request_coordination summary").await;
    let landscaping = app
        .id_of("SELECT id FROM organisations WHERE name = '永川区市政园林管理局'")
        .await;
    wait_for(
        &c,
        "#action-request_coordination select[name=organisation_id]",
    )
    .await
    .select_by_value(&landscaping.to_string())
    .await
    .unwrap();
    wait_for(&c, "#action-request_coordination textarea[name=note]")
        .await
        .send_keys("请对划线方案出具意见")
        .await
        .unwrap();
    click(&c, "#action-request_coordination button[type=submit]").await;
    wait_for(&c, "#case-status").await;
    log_out(&c).await;

    log_in(&c, &app.base, "liuyuan").await;
    home_text(&c).await;
    c.goto(&format!("{}/cases", app.base)).await.unwrap();
    click(&c, "#coordination-requests a").await;
    let text = main_text(&c).await;
    assert!(text.contains("请对划线方案出具意见"), "{text}");
    assert!(
        !text.contains("消防通道被堵"),
        "the bureau sees the request, not the description: {text}"
    );
    wait_for(&c, "textarea[name=note]")
        .await
        .send_keys("同意划线方案")
        .await
        .unwrap();
    click(&c, "#coordination form button[type=submit]").await;
    let text = main_text(&c).await;
    assert!(text.contains("同意划线方案"), "{text}");
    c.close().await.unwrap();
}

/// The decision part of S2 in the browser: the owners' committee convenes the parking vote with
/// the landscaping bureau invited, the bureau answers an owner's question, owners vote (彭大爷 on
/// his phone in two taps, the rest on paper at the meeting), the result is published and the
/// parking plan starts as a follow-up case.
#[tokio::test]
async fn s2_the_owners_decide_the_parking_plan_in_the_browser() {
    let app = spawn_demo().await;
    let (_driver, c) = browser().await;
    let guoshui = app
        .id_of("SELECT id FROM compounds WHERE name = '国税佳苑'")
        .await;
    let bureau = app
        .id_of("SELECT id FROM organisations WHERE name = '永川区市政园林管理局'")
        .await;
    log_in(&c, &app.base, "pengdaye").await;
    home_text(&c).await;
    c.goto(&format!("{}/decisions/new", app.base))
        .await
        .unwrap();
    wait_for(&c, "#decision-form").await;
    wait_for(&c, "#compound_id")
        .await
        .select_by_value(&guoshui.to_string())
        .await
        .unwrap();
    wait_for(&c, "#title")
        .await
        .send_keys("停车规划业主大会")
        .await
        .unwrap();
    wait_for(&c, "#item_title_1")
        .await
        .send_keys("在主干道划设停车位、保留消防通道")
        .await
        .unwrap();
    wait_for(&c, "#item_matter_1")
        .await
        .select_by_value("8")
        .await
        .unwrap();
    click(&c, &format!("input[name=invited][value='{bureau}']")).await;
    let at = |days: i64| {
        redbutler::domain::deadline::local(redbutler::db::now() + days * 86_400).replace(' ', "T")
    };
    c.execute(
        "document.getElementById('opens_at').value = arguments[0]; document.getElementById('closes_at').value = arguments[1];",
        vec![serde_json::json!(at(17)), serde_json::json!(at(20))],
    )
    .await
    .unwrap();
    click(&c, "#create-decision").await;
    wait_text(&c, "#decision-status", "草稿").await;
    click(&c, "#send-notice").await;
    wait_for(&c, "#notice-print").await;
    wait_text(&c, "#decision-status", "已公告").await;
    let url = c.current_url().await.unwrap().to_string();
    let id: i64 = url.rsplit('/').next().unwrap().parse().unwrap();
    // An owner's question before the meeting.
    wait_for(&c, "#ask")
        .await
        .send_keys("划线后消防通道宽度够吗？")
        .await
        .unwrap();
    click(&c, "#ask-submit").await;
    wait_for(&c, ".question").await;
    // The A4 notice for the news board, in Chinese.
    click(&c, "#notice-print").await;
    let title = text_of(&c, "#notice-title").await;
    assert!(title.contains("停车规划业主大会"), "{title}");
    log_out_from(&c, &app.base).await;

    // The bureau answers from its own account.
    log_in(&c, &app.base, "liuyuan").await;
    home_text(&c).await;
    c.goto(&format!("{}/decisions/{id}", app.base))
        .await
        .unwrap();
    wait_for(&c, "#questions textarea[name=text]")
        .await
        .send_keys("通道宽度 4 米，符合消防规范。")
        .await
        .unwrap();
    click(&c, "#questions form button[type=submit]").await;
    let text = text_of(&c, "p.answer").await;
    assert!(
        text.contains("永川区市政园林管理局：通道宽度 4 米"),
        "{text}"
    );
    log_out(&c).await;

    // 17 days later voting opens: the paper ballots of the meeting are keyed in over the API.
    sqlx::query("UPDATE decisions SET opens_at = opens_at - $1, closes_at = closes_at - $1, noticed_at = noticed_at - $1 WHERE id = $2")
        .bind(17 * 86_400i64)
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let token = app.token("pengdaye").await;
    let v = app
        .get_json(&token, &format!("/api/v1/decisions/{id}"))
        .await;
    assert_eq!(v["status"], "open", "{v}");
    let heads = v["decision"]["roll_heads"].as_i64().unwrap();
    let mine = v["mine"]["heads"][0]["head_no"].as_i64().unwrap();
    let needed = (3 * heads + 3) / 4;
    let mut cast = 0;
    for head in 1..=heads {
        if cast + 1 >= needed {
            break;
        }
        if head == mine {
            continue;
        }
        let r = app
            .api(&token, reqwest::Method::POST, &format!("/api/v1/decisions/{id}/ballots"))
            .await
            .json(&serde_json::json!({"channel": "paper", "head": head, "ballot_number": format!("P{head}"),
                                      "choices": [{"item": 1, "choice": "agree"}]}))
            .send()
            .await
            .unwrap();
        // Heads without a recorded owner have nobody to fill in a ballot; the rest vote.
        if r.status() == 201 {
            cast += 1;
        }
    }

    // 彭大爷 votes on his phone: choose, confirm.
    log_in(&c, &app.base, "pengdaye").await;
    home_text(&c).await;
    c.goto(&format!("{}/decisions/{id}", app.base))
        .await
        .unwrap();
    click(&c, "#vote-link").await;
    // A neutral ballot: every choice has the same colours, border and size.
    wait_for(&c, "#choose-agree").await;
    let looks: serde_json::Value = c
        .execute(
            "return ['choose-agree','choose-disagree','choose-abstain'].map(id => { const s = getComputedStyle(document.getElementById(id)); const r = document.getElementById(id).getBoundingClientRect(); return [s.backgroundColor, s.color, s.borderColor, s.fontSize, Math.round(r.width), Math.round(r.height)].join('|'); })",
            vec![],
        )
        .await
        .unwrap();
    let looks: Vec<&str> = looks
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        looks.iter().all(|l| *l == looks[0]),
        "equal weight: {looks:?}"
    );
    click(&c, "#choose-agree").await;
    wait_for(&c, "#chosen").await;
    click(&c, "#confirm-vote").await;
    wait_for(&c, "#vote-done").await;
    keep_screenshot(&c, "vote-done").await;

    // After the window the convenor closes with the minutes; the result is published.
    sqlx::query("UPDATE decisions SET closes_at = closes_at - $1 WHERE id = $2")
        .bind(4 * 86_400i64)
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    c.goto(&format!("{}/decisions/{id}", app.base))
        .await
        .unwrap();
    wait_for(&c, "#report")
        .await
        .send_keys("业主大会于 1 栋架空层召开，园林局到会答疑，表决通过划线方案。")
        .await
        .unwrap();
    wait_for(&c, "#attendance")
        .await
        .send_keys("312")
        .await
        .unwrap();
    wait_for(&c, "#organisations")
        .await
        .send_keys("重庆远博物业、永川区市政园林管理局")
        .await
        .unwrap();
    click(&c, "#close-decision").await;
    let verdict = text_of(&c, "#verdict-1").await;
    assert!(verdict.starts_with("通过"), "{verdict}");
    click(&c, "#result-link").await;
    wait_for(&c, "#result-title").await;
    let text = text_of(&c, "#ballot-list").await + &text_of(&c, "#outcome-1").await;
    assert!(
        !text.contains("彭大爷"),
        "the published result shows units and areas, never names"
    );
    assert!(text.contains("同意"), "{text}");
    keep_screenshot(&c, "vote-result").await;
    c.goto(&format!("{}/decisions/{id}", app.base))
        .await
        .unwrap();
    wait_for(&c, "#category-1")
        .await
        .select_by_value("parking")
        .await
        .unwrap();
    click(&c, "#start-follow-up-1").await;
    wait_for(&c, "#case-status").await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM decision_items WHERE decision_id = {id} AND follow_up_case_id IS NOT NULL"
        ))
        .await,
        1
    );
    c.close().await.unwrap();
}

/// Logs out from a page without the site's header (the printable notice).
async fn log_out_from(c: &Client, base: &str) {
    c.goto(&format!("{base}/")).await.unwrap();
    log_out(c).await;
}

/// Found trying every journey at phone size: link-style buttons are visible (not white on
/// white), and a 1,650-character word and a long URL do not widen the case page.
#[tokio::test]
async fn buttons_are_visible_and_long_words_wrap_at_phone_size() {
    let app = spawn_demo().await;
    let zhang = app.token("zhangshiying").await;
    let fengqige = app
        .id_of("SELECT id FROM compounds WHERE name = '凤栖阁'")
        .await;
    let long = format!(
        "{} https://example.com/{}",
        "x".repeat(1650),
        "y".repeat(300)
    );
    let r = app
        .api(&zhang, reqwest::Method::POST, "/api/v1/cases")
        .await
        .json(&serde_json::json!({"kind": "complaint", "category": "other", "compound_id": fengqige, "description": long}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let case: serde_json::Value = r.json().await.unwrap();
    let (_driver, c) = browser().await;
    log_in(&c, &app.base, "zhangshiying").await;
    home_text(&c).await;
    c.goto(&format!("{}/cases/{}", app.base, case["id"]))
        .await
        .unwrap();
    wait_for(&c, "#case-status").await;
    let widths: serde_json::Value = c
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth]",
            vec![],
        )
        .await
        .unwrap();
    let (page, window) = (widths[0].as_f64().unwrap(), widths[1].as_f64().unwrap());
    assert!(
        page <= window + 1.0,
        "the page is {page}px wide in a {window}px window"
    );
    // The butler's inbox has unread notifications with a 标为已读 button.
    log_out(&c).await;
    log_in(&c, &app.base, "zhengkairui").await;
    home_text(&c).await;
    c.goto(&format!("{}/inbox", app.base)).await.unwrap();
    wait_for(&c, "main").await;
    let colours: serde_json::Value = c
        .execute(
            "return Array.from(document.querySelectorAll('main button.link')).map(b => getComputedStyle(b).color)",
            vec![],
        )
        .await
        .unwrap();
    let colours = colours.as_array().unwrap();
    assert!(!colours.is_empty(), "there is a mark-read button");
    assert!(
        colours
            .iter()
            .all(|c| c.as_str() != Some("rgb(255, 255, 255)")),
        "not white on white: {colours:?}"
    );
    c.close().await.unwrap();
}

/// What breaks RULES.md §6 in large mode on the page shown: interactive elements under 60 × 60
/// px, text under 18 pt (24 px), paragraphs spaced less than 1.3 × their line height.
const LARGE_MODE_PROBLEMS: &str = r#"
const out = [];
const shown = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' + (el.innerText || el.value || el.name || '').trim().slice(0, 30) + '"';
for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
  if (!shown(el)) continue;
  const r = el.getBoundingClientRect();
  if (r.width < 59.5 || r.height < 59.5) out.push('target ' + Math.round(r.width) + 'x' + Math.round(r.height) + ' ' + name(el));
}
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
let n;
while ((n = walker.nextNode())) {
  if (!n.textContent.trim()) continue;
  const el = n.parentElement;
  if (!el || !shown(el) || el.closest('script,style,code')) continue;
  const fs = parseFloat(getComputedStyle(el).fontSize);
  if (fs < 23.9) out.push('text ' + fs + 'px ' + name(el));
}
for (const p of document.querySelectorAll('main p')) {
  if (!shown(p) || !p.nextElementSibling) continue;
  const s = getComputedStyle(p);
  const lh = parseFloat(s.lineHeight), mb = parseFloat(s.marginBottom);
  if (mb < 1.3 * lh - 0.5) out.push('paragraph spacing ' + mb + 'px < 1.3 x ' + lh + 'px ' + name(p));
}
return Array.from(new Set(out)).slice(0, 40);
"#;

/// RULES.md §6: every page a resident reaches, in large mode, has 60 px targets, 18 pt text and
/// paragraph spacing of 1.3 line heights. The pages are found by following the links from the
/// home page, as a resident would (an owner who convenes nothing, and a tenant).
#[tokio::test]
async fn every_resident_page_meets_the_large_mode_rules() {
    let app = spawn_demo().await;
    // Something to see on the pages: a case with a photo-less timeline, a vote with a notice.
    let zhang = app.token("zhangshiying").await;
    let case = app
        .create_case(&zhang, "complaint", "parking", "凤栖阁", "电动车挡住楼道")
        .await;
    let committee = app.token("pengdaye").await;
    let (s, v) = crate::decisions::parking_vote(&app, &committee, 17, true).await;
    assert_eq!(s, 201, "{v}");
    let vote = v["id"].as_i64().unwrap();
    let r = app
        .api(
            &committee,
            reqwest::Method::POST,
            &format!("/api/v1/decisions/{vote}/notice"),
        )
        .await
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_driver, c) = browser().await;
    let mut problems: Vec<String> = vec![];
    let mut seen = std::collections::BTreeSet::new();
    for user in ["zhangshiying", "pengdaye"] {
        log_in(&c, &app.base, user).await;
        home_text(&c).await;
        // Large mode (the switch's address: it stays on from the first user's session).
        c.goto(&format!("{}/large/on?back=/", app.base))
            .await
            .unwrap();
        home_text(&c).await;
        let mut queue: std::collections::VecDeque<String> = [
            "/".to_string(),
            format!("/cases/{case}"),
            format!("/decisions/{vote}"),
            format!("/decisions/{vote}/notice"),
        ]
        .into();
        let mut visited = 0;
        while let Some(path) = queue.pop_front() {
            if visited >= 45 || !seen.insert((user, path.clone())) {
                continue;
            }
            visited += 1;
            c.goto(&format!("{}{path}", app.base)).await.unwrap();
            wait_for(&c, "body").await;
            let found = c.execute(LARGE_MODE_PROBLEMS, vec![]).await.unwrap();
            for p in found.as_array().unwrap() {
                problems.push(format!("{user} {path}: {}", p.as_str().unwrap()));
            }
            // Follow the links of the page that stay in the product and are pages.
            let links = c
                .execute(
                    "return Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))",
                    vec![],
                )
                .await
                .unwrap();
            for l in links.as_array().unwrap() {
                let l = l.as_str().unwrap_or("");
                let page = l.starts_with('/')
                    && !l.starts_with("/api")
                    && !l.starts_with("/static")
                    && !l.contains(".csv")
                    && !l.contains("/photos/")
                    && !l.contains("/documents/")
                    && !l.starts_with("/logout")
                    && !l.starts_with("/lang/")
                    && !l.starts_with("/large/");
                if page {
                    queue.push_back(l.split('#').next().unwrap_or(l).to_string());
                }
            }
        }
        c.goto(&format!("{}/", app.base)).await.unwrap();
        log_out(&c).await;
    }
    let reached = |p: &str| seen.iter().any(|(_, s)| s.starts_with(p));
    for p in [
        "/cases/new",
        "/decisions/",
        "/compounds/",
        "/dwellings/",
        "/inbox",
    ] {
        assert!(reached(p), "the walk reached {p}: {seen:?}");
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    c.close().await.unwrap();
}
