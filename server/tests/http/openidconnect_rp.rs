//! zkauth-server as an OpenID Provider to an independent relying party: the `openidconnect`
//! crate discovers it, builds the authorization request, exchanges the code as a confidential
//! client (client_secret_basic), verifies the RS256 ID token (its own RSA code, not ring's)
//! with the nonce and `at_hash`, reads userinfo and refreshes. Its HTTP client is the router.

use axum::body::Body;
use axum::http::{header, StatusCode};
use http_body_util::BodyExt as _;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, HttpRequest, HttpResponse, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    RedirectUrl, Scope, TokenResponse,
};
use tower::ServiceExt as _;

use crate::harness::*;

#[tokio::test]
async fn the_openidconnect_crate_signs_in_verifies_the_id_token_and_reads_userinfo() {
    let server = Server::start().await;
    let app = server.app.clone();
    let http = move |req: HttpRequest| {
        let app = app.clone();
        async move {
            let (parts, body) = req.into_parts();
            let path = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
            let mut r = axum::http::Request::builder().method(parts.method).uri(path);
            for (k, v) in &parts.headers {
                r = r.header(k, v);
            }
            let res = app.oneshot(r.body(Body::from(body)).map_err(std::io::Error::other)?).await.map_err(std::io::Error::other)?;
            let (parts, body) = res.into_parts();
            let bytes = body.collect().await.map_err(std::io::Error::other)?.to_bytes().to_vec();
            Ok::<HttpResponse, std::io::Error>(HttpResponse::from_parts(parts, bytes))
        }
    };

    let metadata = CoreProviderMetadata::discover_async(IssuerUrl::new(ISSUER.into()).unwrap(), &http).await.expect("discovery");
    let client = CoreClient::from_provider_metadata(metadata, ClientId::new("backend".into()), Some(ClientSecret::new(BACKEND_SECRET.into())))
        .set_redirect_uri(RedirectUrl::new("https://backend.example/cb".into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();

    // The user: signed in, follows the URL, approves on the login page.
    let mut b = server.browser();
    b.register("rp@example.com", PASSWORD).await;
    let path = url.as_str().strip_prefix(ISSUER).unwrap();
    let (s, h, body) = b.get(path).await;
    assert_eq!(s, StatusCode::FOUND, "{body}");
    let page = h[header::LOCATION].to_str().unwrap().to_string();
    let q: Vec<(String, String)> = serde_urlencoded::from_str(page.split_once('?').unwrap().1).unwrap();
    let request_id = q.iter().find(|(k, _)| k == "request_id").unwrap().1.clone();
    let (s, _, fin) = b.post_form("/authorize/finalize", &[("request_id", &request_id), ("approve", "true")]).await;
    assert_eq!(s, StatusCode::OK, "{fin}");
    let callback = openidconnect::url::Url::parse(fin["redirect_to"].as_str().unwrap()).unwrap();
    let param = |k: &str| callback.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.to_string());
    assert_eq!(param("state").as_deref(), Some(csrf.secret().as_str()));
    assert_eq!(param("iss").as_deref(), Some(ISSUER));

    let tokens = client
        .exchange_code(AuthorizationCode::new(param("code").unwrap()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    let id_token = tokens.id_token().expect("an ID token for openid");
    let now = server.state.now();
    let verifier = client.id_token_verifier().set_time_fn(move || chrono::DateTime::from_timestamp(now, 0).unwrap());
    let claims = id_token.claims(&verifier, &nonce).expect("the ID token verifies");
    assert_eq!(claims.email().map(|e| e.as_str()), Some("rp@example.com"));
    assert_eq!(claims.email_verified(), Some(false));
    assert_eq!(*id_token.signing_alg().unwrap(), openidconnect::core::CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256);
    let want = AccessTokenHash::from_token(tokens.access_token(), id_token.signing_alg().unwrap(), id_token.signing_key(&verifier).unwrap()).unwrap();
    assert_eq!(claims.access_token_hash(), Some(&want), "at_hash");

    let info: CoreUserInfoClaims = client.user_info(tokens.access_token().clone(), Some(claims.subject().clone())).unwrap().request_async(&http).await.expect("userinfo");
    assert_eq!(info.email().map(|e| e.as_str()), Some("rp@example.com"));

    let refreshed = client.exchange_refresh_token(tokens.refresh_token().unwrap()).unwrap().request_async(&http).await.expect("refresh");
    assert_ne!(refreshed.access_token().secret(), tokens.access_token().secret());
    // The used refresh token is spent (rotation); a second use is refused.
    assert!(client.exchange_refresh_token(tokens.refresh_token().unwrap()).unwrap().request_async(&http).await.is_err());
}
