// What token auth needs on this machine, where Azure AD cannot run: a self-signed certificate for HTTPS
// Azurite (which takes bearer tokens only over HTTPS), and a local endpoint playing App Service's managed
// identity endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER). On App Service that endpoint is itself a local
// HTTP service the platform runs beside the app, so DefaultAzureCredential -> ManagedIdentityCredential
// takes the same code path here as in production; only the token's issuer is not Azure AD (Azurite checks
// a token's issuer, audience and expiry, not its signature).

import { runChild } from '../../../test-support/child.js';
import { writeFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';

/**
 * A throwaway CA and a certificate it signs for 127.0.0.1, in `dir`: `ca` is the file to trust (Node's
 * NODE_EXTRA_CA_CERTS, rustls's SSL_CERT_FILE), `cert` + `key` what Azurite serves. Two certificates, not
 * one self-signed: rustls (delta-rs) refuses a CA certificate used as the server's own.
 */
export async function selfSignedCert(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const f = (name: string) => path.join(dir, name);
  const openssl = async (args: string[]) => {
    const r = await runChild('openssl', args);
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr.slice(-2000)}`);
  };
  const key = ['-newkey', 'rsa:2048', '-nodes'];
  await openssl([
    'req',
    '-x509',
    ...key,
    '-days',
    '2',
    '-subj',
    '/CN=cvc test CA',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
  ]);
  await openssl(['req', ...key, '-subj', '/CN=127.0.0.1', '-keyout', f('key.pem'), '-out', f('server.csr')]);
  writeFileSync(f('server.ext'), 'basicConstraints=critical,CA:FALSE\nsubjectAltName=IP:127.0.0.1\n');
  await openssl(
    ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial'].concat([
      '-days',
      '2',
      '-extfile',
      f('server.ext'),
      '-out',
      f('cert.pem'),
    ]),
  );
  return { ca: f('ca.pem'), cert: f('cert.pem'), key: f('key.pem') };
}

/** The kinds of token the endpoint hands out, one path each: /msi/token/<kind>. */
export type TokenKind = 'good' | 'expired' | 'wrong-audience';

export interface IdentityEndpoint {
  /** IDENTITY_ENDPOINT for a token kind. */
  url(kind: TokenKind): string;
  /** IDENTITY_HEADER: requests without it are refused, as App Service's endpoint refuses them. */
  header: string;
  /** Every token handed out (to check none reaches a message or log), and the resource each asked for. */
  issued: { kind: TokenKind; resource: string; token: string }[];
  /** A token of a kind, minted directly (for delta-rs, which takes a bearer token, not a credential chain). */
  mint(kind: TokenKind): string;
  stop(): Promise<void>;
}

const b64url = (v: object | Buffer) =>
  (Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v))).toString('base64url').replace(/=+$/, '');

/** A JWT shaped like Azure AD's v1 storage tokens; the signature is random bytes (nobody here verifies it). */
function jwt(kind: TokenKind, tenant: string): string {
  const now = Math.floor(Date.now() / 1000);
  const exp = kind === 'expired' ? now - 600 : now + 3600;
  const claims = {
    aud: kind === 'wrong-audience' ? 'https://management.azure.com/' : 'https://storage.azure.com',
    iss: `https://sts.windows.net/${tenant}/`,
    iat: exp - 3900,
    nbf: exp - 3900,
    exp,
    oid: randomUUID(),
    sub: randomUUID(),
    tid: tenant,
    uti: randomBytes(12).toString('base64url'),
  };
  return `${b64url({ typ: 'JWT', alg: 'RS256' })}.${b64url(claims)}.${b64url(randomBytes(64))}`;
}

export async function startIdentityEndpoint(): Promise<IdentityEndpoint> {
  const tenant = randomUUID();
  const header = randomBytes(24).toString('hex');
  const issued: IdentityEndpoint['issued'] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const kind = /^\/msi\/token\/(good|expired|wrong-audience)$/.exec(url.pathname)?.[1] as TokenKind | undefined;
    const resource = url.searchParams.get('resource') ?? '';
    const send = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!kind) return send(404, { error: 'not_found' });
    if (req.headers['x-identity-header'] !== header) return send(401, { error: 'missing or wrong X-IDENTITY-HEADER' });
    if (url.searchParams.get('api-version') !== '2019-08-01' || !resource) {
      return send(400, { error: 'invalid_request', error_description: 'api-version and resource are required' });
    }
    const token = jwt(kind, tenant);
    issued.push({ kind, resource, token });
    // What App Service answers (2019-08-01): expires_on in seconds. It says "an hour" for every kind: the
    // expired token is one whose own exp has passed (a clock or an issuer gone wrong), refused by storage.
    send(200, {
      access_token: token,
      expires_on: String(Math.floor(Date.now() / 1000) + 3600),
      resource,
      token_type: 'Bearer',
      client_id: randomUUID(),
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: (kind) => `http://127.0.0.1:${port}/msi/token/${kind}`,
    header,
    issued,
    mint: (kind) => jwt(kind, tenant),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
