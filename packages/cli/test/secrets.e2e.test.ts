// A secret in the environment, fed to the config through ${...} or a tracking URI's userinfo, must not
// reach any byte cvc prints or writes: config errors (unknown key, wrong type, misspelt parent key),
// the tracking info line, MLflow retry warnings, the final error, and every file under the data dir.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlflow, type MlflowServer } from '../../mlops/test/mlflow-server.js';
import { cvc, project, type CliRun } from './helpers.js';

const SECRET = 'S3cr3tPW-7781xq';
// A 5 ms first backoff: the unreachable-server cases make all 6 attempts without sleeping 15 s each.
const env = { CVC_TEST_PW: SECRET, MLFLOW_TRACKING_URI: '', CVC_MLFLOW_RETRY_BASE_MS: '5' };

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Fails naming where the secret showed up: stdout, stderr or a file under `dataDir`. */
function expectNoSecret(r: CliRun, dataDir: string): void {
  expect(r.stdout, 'stdout').not.toContain(SECRET);
  expect(r.stderr, 'stderr').not.toContain(SECRET);
  const leaking = filesUnder(dataDir).filter((f) => readFileSync(f).includes(Buffer.from(SECRET)));
  expect(leaking, 'files under the data dir').toEqual([]);
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

const MSSQL = 'source:\n  kind: mssql\n';
const DB = '  mssql:\n    server: db\n    database: sales\n';

describe('secrets never leak', () => {
  it.each([
    ['an unknown key', `${MSSQL}${DB}    passwrd: \${CVC_TEST_PW}\n`, /source\.mssql\.passwrd: expected no such key/],
    ['a wrong type', `${MSSQL}${DB}    port: \${CVC_TEST_PW}\n`, /source\.mssql\.port: expected a number/],
    ['a misspelt parent key', `${MSSQL}  msql:\n    password: \${CVC_TEST_PW}\n`, /source\.msql: expected no such key/],
    ['a URI in a misspelt key', 'tracking:\n  urii: http://u:${CVC_TEST_PW}@h\n', /tracking\.urii: expected no/],
  ])('in a config error for %s', async (_what, yaml, message) => {
    const p = project(yaml);
    const r = await cvc(['--config', p.config, 'ingest'], { env });
    expectNoSecret(r, p.dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('${CVC_TEST_PW}');
  });

  it('in a config error for a literal value under a secret key of the wrong type', async () => {
    const p = project(`tracking:\n  token: [${SECRET}]\n`);
    const r = await cvc(['--config', p.config, 'ingest'], { env });
    expectNoSecret(r, join(p.dir, 'data'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tracking\.token: expected string.*not shown/);
  });

  it('in the tracking info line, retry warnings and the final error (user:password@ in tracking.uri)', async () => {
    const port = await closedPort();
    const p = project(`tracking:\n  uri: http://cvc:\${CVC_TEST_PW}@127.0.0.1:${port}\n`);
    const r = await cvc(['--config', p.config, '--log-level', 'debug', 'train', '--from', '2024'], { env });
    expectNoSecret(r, p.dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('tracking to MLflow');
    expect(r.stderr).toContain(`http://cvc:[REDACTED]@127.0.0.1:${port}`);
    expect(r.stderr).toMatch(/mlflow request failed; retrying/);
    expect(r.stderr).toMatch(/cvc: MLflow .*unreachable after 6 attempts/);
    expectNoSecret(r, p.dir);
  }, 120_000);

  it('in the final error of a command reaching MLFLOW_TRACKING_URI with user:password@', async () => {
    const port = await closedPort();
    const p = project('lake:\n  root: ../data/lake\n');
    const uri = `http://cvc:${SECRET}@127.0.0.1:${port}`;
    const r = await cvc(['--config', p.config, 'models', 'list'], { env: { ...env, MLFLOW_TRACKING_URI: uri } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unreachable after 6 attempts/);
    expectNoSecret(r, p.dir);
  }, 120_000);

  describe('with a real MLflow server', () => {
    let server: MlflowServer;
    beforeAll(async () => {
      server = await startMlflow();
    }, 200_000);
    afterAll(async () => server?.stop());

    it('sends user:password@ as Basic auth, so the URI works and the secret is not echoed', async () => {
      const uri = server.uri.replace('http://', 'http://cvc:${CVC_TEST_PW}@');
      const p = project(`tracking:\n  uri: ${uri}\n`);
      const r = await cvc(['--config', p.config, '--json', 'models', 'list'], { env });
      expect(r.stderr).not.toMatch(/^cvc: /m);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ backend: 'mlflow', versions: [] });
      expectNoSecret(r, p.dir);
    });
  });
});
