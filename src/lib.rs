//! zkauth: client-side crypto for zero-knowledge login (placeholder while the core lands).
