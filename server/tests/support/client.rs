//! A minimal HTTP/1.1 keep-alive client for loopback benches and multi-process tests: JSON
//! POSTs and other requests, status and JSON body back. Not a general client.

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub struct Conn {
    stream: BufReader<TcpStream>,
    host: String,
    /// Sent as `Origin` (the login page's origin for first-party routes).
    pub origin: String,
}

impl Conn {
    pub async fn open(addr: &str, origin: &str) -> std::io::Result<Conn> {
        Ok(Conn { stream: BufReader::new(TcpStream::connect(addr).await?), host: addr.to_string(), origin: origin.to_string() })
    }

    /// POSTs a JSON body; returns the status and the JSON answer (`Null` when not JSON).
    pub async fn post_json(&mut self, path: &str, body: &Value) -> std::io::Result<(u16, Value)> {
        self.send("POST", path, Some(("application/json", body.to_string()))).await
    }

    pub async fn send(&mut self, method: &str, path: &str, body: Option<(&str, String)>) -> std::io::Result<(u16, Value)> {
        let (ctype, body) = body.unwrap_or(("text/plain", String::new()));
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nOrigin: {}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n{body}",
            self.host,
            self.origin,
            body.len()
        );
        self.stream.get_mut().write_all(req.as_bytes()).await?;
        let mut status = String::new();
        if self.stream.read_line(&mut status).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let code = status.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            if self.stream.read_line(&mut line).await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
        let mut buf = vec![0u8; len];
        self.stream.read_exact(&mut buf).await?;
        Ok((code, serde_json::from_slice(&buf).unwrap_or(Value::Null)))
    }
}
