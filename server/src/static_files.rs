//! Static folders (the login page, the SDK package at `/pkg/`, the demo app): GET and HEAD
//! only; no dotfile, no empty segment (`//`), nothing that resolves outside the folder (a
//! symlink included), and never a redirect (tower-http's directory redirect keeps the raw
//! path: `/pkg///app` answered `Location: //app/`, another host). Everything refused answers
//! the server's JSON error shape.
//!
//! The login page and the demo app are `no-store` like every auth response. The SDK package
//! (`/pkg/`, ~110 KB of wasm gzipped) is `no-cache` with a strong `ETag` (SHA-256 of the file,
//! recomputed when its size or mtime changes): a repeat page load revalidates and gets `304`
//! with no body, and a rebuilt package is never served stale. Long `immutable` caching would
//! need content-hashed URLs, which the npm package's fixed file names do not have (issue 23
//! note).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{from_fn, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::services::ServeDir;

use crate::error::ApiError;

/// How a folder's responses may be cached.
#[derive(Clone)]
enum Caching {
    /// `no-store` (the security headers' default).
    Never,
    /// `no-cache` with a strong ETag: revalidated, `304` when unchanged.
    Revalidate(Arc<Mutex<EtagCache>>),
}

/// ETags by file, valid while the file's size and mtime stay the same.
type EtagCache = HashMap<PathBuf, (u64, Option<SystemTime>, String)>;

/// `dir` as a router for `nest_service` or `fallback_service`: `/` is `index.html` when
/// `index` is set (the login page, the demo app), a 404 otherwise. Never cached.
pub fn serve_dir(dir: &Path, index: bool) -> Router {
    serve(dir, index, Caching::Never)
}

/// The SDK package: like [`serve_dir`] without an index, revalidated by ETag.
pub fn serve_package(dir: &Path) -> Router {
    serve(dir, false, Caching::Revalidate(Arc::default()))
}

fn serve(dir: &Path, index: bool, caching: Caching) -> Router {
    let root = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    Router::new().fallback_service(ServeDir::new(&root).append_index_html_on_directories(false)).layer(from_fn(move |req: Request, next: Next| {
        let root = root.clone();
        let caching = caching.clone();
        async move { guard(&root, index, &caching, req, next).await }
    }))
}

/// The file's strong ETag: `"` b64u(SHA-256(content))[..22] `"`, cached by size and mtime.
async fn etag(cache: &Mutex<EtagCache>, file: &Path) -> Option<String> {
    let meta = tokio::fs::metadata(file).await.ok()?;
    let (len, modified) = (meta.len(), meta.modified().ok());
    if let Ok(c) = cache.lock() {
        if let Some((l, m, tag)) = c.get(file) {
            if *l == len && *m == modified {
                return Some(tag.clone());
            }
        }
    }
    let bytes = tokio::fs::read(file).await.ok()?;
    let digest = zkauth_verify::b64u::encode(&<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    let tag = format!("\"{}\"", digest.get(..22)?);
    if let Ok(mut c) = cache.lock() {
        c.insert(file.to_path_buf(), (len, modified, tag.clone()));
    }
    Some(tag)
}

/// Whether `If-None-Match` names `tag` (or is `*`).
fn none_match(req: &Request, tag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == tag || t == "*")
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

async fn guard(root: &Path, index: bool, caching: &Caching, mut req: Request, next: Next) -> Response {
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
    let tag = match caching {
        Caching::Never => None,
        Caching::Revalidate(cache) => etag(cache, &file).await,
    };
    if let Some(tag) = tag.as_deref().filter(|t| none_match(&req, t)) {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        set_validators(&mut not_modified, tag);
        return not_modified;
    }
    let mut response = next.run(req).await;
    if response.status().is_redirection() {
        return ApiError::NotFound("no such file").into_response();
    }
    if let Some(tag) = tag.as_deref().filter(|_| response.status() == StatusCode::OK) {
        set_validators(&mut response, tag);
    }
    response
}

fn set_validators(response: &mut Response, tag: &str) {
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(tag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
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
