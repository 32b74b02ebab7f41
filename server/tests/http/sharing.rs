//! Sharing between users of one app (issue 24): sharing keys, recipients by e-mail, note shares
//! and the notes shared with a user, for the app's bearer token. The cryptography is the SDK's
//! (`zkauth::sharing`): Ada seals a note's data key to Bob's sharing key, Bob opens it with his
//! own key pair unwrapped from what the server stored, and reads the note; every refusal is a
//! typed error and writes nothing.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use rand_core::OsRng;
use serde_json::{json, Value};
use zkauth::sharing::{seal_to_recipient, SharingKeyPair};
use zkauth::AppKey;

use crate::flow::{account_with_envelope, app_authorize, approve, exchange_code};
use crate::harness::*;

/// A user of the demo app: the access token and the app's Client App Key.
struct AppUser {
    sub: String,
    access: String,
    cak: AppKey,
}

async fn app_user(server: &Server, email: &str) -> AppUser {
    let mut b = server.browser();
    let name = email.split('@').next().unwrap_or("user");
    let acct = account_with_envelope(&mut b, email, &format!("env_{name}")).await;
    let req = app_authorize(server).await;
    let (code, _) = approve(&mut b, &acct, &req).await;
    let (s, tok) = exchange_code(server, &code, &req.verifier).await;
    assert_eq!(s, StatusCode::OK, "{tok}");
    let cak = acct.root.derive_client_app_key(&acct.sub, &acct.key_id, CLIENT, None).unwrap();
    AppUser { sub: acct.sub.clone(), access: tok["access_token"].as_str().unwrap().to_string(), cak }
}

async fn call(server: &Server, access: &str, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let req = Request::builder().method(method).uri(path).header(header::AUTHORIZATION, format!("Bearer {access}"));
    let req = match body {
        Some(b) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    };
    let (s, _, body) = server.send(req.unwrap()).await;
    (s, body)
}

fn error_of(r: &(StatusCode, Value)) -> (StatusCode, Option<&str>) {
    (r.0, r.1["error"].as_str())
}

/// Creates and publishes the user's sharing key; returns the pair reopened from what the
/// server stored (as the app does at its next sign-in).
async fn publish_sharing_key(server: &Server, u: &AppUser) -> SharingKeyPair {
    let created = u.cak.create_sharing_key(&mut OsRng).unwrap();
    let body = json!({"public_jwk": serde_json::from_str::<Value>(&created.public_jwk).unwrap(), "wrapped_private_key": created.wrapped_private_key});
    let r = call(server, &u.access, Method::PUT, "/sharing/key", Some(body)).await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.1);
    let (s, stored) = call(server, &u.access, Method::GET, "/sharing/key", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(stored["public_jwk"].to_string(), created.public_jwk, "stored canonically, as created");
    u.cak.open_sharing_key(&stored["public_jwk"].to_string(), stored["wrapped_private_key"].as_str().unwrap()).unwrap()
}

async fn put_note(server: &Server, u: &AppUser, id: &str, text: &str) {
    let ciphertext = u.cak.derive_data_key(id).encrypt(&mut OsRng, id, text.as_bytes()).unwrap();
    let r = call(server, &u.access, Method::PUT, &format!("/notes/{id}"), Some(json!({"ciphertext": ciphertext, "aad": format!("{{\"note_id\":\"{id}\"}}")}))).await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.1);
}

/// Ada looks Bob up by e-mail and shares note `id` with him.
async fn share(server: &Server, ada: &AppUser, id: &str, email: &str) -> (StatusCode, Value) {
    let (s, found) = call(server, &ada.access, Method::GET, &format!("/sharing/recipients?email={email}"), None).await;
    assert_eq!(s, StatusCode::OK, "{found}");
    let jwe = seal_to_recipient(&mut OsRng, &ada.cak.derive_data_key(id), &found["public_jwk"].to_string()).unwrap();
    call(server, &ada.access, Method::POST, &format!("/notes/{id}/shares"), Some(json!({"recipient_sub": found["sub"], "jwe": jwe}))).await
}

#[tokio::test]
async fn ada_shares_a_note_bob_reads_it_and_after_the_revoke_he_cannot() {
    let server = Server::start().await;
    let ada = app_user(&server, "ada@example.com").await;
    let bob = app_user(&server, "bob@example.com").await;
    publish_sharing_key(&server, &ada).await;
    let bob_keys = publish_sharing_key(&server, &bob).await;
    put_note(&server, &ada, "note-1", "the launch is on Tuesday").await;

    let (s, found) = call(&server, &ada.access, Method::GET, "/sharing/recipients?email=bob@example.com", None).await;
    assert_eq!((s, found["sub"].as_str()), (StatusCode::OK, Some(bob.sub.as_str())));
    assert_eq!(found["public_jwk"].to_string(), bob_keys.public_jwk().unwrap());
    let (s, made) = share(&server, &ada, "note-1", "bob@example.com").await;
    assert_eq!((s, made["share"]["recipient_sub"].as_str()), (StatusCode::CREATED, Some(bob.sub.as_str())), "{made}");
    let (_, listed) = call(&server, &ada.access, Method::GET, "/notes/note-1/shares", None).await;
    assert_eq!(listed["shares"].as_array().unwrap().len(), 1);
    assert_eq!((listed["shares"][0]["recipient_sub"].as_str(), listed["shares"][0]["recipient_email"].as_str()), (Some(bob.sub.as_str()), Some("bob@example.com")));

    // Bob reads it: his key pair opens the JWE, the data key opens Ada's ciphertext.
    let (s, shared) = call(&server, &bob.access, Method::GET, "/shared-notes", None).await;
    assert_eq!(s, StatusCode::OK);
    let notes = shared["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    let n = &notes[0];
    assert_eq!((n["owner_sub"].as_str(), n["owner_email"].as_str(), n["note_id"].as_str()), (Some(ada.sub.as_str()), Some("ada@example.com"), Some("note-1")));
    let key = bob_keys.open_shared(n["jwe"].as_str().unwrap()).unwrap();
    assert_eq!(key.decrypt("note-1", n["ciphertext"].as_str().unwrap()).unwrap().as_slice(), b"the launch is on Tuesday");
    // Ada sees nothing shared with her; Bob's own notes do not include Ada's.
    assert_eq!(call(&server, &ada.access, Method::GET, "/shared-notes", None).await.1["notes"], json!([]));
    assert_eq!(error_of(&call(&server, &bob.access, Method::GET, "/notes/note-1", None).await), (StatusCode::NOT_FOUND, Some("not_found")));
    // Bob cannot list, re-share or revoke shares of a note that is not his.
    assert_eq!(error_of(&call(&server, &bob.access, Method::GET, "/notes/note-1/shares", None).await).0, StatusCode::NOT_FOUND);
    let path = format!("/notes/note-1/shares/{}", bob.sub);
    assert_eq!(error_of(&call(&server, &bob.access, Method::DELETE, &path, None).await).0, StatusCode::NOT_FOUND);

    // Ada edits the note: the share still opens it (the data key is the note's).
    put_note(&server, &ada, "note-1", "moved to Wednesday").await;
    let n = call(&server, &bob.access, Method::GET, "/shared-notes", None).await.1["notes"][0].clone();
    let key = bob_keys.open_shared(n["jwe"].as_str().unwrap()).unwrap();
    assert_eq!(key.decrypt("note-1", n["ciphertext"].as_str().unwrap()).unwrap().as_slice(), b"moved to Wednesday");

    // Ada revokes: Bob's JWE is gone.
    assert_eq!(call(&server, &ada.access, Method::DELETE, &path, None).await.0, StatusCode::OK);
    assert_eq!(call(&server, &bob.access, Method::GET, "/shared-notes", None).await.1["notes"], json!([]));
    assert_eq!(error_of(&call(&server, &ada.access, Method::DELETE, &path, None).await), (StatusCode::NOT_FOUND, Some("not_found")));
    assert_eq!(call(&server, &ada.access, Method::GET, "/notes/note-1/shares", None).await.1["shares"], json!([]));

    // Shared again, then the note is deleted: the share goes with it.
    assert_eq!(share(&server, &ada, "note-1", "bob@example.com").await.0, StatusCode::CREATED);
    assert_eq!(call(&server, &ada.access, Method::DELETE, "/notes/note-1", None).await.0, StatusCode::OK);
    assert_eq!(call(&server, &bob.access, Method::GET, "/shared-notes", None).await.1["notes"], json!([]));
}

#[tokio::test]
async fn sharing_refusals_are_typed_and_write_nothing() {
    let server = Server::start().await;
    let ada = app_user(&server, "ada@example.com").await;
    let bob = app_user(&server, "bob@example.com").await;
    let carol = app_user(&server, "carol@example.com").await; // never publishes a sharing key
    publish_sharing_key(&server, &ada).await;
    put_note(&server, &ada, "note-1", "x").await;

    // Sharing keys: only a P-256 public JWK (no private member, on the curve) and 60 wrapped bytes.
    let created = bob.cak.create_sharing_key(&mut OsRng).unwrap();
    let public: Value = serde_json::from_str(&created.public_jwk).unwrap();
    let mut with_d = public.clone();
    with_d["d"] = json!("870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE");
    let mut off_curve = public.clone();
    off_curve["y"] = public["x"].clone();
    for body in [
        json!({"public_jwk": with_d, "wrapped_private_key": created.wrapped_private_key}),
        json!({"public_jwk": off_curve, "wrapped_private_key": created.wrapped_private_key}),
        json!({"public_jwk": "jwk", "wrapped_private_key": created.wrapped_private_key}),
        json!({"public_jwk": public, "wrapped_private_key": &created.wrapped_private_key[..76]}),
        json!({"public_jwk": public, "wrapped_private_key": format!("{}AAAA", created.wrapped_private_key)}),
        json!({"public_jwk": public, "wrapped_private_key": created.wrapped_private_key, "extra": 1}),
    ] {
        assert_eq!(error_of(&call(&server, &bob.access, Method::PUT, "/sharing/key", Some(body.clone())).await), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{body}");
    }
    assert_eq!(error_of(&call(&server, &bob.access, Method::GET, "/sharing/key", None).await), (StatusCode::NOT_FOUND, Some("not_found")), "nothing was stored");
    assert_eq!(error_of(&call(&server, "not-a-token", Method::GET, "/sharing/key", None).await), (StatusCode::UNAUTHORIZED, Some("invalid_token")));

    // Lookups: one answer for "no account" and "no sharing key"; never oneself.
    for email in ["nobody@example.com", "carol@example.com", "bob@example.com"] {
        let r = call(&server, &ada.access, Method::GET, &format!("/sharing/recipients?email={email}"), None).await;
        assert_eq!(error_of(&r), (StatusCode::NOT_FOUND, Some("not_found")), "{email}");
        assert_eq!(r.1["error_description"], json!("no user of this app with that e-mail address has a sharing key"), "{email}");
    }
    assert_eq!(error_of(&call(&server, &ada.access, Method::GET, "/sharing/recipients?email=ada@example.com", None).await), (StatusCode::BAD_REQUEST, Some("invalid_request")));
    assert_eq!(error_of(&call(&server, &ada.access, Method::GET, "/sharing/recipients", None).await).0, StatusCode::BAD_REQUEST);

    // Shares: the recipient needs a sharing key, the JWE must pass the delivery header rules,
    // never to oneself, only of one's own note.
    let bob_keys = publish_sharing_key(&server, &bob).await;
    let jwe = seal_to_recipient(&mut OsRng, &ada.cak.derive_data_key("note-1"), &bob_keys.public_jwk().unwrap()).unwrap();
    let post = |to: &str, jwe: &str, note: &str| (to.to_string(), jwe.to_string(), format!("/notes/{note}/shares"));
    let (header, rest) = jwe.split_once('.').unwrap();
    let v1_header = zkauth_verify::b64u::encode(
        serde_json::to_string(&json!({"alg": "ECDH-ES", "enc": "A256GCM", "epk": serde_json::from_slice::<Value>(&zkauth_verify::b64u::decode(header, "h").unwrap()).unwrap()["epk"], "sub": "x"}))
            .unwrap()
            .as_bytes(),
    );
    for ((to, jwe, path), want) in [
        (post(&carol.sub, &jwe, "note-1"), (StatusCode::NOT_FOUND, Some("not_found"))),
        (post(&ada.sub, &jwe, "note-1"), (StatusCode::BAD_REQUEST, Some("invalid_request"))),
        (post(&bob.sub, "a.b.c", "note-1"), (StatusCode::BAD_REQUEST, Some("invalid_request"))),
        (post(&bob.sub, &format!("{v1_header}.{rest}"), "note-1"), (StatusCode::BAD_REQUEST, Some("invalid_request"))),
        (post(&bob.sub, &jwe, "no-such-note"), (StatusCode::NOT_FOUND, Some("not_found"))),
        (post(&bob.sub, &jwe, "bad%20id"), (StatusCode::BAD_REQUEST, Some("invalid_request"))),
    ] {
        let r = call(&server, &ada.access, Method::POST, &path, Some(json!({"recipient_sub": to, "jwe": jwe}))).await;
        assert_eq!(error_of(&r), want, "{path} {}", r.1);
    }
    assert_eq!(call(&server, &ada.access, Method::GET, "/notes/note-1/shares", None).await.1["shares"], json!([]), "nothing was shared");
    // Bob's token cannot share Ada's note.
    let r = call(&server, &bob.access, Method::POST, "/notes/note-1/shares", Some(json!({"recipient_sub": ada.sub, "jwe": jwe}))).await;
    assert_eq!(error_of(&r), (StatusCode::NOT_FOUND, Some("not_found")));

    // A client without share_by_email does not look users up.
    let mut b = server.browser();
    b.login("carol@example.com", PASSWORD).await;
    let plain = crate::oidc::tokens_for_scope(&server, &mut b, "openid", &"v".repeat(43)).await;
    let r = call(&server, plain["access_token"].as_str().unwrap(), Method::GET, "/sharing/recipients?email=bob@example.com", None).await;
    assert_eq!(error_of(&r), (StatusCode::FORBIDDEN, Some("access_denied")));
}

#[tokio::test]
async fn replacing_a_sharing_key_needs_a_recent_sign_in_and_drops_the_shares_sealed_to_it() {
    let server = Server::start().await;
    let ada = app_user(&server, "ada@example.com").await;
    let bob = app_user(&server, "bob@example.com").await;
    publish_sharing_key(&server, &ada).await;
    publish_sharing_key(&server, &bob).await;
    put_note(&server, &ada, "note-1", "x").await;
    assert_eq!(share(&server, &ada, "note-1", "bob@example.com").await.0, StatusCode::CREATED);
    let stored = call(&server, &bob.access, Method::GET, "/sharing/key", None).await.1;

    // Past the step-up window, the same key again is fine; another key is refused.
    server.advance(301);
    assert_eq!(call(&server, &bob.access, Method::PUT, "/sharing/key", Some(stored.clone())).await.0, StatusCode::OK);
    let other = bob.cak.create_sharing_key(&mut OsRng).unwrap();
    let other_body = json!({"public_jwk": serde_json::from_str::<Value>(&other.public_jwk).unwrap(), "wrapped_private_key": other.wrapped_private_key});
    let r = call(&server, &bob.access, Method::PUT, "/sharing/key", Some(other_body.clone())).await;
    assert_eq!(error_of(&r), (StatusCode::FORBIDDEN, Some("reauthentication_required")));
    assert_eq!(call(&server, &bob.access, Method::GET, "/sharing/key", None).await.1, stored, "unchanged");
    assert_eq!(call(&server, &bob.access, Method::GET, "/shared-notes", None).await.1["notes"].as_array().unwrap().len(), 1);

    // After a new sign-in, the replacement drops the share sealed to the old key.
    let bob2 = app_user_again(&server, "bob@example.com").await;
    assert_eq!(call(&server, &bob2, Method::PUT, "/sharing/key", Some(other_body)).await.0, StatusCode::OK);
    assert_eq!(call(&server, &bob2, Method::GET, "/shared-notes", None).await.1["notes"], json!([]));
    assert_eq!(call(&server, &ada.access, Method::GET, "/notes/note-1/shares", None).await.1["shares"], json!([]));
}

/// A fresh app sign-in of an existing user: a new access token.
async fn app_user_again(server: &Server, email: &str) -> String {
    let mut b = server.browser();
    let (s, _, _) = b.login(email, PASSWORD).await;
    assert_eq!(s, StatusCode::OK);
    let (_, _, bag) = b.get("/crypto/keybag").await;
    let key_id = bag["account_keys"][0]["key_id"].as_str().unwrap().to_string();
    let sub = b.get("/session").await.2["sub"].as_str().unwrap().to_string();
    // The root key does not matter to the server's finalize (it sees only the JWE's hash).
    let acct = crate::flow::Account { sub, key_id, root: zkauth::RootKey::generate(&mut OsRng) };
    let req = app_authorize(server).await;
    let (code, _) = approve(&mut b, &acct, &req).await;
    let (s, tok) = exchange_code(server, &code, &req.verifier).await;
    assert_eq!(s, StatusCode::OK, "{tok}");
    tok["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn shares_past_the_quota_are_refused() {
    let server = Server::start_with("[quotas]\nshares = 1").await;
    let ada = app_user(&server, "ada@example.com").await;
    let bob = app_user(&server, "bob@example.com").await;
    let carol = app_user(&server, "carol@example.com").await;
    for u in [&ada, &bob, &carol] {
        publish_sharing_key(&server, u).await;
    }
    put_note(&server, &ada, "note-1", "x").await;
    assert_eq!(share(&server, &ada, "note-1", "bob@example.com").await.0, StatusCode::CREATED);
    assert_eq!(share(&server, &ada, "note-1", "bob@example.com").await.0, StatusCode::CREATED, "sharing again replaces");
    let r = share(&server, &ada, "note-1", "carol@example.com").await;
    assert_eq!(error_of(&r), (StatusCode::FORBIDDEN, Some("quota_exceeded")));
    assert_eq!(call(&server, &carol.access, Method::GET, "/shared-notes", None).await.1["notes"], json!([]));
}
