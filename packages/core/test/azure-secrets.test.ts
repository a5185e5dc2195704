// Azure storage credentials in the environment are masked like tracking tokens.

import { describe, expect, it } from 'vitest';
import { envSecrets, maskSecrets } from '../src/index.js';

describe('Azure secrets from the environment', () => {
  it('masks a connection string, the account key inside it, a SAS and a client secret', () => {
    const env = {
      AZURE_STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=S3cr3tKey==;',
      AZURE_STORAGE_SAS_TOKEN: 'sv=2024-01-01&sig=SasSignature',
      AZURE_CLIENT_SECRET: 'client-secret-value',
    };
    const secrets = envSecrets(env);
    const line = 'failed with AccountKey=S3cr3tKey== sig=SasSignature client-secret-value';
    const masked = maskSecrets(line, secrets);
    expect(masked).not.toContain('S3cr3tKey');
    expect(masked).not.toContain('SasSignature');
    expect(masked).not.toContain('client-secret-value');
  });
});
