//! The OpenID Connect surface a standard client library uses beyond the code flow: discovery
//! that lists what exists (and only that), userinfo by scope, RFC 7009 revocation.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

use crate::flow::{account_with_keys, app_authorize, approve, exchange_code, token_request};
use crate::harness::*;

async fn userinfo(server: &Server, method: Method, access: &str) -> (StatusCode, Value) {
    let req = Request::builder().method(method).uri("/userinfo").header(header::AUTHORIZATION, format!("Bearer {access}")).header(header::ORIGIN, APP_ORIGIN).body(Body::empty()).unwrap();
    let (s, h, body) = server.send(req).await;
    if s == StatusCode::OK {
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], APP_ORIGIN);
        assert_eq!(h[header::CACHE_CONTROL], "no-store");
    }
    (s, body)
}

#[tokio::test]
async fn discovery_lists_the_endpoints_and_what_is_supported() {
    let server = Server::start().await;
    let (s, _, d) = server.send(Request::get("/.well-known/openid-configuration").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    // OIDC Discovery 1.0 §3 REQUIRED members, and RFC 8414 / RFC 9207 / RFC 7009 ones.
    for (k, v) in [
        ("issuer", json!(ISSUER)),
        ("authorization_endpoint", json!(format!("{ISSUER}/authorize"))),
        ("token_endpoint", json!(format!("{ISSUER}/token"))),
        ("userinfo_endpoint", json!(format!("{ISSUER}/userinfo"))),
        ("revocation_endpoint", json!(format!("{ISSUER}/revoke"))),
        ("jwks_uri", json!(format!("{ISSUER}/.well-known/jwks.json"))),
        ("response_types_supported", json!(["code"])),
        ("response_modes_supported", json!(["query"])),
        ("subject_types_supported", json!(["public"])),
        ("code_challenge_methods_supported", json!(["S256"])),
        ("scopes_supported", json!(["openid", "profile", "email"])),
        ("authorization_response_iss_parameter_supported", json!(true)),
        ("request_parameter_supported", json!(false)),
        ("request_uri_parameter_supported", json!(false)),
    ] {
        assert_eq!(d[k], v, "{k}");
    }
    for (k, v) in [
        ("end_session_endpoint", json!(format!("{ISSUER}/end_session"))),
        ("introspection_endpoint", json!(format!("{ISSUER}/introspect"))),
        ("grant_types_supported", json!(["authorization_code", "refresh_token"])),
        ("id_token_signing_alg_values_supported", json!(["RS256", "ES256", "EdDSA"])),
        ("token_endpoint_auth_methods_supported", json!(["none", "client_secret_basic", "client_secret_post", "private_key_jwt"])),
        ("token_endpoint_auth_signing_alg_values_supported", json!(["RS256", "ES256", "EdDSA"])),
        ("introspection_endpoint_auth_methods_supported", json!(["client_secret_basic", "client_secret_post", "private_key_jwt"])),
    ] {
        assert_eq!(d[k], v, "{k}");
    }
    // The MUSTs, one by one. OIDC Discovery 1.0 §3: issuer, authorization_endpoint, token_endpoint
    // (not implicit-only), jwks_uri, response_types_supported, subject_types_supported,
    // id_token_signing_alg_values_supported with RS256 in it; §4.3: issuer equals the URL the
    // document was fetched from, without the well-known suffix. RFC 8414 §2: issuer,
    // authorization_endpoint, token_endpoint, response_types_supported; with
    // token_endpoint_auth_signing_alg_values_supported when private_key_jwt is listed, and
    // never "none" among those algorithms (same for revocation and introspection).
    let text = |k: &str| d[k].as_str().unwrap_or_else(|| panic!("{k} is a string"));
    for k in ["issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"] {
        assert!(text(k).starts_with(ISSUER), "{k}");
    }
    assert!(!text("issuer").contains(['?', '#']), "no query or fragment in the issuer");
    for k in ["response_types_supported", "subject_types_supported", "id_token_signing_alg_values_supported"] {
        assert!(!d[k].as_array().unwrap().is_empty(), "{k}");
    }
    assert!(d["id_token_signing_alg_values_supported"].as_array().unwrap().contains(&json!("RS256")), "an OP must support RS256");
    for endpoint in ["token_endpoint", "revocation_endpoint", "introspection_endpoint"] {
        let methods = d[format!("{endpoint}_auth_methods_supported")].as_array().unwrap();
        if methods.contains(&json!("private_key_jwt")) {
            let algs = d[format!("{endpoint}_auth_signing_alg_values_supported")].as_array().unwrap_or_else(|| panic!("{endpoint}: algorithms listed"));
            assert!(!algs.is_empty() && !algs.contains(&json!("none")), "{endpoint}");
        }
    }
    // Every advertised endpoint exists (a GET without credentials is refused, never a 404).
    for k in ["authorization_endpoint", "token_endpoint", "userinfo_endpoint", "revocation_endpoint", "introspection_endpoint", "end_session_endpoint", "jwks_uri"] {
        let path = text(k).strip_prefix(ISSUER).unwrap().to_string();
        let (s, _, _) = server.send(Request::get(path.as_str()).body(Body::empty()).unwrap()).await;
        assert_ne!(s, StatusCode::NOT_FOUND, "{k}");
    }
}

#[tokio::test]
async fn userinfo_answers_by_scope_and_revocation_ends_tokens() {
    let server = Server::start().await;
    let mut b = server.browser();
    let acct = account_with_keys(&mut b, "oidc@example.com").await;
    let req = app_authorize(&server).await; // scope "openid profile"
    let (code, _) = approve(&mut b, &acct, &req).await;
    let (_, tok) = exchange_code(&server, &code, &req.verifier).await;
    let access = tok["access_token"].as_str().unwrap();
    for method in [Method::GET, Method::POST] {
        let (s, claims) = userinfo(&server, method, access).await;
        assert_eq!((s, claims), (StatusCode::OK, json!({"sub": acct.sub, "name": "Gina"})), "no email without the email scope");
    }
    let (s, body) = userinfo(&server, Method::GET, "not-a-token").await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_token")));

    // Revocation: an access token ends itself; the refresh token still works.
    let revoke = |token: &str, client: &str| {
        let token = token.to_string();
        let client = client.to_string();
        let server = &server;
        // Each client from its own origin ("plain-app" is a backend here: no Origin header).
        let origin = (client == CLIENT).then_some(APP_ORIGIN);
        async move { token_request_at(server, "/revoke", origin, &[("token", &token), ("client_id", &client)]).await }
    };
    assert_eq!(revoke("unknown-token", CLIENT).await.0, StatusCode::OK, "unknown tokens answer 200");
    assert_eq!(revoke(access, "plain-app").await.0, StatusCode::BAD_REQUEST, "another client's token");
    assert_eq!(userinfo(&server, Method::GET, access).await.0, StatusCode::OK, "and it was not revoked");
    assert_eq!(revoke(access, CLIENT).await.0, StatusCode::OK);
    assert_eq!(userinfo(&server, Method::GET, access).await.0, StatusCode::UNAUTHORIZED, "revoked within one request");
    let refresh = tok["refresh_token"].as_str().unwrap();
    let (s, t2) = token_request(&server, &[("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", CLIENT)]).await;
    assert_eq!(s, StatusCode::OK, "{t2}");
    // A refresh token ends its whole family.
    let access2 = t2["access_token"].as_str().unwrap();
    assert_eq!(revoke(t2["refresh_token"].as_str().unwrap(), CLIENT).await.0, StatusCode::OK);
    assert_eq!(userinfo(&server, Method::GET, access2).await.0, StatusCode::UNAUTHORIZED);
    let (s, _) = token_request(&server, &[("grant_type", "refresh_token"), ("refresh_token", t2["refresh_token"].as_str().unwrap()), ("client_id", CLIENT)]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(revoke("x", "nobody").await.0, StatusCode::UNAUTHORIZED, "unknown client");
}

/// A form POST to `path`, from `origin` when given.
pub async fn token_request_at(server: &Server, path: &str, origin: Option<&str>, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut req = Request::builder().method(Method::POST).uri(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(o) = origin {
        req = req.header(header::ORIGIN, o);
    }
    let req = req.body(Body::from(serde_urlencoded::to_string(form).unwrap())).unwrap();
    let (s, _, body) = server.send(req).await;
    (s, body)
}

/// An authorization of "plain-app" (no key delivery) for `scope` with PKCE `verifier`, through
/// to its tokens.
pub async fn tokens_for_scope(server: &Server, b: &mut Browser<'_>, scope: &str, verifier: &str) -> Value {
    let challenge = zkauth_verify::hash_b64u(verifier);
    let q = serde_urlencoded::to_string([
        ("response_type", "code"), ("client_id", "plain-app"), ("redirect_uri", "http://localhost:8082/cb"), ("scope", scope),
        ("state", "s"), ("code_challenge", challenge.as_str()), ("code_challenge_method", "S256"),
    ])
    .unwrap();
    let (s, h, body) = b.get(&format!("/authorize?{q}")).await;
    assert_eq!(s, StatusCode::FOUND, "{body}");
    let location = h[header::LOCATION].to_str().unwrap();
    let query: Vec<(String, String)> = serde_urlencoded::from_str(location.split_once('?').unwrap().1).unwrap();
    let request_id = query.iter().find(|(k, _)| k == "request_id").unwrap().1.clone();
    let (s, _, fin) = b.post_form("/authorize/finalize", &[("request_id", &request_id), ("approve", "true")]).await;
    assert_eq!(s, StatusCode::OK, "{fin}");
    let code = fin["code"].as_str().unwrap();
    let form = [("grant_type", "authorization_code"), ("code", code), ("client_id", "plain-app"), ("redirect_uri", "http://localhost:8082/cb"), ("code_verifier", verifier)];
    let (s, tok) = token_request_at(server, "/token", Some("http://localhost:8082"), &form).await;
    assert_eq!(s, StatusCode::OK, "{tok}");
    tok
}

fn claims_of(id_token: &str) -> Value {
    let payload = id_token.split('.').nth(1).unwrap();
    serde_json::from_slice(&zkauth_verify::b64u::decode(payload, "payload").unwrap()).unwrap()
}

#[tokio::test]
async fn id_tokens_only_for_openid_and_email_claims_only_for_email() {
    let server = Server::start().await;
    let mut b = server.browser();
    b.register("scopes@example.com", PASSWORD).await;

    let tok = tokens_for_scope(&server, &mut b, "openid email", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").await;
    let claims = claims_of(tok["id_token"].as_str().unwrap());
    assert_eq!((claims["email"].as_str(), claims["email_verified"].as_bool()), (Some("scopes@example.com"), Some(false)));
    assert!(claims.get("name").is_none(), "no profile scope, no name");
    // RS256 (plain-app registers no algorithm: OIDC's default) → at_hash is the left half of
    // SHA-256.
    let header: Value = serde_json::from_slice(&zkauth_verify::b64u::decode(tok["id_token"].as_str().unwrap().split('.').next().unwrap(), "h").unwrap()).unwrap();
    assert_eq!(header["alg"], "RS256");
    let h = <sha2::Sha256 as sha2::Digest>::digest(tok["access_token"].as_str().unwrap().as_bytes());
    assert_eq!(claims["at_hash"], json!(zkauth_verify::b64u::encode(&h[..16])));
    let req = Request::get("/userinfo").header(header::AUTHORIZATION, format!("Bearer {}", tok["access_token"].as_str().unwrap())).body(Body::empty()).unwrap();
    let (s, _, info) = server.send(req).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!((info["email"].as_str(), info["email_verified"].as_bool()), (Some("scopes@example.com"), Some(false)));
    assert!(info.get("name").is_none());

    // A verifier in RFC 7636's full alphabet (`-._~`), as client libraries make them.
    let tok = tokens_for_scope(&server, &mut b, "profile", "a.b~c-d_e.f~g-h_i.j~k-l_m.n~o-p_q.r~s-t_u.v~w-x_y.z").await;
    assert!(tok.get("id_token").is_none(), "no openid scope, no ID token: {tok}");
    assert!(tok["access_token"].is_string());
}

/// A refresh family ends a fixed time after its login (`session.refresh_family_lifetime_secs`),
/// however often it rotates.
#[tokio::test]
async fn refresh_families_end_at_their_absolute_lifetime() {
    let server = Server::start_with("[session]\nrefresh_family_lifetime_secs = 3600").await;
    let mut b = server.browser();
    b.register("family@example.com", PASSWORD).await;
    let mut tok = tokens_for_scope(&server, &mut b, "openid", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").await;
    let refresh = |tok: &Value| {
        let form = [("grant_type", "refresh_token".to_string()), ("refresh_token", tok["refresh_token"].as_str().unwrap().to_string()), ("client_id", "plain-app".to_string())];
        let server = &server;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            token_request_at(server, "/token", Some("http://localhost:8082"), &form).await
        }
    };
    for _ in 0..3 {
        server.advance(1000);
        let (s, next) = refresh(&tok).await;
        assert_eq!(s, StatusCode::OK, "{next}");
        tok = next;
    }
    server.advance(601); // 3601 s after the login
    let (s, body) = refresh(&tok).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "{body}");
}

async fn jwks_kids(server: &Server) -> Vec<String> {
    let (s, _, jwks) = server.send(Request::get("/.well-known/jwks.json").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_string()).collect()
}

/// `keys rotate`: the new key signs (within the 30 s reload), the JWKS keeps the retired key
/// for `retired_key_overlap_secs` so a token signed before the rotation still finds its key,
/// and after the overlap the key and its token's `kid` are gone.
#[tokio::test]
async fn a_rotated_key_stays_in_the_jwks_for_its_overlap_only() {
    let server = Server::start().await;
    let mut b = server.browser();
    b.register("rotate@example.com", PASSWORD).await;
    let kid_of = |t: &Value| -> String {
        let header: Value = serde_json::from_slice(&zkauth_verify::b64u::decode(t["id_token"].as_str().unwrap().split('.').next().unwrap(), "h").unwrap()).unwrap();
        header["kid"].as_str().unwrap().to_string()
    };
    let before = tokens_for_scope(&server, &mut b, "openid", "rotate-verifier-one-rotate-verifier-one-0001").await;
    let old_kid = kid_of(&before);
    assert!(jwks_kids(&server).await.contains(&old_kid));

    let overlap = server.state.config.signing.retired_key_overlap_secs;
    let now = server.state.now();
    let rotated = server.state.secrets.signing.rotate(&server.state.store, &[zkauth_server::idtoken::Alg::RS256], now, overlap).await.unwrap();
    let new_kid = rotated[0].1.clone();
    assert_ne!(new_kid, old_kid);
    server.advance(31); // past the keyring's reload interval
    let after = tokens_for_scope(&server, &mut b, "openid", "rotate-verifier-two-rotate-verifier-two-00002").await;
    assert_eq!(kid_of(&after), new_kid, "the new key signs");
    let kids = jwks_kids(&server).await;
    assert!(kids.contains(&old_kid) && kids.contains(&new_kid), "both published during the overlap: {kids:?}");
    assert_eq!(kids.len(), 4, "RS256 old and new, ES256, EdDSA");

    server.advance(overlap);
    let kids = jwks_kids(&server).await;
    assert!(!kids.contains(&old_kid), "the retired key is gone after its overlap: {kids:?}");
    assert!(kids.contains(&new_kid));
    // The next rotation deletes the row too.
    let now = server.state.now();
    server.state.secrets.signing.rotate(&server.state.store, &[zkauth_server::idtoken::Alg::RS256], now, overlap).await.unwrap();
    let rows = server.state.store.signing_keys().await.unwrap();
    assert!(!rows.iter().any(|r| r.kid == old_kid), "dropped from the database");
    assert_eq!(rows.iter().filter(|r| r.alg == "RS256").count(), 2, "the retiring one and the new one");
}
