//! `/.well-known/openid-configuration` and `/.well-known/jwks.json`.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use crate::idtoken;
use crate::state::AppState;

pub async fn openid_configuration(State(state): State<AppState>) -> Json<Value> {
    let iss = &state.config.issuer;
    Json(json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/authorize"),
        "token_endpoint": format!("{iss}/token"),
        "jwks_uri": format!("{iss}/.well-known/jwks.json"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "id_token_signing_alg_values_supported": idtoken::Alg::ALL.map(idtoken::Alg::name),
        "subject_types_supported": ["public"],
        "scopes_supported": ["openid", "profile"],
    }))
}

pub async fn jwks(State(state): State<AppState>) -> Json<Value> {
    Json(state.secrets.signing.jwks())
}
