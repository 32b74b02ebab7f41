//! A minimal HTTP/1.1 keep-alive client for loopback benches and multi-process tests: keeps
//! the session cookies and CSRF token like a login page would, returns status, headers and the
//! JSON body. Not a general client.

// Shared by several test and bench targets; each uses a part of it.
#![allow(dead_code)]

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub struct Reply {
    pub status: u16,
    /// Lower-cased names.
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

pub struct Conn {
    stream: BufReader<TcpStream>,
    host: String,
    /// Sent as `Origin` (the login page's origin for first-party routes).
    pub origin: String,
    /// `name=value` of the cookies set so far.
    cookies: Vec<(String, String)>,
    /// Sent as `X-CSRF-Token` once a response carried `csrfToken`.
    csrf: Option<String>,
    /// Sent as `Authorization: Bearer …` when set (an app calling its API).
    pub bearer: Option<String>,
}

impl Conn {
    pub async fn open(addr: &str, origin: &str) -> std::io::Result<Conn> {
        Ok(Conn { stream: BufReader::new(TcpStream::connect(addr).await?), host: addr.to_string(), origin: origin.to_string(), cookies: vec![], csrf: None, bearer: None })
    }

    /// Drops the cookies and CSRF token (the next request is a fresh browser's).
    pub fn forget_cookies(&mut self) {
        self.cookies.clear();
        self.csrf = None;
    }

    /// POSTs a JSON body; returns the status and the JSON answer (`Null` when not JSON).
    pub async fn post_json(&mut self, path: &str, body: &Value) -> std::io::Result<(u16, Value)> {
        let r = self.request("POST", path, Some(("application/json", body.to_string()))).await?;
        Ok((r.status, r.body))
    }

    pub async fn send(&mut self, method: &str, path: &str, body: Option<(&str, String)>) -> std::io::Result<(u16, Value)> {
        let r = self.request(method, path, body).await?;
        Ok((r.status, r.body))
    }

    pub async fn request(&mut self, method: &str, path: &str, body: Option<(&str, String)>) -> std::io::Result<Reply> {
        let (ctype, body) = body.unwrap_or(("text/plain", String::new()));
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nOrigin: {}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n", self.host, self.origin, body.len());
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req.push_str(&format!("Cookie: {}\r\n", jar.join("; ")));
        }
        if let Some(c) = &self.csrf {
            req.push_str(&format!("X-CSRF-Token: {c}\r\n"));
        }
        if let Some(t) = &self.bearer {
            req.push_str(&format!("Authorization: Bearer {t}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(&body);
        self.stream.get_mut().write_all(req.as_bytes()).await?;
        let mut status = String::new();
        if self.stream.read_line(&mut status).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let status = status.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let mut headers = vec![];
        loop {
            let mut line = String::new();
            if self.stream.read_line(&mut line).await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            if line == "\r\n" {
                break;
            }
            if let Some((k, v)) = line.trim_end().split_once(':') {
                headers.push((k.to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let len = headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0usize);
        let mut buf = vec![0u8; len];
        self.stream.read_exact(&mut buf).await?;
        for (_, v) in headers.iter().filter(|(k, _)| k == "set-cookie") {
            if let Some((name, value)) = v.split(';').next().and_then(|p| p.split_once('=')) {
                self.cookies.retain(|(k, _)| k != name);
                if !value.is_empty() {
                    self.cookies.push((name.to_string(), value.to_string()));
                }
            }
        }
        let body: Value = serde_json::from_slice(&buf).unwrap_or(Value::Null);
        if let Some(c) = body.get("csrfToken").and_then(Value::as_str) {
            self.csrf = Some(c.to_string());
        }
        Ok(Reply { status, headers, body })
    }
}
