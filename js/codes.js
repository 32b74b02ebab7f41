// The error codes the JS layer throws itself (every other code comes from the Rust core): the
// package's TypeScript union is these plus the Rust ones, and docs/errors.md lists them all
// (tests/error_catalogue.rs and tests/js/catalogue.test.mjs keep the three equal).
export const JS_ERROR_CODES = [
  'not_initialized',
  'wasm_load_failed',
  'internal_error',
  'storage_failed',
  'webcrypto_failed',
  'delivery_session_missing',
  'delivery_session_expired',
  'delivery_session_ambiguous',
  'unsupported_environment',
  'approval_code_mismatch',
];
