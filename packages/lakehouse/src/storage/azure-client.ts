// Which credential reaches a container, from the environment names delta-rs and object_store also
// read, so one set of variables serves cvc, delta-rs and Spark's readers alike:
//   AZURE_STORAGE_CONNECTION_STRING            (Azurite, or an account's full connection string)
//   AZURE_STORAGE_ACCOUNT_KEY  (+ account from the URL or AZURE_STORAGE_ACCOUNT_NAME)
//   AZURE_STORAGE_SAS_TOKEN    (+ account likewise)
//   AZURE_STORAGE_ENDPOINT     (optional, as object_store reads it: the blob endpoint for the key, SAS
//                               or token paths, e.g. a private endpoint or Azurite; default
//                               https://<account>.blob.core.windows.net)
//   none of these: @azure/identity's DefaultAzureCredential (managed identity, service principal
//   from AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, Azure CLI login), whose bearer
//   tokens the SDK asks for and sends itself (scope https://storage.azure.com/.default).
// The values (and App Service's IDENTITY_HEADER) are secrets: they are only handed to the SDK, never
// put in a message.

import type { ContainerClient } from '@azure/storage-blob';
import { AzureLocationError, type AzureLocation } from './azure-location.js';

export const AZURE_SECRET_ENV = [
  'AZURE_STORAGE_CONNECTION_STRING',
  'AZURE_STORAGE_ACCOUNT_KEY',
  'AZURE_STORAGE_SAS_TOKEN',
  'AZURE_CLIENT_SECRET',
  'IDENTITY_HEADER',
] as const;

export type AzureAuthKind = 'connection-string' | 'account-key' | 'sas' | 'default-credential';

export function azureAuthKind(env: NodeJS.ProcessEnv = process.env): AzureAuthKind {
  if (env['AZURE_STORAGE_CONNECTION_STRING']) return 'connection-string';
  if (env['AZURE_STORAGE_ACCOUNT_KEY']) return 'account-key';
  if (env['AZURE_STORAGE_SAS_TOKEN']) return 'sas';
  return 'default-credential';
}

/** The secret values in the environment, so messages that might echo one can be masked. */
export function azureSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const name of AZURE_SECRET_ENV) {
    const v = env[name];
    if (!v) continue;
    out.push(v);
    // The key inside a connection string, and a SAS's signature, are secrets on their own.
    for (const m of v.matchAll(/(?:AccountKey|SharedAccessSignature|sig)=([^;&]+)/gi)) out.push(m[1]!);
  }
  return out.filter((s) => s.length >= 4);
}

export function maskAzureSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  for (const s of azureSecrets(env).sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
  return out;
}

/** The account a location resolves to, for messages: from the URL, the env, or the connection string. */
export function accountLabel(loc: AzureLocation, env: NodeJS.ProcessEnv = process.env): string {
  const fromConn = /(?:^|;)AccountName=([^;]+)/i.exec(env['AZURE_STORAGE_CONNECTION_STRING'] ?? '')?.[1];
  return loc.account ?? env['AZURE_STORAGE_ACCOUNT_NAME'] ?? fromConn ?? '(unknown account)';
}

const clients = new Map<string, Promise<ContainerClient>>();

function accountOf(loc: AzureLocation, env: NodeJS.ProcessEnv): string {
  const account = loc.account ?? env['AZURE_STORAGE_ACCOUNT_NAME'];
  if (!account) {
    throw new AzureLocationError(
      `${loc.url}: no storage account: use ` +
        'abfss://<container>@<account>.dfs.core.windows.net/..., ' +
        'or set AZURE_STORAGE_ACCOUNT_NAME, or AZURE_STORAGE_CONNECTION_STRING',
    );
  }
  return account;
}

async function create(loc: AzureLocation, env: NodeJS.ProcessEnv): Promise<ContainerClient> {
  const blob = await import('@azure/storage-blob');
  const kind = azureAuthKind(env);
  if (kind === 'connection-string') {
    return blob.BlobServiceClient.fromConnectionString(env['AZURE_STORAGE_CONNECTION_STRING']!).getContainerClient(
      loc.container,
    );
  }
  const account = accountOf(loc, env);
  const endpoint = (env['AZURE_STORAGE_ENDPOINT'] || `https://${account}.blob.core.windows.net`).replace(/\/+$/, '');
  if (kind === 'account-key') {
    const cred = new blob.StorageSharedKeyCredential(account, env['AZURE_STORAGE_ACCOUNT_KEY']!);
    return new blob.BlobServiceClient(endpoint, cred).getContainerClient(loc.container);
  }
  if (kind === 'sas') {
    const sas = env['AZURE_STORAGE_SAS_TOKEN']!.replace(/^\?/, '');
    return new blob.BlobServiceClient(`${endpoint}?${sas}`).getContainerClient(loc.container);
  }
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new blob.BlobServiceClient(endpoint, new DefaultAzureCredential()).getContainerClient(loc.container);
}

/** One client per container and credential, shared by every table below it. */
export function containerClient(loc: AzureLocation, env: NodeJS.ProcessEnv = process.env): Promise<ContainerClient> {
  const key = [
    azureAuthKind(env),
    loc.account ?? env['AZURE_STORAGE_ACCOUNT_NAME'] ?? '',
    loc.container,
    env['AZURE_STORAGE_ENDPOINT'] ?? '',
    // A changed credential gets a new client (the map holds them in memory only, like the env does).
    env['AZURE_STORAGE_CONNECTION_STRING'] ?? '',
    env['AZURE_STORAGE_ACCOUNT_KEY'] ?? '',
    env['AZURE_STORAGE_SAS_TOKEN'] ?? '',
  ].join('\u0000');
  let client = clients.get(key);
  if (!client) {
    client = create(loc, env);
    clients.set(key, client);
    client.catch(() => clients.delete(key));
  }
  return client;
}
