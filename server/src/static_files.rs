//! Static folders (the login page, the SDK package at `/pkg/`, the demo app): GET and HEAD
//! only; no dotfile, no empty segment (`//`), nothing that resolves outside the folder (a
//! symlink included), and never a redirect (tower-http's directory redirect keeps the raw
//! path: `/pkg///app` answered `Location: //app/`, another host). Everything refused answers
//! the server's JSON error shape.

use std::path::{Path, PathBuf};

use axum::extract::Request;
use axum::http::Method;
use axum::middleware::{from_fn, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::services::ServeDir;

use crate::error::ApiError;

/// `dir` as a router for `nest_service` or `fallback_service`: `/` is `index.html` when
/// `index` is set (the login page, the demo app), a 404 otherwise.
pub fn serve_dir(dir: &Path, index: bool) -> Router {
    let root = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    Router::new().fallback_service(ServeDir::new(&root).append_index_html_on_directories(false)).layer(from_fn(move |req: Request, next: Next| {
        let root = root.clone();
        async move { guard(&root, index, req, next).await }
    }))
}

/// The file a request path names inside `root`, or why not.
fn resolve(root: &Path, path: &str, index: bool) -> Result<PathBuf, ApiError> {
    let not_found = || ApiError::NotFound("no such file");
    let rel = path.strip_prefix('/').ok_or_else(not_found)?;
    let rel = if rel.is_empty() && index { "index.html" } else { rel };
    let mut file = root.to_path_buf();
    for segment in rel.split('/') {
        let segment = percent_decode(segment).ok_or_else(not_found)?;
        if segment.is_empty() || segment.starts_with('.') || segment.contains(['/', '\\', '\0']) {
            return Err(not_found());
        }
        file.push(segment);
    }
    // The real file (links followed) must be a file inside the real folder.
    let real = std::fs::canonicalize(&file).map_err(|_| not_found())?;
    if !real.starts_with(root) || !real.is_file() {
        return Err(not_found());
    }
    Ok(real)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

async fn guard(root: &Path, index: bool, mut req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return ApiError::MethodNotAllowed.into_response();
    }
    let path = req.uri().path().to_string();
    let file = match resolve(root, &path, index) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    // Serve exactly the resolved file (so `/` is index.html without a directory lookup).
    let Some(rel) = file.strip_prefix(root).ok().and_then(|p| p.to_str()) else {
        return ApiError::NotFound("no such file").into_response();
    };
    let Ok(uri) = format!("/{}", rel.split('/').map(encode_segment).collect::<Vec<_>>().join("/")).parse() else {
        return ApiError::NotFound("no such file").into_response();
    };
    *req.uri_mut() = uri;
    let response = next.run(req).await;
    if response.status().is_redirection() {
        return ApiError::NotFound("no such file").into_response();
    }
    response
}

fn encode_segment(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_files_inside_the_folder_resolve() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::write(root.join("index.html"), "i").unwrap();
        std::fs::write(root.join("a b.js"), "a").unwrap();
        std::fs::write(root.join(".env"), "secret").unwrap();
        std::fs::create_dir(root.join("app")).unwrap();
        std::fs::write(root.join("app/x.wasm"), "w").unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("passwd"), "p").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(outside.path().join("passwd"), root.join("link")).unwrap();
        assert_eq!(resolve(&root, "/", true).unwrap(), root.join("index.html"));
        assert_eq!(resolve(&root, "/app/x.wasm", false).unwrap(), root.join("app/x.wasm"));
        assert_eq!(resolve(&root, "/a%20b.js", false).unwrap(), root.join("a b.js"));
        for bad in ["/", "/app", "/app/", "//app", "/app//x.wasm", "/.env", "/%2eenv", "/app/../index.html", "/..%2findex.html", "/link", "/nope", "/a%2", "/%ff"] {
            assert!(resolve(&root, bad, false).is_err(), "{bad}");
        }
    }
}
