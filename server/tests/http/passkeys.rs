//! Passkeys (issue 19) with a software authenticator and WebAuthn client (1Password's
//! `passkey` crates, an independent implementation): add a passkey with PRF, store the PRF
//! envelope, sign in without a username or password, open the root key with the PRF output
//! and deliver the app key; and every refusal: PRF output sent to the server, wrong origin,
//! another RP's credential, replayed assertion, stale or reused ceremony, counter
//! regression, a user handle swapped to another user's, a removed passkey, a finish on
//! another instance, and a key delivery on a sign-in that did not unlock.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use passkey_authenticator::extensions::HmacSecretConfig;
use passkey_authenticator::{Authenticator, UiHint, UserCheck, UserValidationMethod};
use passkey_client::{Client, DefaultClientData};
use passkey_crypto::AvailableBackend;
use passkey_types::ctap2::{Aaguid, Ctap2Error};
use passkey_types::webauthn::{CredentialCreationOptions, CredentialRequestOptions};
use rand_core::OsRng;
use serde_json::{json, Value};
use zkauth::keys::{open_prf_envelope, prf_envelope_aad, seal_prf_envelope, EnvelopeMeta};
use zkauth_server::KekSource;
use zkauth_verify::b64u;

use crate::flow::{account_with_keys, app_authorize, approve, exchange_code, Account};
use crate::harness::*;

/// A user who is present and verified, every time.
struct Verified;

#[async_trait::async_trait]
impl UserValidationMethod for Verified {
    type PasskeyItem = passkey_types::Passkey;

    async fn check_user<'a>(&self, _: UiHint<'a, Self::PasskeyItem>, _: bool, _: bool) -> Result<UserCheck, Ctap2Error> {
        Ok(UserCheck { presence: true, verification: true })
    }

    fn is_presence_enabled(&self) -> bool {
        true
    }

    fn is_verification_enabled(&self) -> Option<bool> {
        Some(true)
    }
}

/// One discoverable credential per authenticator (the crate's `Option<Passkey>` store finds
/// it without `allowCredentials`, as a username-less sign-in needs).
type SoftClient = Client<Option<passkey_types::Passkey>, Verified, AvailableBackend, public_suffix::PublicSuffixList, ()>;

/// A software authenticator (with or without PRF) behind a WebAuthn client on one origin.
pub struct Device {
    client: SoftClient,
    origin: url::Url,
}

/// What a ceremony gave: the JSON a login page posts (PRF results stripped, as it must), and
/// the PRF output the page keeps.
struct Ceremony {
    response: Value,
    prf: Option<Vec<u8>>,
}

impl Device {
    pub fn new(origin: &str, prf: bool) -> Device {
        let mut auth = Authenticator::new(Aaguid::new_empty(), None, Verified, AvailableBackend);
        if prf {
            auth = auth.hmac_secret(HmacSecretConfig::new_with_uv_only().enable_on_make_credential());
        }
        Device { client: Client::new(auth).allows_insecure_localhost(true), origin: url::Url::parse(origin).unwrap() }
    }

    async fn create(&mut self, public_key: &Value) -> Ceremony {
        let options: CredentialCreationOptions = serde_json::from_value(json!({"publicKey": public_key})).expect("the server's creation options parse");
        let created = self.client.register(&self.origin, options, DefaultClientData).await.expect("the authenticator makes a credential");
        Ceremony::from(serde_json::to_value(&created).unwrap())
    }

    async fn get(&mut self, public_key: &Value) -> Ceremony {
        let options: CredentialRequestOptions = serde_json::from_value(json!({"publicKey": public_key})).expect("the server's request options parse");
        let asserted = self.client.authenticate(&self.origin, options, DefaultClientData).await.expect("the authenticator signs");
        Ceremony::from(serde_json::to_value(&asserted).unwrap())
    }

    /// Sets the stored sign counter (a clone that lags behind).
    fn set_counter(&mut self, counter: u32) {
        if let Some(passkey) = self.client.authenticator_mut().store_mut() {
            passkey.counter = Some(counter);
        }
    }

    fn counter(&self) -> Option<u32> {
        self.client.authenticator().store().as_ref().and_then(|p| p.counter)
    }
}

impl From<Value> for Ceremony {
    fn from(mut response: Value) -> Ceremony {
        let prf = response.pointer("/clientExtensionResults/prf/results/first").map(|v| b64u::decode(v.as_str().unwrap(), "prf").unwrap());
        if let Some(prf) = response.pointer_mut("/clientExtensionResults/prf").and_then(Value::as_object_mut) {
            prf.remove("results");
        }
        Ceremony { response, prf }
    }
}

pub async fn add_passkey(b: &mut Browser<'_>, device: &mut Device) -> (StatusCode, Value, Option<Vec<u8>>) {
    let (s, _, start) = b.post_json("/webauthn/register/start", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{start}");
    let made = device.create(&start["public_key"]).await;
    let (s, _, body) = b.post_json("/webauthn/register/finish", json!({"challenge_id": start["challenge_id"], "response": made.response, "label": "Laptop"})).await;
    (s, body, made.prf)
}

/// Username-less sign-in: the answer and the PRF output.
pub async fn passkey_login(b: &mut Browser<'_>, device: &mut Device) -> (StatusCode, Value, Option<Vec<u8>>) {
    let (s, _, start) = b.post_json("/webauthn/login/start", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{start}");
    let got = device.get(&start["public_key"]).await;
    let (s, _, body) = b.post_json("/webauthn/login/finish", json!({"challenge_id": start["challenge_id"], "response": got.response, "prf_result_confirmed": true})).await;
    (s, body, got.prf)
}

/// Seals `acct`'s root key under the passkey's PRF output and stores the envelope.
async fn store_envelope(b: &mut Browser<'_>, acct: &Account, credential_id: &str, prf: &[u8]) -> (StatusCode, Value) {
    let envelope_id = format!("env_prf_{}", &credential_id[..8]);
    let meta = EnvelopeMeta { envelope_id: &envelope_id, key_id: &acct.key_id, sub: &acct.sub };
    let wrapped = seal_prf_envelope(&mut OsRng, prf, credential_id, &acct.root, &meta).unwrap();
    let salt = b.server.state.passkeys.prf_salt().to_string();
    let (s, _, body) = b
        .post_json(
            "/webauthn/prf-envelope",
            json!({
                "credential_id": credential_id, "key_id": acct.key_id, "envelope_id": envelope_id,
                "wrapping_alg": "WebAuthn-PRF-HKDF-SHA256+A256GCM/v2", "wrapped_key": wrapped,
                "aad": prf_envelope_aad(&meta).unwrap(), "prf_salt": salt, "prf_result_confirmed": true,
                "metadata": {"version": "v2"},
            }),
        )
        .await;
    (s, body)
}

async fn delete(b: &mut Browser<'_>, path: &str) -> (StatusCode, Value) {
    let req = b.request(Method::DELETE, path, None, String::new());
    let (s, _, body) = b.send(req).await;
    (s, body)
}

#[tokio::test]
async fn a_passkey_signs_in_without_a_password_and_its_prf_envelope_opens_the_root_key() {
    let server = Server::start().await;
    let mut b = server.browser();
    let acct = account_with_keys(&mut b, "pk@example.com").await;
    let mut device = Device::new(ISSUER, true);
    let (s, body, prf) = add_passkey(&mut b, &mut device).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let credential_id = body["credential"]["credential_id"].as_str().unwrap().to_string();
    assert_eq!(body["credential"]["label"], "Laptop");
    assert_eq!(body["credential"]["prf_enabled"], true, "the authenticator reported prf.enabled");
    let prf = prf.expect("PRF output at creation (hmac-secret-mc)");
    assert_eq!(prf.len(), 32);
    let (s, env) = store_envelope(&mut b, &acct, &credential_id, &prf).await;
    assert_eq!(s, StatusCode::CREATED, "{env}");
    assert_eq!(env["envelope"]["type"], "passkey_prf");
    assert_eq!(env["envelope"]["metadata"], json!({"version": "v2", "prf_salt": server.state.passkeys.prf_salt()}), "the envelope records its salt");
    // A second envelope for the same passkey is refused.
    let (s, again) = store_envelope(&mut b, &acct, &credential_id, &prf).await;
    assert_eq!((s, again["error"].as_str()), (StatusCode::CONFLICT, Some("conflict")), "{again}");
    let (_, _, list) = b.get("/webauthn/credentials").await;
    assert_eq!(list["credentials"].as_array().unwrap().len(), 1);
    assert_eq!(list["credentials"][0]["has_prf_envelope"], true);
    assert!(list["credentials"][0].get("passkey").is_none(), "no key material listed: {list}");

    // A fresh browser, no e-mail, no password.
    let mut other = server.browser();
    let (s, login, prf_at_login) = passkey_login(&mut other, &mut device).await;
    assert_eq!(s, StatusCode::OK, "{login}");
    assert_eq!(login["sub"], acct.sub.as_str());
    assert_eq!(login["unlocked"], true);
    assert_eq!(login["unlock"]["prf_salt"], server.state.passkeys.prf_salt());
    let prf_at_login = prf_at_login.expect("PRF output at get()");
    assert_eq!(prf_at_login, prf, "the same salt gives the same PRF output");
    let envelope = &login["unlock"]["envelope"];
    let meta = EnvelopeMeta { envelope_id: envelope["envelope_id"].as_str().unwrap(), key_id: envelope["key_id"].as_str().unwrap(), sub: &acct.sub };
    let root = open_prf_envelope(&prf_at_login, &credential_id, envelope["wrapped_key"].as_str().unwrap(), &meta).unwrap();
    assert_eq!(root.expose_secret(), acct.root.expose_secret(), "the root key, opened in the browser");
    let (_, _, who) = other.get("/session").await;
    assert_eq!(who["unlocked"], true);
    // The app gets its key from the passkey sign-in.
    let req = app_authorize(&server).await;
    let opened = Account { sub: acct.sub.clone(), key_id: acct.key_id.clone(), root };
    let (code, _) = approve(&mut other, &opened, &req).await;
    assert_eq!(exchange_code(&server, &code, &req.verifier).await.0, StatusCode::OK);
    let (_, _, list) = other.get("/webauthn/credentials").await;
    assert_eq!(list["credentials"][0]["last_used_at"], server.state.now());
}

#[tokio::test]
async fn a_passkey_without_prf_signs_in_locked_and_cannot_deliver_keys() {
    let server = Server::start().await;
    let mut b = server.browser();
    let acct = account_with_keys(&mut b, "nopfr@example.com").await;
    let mut device = Device::new(ISSUER, false);
    let (s, body, prf) = add_passkey(&mut b, &mut device).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!((body["credential"]["prf_enabled"].as_bool(), prf), (Some(false), None));
    let credential_id = body["credential"]["credential_id"].as_str().unwrap().to_string();
    let (s, refused) = store_envelope(&mut b, &acct, &credential_id, &[9u8; 32]).await;
    assert_eq!(s, StatusCode::CONFLICT, "no envelope for a passkey without PRF: {refused}");
    let mut other = server.browser();
    let (s, login, _) = passkey_login(&mut other, &mut device).await;
    assert_eq!(s, StatusCode::OK, "{login}");
    assert_eq!((login["unlocked"].as_bool(), login["unlock"].is_null()), (Some(false), true));
    assert_eq!(other.get("/session").await.2["unlocked"], false);
    // Consent with key delivery needs the password first.
    let req = app_authorize(&server).await;
    other.binding = Some(req.binding.clone());
    let hash = b64u::encode(&[1u8; 32]);
    let (s, _, fin) = other.post_form("/authorize/finalize", &[("request_id", req.param("request_id").unwrap()), ("approve", "true"), ("zk_key_hash", &hash)]).await;
    assert_eq!((s, fin["error"].as_str()), (StatusCode::FORBIDDEN, Some("unlock_required")), "{fin}");
    // After the password (a new, unlocked session) the same request goes through.
    assert_eq!(other.login("nopfr@example.com", PASSWORD).await.0, StatusCode::OK);
    approve(&mut other, &acct, &req).await;
}

#[tokio::test]
async fn prf_output_sent_to_the_server_is_refused() {
    let server = Server::start().await;
    let mut b = server.browser();
    let acct = account_with_keys(&mut b, "leak@example.com").await;
    let mut device = Device::new(ISSUER, true);
    let (s, _, start) = b.post_json("/webauthn/register/start", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(start["public_key"]["extensions"]["prf"]["eval"]["first"], server.state.passkeys.prf_salt());
    assert_eq!(start["public_key"]["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(start["public_key"]["authenticatorSelection"]["userVerification"], "required");
    assert_eq!(start["public_key"]["pubKeyCredParams"], json!([{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257}]));
    let user_id = b64u::decode(start["public_key"]["user"]["id"].as_str().unwrap(), "user.id").unwrap();
    assert_eq!(user_id.len(), 16, "a random UUID user handle");
    assert!(!String::from_utf8_lossy(&user_id).contains("leak"), "never the e-mail");
    let made = device.create(&start["public_key"]).await;
    let mut leaky = made.response.clone();
    leaky["clientExtensionResults"]["prf"]["results"] = json!({"first": b64u::encode(made.prf.as_ref().unwrap())});
    let (s, _, body) = b.post_json("/webauthn/register/finish", json!({"challenge_id": start["challenge_id"], "response": leaky})).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{body}");
    // Registered properly, then a sign-in that carries the output is refused too.
    let (s, body, prf) = add_passkey(&mut b, &mut device).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let credential_id = body["credential"]["credential_id"].as_str().unwrap().to_string();
    assert_eq!(store_envelope(&mut b, &acct, &credential_id, &prf.unwrap()).await.0, StatusCode::CREATED);
    let (_, _, start) = b.post_json("/webauthn/login/start", json!({})).await;
    assert!(start["public_key"].get("allowCredentials").is_none_or(|a| a.as_array().is_some_and(Vec::is_empty)), "username-less: {start}");
    assert_eq!(start["public_key"]["extensions"]["prf"]["eval"]["first"], server.state.passkeys.prf_salt());
    assert_eq!(start["public_key"]["userVerification"], "required");
    let got = device.get(&start["public_key"]).await;
    let mut leaky = got.response.clone();
    leaky["clientExtensionResults"]["prf"]["results"] = json!({"first": b64u::encode(got.prf.as_ref().unwrap())});
    let (s, _, body) = b.post_json("/webauthn/login/finish", json!({"challenge_id": start["challenge_id"], "response": leaky})).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{body}");
}

#[tokio::test]
async fn ceremonies_from_the_wrong_origin_or_another_rp_are_refused() {
    let server = Server::start().await;
    let mut b = server.browser();
    b.register("origin@example.com", PASSWORD).await;
    // Another port is another origin.
    let mut elsewhere = Device::new("http://localhost:9999", true);
    let (s, body, _) = add_passkey(&mut b, &mut elsewhere).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{body}");
    // Registered here, then asked to sign in from the other origin.
    let mut device = Device::new(ISSUER, true);
    assert_eq!(add_passkey(&mut b, &mut device).await.0, StatusCode::CREATED);
    let (_, _, start) = b.post_json("/webauthn/login/start", json!({})).await;
    let mut moved = Device { client: device.client, origin: url::Url::parse("http://localhost:9999").unwrap() };
    let got = moved.get(&start["public_key"]).await;
    let (s, _, body) = b.post_json("/webauthn/login/finish", json!({"challenge_id": start["challenge_id"], "response": got.response})).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("authentication_failed")), "{body}");
    // A credential made for another RP (its own site's options, our challenge) is refused.
    let mut foreign = Device::new("https://example.com", true);
    let (_, _, start) = b.post_json("/webauthn/register/start", json!({})).await;
    let mut options = start["public_key"].clone();
    options["rp"]["id"] = json!("example.com");
    let made = foreign.create(&options).await;
    let (s, _, body) = b.post_json("/webauthn/register/finish", json!({"challenge_id": start["challenge_id"], "response": made.response})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn assertions_and_ceremonies_are_single_use_and_short_lived() {
    let server = Server::start().await;
    let mut b = server.browser();
    b.register("replay@example.com", PASSWORD).await;
    let mut device = Device::new(ISSUER, true);
    assert_eq!(add_passkey(&mut b, &mut device).await.0, StatusCode::CREATED);
    let mut other = server.browser();
    let (_, _, start) = other.post_json("/webauthn/login/start", json!({})).await;
    let got = device.get(&start["public_key"]).await;
    let finish = json!({"challenge_id": start["challenge_id"], "response": got.response});
    assert_eq!(other.post_json("/webauthn/login/finish", finish.clone()).await.0, StatusCode::OK);
    // The same finish again: the ceremony is gone.
    let (s, _, body) = other.post_json("/webauthn/login/finish", finish.clone()).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("authentication_failed")));
    // The same assertion under a new ceremony: its challenge is not the new one.
    let (_, _, fresh) = other.post_json("/webauthn/login/start", json!({})).await;
    let replay = json!({"challenge_id": fresh["challenge_id"], "response": finish["response"]});
    assert_eq!(other.post_json("/webauthn/login/finish", replay).await.0, StatusCode::UNAUTHORIZED);
    // A ceremony older than five minutes.
    let (_, _, start) = other.post_json("/webauthn/login/start", json!({})).await;
    let got = device.get(&start["public_key"]).await;
    server.advance(301);
    let (s, _, _) = other.post_json("/webauthn/login/finish", json!({"challenge_id": start["challenge_id"], "response": got.response})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // A registration state cannot finish a login, nor a login state a registration.
    assert_eq!(b.login("replay@example.com", PASSWORD).await.0, StatusCode::OK);
    let (_, _, reg_start) = b.post_json("/webauthn/register/start", json!({})).await;
    let (s, _, _) = b.post_json("/webauthn/login/finish", json!({"challenge_id": reg_start["challenge_id"], "response": finish["response"]})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_lagging_counter_a_swapped_user_handle_and_a_removed_passkey_are_refused() {
    let server = Server::start().await;
    let mut ada = server.browser();
    let acct = account_with_keys(&mut ada, "ada@example.com").await;
    let mut device = Device::new(ISSUER, true);
    let (_, body, prf) = add_passkey(&mut ada, &mut device).await;
    let credential_id = body["credential"]["credential_id"].as_str().unwrap().to_string();
    assert_eq!(store_envelope(&mut ada, &acct, &credential_id, &prf.unwrap()).await.0, StatusCode::CREATED);
    let mut bob = server.browser();
    bob.register("bob@example.com", PASSWORD).await;
    let (_, _, bob_start) = bob.post_json("/webauthn/register/start", json!({})).await;
    let bob_handle = bob_start["public_key"]["user"]["id"].clone();

    // A synced passkey has no counter (0); this one counts, from 5.
    device.set_counter(5);
    let mut anon = server.browser();
    assert_eq!(passkey_login(&mut anon, &mut device).await.0, StatusCode::OK);
    let used = device.counter().unwrap();
    assert!(used > 5, "the authenticator counted the signature: {used}");
    assert_eq!(passkey_login(&mut anon, &mut device).await.0, StatusCode::OK);
    // A clone of the authenticator whose counter lags behind.
    device.set_counter(used - 1);
    let (s, body, _) = passkey_login(&mut anon, &mut device).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("authentication_failed")), "{body}");
    device.set_counter(used + 10);
    // Ada's assertion with Bob's user handle (the handle is not signed): refused.
    let (_, _, start) = anon.post_json("/webauthn/login/start", json!({})).await;
    let mut got = device.get(&start["public_key"]).await;
    got.response["response"]["userHandle"] = bob_handle;
    let (s, _, _) = anon.post_json("/webauthn/login/finish", json!({"challenge_id": start["challenge_id"], "response": got.response})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Bob cannot rename or remove Ada's passkey.
    let path = format!("/webauthn/credentials/{credential_id}");
    let req = bob.request(Method::PATCH, &path, Some("application/json"), json!({"label": "mine"}).to_string());
    assert_eq!(bob.send(req).await.0, StatusCode::NOT_FOUND);
    assert_eq!(delete(&mut bob, &path).await.0, StatusCode::NOT_FOUND);
    // Ada renames it; removing it needs a recent sign-in, then its envelope goes with it.
    let req = ada.request(Method::PATCH, &path, Some("application/json"), json!({"label": "Old phone"}).to_string());
    assert_eq!(ada.send(req).await.0, StatusCode::OK);
    assert_eq!(ada.get("/webauthn/credentials").await.2["credentials"][0]["label"], "Old phone");
    server.advance(server.state.config.session.reauth_window_secs + 1);
    let (s, body) = delete(&mut ada, &path).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("reauthentication_required")));
    assert_eq!(ada.login("ada@example.com", PASSWORD).await.0, StatusCode::OK);
    assert_eq!(delete(&mut ada, &path).await.0, StatusCode::OK);
    let (_, _, keybag) = ada.get("/crypto/keybag?include_revoked=true").await;
    let prf_envelope = keybag["envelopes"].as_array().unwrap().iter().find(|e| e["type"] == "passkey_prf").unwrap();
    assert!(prf_envelope["revoked_at"].is_i64(), "revoked with its passkey: {prf_envelope}");
    let (s, _, _) = passkey_login(&mut anon, &mut device).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "a removed passkey signs in no more");
}

#[tokio::test]
async fn adding_a_passkey_needs_a_recent_sign_in_of_the_same_account() {
    let server = Server::start().await;
    let mut ada = server.browser();
    ada.register("recent@example.com", PASSWORD).await;
    let (_, _, start) = ada.post_json("/webauthn/register/start", json!({})).await;
    let mut device = Device::new(ISSUER, true);
    let made = device.create(&start["public_key"]).await;
    // Another account cannot finish Ada's ceremony.
    let mut eve = server.browser();
    eve.register("eve@example.com", PASSWORD).await;
    let (s, _, body) = eve.post_json("/webauthn/register/finish", json!({"challenge_id": start["challenge_id"], "response": made.response})).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("access_denied")), "{body}");
    server.advance(server.state.config.session.reauth_window_secs + 1);
    let (s, _, body) = ada.post_json("/webauthn/register/start", json!({})).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("reauthentication_required")));
    let anon = server.browser();
    let req = anon.request(Method::POST, "/webauthn/register/start", Some("application/json"), "{}".into());
    assert_eq!(server.send(req).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_sign_in_started_on_one_instance_finishes_on_another() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let a = Server::start_in(dir.clone(), "", &KekSource::DevFile).await.unwrap();
    let b = Server::start_in(dir, "", &KekSource::DevFile).await.unwrap();
    assert_eq!(a.state.passkeys.prf_salt(), b.state.passkeys.prf_salt(), "one salt per deployment");
    let mut on_a = a.browser();
    on_a.register("spread-pk@example.com", PASSWORD).await;
    let mut device = Device::new(ISSUER, true);
    assert_eq!(add_passkey(&mut on_a, &mut device).await.0, StatusCode::CREATED);
    let (_, _, start) = on_a.post_json("/webauthn/login/start", json!({})).await;
    let got = device.get(&start["public_key"]).await;
    let mut on_b = b.browser();
    let (s, _, body) = on_b.post_json("/webauthn/login/finish", json!({"challenge_id": start["challenge_id"], "response": got.response})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["email"], "spread-pk@example.com");
}
