//! `zkauth-lb LISTEN BACKEND...`: a small round-robin HTTP/1.1 reverse proxy, so a person can
//! watch several `zkauth-server` instances serve one issuer (`make demo-cluster`) and the load
//! bench can spread traffic. It forwards requests unchanged but for `X-Forwarded-For`, to which
//! it appends the client's address (the servers read it with `trusted_proxies`), and answers
//! 502 when a backend is down (the next request goes to the next backend). Not a production
//! load balancer.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

struct Lb {
    backends: Vec<String>,
    next: AtomicUsize,
    client: Client<HttpConnector, Body>,
}

async fn forward(State(lb): State<Arc<Lb>>, ConnectInfo(peer): ConnectInfo<SocketAddr>, mut req: Request) -> Response {
    // Append, as nginx's $proxy_add_x_forwarded_for does: the right-most entry is ours.
    let forwarded = match req.headers().get(X_FORWARDED_FOR).and_then(|v| v.to_str().ok()) {
        Some(prior) => format!("{prior}, {}", peer.ip()),
        None => peer.ip().to_string(),
    };
    let Ok(forwarded) = HeaderValue::from_str(&forwarded) else { return StatusCode::BAD_REQUEST.into_response() };
    req.headers_mut().remove(X_FORWARDED_FOR);
    req.headers_mut().insert(X_FORWARDED_FOR, forwarded);
    let n = lb.backends.len().max(1);
    let i = lb.next.fetch_add(1, Ordering::Relaxed) % n;
    let Some(backend) = lb.backends.get(i) else { return StatusCode::BAD_GATEWAY.into_response() };
    let path = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let Ok(uri) = format!("http://{backend}{path}").parse::<Uri>() else { return StatusCode::BAD_REQUEST.into_response() };
    *req.uri_mut() = uri;
    match lb.client.request(req).await {
        Ok(res) => res.map(Body::new),
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(listen), backends) = (args.next(), args.collect::<Vec<_>>()) else {
        eprintln!("usage: zkauth-lb LISTEN BACKEND...   (e.g. zkauth-lb 127.0.0.1:8090 127.0.0.1:8080 127.0.0.1:8082)");
        return std::process::ExitCode::from(2);
    };
    if backends.is_empty() || listen.parse::<SocketAddr>().is_err() {
        eprintln!("zkauth-lb: LISTEN must be host:port and at least one BACKEND is needed");
        return std::process::ExitCode::from(2);
    }
    let client = Client::builder(TokioExecutor::new()).build_http();
    let lb = Arc::new(Lb { backends, next: AtomicUsize::new(0), client });
    let app = Router::new().fallback(forward).with_state(lb);
    let listener = match tokio::net::TcpListener::bind(&listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("zkauth-lb: cannot listen on {listen}: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zkauth-lb: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
