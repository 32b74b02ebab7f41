//! Sessions that know their device: browser and OS from the User-Agent, the network instead
//! of the address, "this device" by the device cookie, and a `new_device_login` event the
//! account page shows once, for a sign-in from a browser never seen for the account.

use axum::http::StatusCode;
use serde_json::Value;

use crate::harness::*;

const FIREFOX_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const SAFARI_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15";

async fn events(b: &mut Browser<'_>) -> Vec<Value> {
    let (s, _, body) = b.get("/account/events").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body["events"].as_array().unwrap().clone()
}

#[tokio::test]
async fn sessions_show_their_device_and_a_new_device_is_an_event_shown_once() {
    let server = Server::start().await;
    let mut laptop = server.browser();
    laptop.user_agent = Some(FIREFOX_LINUX.into());
    laptop.register("devices@example.com", PASSWORD).await;
    // The first sign-in of an account is not a "new device" for it.
    assert_eq!(laptop.login("devices@example.com", PASSWORD).await.0, StatusCode::OK);
    assert!(laptop.device.is_some(), "the login set the device cookie");
    assert_eq!(events(&mut laptop).await, Vec::<Value>::new());

    // Another browser: a new device. It is not told about itself (and does not use the news up).
    let mut phone = server.browser();
    phone.user_agent = Some(SAFARI_MAC.into());
    assert_eq!(phone.login("devices@example.com", PASSWORD).await.0, StatusCode::OK);
    assert_eq!(events(&mut phone).await, Vec::<Value>::new());
    let (s, _, list) = laptop.get("/sessions").await;
    assert_eq!(s, StatusCode::OK);
    let sessions = list["sessions"].as_array().unwrap();
    let mine = sessions.iter().find(|s| s["current"] == true).unwrap();
    assert_eq!((mine["browser"].as_str(), mine["os"].as_str(), mine["this_device"].as_bool()), (Some("Firefox"), Some("Linux"), Some(true)));
    assert_eq!(mine["ip_prefix"], "127.0.0.0/24", "the network, never the address");
    let other = sessions.iter().find(|s| s["browser"] == "Safari").unwrap();
    assert_eq!((other["os"].as_str(), other["this_device"].as_bool(), other["current"].as_bool()), (Some("Mac OSX"), Some(false), Some(false)));

    let first = events(&mut laptop).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!((first[0]["kind"].as_str(), first[0]["browser"].as_str(), first[0]["os"].as_str(), first[0]["seen"].as_bool()), (Some("new_device_login"), Some("Safari"), Some("Mac OSX"), Some(false)));
    assert_eq!(first[0]["session"], other["handle"]);
    assert_eq!(events(&mut laptop).await[0]["seen"], true, "shown once as new");
    // Known browsers are not new again.
    assert_eq!(phone.login("devices@example.com", PASSWORD).await.0, StatusCode::OK);
    assert_eq!(laptop.login("devices@example.com", PASSWORD).await.0, StatusCode::OK);
    assert_eq!(events(&mut laptop).await.len(), 1);
    // The address itself is nowhere in the database.
    let rows = server.state.store.sessions_of(&first_sub(&server).await, server.state.now(), 3600).await.unwrap();
    assert!(rows.iter().all(|r| r.ip_prefix.as_deref() == Some("127.0.0.0/24")));
}

async fn first_sub(server: &Server) -> String {
    let mut b = server.browser();
    let (_, body, _) = b.login("devices@example.com", PASSWORD).await;
    body["sub"].as_str().unwrap().to_string()
}
