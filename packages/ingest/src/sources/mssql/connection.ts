// Connection settings for Azure SQL from config, with secrets from the environment: SQL login
// (password) or an Azure AD access token. Encryption is always requested unless config turns it off.
import type { CvcConfig } from '@cvc/core';
import type { config as MssqlConfig } from 'mssql';
import { SourceError } from '../../errors.js';

export type MssqlSettings = NonNullable<CvcConfig['source']['mssql']>;

/** Environment variables read when the config leaves a secret empty. */
export const SECRET_ENV = { password: 'CVC_MSSQL_PASSWORD', token: 'CVC_MSSQL_TOKEN' } as const;

export function describeMssql(s: MssqlSettings): string {
  return `mssql://${s.server}:${s.port}/${s.database}`;
}

export function mssqlConnectionConfig(s: MssqlSettings, env: NodeJS.ProcessEnv = process.env): MssqlConfig {
  const base: MssqlConfig = {
    server: s.server,
    database: s.database,
    port: s.port,
    requestTimeout: s.requestTimeoutMs,
    connectionTimeout: 30_000,
    // One connection: ingest runs one query at a time and streams it.
    pool: { min: 0, max: 1, idleTimeoutMillis: 30_000 },
    options: { encrypt: s.encrypt, trustServerCertificate: false, enableArithAbort: true },
  };
  if (s.authentication === 'azure-ad-token') {
    const token = s.token || env[SECRET_ENV.token];
    if (!token)
      throw new SourceError(
        describeMssql(s),
        `azure-ad-token authentication needs source.mssql.token or ${SECRET_ENV.token}`,
      );
    return { ...base, authentication: { type: 'azure-active-directory-access-token', options: { token } } };
  }
  const password = s.password || env[SECRET_ENV.password];
  if (!s.user || !password)
    throw new SourceError(
      describeMssql(s),
      `sql authentication needs source.mssql.user and a password (source.mssql.password or ${SECRET_ENV.password})`,
    );
  return { ...base, user: s.user, password };
}
