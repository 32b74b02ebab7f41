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

/// The SDK package is revalidated, not re-downloaded: `no-cache` with a strong ETag (SHA-256 of
/// the file, independently computed here), `304` without a body when it matches, a new ETag
/// when the file changes; the login page stays `no-store`.
#[tokio::test]
async fn the_package_is_revalidated_by_etag_and_pages_are_never_stored() {
    use sha2::Digest;
    use tower::ServiceExt;
    let sdk = tempfile::tempdir().unwrap();
    let page = tempfile::tempdir().unwrap();
    std::fs::write(page.path().join("index.html"), "<!doctype html>").unwrap();
    let wasm = sdk.path().join("zkauth_bg.wasm");
    std::fs::write(&wasm, b"\0asm\x01\0\0\0").unwrap();
    let server = Server::start_with(&format!("sdk_dir = \"{}\"\nlogin_page_dir = \"{}\"", sdk.path().display(), page.path().display())).await;
    let want = format!("\"{}\"", &zkauth_verify::b64u::encode(&sha2::Sha256::digest(b"\0asm\x01\0\0\0"))[..22]);

    let get = |tag: Option<&str>| {
        let mut r = Request::get("/pkg/zkauth_bg.wasm");
        if let Some(t) = tag {
            r = r.header(header::IF_NONE_MATCH, t);
        }
        r.body(Body::empty()).unwrap()
    };
    let res = server.app.clone().oneshot(get(None)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::ETAG], want.as_str());
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-cache");
    let res = server.app.clone().oneshot(get(Some(&want))).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(res.headers()[header::ETAG], want.as_str());
    assert!(http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes().is_empty());
    let list = format!("\"x\", {want}");
    let res = server.app.clone().oneshot(get(Some(&list))).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED, "a list of tags");
    let res = server.app.clone().oneshot(get(Some("\"stale\""))).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // A rebuilt package: a new tag, and the old one no longer matches.
    std::fs::write(&wasm, b"\0asm\x01\0\0\0\x00").unwrap();
    let res = server.app.clone().oneshot(get(Some(&want))).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_ne!(res.headers()[header::ETAG], want.as_str());

    let (s, h, _) = server.send(Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!((s, h[header::CACHE_CONTROL].to_str().unwrap()), (StatusCode::OK, "no-store"));
    assert!(h.get(header::ETAG).is_none());
}
