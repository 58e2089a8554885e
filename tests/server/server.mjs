// Loopback OAuth 2.0 / OpenID Connect authorization server for integration tests.
//
// Built on panva's certified `oidc-provider` (pinned in package.json). Every
// user interaction is automated so a plain HTTP client (Python `requests`) can
// drive every flow without a browser:
//   * authorization code: GET /interaction/:uid logs in `login_hint` (or the
//     demo user) and grants every requested scope, answering 303 redirects only;
//     `acr_values` naming a known acr (urn:harness:acr:pwd|mfa) makes the login
//     produce that acr, and re-login when the session has another (step-up);
//   * device flow: the standard /device form pages (xsrf + user_code POST),
//     followed by the same automatic login/consent;
//   * CIBA: triggerAuthenticationDevice approves after CIBA_APPROVAL_DELAY_MS;
//   * RP-initiated logout: the standard confirm form (xsrf + logout=yes).
// Extra grants registered through provider.registerGrantType: RFC 8693 token
// exchange, RFC 7523 JWT bearer, and the resource owner password grant.
// Also on: back-channel logout (outbound calls to loopback only), JWT UserInfo,
// JWT introspection (RFC 9701), encryption (JWE responses, encrypted request
// objects to the server's `use: enc` keys), FAPI 2.0 for the client-fapi2*
// clients, and, on the TLS instance, mTLS (RFC 8705). harness.json lists every
// client with its metadata and the files of its private keys.
//
// Environment:
//   PORT (9010)  HOST (127.0.0.1)  ISSUER (http://HOST:PORT, https with TLS)
//   HARNESS_STATE_DIR (./state)       keys are created there once and reused
//                                     (missing ones added); harness.json
//                                     describes clients, keys and URLs
//   HARNESS_INTERACTIONS (auto|dev)   dev = oidc-provider's own HTML login and
//                                     consent forms (any login/password)
//   CIBA_APPROVAL_DELAY_MS (1000)     POLL_INTERVAL (1)  seconds advertised for
//                                     device/CIBA polling
//   DPOP_REQUIRE_NONCE (0)            1 = every client must use DPoP nonces
//                                     (client-dpop always must)
//   REDIRECT_URIS (comma list)        for the confidential clients
//   HARNESS_DEBUG (0)                 1 = log every error event
//   SHORT_TOKEN_TTL (2)               lifetime in seconds of the access tokens
//                                     issued to `client-short-ttl` and
//                                     `client-short-ttl-rotating`
//   HARNESS_EXIT_ON_STDIN_EOF (0)     1 = exit when stdin closes (parent died)
//   RS_DPOP_REQUIRE_NONCE (0)         1 = the protected resource demands a DPoP
//                                     nonce on every path (not only /api/nonce/)
//   BACKCHANNEL_LOGOUT_URI            backchannel_logout_uri of
//     (http://127.0.0.1:8765/backchannel-logout)   client-backchannel-logout
//   REGISTRATION_INITIAL_ACCESS_TOKEN (unset)  set = registration demands this
//                                     initial access token (RFC 7591 3)
//   REGISTRATION_ROTATE_ACCESS_TOKEN (0)       1 = every registration update
//                                     (RFC 7592 PUT) rotates the registration
//                                     access token
//   HARNESS_TLS_CERT, HARNESS_TLS_KEY, HARNESS_TLS_CA (PEM files, all or none):
//                                     the TLS instance. HTTPS on PORT (no client
//                                     certificate asked) and on MTLS_PORT (asked,
//                                     not required; verified against the CA);
//                                     discovery gets mtls_endpoint_aliases there;
//                                     clients client-tls, client-fapi2-mtls
//                                     (tls_client_auth) and client-self-signed-tls
//   HARNESS_TLS_CLIENT_SUBJECT_DN     RFC 4514 subject DN registered for the
//     (CN=client-tls,O=requests_oauth2client tests)   tls_client_auth clients
//   HARNESS_TLS_SELF_SIGNED_CLIENT_CERT (PEM)   registered (x5c) in the jwks of
//                                     client-self-signed-tls
//   MTLS_PORT (0 = any free port)     reported as `mtls_port` in READY
// Fault injection (tests only, per request): headers X-Harness-Patch and
// X-Harness-Content-Type alter a successful JSON answer (see misbehave()).
//
// Protected resource (added for the requests_oauth2client tests): any path
// under /api/ (e.g. /api/resource), any method, on every listener. It accepts
// access tokens issued by this server: opaque ones (looked up with
// provider.AccessToken / provider.ClientCredentials) and JWT ones
// (urn:harness:jwt-api, verified with the server's keys), as
// `Authorization: Bearer <at>` or, for DPoP-bound tokens, `Authorization: DPoP
// <at>` plus a `DPoP` proof (htm, htu, ath, jti replay, cnf.jkt). A
// certificate-bound token (cnf.x5t#S256) needs the same client certificate on
// the connection (so only the mTLS listener can serve it). Paths under
// /api/nonce/ also demand a DPoP nonce (401 `WWW-Authenticate: DPoP
// error="use_dpop_nonce"` + `DPoP-Nonce`); the nonces come from the same
// generator as the authorization server's. Routes with extra demands:
//   /api/write/...         scope api:write, else 403 error="insufficient_scope",
//                          scope="api:write"
//   /api/step-up/...       acr urn:harness:acr:mfa, else 401
//                          error="insufficient_user_authentication",
//                          acr_values="urn:harness:acr:mfa" (RFC 9470)
//   /api/max-age/<n>/...   end-user authentication at most n seconds old, else
//                          401 insufficient_user_authentication, max_age="<n>"
// Success: 200 JSON {sub, client_id, scope, aud, token_type, method, path,
// query, body, acr, auth_time, cnf}. Failure: 401 with `WWW-Authenticate:
// Bearer|DPoP error="invalid_token"...`. Every challenge carries
// resource_metadata="<origin>/.well-known/oauth-protected-resource<path>".
//
// Other routes:
//   GET /.well-known/oauth-protected-resource[/api/...]   RFC 9728 metadata;
//        `resource` = the origin (+ path), a valid RFC 8707 resource indicator
//   GET /harness/stats[?client_id=]     token endpoint requests per client and
//        grant_type {requests, issued, errors: {code: n}}; DELETE resets them
//        (loopback callers only)
//   POST /reg with a `software_statement` (RFC 7591 2.3): accepted when signed
//        by urn:harness:trusted-issuer (its claims override the metadata), else
//        400 invalid_software_statement / unapproved_software_statement
//
// It prints one line `READY {json}` on stdout once it listens. Loopback only.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as jose from 'jose';
import Provider, { errors, interactionPolicy } from 'oidc-provider';
// Internal helpers (no "exports" map in the package, so deep imports resolve).
// They are the same functions the built-in grants use; the version is pinned.
import * as grantHelpers from 'oidc-provider/lib/helpers/grants.js';
import { issueTokens } from 'oidc-provider/lib/helpers/grant_common.js';
import ServerChallenge, { CHALLENGE_OK_WINDOW } from 'oidc-provider/lib/helpers/challenge.js';

const started = process.hrtime.bigint();
const HERE = path.dirname(fileURLToPath(import.meta.url));

const HOST = process.env.HOST || '127.0.0.1';
const PORT = Number.parseInt(process.env.PORT || '9010', 10);
// TLS instance: HTTPS on PORT (issuer https://...) plus an mTLS listener on MTLS_PORT.
const TLS = loadTlsFiles();
const ISSUER = process.env.ISSUER || `${TLS ? 'https' : 'http'}://${HOST}:${PORT}`;
const STATE_DIR = path.resolve(process.env.HARNESS_STATE_DIR || path.join(HERE, 'state'));
const INTERACTIONS = process.env.HARNESS_INTERACTIONS || 'auto';
const CIBA_APPROVAL_DELAY_MS = Number.parseInt(process.env.CIBA_APPROVAL_DELAY_MS || '1000', 10);
const POLL_INTERVAL = Number.parseInt(process.env.POLL_INTERVAL || '1', 10);
const DPOP_REQUIRE_NONCE = process.env.DPOP_REQUIRE_NONCE === '1';
const DEBUG = process.env.HARNESS_DEBUG === '1';
const SHORT_TOKEN_TTL = Number.parseInt(process.env.SHORT_TOKEN_TTL || '2', 10);
const RS_DPOP_REQUIRE_NONCE = process.env.RS_DPOP_REQUIRE_NONCE === '1';
const RESOURCE_PREFIX = '/api/';
const RESOURCE_PATH = '/api/resource';
const RESOURCE_NONCE_PATH = '/api/nonce/resource';
const SHORT_TTL_CLIENT = 'client-short-ttl';
const ROTATING_CLIENT = 'client-short-ttl-rotating';
const SHORT_TTL_CLIENTS = new Set([SHORT_TTL_CLIENT, ROTATING_CLIENT]);
const BACKCHANNEL_LOGOUT_URI = process.env.BACKCHANNEL_LOGOUT_URI || 'http://127.0.0.1:8765/backchannel-logout';
const REGISTRATION_IAT = process.env.REGISTRATION_INITIAL_ACCESS_TOKEN || '';
const REGISTRATION_ROTATE = process.env.REGISTRATION_ROTATE_ACCESS_TOKEN === '1';
const MTLS_PORT = Number.parseInt(process.env.MTLS_PORT || '0', 10);
const STATS_PATH = '/harness/stats';
const PRM_PATH = '/.well-known/oauth-protected-resource';
// Authentication context classes the automatic login can produce (RFC 9470 step-up).
const ACR = { pwd: 'urn:harness:acr:pwd', mfa: 'urn:harness:acr:mfa' };
const AMR_FOR_ACR = { [ACR.pwd]: ['pwd'], [ACR.mfa]: ['pwd', 'otp'] };
// Routes of the protected resource with extra demands (all under RESOURCE_PREFIX).
const SCOPED_PREFIX = '/api/write/'; // demands SCOPED_SCOPE, else 403 insufficient_scope
const SCOPED_SCOPE = 'api:write';
const STEP_UP_PREFIX = '/api/step-up/'; // demands acr ACR.mfa, else 401 insufficient_user_authentication
const MAX_AGE_PATTERN = /^\/api\/max-age\/(\d+)(?:\/|$)/; // /api/max-age/<seconds>/...: auth_time recent enough
const FAPI2_CLIENTS = new Set(['client-fapi2', 'client-fapi2-mtls']);

function loadTlsFiles() {
  const certFile = process.env.HARNESS_TLS_CERT;
  const keyFile = process.env.HARNESS_TLS_KEY;
  if (!certFile && !keyFile) return undefined;
  const caFile = process.env.HARNESS_TLS_CA;
  if (!certFile || !keyFile || !caFile) {
    throw new Error('HARNESS_TLS_CERT, HARNESS_TLS_KEY and HARNESS_TLS_CA go together');
  }
  const selfSignedFile = process.env.HARNESS_TLS_SELF_SIGNED_CLIENT_CERT;
  return {
    certFile: path.resolve(certFile),
    keyFile: path.resolve(keyFile),
    caFile: path.resolve(caFile),
    cert: fs.readFileSync(certFile),
    key: fs.readFileSync(keyFile),
    ca: fs.readFileSync(caFile),
    selfSignedClientCert: selfSignedFile ? fs.readFileSync(selfSignedFile, 'utf8') : undefined,
    clientSubjectDn: process.env.HARNESS_TLS_CLIENT_SUBJECT_DN || 'CN=client-tls,O=requests_oauth2client tests',
  };
}

if (!['127.0.0.1', 'localhost', '::1'].includes(HOST)) {
  throw new Error(`refusing to listen on ${HOST}: this harness is loopback-only`);
}

// ---------------------------------------------------------------- constants
const GT = {
  code: 'authorization_code',
  refresh: 'refresh_token',
  cc: 'client_credentials',
  device: 'urn:ietf:params:oauth:grant-type:device_code',
  ciba: 'urn:openid:params:grant-type:ciba',
  tokenExchange: 'urn:ietf:params:oauth:grant-type:token-exchange',
  jwtBearer: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
  password: 'password',
};
const TT = {
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  refreshToken: 'urn:ietf:params:oauth:token-type:refresh_token',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
};
const TRUSTED_ISSUER = 'urn:harness:trusted-issuer';
const DEMO_USER = { username: 'demo-user', password: 'demo-password' };
const DENY_ACCOUNT = 'deny';

// Resource servers (RFC 8707). Nothing is ever fetched from these identifiers.
const RESOURCE_SERVERS = {
  'urn:harness:api': { scope: 'api:read api:write', accessTokenFormat: 'opaque' },
  'urn:harness:jwt-api': {
    scope: 'api:read api:write',
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'RS256' } },
  },
};
const DEFAULT_RESOURCE = 'urn:harness:api';
const API_SCOPES = ['api:read', 'api:write'];
const OIDC_SCOPES = ['openid', 'offline_access', 'profile', 'email'];

// Origins the protected resource answers on: its RFC 9728 resource identifiers
// (the origin itself, or any URL under /api/ on it) are resource indicators too.
const RESOURCE_ORIGINS = new Set([new URL(ISSUER).origin]);

function resourceServerFor(indicator) {
  if (Object.hasOwn(RESOURCE_SERVERS, indicator)) return RESOURCE_SERVERS[indicator];
  const url = URL.parse(indicator);
  if (url && RESOURCE_ORIGINS.has(url.origin) && !url.search && !url.hash
      && (url.href === `${url.origin}/` || url.pathname.startsWith(RESOURCE_PREFIX))) {
    return { scope: API_SCOPES.join(' '), accessTokenFormat: 'opaque' };
  }
  return undefined;
}

// --------------------------------------------------------------------- keys
function privateJwk(kind, kid, alg, use = 'sig') {
  const { privateKey } = kind === 'rsa'
    ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
    : crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg, use };
}

function publicJwk(jwk) {
  const { d, p, q, dp, dq, qi, ...pub } = jwk;
  return pub;
}

// Every key the server uses; a keys.json from an older server gets the missing
// entries added (and is rewritten), the existing ones are kept.
const KEY_FACTORIES = {
  server: () => [privateJwk('rsa', 'as-rs256', 'RS256'), privateJwk('ec', 'as-es256', 'ES256')],
  // encryption keys of the server (request objects encrypted to it, RFC 9101 6.1)
  serverEnc: () => [
    privateJwk('rsa', 'as-enc-rsa-oaep-256', 'RSA-OAEP-256', 'enc'),
    privateJwk('ec', 'as-enc-ecdh-es', 'ECDH-ES', 'enc'),
  ],
  client: () => [privateJwk('rsa', 'client-rs256', 'RS256'), privateJwk('ec', 'client-es256', 'ES256')],
  // client-encrypted: a signing key and an encryption key
  encryptedClient: () => [
    privateJwk('ec', 'client-encrypted-es256', 'ES256'),
    privateJwk('rsa', 'client-encrypted-rsa-oaep-256', 'RSA-OAEP-256', 'enc'),
  ],
  // client-fapi2: FAPI 2.0 algorithms only
  fapiClient: () => [privateJwk('ec', 'client-fapi2-es256', 'ES256'), privateJwk('rsa', 'client-fapi2-ps256', 'PS256')],
  trustedIssuer: () => privateJwk('ec', 'trusted-issuer-es256', 'ES256'),
  cookieKeys: () => [crypto.randomBytes(32).toString('base64url')],
  dpopNonceSecret: () => crypto.randomBytes(32).toString('base64url'),
};

function loadOrCreateKeys() {
  fs.mkdirSync(STATE_DIR, { recursive: true });
  const file = path.join(STATE_DIR, 'keys.json');
  const keys = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  const missing = Object.keys(KEY_FACTORIES).filter((name) => keys[name] === undefined);
  for (const name of missing) keys[name] = KEY_FACTORIES[name]();
  if (missing.length) fs.writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}

const KEYS = loadOrCreateKeys();
// The provider keeps `alg` on its own keys; it picks by client preferences.
const SERVER_JWKS = { keys: [...KEYS.server, ...KEYS.serverEnc] };
const SERVER_PUBLIC_JWKS = jose.createLocalJWKSet({ keys: KEYS.server.map(publicJwk) });
const CLIENT_PUBLIC_JWKS = { keys: KEYS.client.map(publicJwk) };
const TRUSTED_ISSUER_JWKS = jose.createLocalJWKSet({ keys: [publicJwk(KEYS.trustedIssuer)] });

// ------------------------------------------------------------------ clients
const REDIRECT_URIS = (process.env.REDIRECT_URIS
  || 'http://127.0.0.1:8765/callback,http://localhost:8765/callback').split(',').map((s) => s.trim()).filter(Boolean);
const POST_LOGOUT_REDIRECT_URIS = ['http://127.0.0.1:8765/logged-out', 'http://localhost:8765/logged-out'];

const CONFIDENTIAL_GRANTS = [
  GT.code, GT.refresh, GT.cc, GT.device, GT.ciba, GT.tokenExchange, GT.jwtBearer, GT.password,
];
const confidential = {
  application_type: 'web',
  redirect_uris: REDIRECT_URIS,
  post_logout_redirect_uris: POST_LOGOUT_REDIRECT_URIS,
  response_types: ['code'],
  grant_types: CONFIDENTIAL_GRANTS,
  backchannel_token_delivery_mode: 'poll',
  // Without this a client may use no RAR type at all (invalid_authorization_details).
  authorization_details_types: ['payment_initiation', 'account_information'],
};

const CLIENTS = [
  {
    ...confidential,
    client_id: 'client-basic',
    client_secret: 'client-basic-secret-0123456789abcdef0123456789',
    token_endpoint_auth_method: 'client_secret_basic',
  },
  {
    ...confidential,
    client_id: 'client-post',
    client_secret: 'client-post-secret-0123456789abcdef0123456789',
    token_endpoint_auth_method: 'client_secret_post',
  },
  {
    ...confidential,
    client_id: 'client-secret-jwt',
    // HS256 client assertions are keyed with this secret; keep it >= 32 bytes.
    client_secret: 'client-secret-jwt-secret-0123456789abcdef0123456789',
    token_endpoint_auth_method: 'client_secret_jwt',
  },
  {
    ...confidential,
    client_id: 'client-private-key-jwt',
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: CLIENT_PUBLIC_JWKS,
  },
  {
    ...confidential,
    client_id: 'client-dpop',
    client_secret: 'client-dpop-secret-0123456789abcdef0123456789',
    token_endpoint_auth_method: 'client_secret_basic',
    dpop_bound_access_tokens: true,
  },
  {
    // Public client: PKCE (S256) is mandatory. application_type native makes any
    // loopback port acceptable in redirect_uri (RFC 8252 section 7.3).
    client_id: 'client-public',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    redirect_uris: ['http://127.0.0.1/callback', 'http://localhost/callback'],
    post_logout_redirect_uris: ['http://127.0.0.1/logged-out'],
    response_types: ['code'],
    grant_types: [GT.code, GT.refresh, GT.device],
  },
  {
    // client_credentials only; its access tokens live SHORT_TOKEN_TTL (2) seconds
    // so that tests can cross a token expiry quickly.
    client_id: SHORT_TTL_CLIENT,
    client_secret: 'client-short-ttl-secret-0123456789abcdef0123456789',
    token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: [],
    response_types: [],
    grant_types: [GT.cc],
  },
  {
    // Shared token stores: access tokens (all grants) live SHORT_TOKEN_TTL
    // seconds and every refresh rotates the refresh token (reusing a rotated
    // one is invalid_grant and revokes the whole grant).
    client_id: ROTATING_CLIENT,
    client_secret: 'client-short-ttl-rotating-secret-0123456789abcdef0123456789',
    token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: REDIRECT_URIS,
    response_types: ['code'],
    grant_types: [GT.code, GT.refresh, GT.cc, GT.password],
  },
  {
    // Back-channel logout (OIDC Back-Channel Logout 1.0) to BACKCHANNEL_LOGOUT_URI, with sid.
    ...confidential,
    client_id: 'client-backchannel-logout',
    client_secret: 'client-backchannel-logout-secret-0123456789abcdef0123456789',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: [GT.code, GT.refresh],
    backchannel_logout_uri: BACKCHANNEL_LOGOUT_URI,
    backchannel_logout_session_required: true,
  },
  {
    // Signed responses: UserInfo (application/jwt) and introspection (RFC 9701), ES256.
    ...confidential,
    client_id: 'client-jwt-responses',
    client_secret: 'client-jwt-responses-secret-0123456789abcdef0123456789',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: [GT.code, GT.refresh, GT.cc, GT.password],
    userinfo_signed_response_alg: 'ES256',
    introspection_signed_response_alg: 'ES256',
  },
  {
    // Encrypted responses (JWE with its RSA-OAEP-256 key): ID Token, UserInfo,
    // introspection, JARM; request objects encrypted to the server's keys.
    ...confidential,
    client_id: 'client-encrypted',
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: KEYS.encryptedClient.map(publicJwk) },
    grant_types: [GT.code, GT.refresh, GT.cc, GT.password],
    id_token_signed_response_alg: 'RS256',
    id_token_encrypted_response_alg: 'RSA-OAEP-256',
    id_token_encrypted_response_enc: 'A256GCM',
    userinfo_signed_response_alg: 'RS256',
    userinfo_encrypted_response_alg: 'RSA-OAEP-256',
    userinfo_encrypted_response_enc: 'A256GCM',
    introspection_signed_response_alg: 'RS256',
    introspection_encrypted_response_alg: 'RSA-OAEP-256',
    introspection_encrypted_response_enc: 'A256GCM',
    authorization_signed_response_alg: 'RS256',
    authorization_encrypted_response_alg: 'RSA-OAEP-256',
    authorization_encrypted_response_enc: 'A256GCM',
    request_object_signing_alg: 'ES256',
    request_object_encryption_alg: 'RSA-OAEP-256',
    request_object_encryption_enc: 'A256GCM',
  },
  {
    // FAPI 2.0 Security Profile (features.fapi profile '2.0' for this client):
    // PAR required, PKCE S256, private_key_jwt (aud = issuer), DPoP-bound tokens.
    client_id: 'client-fapi2',
    application_type: 'web',
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: KEYS.fapiClient.map(publicJwk) },
    redirect_uris: REDIRECT_URIS,
    response_types: ['code'],
    grant_types: [GT.code, GT.refresh],
    require_pushed_authorization_requests: true,
    dpop_bound_access_tokens: true,
    id_token_signed_response_alg: 'ES256',
    authorization_signed_response_alg: 'ES256',
    introspection_signed_response_alg: 'ES256',
  },
  ...(TLS ? tlsClients() : []),
];
const CLIENT_BY_ID = new Map(CLIENTS.map((c) => [c.client_id, c]));

// Clients of the TLS instance (RFC 8705). Their certificates come from the
// pytest fixture: the CA-issued one carries TLS.clientSubjectDn; the
// self-signed one is registered by its JWK (x5c) in the client's jwks.
function tlsClients() {
  const mtls = {
    redirect_uris: REDIRECT_URIS,
    response_types: ['code'],
    tls_client_certificate_bound_access_tokens: true,
  };
  const clients = [
    {
      ...mtls,
      client_id: 'client-tls',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: TLS.clientSubjectDn,
      grant_types: [GT.cc, GT.code, GT.refresh],
    },
    {
      // FAPI 2.0 with mTLS client authentication and certificate-bound tokens.
      ...mtls,
      client_id: 'client-fapi2-mtls',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: TLS.clientSubjectDn,
      grant_types: [GT.code, GT.refresh],
      require_pushed_authorization_requests: true,
      id_token_signed_response_alg: 'ES256',
    },
  ];
  if (TLS.selfSignedClientCert) {
    const x509 = new crypto.X509Certificate(TLS.selfSignedClientCert);
    clients.push({
      ...mtls,
      client_id: 'client-self-signed-tls',
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: {
        keys: [{
          ...x509.publicKey.export({ format: 'jwk' }),
          kid: 'client-self-signed-tls',
          use: 'sig',
          x5c: [x509.raw.toString('base64')],
        }],
      },
      grant_types: [GT.cc, GT.code, GT.refresh],
    });
  }
  return clients;
}

// ----------------------------------------------------------------- accounts
function makeAccount(accountId) {
  return {
    accountId,
    async claims(use, scope) {
      return {
        sub: accountId,
        name: `Demo ${accountId}`,
        given_name: 'Demo',
        family_name: accountId,
        preferred_username: accountId,
        email: `${accountId}@example.test`,
        email_verified: true,
      };
    },
  };
}

async function findAccount(ctx, sub) {
  if (typeof sub !== 'string' || !sub || sub === DENY_ACCOUNT) return undefined;
  return makeAccount(sub);
}

// ------------------------------------------------------------------ helpers
function splitScope(scope) {
  return [...new Set(String(scope || '').split(' ').filter(Boolean))];
}

async function resourceServerInfo(ctx, indicator) {
  const info = resourceServerFor(indicator);
  if (!info) throw new errors.InvalidTarget(`unknown resource indicator ${indicator}`);
  return structuredClone(info);
}

// Grant everything that was asked for (used by the automatic consent, CIBA and
// the custom grants, where no person is asked).
async function grantFor(provider, { accountId, clientId, scope, resources }) {
  const grant = new provider.Grant({ accountId, clientId });
  const scopes = splitScope(scope);
  const oidc = scopes.filter((s) => OIDC_SCOPES.includes(s));
  if (oidc.length) grant.addOIDCScope(oidc.join(' '));
  for (const resource of resources || []) {
    const rs = resourceServerFor(resource);
    if (!rs) throw new errors.InvalidTarget(`unknown resource indicator ${resource}`);
    const allowed = new Set(rs.scope.split(' '));
    const granted = scopes.filter((s) => allowed.has(s));
    if (granted.length) grant.addResourceScope(resource, granted.join(' '));
  }
  await grant.save();
  return grant;
}

// A grant "source" shaped like the AuthorizationCode / DeviceCode models that
// oidc-provider's issueTokens() expects.
function makeSource({ accountId, grantId, scope, resource }) {
  return {
    accountId,
    grantId,
    scope,
    resource,
    get scopes() { return new Set(splitScope(this.scope)); },
    get resourceIndicators() {
      return new Set(Array.isArray(this.resource) ? this.resource : [this.resource]);
    },
  };
}

function requestedResources(ctx) {
  const { resource } = ctx.oidc.params;
  if (resource === undefined) return [];
  return Array.isArray(resource) ? resource : [resource];
}

// Issue tokens for an end-user with oidc-provider's own pipeline (resource
// indicators, DPoP binding, refresh token policy, ID Token).
async function issueUserTokens(provider, helpers, ctx, { accountId, scope, gty, entityLabel }) {
  const dPoP = await helpers.validateDpop(ctx);
  helpers.checkDpopRequired(ctx, dPoP);
  const account = await findAccount(ctx, accountId);
  if (!account) throw new errors.InvalidGrant(`${entityLabel}: unknown end-user`);

  const resources = requestedResources(ctx);
  if (resources.length > 1) {
    throw new errors.InvalidTarget('only a single resource indicator value is supported for this grant type');
  }
  const grant = await grantFor(provider, {
    accountId, clientId: ctx.oidc.client.clientId, scope, resources,
  });
  ctx.oidc.entity('Grant', grant);
  const source = makeSource({
    accountId, grantId: grant.jti, scope, resource: resources[0],
  });
  await issueTokens(provider, helpers, ctx, source, grant, {
    gty, entityLabel, cert: helpers.checkMtlsCert(ctx), dPoP,
  });
}

// ------------------------------------------------------------ custom grants
function registerExtraGrants(provider) {
  const helpers = Object.fromEntries(
    Object.entries(grantHelpers).map(([name, fn]) => [name, fn.bind(undefined, provider)]),
  );

  // RFC 6749 section 4.3 - Resource Owner Password Credentials (demo user only)
  provider.registerGrantType(GT.password, async (ctx) => {
    const { username, password, scope } = ctx.oidc.params;
    if (!username || !password) throw new errors.InvalidRequest('username and password are required');
    if (username !== DEMO_USER.username || password !== DEMO_USER.password) {
      throw new errors.InvalidGrant('invalid resource owner credentials');
    }
    await issueUserTokens(provider, helpers, ctx, {
      accountId: username, scope, gty: 'password', entityLabel: 'password grant',
    });
  }, ['username', 'password', 'scope', 'resource'], ['resource']);

  // RFC 7523 section 2.1 - JWT bearer authorization grant. Trusted assertion
  // issuers: the authenticated client itself (its registered JWKS, or its
  // client_secret for HS256) and the harness "trusted issuer" key.
  provider.registerGrantType(GT.jwtBearer, async (ctx) => {
    const { assertion, scope } = ctx.oidc.params;
    if (!assertion) throw new errors.InvalidRequest('missing required parameter: assertion');
    let unverified;
    try {
      unverified = jose.decodeJwt(assertion);
    } catch {
      throw new errors.InvalidGrant('assertion is not a JWT');
    }
    const { clientId } = ctx.oidc.client;
    let key;
    if (unverified.iss === TRUSTED_ISSUER) {
      key = TRUSTED_ISSUER_JWKS;
    } else if (unverified.iss === clientId) {
      const meta = CLIENT_BY_ID.get(clientId);
      if (meta?.jwks) key = jose.createLocalJWKSet(meta.jwks);
      else if (meta?.client_secret) key = new TextEncoder().encode(meta.client_secret);
    }
    if (!key) throw new errors.InvalidGrant('assertion issuer is not trusted');
    let payload;
    try {
      ({ payload } = await jose.jwtVerify(assertion, key, {
        issuer: unverified.iss,
        audience: [provider.issuer, ctx.oidc.urlFor('token')],
        requiredClaims: ['exp', 'sub'],
        clockTolerance: 15,
      }));
    } catch (err) {
      throw new errors.InvalidGrant(`assertion verification failed: ${err.code || err.message}`);
    }
    if (payload.jti) {
      const unique = await provider.ReplayDetection.unique(payload.iss, payload.jti, payload.exp);
      if (!unique) throw new errors.InvalidGrant('assertion replay detected (jti reused)');
    }
    await issueUserTokens(provider, helpers, ctx, {
      accountId: payload.sub, scope, gty: 'jwt_bearer', entityLabel: 'jwt bearer assertion',
    });
  }, ['assertion', 'scope', 'resource'], ['resource']);

  // RFC 8693 - OAuth 2.0 Token Exchange (subject = an end-user token issued
  // by this server; optional actor token becomes the `act` claim).
  async function resolveToken(token, type, label) {
    const fail = () => { throw new errors.InvalidGrant(`${label} is invalid, expired or of the wrong type`); };
    switch (type) {
      case TT.accessToken: {
        const at = await provider.AccessToken.find(token);
        if (at) return { sub: at.accountId, clientId: at.clientId, scope: at.scope, act: at.extra?.act };
        const cc = await provider.ClientCredentials.find(token);
        if (cc) return { sub: undefined, clientId: cc.clientId, scope: cc.scope };
        try { // JWT access token issued by this server (urn:harness:jwt-api)
          const { payload } = await jose.jwtVerify(token, SERVER_PUBLIC_JWKS, { issuer: provider.issuer, typ: 'at+jwt' });
          return { sub: payload.sub, clientId: payload.client_id, scope: payload.scope, act: payload.act };
        } catch { return fail(); }
      }
      case TT.refreshToken: {
        const rt = await provider.RefreshToken.find(token);
        if (!rt) return fail();
        return { sub: rt.accountId, clientId: rt.clientId, scope: rt.scope };
      }
      case TT.idToken:
      case TT.jwt: {
        for (const [keys, issuer] of [[SERVER_PUBLIC_JWKS, provider.issuer], [TRUSTED_ISSUER_JWKS, TRUSTED_ISSUER]]) {
          try {
            const { payload } = await jose.jwtVerify(token, keys, { issuer, requiredClaims: ['sub', 'exp'] });
            return { sub: payload.sub, clientId: payload.azp || payload.client_id, scope: payload.scope };
          } catch {}
        }
        return fail();
      }
      default:
        throw new errors.InvalidRequest(`unsupported ${label}_type ${type}`);
    }
  }

  provider.registerGrantType(GT.tokenExchange, async (ctx) => {
    const p = ctx.oidc.params;
    if (!p.subject_token || !p.subject_token_type) {
      throw new errors.InvalidRequest('subject_token and subject_token_type are required');
    }
    if (p.requested_token_type && p.requested_token_type !== TT.accessToken) {
      throw new errors.InvalidRequest('only requested_token_type urn:ietf:params:oauth:token-type:access_token is supported');
    }
    if (p.actor_token && !p.actor_token_type) throw new errors.InvalidRequest('actor_token_type is required with actor_token');
    if (!p.actor_token && p.actor_token_type) throw new errors.InvalidRequest('actor_token_type given without actor_token');

    const subject = await resolveToken(p.subject_token, p.subject_token_type, 'subject_token');
    if (!subject.sub) throw new errors.InvalidGrant('subject_token does not represent an end-user');

    // audience (logical name) -> resource indicator
    if (p.audience !== undefined) {
      const audiences = Array.isArray(p.audience) ? p.audience : [p.audience];
      const mapped = audiences.map((aud) => {
        if (resourceServerFor(aud)) return aud;
        throw new errors.InvalidTarget(`unknown audience ${aud}`);
      });
      const merged = [...new Set([...requestedResources(ctx), ...mapped])];
      p.resource = merged.length === 1 ? merged[0] : merged;
    }

    // down-scoping only
    let scope = p.scope;
    if (scope && subject.scope) {
      const have = new Set(splitScope(subject.scope));
      const extra = splitScope(scope).filter((s) => !have.has(s));
      if (extra.length) throw new errors.InvalidScope('requested scope exceeds the subject_token scope', extra.join(' '));
    }
    scope ||= subject.scope;

    if (p.actor_token) {
      const actor = await resolveToken(p.actor_token, p.actor_token_type, 'actor_token');
      ctx.oidc.harnessAct = { sub: actor.sub || actor.clientId, ...(subject.act ? { act: subject.act } : {}) };
    } else if (subject.act) {
      ctx.oidc.harnessAct = subject.act;
    }

    await issueUserTokens(provider, helpers, ctx, {
      accountId: subject.sub, scope, gty: 'token_exchange', entityLabel: 'subject token',
    });
    delete ctx.body.id_token;
    ctx.body.issued_token_type = TT.accessToken;
  }, [
    'audience', 'resource', 'scope', 'requested_token_type',
    'subject_token', 'subject_token_type', 'actor_token', 'actor_token_type',
  ], ['audience', 'resource']);
}

// --------------------------------------------------------------------- mTLS
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

// The client certificate presented on this connection (undefined on plain
// HTTP, on the listener that does not ask for one, or when none was sent).
function peerCertificate(ctx) {
  const { socket } = ctx.req;
  if (typeof socket.getPeerX509Certificate !== 'function') return undefined;
  return socket.getPeerX509Certificate() || undefined;
}

// RFC 8705 section 3.1: base64url SHA-256 of the DER certificate.
function certificateThumbprint(cert) {
  return crypto.hash('sha256', cert.raw, 'base64url');
}

// Node writes a subject as "O=...\nCN=..." (certificate order); RFC 4514 lists
// the RDNs the other way round, comma-separated. Plain values only (no escapes).
function rfc4514(subject) {
  return subject.split('\n').filter(Boolean).reverse().join(',');
}

function normalizeDn(dn) {
  return dn.split(',').map((rdn) => {
    const [type, ...value] = rdn.split('=');
    return `${type.trim().toUpperCase()}=${value.join('=').trim()}`;
  }).join(',');
}

const SAN_PREFIX = {
  tls_client_auth_san_dns: 'DNS:',
  tls_client_auth_san_ip: 'IP Address:',
  tls_client_auth_san_uri: 'URI:',
  tls_client_auth_san_email: 'email:',
};

function certificateSubjectMatches(ctx, property, expected) {
  const cert = peerCertificate(ctx);
  if (!cert) return false;
  if (property === 'tls_client_auth_subject_dn') {
    return normalizeDn(rfc4514(cert.subject)) === normalizeDn(expected);
  }
  const prefix = SAN_PREFIX[property];
  if (!prefix) return false;
  return (cert.subjectAltName || '').split(', ').some((san) => san === `${prefix}${expected}`);
}

// ---------------------------------------------------------- interaction policy
// Step-up (RFC 9470): when acr_values names an acr this server knows and the
// session's acr is not one of them, log in again (the automatic login then
// produces the first known acr asked for). Unknown acr_values stay voluntary.
function requestedKnownAcrs(acrValues) {
  return splitScope(acrValues).filter((acr) => Object.values(ACR).includes(acr));
}

function interactionPolicyWithStepUp() {
  const { base, Check } = interactionPolicy;
  const policy = base();
  policy.get('login').checks.add(new Check(
    'harness_acr_values',
    'requested acr_values not satisfied by the current session',
    'login_required',
    (ctx) => {
      const wanted = requestedKnownAcrs(ctx.oidc.params.acr_values);
      return wanted.length && !wanted.includes(ctx.oidc.acr) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
    },
  ));
  return policy;
}

// ------------------------------------------------------------- provider config
const configuration = {
  clients: CLIENTS,
  jwks: SERVER_JWKS,
  findAccount,
  claims: {
    openid: ['sub'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    email: ['email', 'email_verified'],
  },
  scopes: OIDC_SCOPES,
  cookies: { keys: KEYS.cookieKeys },
  // Refresh tokens whenever the client may use the refresh_token grant (the
  // default also demands offline_access, which itself needs prompt=consent).
  async issueRefreshToken(ctx, client, source) {
    if (ctx.oidc.params?.grant_type === GT.tokenExchange) return false;
    return client.grantTypeAllowed(GT.refresh);
  },
  // client-short-ttl-rotating always rotates; everybody else gets the default
  // policy (public clients without sender-constraint, or past 70% of the RT life).
  rotateRefreshToken(ctx) {
    const { RefreshToken: refreshToken, Client: client } = ctx.oidc.entities;
    if (client.clientId === ROTATING_CLIENT) return true;
    if (refreshToken.totalLifetime() >= 365.25 * 24 * 60 * 60) return false;
    if (client.clientAuthMethod === 'none' && !refreshToken.isSenderConstrained()) return true;
    return refreshToken.ttlPercentagePassed() >= 70;
  },
  async expiresWithSession() { return false; },
  async extraTokenClaims(ctx, token) {
    if (token.kind !== 'AccessToken') return undefined;
    const extra = {};
    if (ctx?.oidc?.harnessAct) extra.act = ctx.oidc.harnessAct;
    // acr / auth_time of the authentication behind a user token (RFC 9068
    // 2.2.1), read by the protected resource's step-up routes (RFC 9470).
    const entities = ctx?.oidc?.entities || {};
    const source = entities.AuthorizationCode || entities.RefreshToken || entities.DeviceCode
      || entities.BackchannelAuthenticationRequest;
    if (source?.acr) extra.acr = source.acr;
    if (source?.authTime) extra.auth_time = source.authTime;
    return Object.keys(extra).length ? extra : undefined;
  },
  acrValues: Object.values(ACR),
  clientAuthMethods: [
    'client_secret_basic', 'client_secret_jwt', 'client_secret_post', 'private_key_jwt', 'none',
    ...(TLS ? ['tls_client_auth', 'self_signed_tls_client_auth'] : []),
  ],
  ttl: {
    AccessToken(ctx, token, client) {
      return SHORT_TTL_CLIENTS.has(client?.clientId) ? SHORT_TOKEN_TTL : 3600;
    },
    AuthorizationCode: 60,
    ClientCredentials(ctx, token, client) {
      return SHORT_TTL_CLIENTS.has(client?.clientId) ? SHORT_TOKEN_TTL : 600;
    },
    DeviceCode: 600,
    BackchannelAuthenticationRequest(ctx) {
      const requested = Number(ctx?.oidc?.params?.requested_expiry);
      return requested > 0 ? Math.min(600, requested) : 600;
    },
    IdToken: 3600,
    RefreshToken: 14 * 24 * 3600,
    Interaction: 3600,
    Session: 14 * 24 * 3600,
    Grant: 14 * 24 * 3600,
  },
  enabledJWA: {
    clientAuthSigningAlgValues: ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'Ed25519', 'EdDSA'],
    requestObjectSigningAlgValues: ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'Ed25519', 'EdDSA'],
    dPoPSigningAlgValues: ['ES256', 'ES384', 'ES512', 'RS256', 'PS256', 'Ed25519', 'EdDSA'],
  },
  features: {
    devInteractions: { enabled: INTERACTIONS === 'dev' },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
    requestObjects: { enabled: true, requireSignedRequestObject: false },
    claimsParameter: { enabled: true },
    jwtResponseModes: { enabled: true }, // JARM: response_mode=jwt / query.jwt / form_post.jwt
    // RFC 7591/7592 dynamic registration: open by default; the registration
    // variant instance demands REGISTRATION_INITIAL_ACCESS_TOKEN and rotates the
    // registration access token on every update (REGISTRATION_ROTATE_ACCESS_TOKEN=1).
    registration: { enabled: true, initialAccessToken: REGISTRATION_IAT || false },
    registrationManagement: { enabled: true, rotateRegistrationAccessToken: REGISTRATION_ROTATE },
    backchannelLogout: { enabled: true },
    jwtUserinfo: { enabled: true },
    jwtIntrospection: { enabled: true },
    encryption: { enabled: true },
    // FAPI 2.0 Security Profile, for the FAPI2_CLIENTS only.
    fapi: {
      enabled: true,
      profile(ctx, client) {
        return client && FAPI2_CLIENTS.has(client.clientId) ? '2.0' : undefined;
      },
    },
    mTLS: TLS ? {
      enabled: true,
      tlsClientAuth: true,
      selfSignedTlsClientAuth: true,
      certificateBoundAccessTokens: true,
      getCertificate: peerCertificate,
      certificateAuthorized(ctx) { return ctx.req.socket.authorized === true; },
      certificateSubjectMatches,
    } : { enabled: false },
    deviceFlow: { enabled: true, charset: 'base-20', mask: '****-****' },
    dPoP: {
      enabled: true,
      nonceSecret: Buffer.from(KEYS.dpopNonceSecret, 'base64url'),
      requireNonce(ctx) {
        return DPOP_REQUIRE_NONCE || ctx.oidc?.client?.clientId === 'client-dpop';
      },
    },
    resourceIndicators: {
      enabled: true,
      async defaultResource(ctx, client, oneOf) {
        if (oneOf) return oneOf;
        // RAR needs a resource; client_credentials without one gets the default API
        if (ctx.oidc.params?.authorization_details) return DEFAULT_RESOURCE;
        if (ctx.oidc.route === 'token' && ctx.oidc.params?.grant_type === GT.cc) return DEFAULT_RESOURCE;
        return undefined;
      },
      getResourceServerInfo: resourceServerInfo,
      async useGrantedResource() { return false; },
    },
    ciba: {
      enabled: true,
      deliveryModes: ['poll'],
      async processLoginHint(ctx, loginHint) { return loginHint; },
      async processLoginHintToken() {
        throw new errors.InvalidRequest('login_hint_token is not supported by this harness; use login_hint');
      },
      async validateBindingMessage(ctx, bindingMessage) {
        if (bindingMessage !== undefined && !/^[a-zA-Z0-9-._+/!?# ]{1,40}$/.test(bindingMessage)) {
          throw new errors.InvalidBindingMessage('binding_message must be 1-40 basic characters');
        }
      },
      async validateRequestContext() {},
      async verifyUserCode() {},
      async triggerAuthenticationDevice(ctx, request, account, client) {
        const provider = ctx.oidc.provider;
        const requestId = request.jti;
        const resources = request.resource === undefined
          ? [] : (Array.isArray(request.resource) ? request.resource : [request.resource]);
        const scope = request.scope;
        setTimeout(async () => {
          try {
            const grant = await grantFor(provider, {
              accountId: account.accountId, clientId: client.clientId, scope, resources,
            });
            await provider.backchannelResult(requestId, grant, {
              amr: ['hwk'], authTime: Math.floor(Date.now() / 1000),
            });
          } catch (err) {
            console.error('CIBA auto-approval failed', err);
          }
        }, CIBA_APPROVAL_DELAY_MS).unref();
      },
    },
    richAuthorizationRequests: {
      enabled: true,
      types: {
        payment_initiation: {
          validate(ctx, detail) {
            if (detail.instructedAmount !== undefined && typeof detail.instructedAmount !== 'object') {
              throw new errors.InvalidAuthorizationDetails('instructedAmount must be an object');
            }
          },
        },
        account_information: { validate() {} },
      },
      authorizationDetailsForGrantSource(ctx, source) {
        return ctx.oidc.grant?.rar;
      },
      authorizationDetailsForAccessToken(ctx, token, source) {
        if (source?.rar) return source.rar;
        if (ctx.oidc.params?.authorization_details) return JSON.parse(ctx.oidc.params.authorization_details);
        return undefined;
      },
      authorizationDetailsForIntrospection(ctx, token) {
        return token.rar;
      },
    },
  },
  interactions: INTERACTIONS === 'dev' ? {} : {
    url(ctx, interaction) { return `/interaction/${interaction.uid}`; },
    policy: interactionPolicyWithStepUp(),
  },
  // Outbound HTTP (back-channel logout tokens) may only go to loopback. That
  // replaces oidc-provider's own SSRF guard (its `dispatcher`, which refuses
  // exactly the special-use addresses such as 127.0.0.1 this harness needs).
  fetch(url, options) {
    const target = URL.parse(String(url));
    if (!target || !['http:', 'https:'].includes(target.protocol) || !LOOPBACK_HOSTS.has(target.hostname)) {
      return Promise.reject(new Error(`outbound fetch outside loopback refused by the harness: ${url}`));
    }
    const { dispatcher, ...rest } = options;
    return globalThis.fetch(target.href, rest);
  },
  renderError(ctx, out) {
    ctx.type = 'json';
    ctx.body = out;
  },
};

const provider = new Provider(ISSUER, configuration);
registerExtraGrants(provider);

// ------------------------------------------------------ automatic interactions
async function autoInteraction(ctx) {
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const { prompt, params, session } = details;
  let result;
  let merge = false;
  switch (prompt.name) {
    case 'login': {
      const hint = typeof params.login_hint === 'string' && params.login_hint ? params.login_hint : DEMO_USER.username;
      const [acr] = requestedKnownAcrs(params.acr_values);
      result = hint === DENY_ACCOUNT
        ? { error: 'access_denied', error_description: 'End-User denied the request (login_hint=deny)' }
        : {
          login: {
            accountId: hint, amr: acr ? AMR_FOR_ACR[acr] : ['pwd'], remember: true, ...(acr ? { acr } : {}),
          },
        };
      break;
    }
    case 'consent': {
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      const d = prompt.details;
      if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
      if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
      if (d.missingResourceScopes) {
        for (const [indicator, scopes] of Object.entries(d.missingResourceScopes)) {
          grant.addResourceScope(indicator, scopes.join(' '));
        }
      }
      if (d.rar) for (const detail of d.rar) grant.addRar(detail);
      result = { consent: { grantId: await grant.save() } };
      merge = true;
      break;
    }
    default:
      ctx.status = 501;
      ctx.body = { error: 'not_implemented', error_description: `prompt ${prompt.name}` };
      return;
  }
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
  ctx.redirect(returnTo);
  ctx.status = 303;
}

// ------------------------------------------------------- protected resource
const DPOP_ALGS = configuration.enabledJWA.dPoPSigningAlgValues;
// Same secret and label as oidc-provider's own DPoP nonces: the resource lives
// on the issuer's origin, so one nonce space serves both.
const RS_NONCES = new ServerChallenge(Buffer.from(KEYS.dpopNonceSecret, 'base64url'), 'DPoP');

class ResourceError extends Error {
  // `params`: extra challenge parameters (scope, acr_values, max_age).
  constructor(scheme, error, description, { status = 401, nonce, params } = {}) {
    super(description);
    Object.assign(this, {
      scheme, error, description, status, nonce, params,
    });
  }
}

// Find an access token issued by this server; returns a uniform view or undefined.
async function findAccessToken(value) {
  const opaque = (await provider.AccessToken.find(value)) || (await provider.ClientCredentials.find(value));
  // find() accepts tokens up to clockTolerance (15 s) after exp; this resource
  // is strict, so that short-lived tokens really are rejected once expired.
  if (opaque && !opaque.isExpired) {
    return {
      sub: opaque.accountId || opaque.clientId,
      client_id: opaque.clientId,
      scope: opaque.scope || '',
      aud: opaque.aud,
      jkt: opaque.jkt,
      x5t: opaque['x5t#S256'],
      acr: opaque.extra?.acr,
      auth_time: opaque.extra?.auth_time,
      kind: opaque.kind,
    };
  }
  try {
    const { payload } = await jose.jwtVerify(value, SERVER_PUBLIC_JWKS, { issuer: provider.issuer, typ: 'at+jwt' });
    return {
      sub: payload.sub,
      client_id: payload.client_id,
      scope: payload.scope || '',
      aud: payload.aud,
      jkt: payload.cnf?.jkt,
      x5t: payload.cnf?.['x5t#S256'],
      acr: payload.acr,
      auth_time: payload.auth_time,
      kind: 'JWTAccessToken',
    };
  } catch {
    return undefined;
  }
}

async function verifyDpopProof(ctx, accessToken, token, requireNonce) {
  const proof = ctx.get('DPoP');
  const fail = (msg) => new ResourceError('DPoP', 'invalid_dpop_proof', msg);
  if (!proof) throw new ResourceError('DPoP', 'invalid_token', 'DPoP proof JWT not provided');
  let payload;
  let protectedHeader;
  try {
    ({ payload, protectedHeader } = await jose.jwtVerify(proof, jose.EmbeddedJWK, {
      algorithms: DPOP_ALGS, typ: 'dpop+jwt',
    }));
  } catch (err) {
    throw fail(`invalid DPoP proof: ${err.code || err.message}`);
  }
  if (typeof payload.iat !== 'number') throw fail('DPoP proof must have a iat number claim');
  if (typeof payload.jti !== 'string' || !payload.jti) throw fail('DPoP proof must have a jti string claim');
  if (payload.htm !== ctx.method) throw fail('DPoP proof htm mismatch');
  const htu = typeof payload.htu === 'string' ? URL.parse(payload.htu) : null;
  if (htu) { htu.search = ''; htu.hash = ''; }
  const expected = new URL(ctx.href);
  expected.search = '';
  expected.hash = '';
  if (!htu || htu.href !== expected.href) throw fail('DPoP proof htu mismatch');
  if (payload.ath !== crypto.hash('sha256', accessToken, 'base64url')) throw fail('DPoP proof ath mismatch');
  if (payload.nonce !== undefined) {
    if (typeof payload.nonce !== 'string' || !RS_NONCES.checkChallenge(payload.nonce)) {
      throw new ResourceError('DPoP', 'use_dpop_nonce', 'invalid nonce in DPoP proof', { nonce: RS_NONCES.nextChallenge() });
    }
  } else if (requireNonce) {
    throw new ResourceError('DPoP', 'use_dpop_nonce', 'nonce is required in the DPoP proof', { nonce: RS_NONCES.nextChallenge() });
  } else if (Math.abs(Math.floor(Date.now() / 1000) - payload.iat) > CHALLENGE_OK_WINDOW) {
    throw fail('DPoP proof iat is not recent enough');
  }
  const thumbprint = await jose.calculateJwkThumbprint(protectedHeader.jwk);
  if (thumbprint !== token.jkt) throw new ResourceError('DPoP', 'invalid_token', 'failed jkt verification');
  const unique = await provider.ReplayDetection.unique(
    `rs:${token.client_id}`, payload.jti, Math.floor(Date.now() / 1000) + CHALLENGE_OK_WINDOW,
  );
  if (!unique) throw fail('DPoP proof JWT replay detected');
}

async function readBody(ctx) {
  if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(ctx.method)) return undefined;
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (!raw) return undefined;
  if (ctx.is('application/json')) {
    try { return JSON.parse(raw); } catch { return raw; }
  }
  if (ctx.is('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  return raw;
}

// RFC 9728: the metadata URL of the resource a request is for (its path on this origin).
// The origin the request was sent to (in Koa 3, ctx.origin is the Origin
// request header instead).
function requestOrigin(ctx) {
  return new URL(ctx.href).origin;
}

function resourceMetadataUrl(ctx) {
  return `${requestOrigin(ctx)}${PRM_PATH}${ctx.path}`;
}

// The extra demands of some routes, once the token itself is valid.
function checkRouteDemands(ctx, scheme, token) {
  if (ctx.path.startsWith(SCOPED_PREFIX) && !splitScope(token.scope).includes(SCOPED_SCOPE)) {
    throw new ResourceError(scheme, 'insufficient_scope', `this resource needs the ${SCOPED_SCOPE} scope`, {
      status: 403, params: { scope: SCOPED_SCOPE },
    });
  }
  if (ctx.path.startsWith(STEP_UP_PREFIX) && token.acr !== ACR.mfa) {
    throw new ResourceError(scheme, 'insufficient_user_authentication', 'a different authentication level is required', {
      params: { acr_values: ACR.mfa },
    });
  }
  const maxAge = MAX_AGE_PATTERN.exec(ctx.path);
  if (maxAge) {
    const seconds = Number(maxAge[1]);
    const now = Math.floor(Date.now() / 1000);
    if (typeof token.auth_time !== 'number' || now - token.auth_time > seconds) {
      throw new ResourceError(scheme, 'insufficient_user_authentication', 'more recent authentication is required', {
        params: { max_age: String(seconds) },
      });
    }
  }
}

async function protectedResource(ctx) {
  const requireNonce = RS_DPOP_REQUIRE_NONCE || ctx.path.startsWith('/api/nonce/');
  const metadata = `, resource_metadata="${resourceMetadataUrl(ctx)}"`;
  const challenges = (error) => {
    let params = '';
    if (error) {
      params = `, error="${error.error}", error_description="${error.description.replaceAll('"', "'")}"`;
      for (const [name, value] of Object.entries(error.params || {})) params += `, ${name}="${value}"`;
    }
    const scheme = error?.scheme || 'Bearer';
    return [
      `Bearer realm="${RESOURCE_PATH}"${scheme === 'Bearer' ? params : ''}${metadata}`,
      `DPoP realm="${RESOURCE_PATH}", algs="${DPOP_ALGS.join(' ')}"${scheme === 'DPoP' ? params : ''}${metadata}`,
    ].join(', ');
  };
  ctx.set('Cache-Control', 'no-store');
  try {
    const authorization = ctx.get('Authorization');
    const match = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization);
    if (!authorization) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', challenges());
      ctx.body = { error: 'invalid_request', error_description: 'no access token provided' };
      return;
    }
    if (!match) throw new ResourceError('Bearer', 'invalid_request', 'malformed Authorization header', { status: 400 });
    const scheme = match[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
    const value = match[2];
    const token = await findAccessToken(value);
    if (!token) throw new ResourceError(scheme, 'invalid_token', 'access token is invalid, expired or revoked');
    if (scheme === 'DPoP') {
      if (!token.jkt) throw new ResourceError('DPoP', 'invalid_token', 'access token is not DPoP-bound');
      await verifyDpopProof(ctx, value, token, requireNonce);
    } else if (token.jkt) {
      throw new ResourceError('Bearer', 'invalid_token', 'DPoP-bound access token sent as a Bearer token');
    }
    // RFC 8705 section 3: a certificate-bound token needs the same certificate on this connection.
    if (token.x5t) {
      const cert = peerCertificate(ctx);
      if (!cert) {
        throw new ResourceError(scheme, 'invalid_token', 'certificate-bound access token used without a client certificate');
      }
      if (certificateThumbprint(cert) !== token.x5t) {
        throw new ResourceError(scheme, 'invalid_token', 'client certificate does not match the access token binding (x5t#S256)');
      }
    }
    checkRouteDemands(ctx, scheme, token);
    ctx.status = 200;
    ctx.body = {
      sub: token.sub ?? null,
      client_id: token.client_id,
      scope: token.scope,
      aud: token.aud ?? null,
      token_type: scheme,
      method: ctx.method,
      path: ctx.path,
      query: Object.fromEntries(new URLSearchParams(ctx.querystring)),
      body: (await readBody(ctx)) ?? null,
      acr: token.acr ?? null,
      auth_time: token.auth_time ?? null,
      cnf: token.x5t ? { 'x5t#S256': token.x5t } : (token.jkt ? { jkt: token.jkt } : null),
    };
  } catch (err) {
    if (!(err instanceof ResourceError)) throw err;
    ctx.status = err.status;
    ctx.set('WWW-Authenticate', challenges(err));
    if (err.nonce) ctx.set('DPoP-Nonce', err.nonce);
    ctx.body = { error: err.error, error_description: err.description };
  }
}

// RFC 9728 protected resource metadata for the origin itself
// (/.well-known/oauth-protected-resource) or for any path under /api/
// (/.well-known/oauth-protected-resource/api/...).
function protectedResourceMetadata(ctx) {
  const suffix = ctx.path.slice(PRM_PATH.length);
  if (suffix !== '' && !suffix.startsWith(RESOURCE_PREFIX)) {
    ctx.status = 404;
    ctx.body = { error: 'not_found', error_description: `no protected resource at ${suffix}` };
    return;
  }
  ctx.set('Cache-Control', 'no-store');
  ctx.body = {
    resource: `${requestOrigin(ctx)}${suffix}`,
    authorization_servers: [provider.issuer],
    scopes_supported: API_SCOPES,
    bearer_methods_supported: ['header'],
    dpop_signing_alg_values_supported: DPOP_ALGS,
    resource_name: 'requests_oauth2client test API',
    ...(TLS ? { tls_client_certificate_bound_access_tokens: true } : {}),
  };
}

// ------------------------------------------------------------- token stats
// GET /harness/stats[?client_id=...]: token endpoint requests per client and
// grant_type: {token_endpoint: {client: {grant: {requests, issued, errors: {code: n}}}}}.
// DELETE /harness/stats[?client_id=...] resets them. Loopback callers only.
const TOKEN_STATS = new Map();

function recordTokenRequest(ctx) {
  const clientId = ctx.oidc.client?.clientId || ctx.oidc.params?.client_id || '(unknown)';
  const grantType = ctx.oidc.params?.grant_type || '(none)';
  if (!TOKEN_STATS.has(clientId)) TOKEN_STATS.set(clientId, new Map());
  const perGrant = TOKEN_STATS.get(clientId);
  if (!perGrant.has(grantType)) perGrant.set(grantType, { requests: 0, issued: 0, errors: {} });
  const entry = perGrant.get(grantType);
  entry.requests += 1;
  if (ctx.status === 200) {
    entry.issued += 1;
  } else {
    const code = (ctx.body && typeof ctx.body === 'object' && ctx.body.error) || `http_${ctx.status}`;
    entry.errors[code] = (entry.errors[code] || 0) + 1;
  }
}

function tokenStats(ctx) {
  const remote = ctx.req.socket.remoteAddress || '';
  if (!['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(remote)) {
    ctx.status = 403;
    ctx.body = { error: 'forbidden', error_description: 'loopback callers only' };
    return;
  }
  const only = ctx.query.client_id;
  ctx.set('Cache-Control', 'no-store');
  if (ctx.method === 'DELETE') {
    if (typeof only === 'string') TOKEN_STATS.delete(only);
    else TOKEN_STATS.clear();
    ctx.status = 204;
    return;
  }
  if (ctx.method !== 'GET') {
    ctx.status = 405;
    ctx.body = { error: 'method_not_allowed', error_description: 'GET or DELETE' };
    return;
  }
  const view = {};
  for (const [clientId, perGrant] of TOKEN_STATS) {
    if (typeof only === 'string' && clientId !== only) continue;
    view[clientId] = Object.fromEntries([...perGrant].map(([grant, entry]) => [grant, structuredClone(entry)]));
  }
  ctx.body = { token_endpoint: view };
}

// ------------------------------------------------------ software statements
// RFC 7591 section 2.3 (oidc-provider has no software statement support): a
// `software_statement` in a registration request must be a JWT signed by the
// trusted issuer (urn:harness:trusted-issuer, its ES256 key in the state
// directory); its claims then override the plain metadata. A statement that is
// not a valid JWT of that issuer: 400 invalid_software_statement; one from any
// other issuer: 400 unapproved_software_statement.
const REGISTRATION_PATH = '/reg';
const STATEMENT_ENVELOPE = ['iss', 'iat', 'exp', 'nbf', 'jti', 'aud'];

async function readJsonBody(ctx) {
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  const raw = Buffer.concat(chunks).toString('utf8');
  try { return { raw, json: JSON.parse(raw) }; } catch { return { raw, json: undefined }; }
}

async function applySoftwareStatement(ctx) {
  const { raw, json } = await readJsonBody(ctx);
  // oidc-provider reads an already consumed body from req.body
  ctx.req.body = raw;
  const statement = json?.software_statement;
  if (statement === undefined) return undefined;
  const refuse = (error, description) => {
    ctx.status = 400;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { error, error_description: description };
    return ctx.body;
  };
  let unverified;
  try {
    unverified = jose.decodeJwt(String(statement));
  } catch {
    return refuse('invalid_software_statement', 'software_statement is not a JWT');
  }
  if (unverified.iss !== TRUSTED_ISSUER) {
    return refuse('unapproved_software_statement', `software statements of ${unverified.iss} are not accepted`);
  }
  let payload;
  try {
    ({ payload } = await jose.jwtVerify(String(statement), TRUSTED_ISSUER_JWKS, { issuer: TRUSTED_ISSUER }));
  } catch (err) {
    return refuse('invalid_software_statement', `software_statement verification failed: ${err.code || err.message}`);
  }
  const { software_statement: _, ...metadata } = json;
  for (const claim of STATEMENT_ENVELOPE) delete payload[claim];
  ctx.req.body = JSON.stringify({ ...metadata, ...payload });
  return undefined;
}

// RFC 8705 section 5: endpoints with an alias on the mTLS listener.
const MTLS_ALIASED = [
  'token_endpoint', 'revocation_endpoint', 'introspection_endpoint', 'userinfo_endpoint',
  'device_authorization_endpoint', 'pushed_authorization_request_endpoint', 'backchannel_authentication_endpoint',
];
let mtlsOrigin; // set once the mTLS listener listens

function addMtlsAliases(body) {
  const aliases = {};
  for (const name of MTLS_ALIASED) {
    if (typeof body[name] !== 'string') continue;
    const url = new URL(body[name]);
    const alias = new URL(mtlsOrigin);
    alias.pathname = url.pathname;
    aliases[name] = alias.href;
  }
  body.mtls_endpoint_aliases = aliases;
}

provider.use(async (ctx, next) => {
  if (ctx.path.startsWith(RESOURCE_PREFIX)) {
    await protectedResource(ctx);
    return;
  }
  if (ctx.method === 'GET' && (ctx.path === PRM_PATH || ctx.path.startsWith(`${PRM_PATH}/`))) {
    protectedResourceMetadata(ctx);
    return;
  }
  if (ctx.path === STATS_PATH) {
    tokenStats(ctx);
    return;
  }
  if (ctx.method === 'POST' && ctx.path === REGISTRATION_PATH && ctx.is('application/json')) {
    if (await applySoftwareStatement(ctx)) return;
  }
  if (INTERACTIONS !== 'dev' && ctx.method === 'GET' && /^\/interaction\/[^/]+$/.test(ctx.path)) {
    try {
      await autoInteraction(ctx);
    } catch (err) {
      ctx.status = err.statusCode || 400;
      ctx.body = { error: err.error || 'interaction_failed', error_description: err.error_description || err.message };
    }
    return;
  }
  await next();
  const route = ctx.oidc?.route;
  if (route === 'token') recordTokenRequest(ctx);
  if (route === 'discovery' && TLS && mtlsOrigin && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
    addMtlsAliases(ctx.body);
  }
  // Advertise a short polling interval (RFC 8628 / CIBA default is 5 s).
  if ((route === 'device_authorization' || route === 'backchannel_authentication')
      && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
    ctx.body.interval = POLL_INTERVAL;
  }
  misbehave(ctx);
});

// Fault injection, for tests of how a client copes with a misbehaving server; only on request:
//   X-Harness-Patch: base64url(JSON object)  merged into a successful JSON answer (RFC 7396: null deletes)
//   X-Harness-Content-Type: <value>          replaces the Content-Type of that answer (the body stays UTF-8 JSON)
function misbehave(ctx) {
  const patch = ctx.get('x-harness-patch');
  const contentType = ctx.get('x-harness-content-type');
  if ((!patch && !contentType) || ctx.status >= 400 || !ctx.body || typeof ctx.body !== 'object') return;
  if (patch) {
    for (const [name, value] of Object.entries(JSON.parse(Buffer.from(patch, 'base64url').toString('utf8')))) {
      if (value === null) delete ctx.body[name];
      else ctx.body[name] = value;
    }
  }
  if (contentType) {
    ctx.body = Buffer.from(JSON.stringify(ctx.body), 'utf8');
    ctx.set('Content-Type', contentType);
  }
}

provider.on('server_error', (ctx, err) => console.error('server_error', err));
if (DEBUG) {
  for (const ev of ['grant.error', 'authorization.error', 'introspection.error', 'revocation.error',
    'userinfo.error', 'backchannel.error', 'pushed_authorization_request.error', 'device_authorization.error',
    'end_session.error', 'jwks.error', 'discovery.error']) {
    provider.on(ev, (ctx, err) => console.error(ev, err.error, err.error_description, err.error_detail || '', err.cause?.message || ''));
  }
}

// ---------------------------------------------------------------- contract file
// Clients whose private keys tests need: written to the state directory.
const CLIENT_PRIVATE_JWKS = {
  'client-private-key-jwt': KEYS.client,
  'client-encrypted': KEYS.encryptedClient,
  'client-fapi2': KEYS.fapiClient,
};

function writeContract() {
  const files = {
    private_key_jwt_jwks: path.join(STATE_DIR, 'client-private-key-jwt.private.jwks.json'),
    trusted_issuer_jwk: path.join(STATE_DIR, 'trusted-issuer.private.jwk.json'),
    client_private_jwks: Object.fromEntries(Object.keys(CLIENT_PRIVATE_JWKS).map(
      (clientId) => [clientId, path.join(STATE_DIR, `${clientId}.private.jwks.json`)],
    )),
  };
  for (const [clientId, keys] of Object.entries(CLIENT_PRIVATE_JWKS)) {
    fs.writeFileSync(files.client_private_jwks[clientId], JSON.stringify({ keys }, null, 2), { mode: 0o600 });
  }
  fs.writeFileSync(files.private_key_jwt_jwks, JSON.stringify({ keys: KEYS.client }, null, 2), { mode: 0o600 });
  fs.writeFileSync(files.trusted_issuer_jwk, JSON.stringify(KEYS.trustedIssuer, null, 2), { mode: 0o600 });
  const contract = {
    issuer: ISSUER,
    discovery: `${ISSUER}/.well-known/openid-configuration`,
    interactions: INTERACTIONS,
    demo_user: DEMO_USER,
    deny_login_hint: DENY_ACCOUNT,
    trusted_assertion_issuer: TRUSTED_ISSUER,
    resources: Object.keys(RESOURCE_SERVERS),
    default_resource: DEFAULT_RESOURCE,
    // Protected resource on this server (any path under /api/, any method).
    resource_url: `${ISSUER}${RESOURCE_PATH}`,
    // Same, but always demands a DPoP nonce from DPoP requests.
    resource_nonce_url: `${ISSUER}${RESOURCE_NONCE_PATH}`,
    resource_dpop_require_nonce: RS_DPOP_REQUIRE_NONCE,
    // RFC 9728 metadata and the routes with extra demands (RFC 6750 / RFC 9470).
    protected_resource: {
      metadata_url: `${ISSUER}${PRM_PATH}`,
      scopes: API_SCOPES,
      scoped_url: `${ISSUER}${SCOPED_PREFIX}resource`,
      required_scope: SCOPED_SCOPE,
      step_up_url: `${ISSUER}${STEP_UP_PREFIX}resource`,
      step_up_acr: ACR.mfa,
      max_age_url: `${ISSUER}/api/max-age/{max_age}/resource`,
    },
    acr_values: ACR,
    short_ttl_client: SHORT_TTL_CLIENT,
    rotating_client: ROTATING_CLIENT,
    stats_url: `${ISSUER}${STATS_PATH}`,
    backchannel_logout_uri: BACKCHANNEL_LOGOUT_URI,
    registration: {
      initial_access_token: REGISTRATION_IAT || null,
      rotate_registration_access_token: REGISTRATION_ROTATE,
      // software statements must be signed by this issuer (files.trusted_issuer_jwk)
      software_statement_issuer: TRUSTED_ISSUER,
    },
    server_encryption_kids: KEYS.serverEnc.map((k) => k.kid),
    fapi2_clients: [...FAPI2_CLIENTS].filter((id) => CLIENT_BY_ID.has(id)),
    tls: TLS ? {
      ca_file: TLS.caFile,
      server_cert_file: TLS.certFile,
      mtls_origin: mtlsOrigin,
      mtls_resource_url: `${mtlsOrigin}${RESOURCE_PATH}`,
      client_subject_dn: TLS.clientSubjectDn,
    } : null,
    clients: Object.fromEntries(CLIENTS.map((c) => {
      const { jwks, ...meta } = c;
      return [c.client_id, {
        ...meta,
        dpop_bound_access_tokens: !!c.dpop_bound_access_tokens,
        dpop_nonce_required: DPOP_REQUIRE_NONCE || c.client_id === 'client-dpop',
        application_type: c.application_type || 'web',
        ...(SHORT_TTL_CLIENTS.has(c.client_id) ? { access_token_ttl: SHORT_TOKEN_TTL } : {}),
        ...(c.client_id === ROTATING_CLIENT ? { refresh_token_rotation: true } : {}),
        ...(FAPI2_CLIENTS.has(c.client_id) ? { fapi_profile: '2.0' } : {}),
        ...(files.client_private_jwks[c.client_id] ? { private_jwks_file: files.client_private_jwks[c.client_id] } : {}),
      }];
    })),
    files,
  };
  const file = path.join(STATE_DIR, 'harness.json');
  fs.writeFileSync(file, JSON.stringify(contract, null, 2));
  return file;
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => resolve(server.address().port));
  });
}

const servers = [];
async function start() {
  const callback = provider.callback();
  let mtlsPort;
  if (TLS) {
    // the issuer's listener does not ask for client certificates; the mTLS one
    // asks (does not require: requests without one still reach the server)
    const main = https.createServer({ cert: TLS.cert, key: TLS.key }, callback);
    servers.push(main);
    await listen(main, PORT);
    const mtls = https.createServer({
      cert: TLS.cert, key: TLS.key, ca: TLS.ca, requestCert: true, rejectUnauthorized: false,
    }, callback);
    servers.push(mtls);
    mtlsPort = await listen(mtls, MTLS_PORT);
    mtlsOrigin = `https://${HOST}:${mtlsPort}`;
    RESOURCE_ORIGINS.add(mtlsOrigin);
  } else {
    const main = http.createServer(callback);
    servers.push(main);
    await listen(main, PORT);
  }
  const contractFile = writeContract();
  const configMs = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(`READY ${JSON.stringify({
    issuer: ISSUER,
    pid: process.pid,
    contract: contractFile,
    interactions: INTERACTIONS,
    ...(TLS ? { mtls_port: mtlsPort } : {}),
    startup_ms: Math.round(process.uptime() * 1000), // since node started
    config_ms: Math.round(configMs), // after the imports: keys, Provider, listen
  })}\n`);
}

start().catch((err) => {
  console.error(err);
  process.exit(1);
});

// All state is in memory; nothing to flush, so exit at once.
function shutdown() {
  for (const server of servers) {
    server.close();
    server.closeAllConnections();
  }
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

// Watchdog for test runners: with HARNESS_EXIT_ON_STDIN_EOF=1 the server exits
// when its stdin closes, i.e. when the parent process that holds the other end
// of the pipe dies, even by SIGKILL.
if (process.env.HARNESS_EXIT_ON_STDIN_EOF === '1') {
  process.stdin.on('end', shutdown);
  process.stdin.on('error', shutdown);
  process.stdin.resume();
}
