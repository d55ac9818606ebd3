// A local OpenID Connect provider for tests, built on node-oidc-provider (OpenID Certified).
//
// Two flavours:
//   google     one issuer (`issuer`), discovery at {issuer}/.well-known/openid-configuration.
//   microsoft  the multi-tenant `common` endpoint of Microsoft identity platform v2.0: one real
//              provider per tenant with issuer {issuer}/{tid}/v2.0, all signing with the same keys,
//              and a `common` facade whose discovery document at
//              {issuer}/common/v2.0/.well-known/openid-configuration advertises the issuer template
//              {issuer}/{tenantid}/v2.0. Its authorize endpoint sends the browser to the tenant of the
//              login_hint account; its token endpoint hands the code to the tenant that issued it.
//
// Sign-in is non-interactive: the interaction logs in the account named by `login_hint` (email,
// preferred_username or sub) and consents to the requested scopes, so a test only follows redirects.
//
// Configuration: JSON from `--config <file>` or the OIDC_PROVIDER_CONFIG environment variable; `--port`,
// `--issuer`, `--flavour` (or PORT, ISSUER, FLAVOUR) override the file. Shape:
//   {"flavour": "google"|"microsoft", "port": 9000, "issuer": "http://127.0.0.1:9000",
//    "clients": [{"client_id": "...", "client_secret": "...", "redirect_uris": ["..."]}],
//    "accounts": [{"sub": "...", "email": "...", "email_verified": true, "name": "...",
//                  "oid": "...", "tid": "...", "preferred_username": "...", "tenant": "..."}]}
// An account's `tenant` (microsoft only) is the tenant that signs it in; it defaults to its `tid`.
// Clients authenticate at the token endpoint with client_secret_post unless `token_endpoint_auth_method`
// says otherwise. More accounts can be added while it runs: POST /_test/accounts with one account.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';

const CLAIM_NAMES = ['email', 'email_verified', 'name', 'given_name', 'family_name', 'preferred_username', 'oid', 'tid'];

function loadConfig() {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      issuer: { type: 'string' },
      flavour: { type: 'string' },
    },
  });
  let config = {};
  if (values.config) {
    config = JSON.parse(readFileSync(values.config, 'utf8'));
  } else if (process.env.OIDC_PROVIDER_CONFIG) {
    config = JSON.parse(process.env.OIDC_PROVIDER_CONFIG);
  }
  const port = Number(values.port ?? process.env.PORT ?? config.port ?? 9000);
  const flavour = values.flavour ?? process.env.FLAVOUR ?? config.flavour ?? 'google';
  if (!['google', 'microsoft'].includes(flavour)) {
    throw new Error(`unknown flavour ${flavour}`);
  }
  const issuer = (values.issuer ?? process.env.ISSUER ?? config.issuer ?? `http://127.0.0.1:${port}`).replace(/\/$/, '');
  return {
    port,
    flavour,
    issuer,
    clients: config.clients ?? [],
    accounts: config.accounts ?? [],
  };
}

function findHinted(accounts, hint) {
  if (!hint) return undefined;
  const wanted = String(hint).toLowerCase();
  return accounts.find((a) => [a.email, a.preferred_username, a.sub]
    .filter(Boolean)
    .some((v) => String(v).toLowerCase() === wanted));
}

function claimsOf(account) {
  const claims = { sub: account.sub };
  for (const name of CLAIM_NAMES) {
    if (account[name] !== undefined) claims[name] = account[name];
  }
  return claims;
}

function makeProvider({ issuer, mountPath, clients, accounts, privateJwk }) {
  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({
      client_id: c.client_id,
      client_secret: c.client_secret,
      redirect_uris: c.redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: c.token_endpoint_auth_method ?? 'client_secret_post',
    })),
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    jwks: { keys: [privateJwk] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    scopes: ['openid', 'email', 'profile'],
    claims: {
      openid: ['sub', 'oid', 'tid'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    },
    // like Google and Microsoft, the ID token of the code flow carries the scope's claims
    conformIdTokenClaims: false,
    // the original clients exchange codes without PKCE; when a challenge was sent, the verifier is checked
    pkce: { required: () => false },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `${mountPath}/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const account = accounts.find((a) => a.sub === sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => claimsOf(account) };
    },
    renderError(ctx, out) {
      ctx.type = 'json';
      ctx.body = out;
    },
  });
  return provider;
}

// The non-interactive login and consent of one interaction.
async function completeInteraction(provider, accounts, req, res) {
  const details = await provider.interactionDetails(req, res);
  const account = findHinted(accounts, details.params.login_hint)
    ?? (details.session?.accountId && accounts.find((a) => a.sub === details.session.accountId));
  if (!account) {
    await provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'no test account matches login_hint',
    }, { mergeWithLastSubmission: false });
    return;
  }
  const grant = new provider.Grant({ accountId: account.sub, clientId: details.params.client_id });
  grant.addOIDCScope(String(details.params.scope ?? 'openid'));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, {
    login: { accountId: account.sub },
    consent: { grantId },
  }, { mergeWithLastSubmission: false });
}

function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// A provider mounted under `prefix`: strip it from req.url and keep the full path in originalUrl,
// which is how oidc-provider learns its mount path.
async function dispatch(prefix, provider, accounts, req, res) {
  const full = req.url;
  const rest = full.slice(prefix.length) || '/';
  const path = rest.split('?')[0];
  if (req.method === 'GET' && /^\/interaction\/[^/]+$/.test(path)) {
    await completeInteraction(provider, accounts, req, res);
    return;
  }
  req.originalUrl = full;
  req.url = rest;
  provider.callback()(req, res);
}

function googleServer(config, privateJwk) {
  const provider = makeProvider({
    issuer: config.issuer,
    mountPath: '',
    clients: config.clients,
    accounts: config.accounts,
    privateJwk,
  });
  return async (req, res) => {
    if (await addAccountRoute(config, () => {}, req, res, new URL(req.url, config.issuer))) return;
    await dispatch('', provider, config.accounts, req, res);
  };
}

// POST /_test/accounts {account}: adds a test account at run time, so each test signs in as its own person.
async function addAccountRoute(config, onAdd, req, res, url) {
  if (req.method !== 'POST' || url.pathname !== '/_test/accounts') return false;
  const account = JSON.parse((await readBody(req)).toString('utf8'));
  if (!account.sub || config.accounts.some((a) => a.sub === account.sub)) {
    sendJson(res, 400, { error: 'invalid_account', error_description: 'sub missing or taken' });
    return true;
  }
  onAdd(account);
  config.accounts.push(account);
  sendJson(res, 201, account);
  return true;
}

function microsoftServer(config, privateJwk, publicJwks) {
  const base = config.issuer;
  const tenants = new Map();
  const codeTenant = new Map();
  const tenantOf = (account) => account.tenant ?? account.tid;
  // one real provider per tenant, made when the first account of that tenant appears
  const tenantProvider = (tid) => {
    if (!tenants.has(tid)) {
      const mountPath = `/${tid}/v2.0`;
      const provider = makeProvider({
        issuer: `${base}${mountPath}`,
        mountPath,
        clients: config.clients,
        accounts: config.accounts,
        privateJwk,
      });
      provider.on('authorization_code.saved', (code) => codeTenant.set(code.jti, tid));
      tenants.set(tid, { provider, mountPath });
    }
    return tenants.get(tid);
  };
  const addAccount = (account) => {
    const tid = tenantOf(account);
    if (!tid || !/^[A-Za-z0-9-]+$/.test(tid)) throw new Error(`microsoft account ${account.sub} needs a tid`);
    tenantProvider(tid);
  };
  config.accounts.forEach(addAccount);

  const common = {
    issuer: `${base}/{tenantid}/v2.0`,
    authorization_endpoint: `${base}/common/oauth2/v2.0/authorize`,
    token_endpoint: `${base}/common/oauth2/v2.0/token`,
    jwks_uri: `${base}/common/discovery/v2.0/keys`,
    response_types_supported: ['code', 'id_token', 'code id_token'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    code_challenge_methods_supported: ['S256'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', 'name', 'email', 'preferred_username', 'oid', 'tid'],
    tenant_region_scope: null,
  };

  return async (req, res) => {
    const url = new URL(req.url, base);
    if (req.method === 'GET' && url.pathname === '/common/v2.0/.well-known/openid-configuration') {
      sendJson(res, 200, common);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/common/discovery/v2.0/keys') {
      sendJson(res, 200, publicJwks);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/common/oauth2/v2.0/authorize') {
      const account = findHinted(config.accounts, url.searchParams.get('login_hint'));
      if (!account) {
        sendJson(res, 400, { error: 'invalid_request', error_description: 'no test account matches login_hint' });
        return;
      }
      res.writeHead(302, { location: `${base}/${tenantOf(account)}/v2.0/auth${url.search}`, 'content-length': '0' });
      res.end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/common/oauth2/v2.0/token') {
      const body = await readBody(req);
      const code = new URLSearchParams(body.toString('utf8')).get('code');
      const tid = code && codeTenant.get(code);
      if (!tid) {
        sendJson(res, 400, { error: 'invalid_grant', error_description: 'unknown authorization code' });
        return;
      }
      const headers = { 'content-type': req.headers['content-type'] ?? 'application/x-www-form-urlencoded' };
      if (req.headers.authorization) headers.authorization = req.headers.authorization;
      const answer = await fetch(`${base}/${tid}/v2.0/token`, { method: 'POST', headers, body });
      const text = await answer.text();
      res.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? 'application/json',
        'cache-control': 'no-store',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
      return;
    }
    if (await addAccountRoute(config, addAccount, req, res, url)) return;
    const [, tid] = url.pathname.split('/');
    const tenant = tenants.get(tid);
    if (tenant && url.pathname.startsWith(`${tenant.mountPath}/`)) {
      const mine = config.accounts.filter((a) => tenantOf(a) === tid);
      await dispatch(tenant.mountPath, tenant.provider, mine, req, res);
      return;
    }
    sendJson(res, 404, { error: 'not_found' });
  };
}

function main() {
  const config = loadConfig();
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(8).toString('hex');
  const privateJwk = { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
  const publicJwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }] };
  const handler = config.flavour === 'microsoft'
    ? microsoftServer(config, privateJwk, publicJwks)
    : googleServer(config, privateJwk);
  const server = http.createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((err) => {
      const status = err instanceof errors.OIDCProviderError ? err.status : 500;
      if (!res.headersSent) sendJson(res, status, { error: err.error ?? 'server_error', error_description: err.message });
      else res.end();
    });
  });
  server.listen(config.port, '127.0.0.1', () => {
    process.stdout.write(`oidc-provider (${config.flavour}) listening on ${config.issuer}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
