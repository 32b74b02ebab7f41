//! How the login service's listener serves: HTTP or HTTPS (rustls) through axum-server, with
//! the limits that keep slow or idle clients from holding the server (slowloris): a request's
//! headers must arrive within `[http] header_read_timeout_secs` (so must a new connection's
//! first request, and the TLS handshake; an idle keep-alive connection waits for its next
//! request under the same timer, so it is closed too), a
//! handler gets `request_timeout_secs` before the client receives 503, and at most
//! `max_connections` connections are open at once (one more is closed at accept, before any
//! TLS work). Ctrl-C or SIGTERM drains for up to 10 seconds.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use axum_server::accept::Accept;
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::HttpLimits;
use crate::error::ApiError;

/// Accepts a connection only while fewer than the limit are open; the slot is held by the
/// stream and given back when it closes.
#[derive(Clone)]
pub struct ConnectionLimit {
    slots: Arc<Semaphore>,
}

impl ConnectionLimit {
    pub fn new(max: usize) -> ConnectionLimit {
        ConnectionLimit { slots: Arc::new(Semaphore::new(max)) }
    }
}

impl<S> Accept<TcpStream, S> for ConnectionLimit {
    type Stream = Limited<TcpStream>;
    type Service = S;
    type Future = std::future::Ready<io::Result<(Limited<TcpStream>, S)>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        std::future::ready(match Arc::clone(&self.slots).try_acquire_owned() {
            Ok(permit) => Ok((Limited { inner: stream, _slot: permit }, service)),
            // Dropping the stream closes it at once.
            Err(_) => Err(io::Error::other("max_connections reached")),
        })
    }
}

/// A stream that holds one connection slot.
pub struct Limited<T> {
    inner: T,
    _slot: OwnedSemaphorePermit,
}

impl<T: AsyncRead + Unpin> AsyncRead for Limited<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Limited<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// A handler that runs past `limit` answers 503 `temporarily_unavailable` (the work is
/// dropped; every state change is one statement or one transaction, so none is half done).
pub async fn request_timeout(limit: Duration, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::Unavailable.into_response(),
    }
}

/// Serves `app` on `listener` (TLS when `tls` is given) until `shutdown` resolves.
pub async fn serve(listener: std::net::TcpListener, tls: Option<RustlsConfig>, limits: HttpLimits, app: Router, shutdown: impl Future<Output = ()> + Send + 'static) -> io::Result<()> {
    let handle = axum_server::Handle::new();
    let on_signal = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        on_signal.graceful_shutdown(Some(Duration::from_secs(10)));
    });
    let limit = ConnectionLimit::new(limits.max_connections);
    let header_timeout = Duration::from_secs(limits.header_read_timeout_secs);
    let make = app.into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        Some(config) => {
            let mut server = axum_server::from_tcp(listener)?
                .acceptor(RustlsAcceptor::new(config).handshake_timeout(header_timeout).acceptor(limit))
                .first_request_timeout(header_timeout);
            server.http_builder().http1().header_read_timeout(header_timeout);
            server.handle(handle).serve(make).await
        }
        None => {
            let mut server = axum_server::from_tcp(listener)?.acceptor(limit).first_request_timeout(header_timeout);
            server.http_builder().http1().header_read_timeout(header_timeout);
            server.handle(handle).serve(make).await
        }
    }
}
