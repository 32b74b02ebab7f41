//! The static folders answer files and nothing else: no redirect (the reviewer's
//! `/pkg///app` → `Location: //app/`), no dotfile, no escape through a symlink, GET/HEAD only,
//! and every refusal in the JSON error shape.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use crate::harness::*;

#[tokio::test]
async fn static_folders_serve_files_only() {
    let sdk = tempfile::tempdir().unwrap();
    std::fs::create_dir(sdk.path().join("app")).unwrap();
    std::fs::write(sdk.path().join("app/index.js"), "export {};").unwrap();
    std::fs::write(sdk.path().join("zkauth_bg.wasm"), b"\0asm").unwrap();
    std::fs::write(sdk.path().join(".npmrc"), "token").unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), "s").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.path().join("secret"), sdk.path().join("escape.js")).unwrap();
    let server = Server::start_with(&format!("sdk_dir = \"{}\"", sdk.path().display())).await;

    let (s, h, _) = server.send(Request::get("/pkg/app/index.js").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(h[header::CONTENT_TYPE].to_str().unwrap().contains("javascript"));
    let (s, h, _) = server.send(Request::get("/pkg/zkauth_bg.wasm").body(Body::empty()).unwrap()).await;
    assert_eq!((s, h[header::CONTENT_TYPE].to_str().unwrap()), (StatusCode::OK, "application/wasm"));
    let (s, _, _) = server.send(Request::head("/pkg/zkauth_bg.wasm").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::OK);

    for path in ["/pkg///app", "/pkg//app", "/pkg/app", "/pkg/app/", "/pkg", "/pkg/", "/pkg/.npmrc", "/pkg/%2enpmrc", "/pkg/app/../.npmrc", "/pkg/escape.js", "/pkg/nope.js"] {
        let (s, h, body) = server.send(Request::get(path).body(Body::empty()).unwrap()).await;
        assert_eq!((s, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{path}");
        assert!(h.get(header::LOCATION).is_none(), "{path} redirects");
    }
    let (s, _, body) = server.send(Request::post("/pkg/zkauth_bg.wasm").body(Body::empty()).unwrap()).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed")));
}
