// Table locations on Azure Blob Storage / ADLS Gen2, in the three spellings Spark, Databricks and
// delta-rs use. Parsing is strict: a location that looks remote but does not parse must never fall
// back to a local directory of the same odd name.

export interface AzureLocation {
  /** Account name from the URL; undefined for az:// (the connection string or env names it). */
  account: string | undefined;
  container: string;
  /** Blob-name prefix of the table, without leading or trailing '/'; '' for the container root. */
  prefix: string;
  /** The location as given, without a trailing '/': used in messages and commitInfo. */
  url: string;
}

export class AzureLocationError extends Error {
  override readonly name = 'AzureLocationError';
}

const SCHEMES = ['abfss://', 'abfs://', 'az://', 'azure://', 'https://', 'http://'];

/** True for any location cvc treats as Azure (the parse may still fail). */
export function isAzureLocation(location: string): boolean {
  const lower = location.toLowerCase();
  if (lower.startsWith('https://') || lower.startsWith('http://')) return lower.includes('.blob.core.windows.net');
  return SCHEMES.some((s) => lower.startsWith(s));
}

// Azure's naming rules: containers 3-63 of [a-z0-9-], accounts 3-24 of [a-z0-9].
const CONTAINER = /^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/;
const ACCOUNT = /^[a-z0-9]{3,24}$/;

function cleanPrefix(raw: string, url: string): string {
  const prefix = raw.replace(/^\/+/, '').replace(/\/+$/, '');
  if (prefix !== '' && prefix.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new AzureLocationError(`${url}: the path has an empty, '.' or '..' segment`);
  }
  return prefix;
}

function checkNames(url: string, account: string | undefined, container: string): void {
  if (account !== undefined && !ACCOUNT.test(account)) {
    throw new AzureLocationError(`${url}: '${account}' is not a storage account name (3-24 lowercase letters/digits)`);
  }
  if (!CONTAINER.test(container)) {
    throw new AzureLocationError(`${url}: '${container}' is not a container name (3-63 of a-z, 0-9, '-')`);
  }
}

export function parseAzureLocation(location: string): AzureLocation {
  // A SAS in the URL would end up in commitInfo, logs and errors: it belongs in the environment.
  if (location.includes('?')) {
    throw new AzureLocationError(
      'an Azure table location must not carry a query string (put a SAS token in ' + 'AZURE_STORAGE_SAS_TOKEN instead)',
    );
  }
  const url = location.replace(/\/+$/, '');
  const lower = url.toLowerCase();
  let m = /^abfss?:\/\/([^@/]+)@([^./]+)\.dfs\.core\.windows\.net(\/.*)?$/i.exec(url);
  if (m) {
    const [, container, account, rest] = m as unknown as [string, string, string, string | undefined];
    checkNames(url, account, container);
    return { account, container, prefix: cleanPrefix(rest ?? '', url), url };
  }
  m = /^https?:\/\/([^./]+)\.blob\.core\.windows\.net\/([^/]+)(\/.*)?$/i.exec(url);
  if (m) {
    const [, account, container, rest] = m as unknown as [string, string, string, string | undefined];
    checkNames(url, account, container);
    return { account, container, prefix: cleanPrefix(rest ?? '', url), url };
  }
  m = /^(?:az|azure):\/\/([^/]+)(\/.*)?$/i.exec(url);
  if (m) {
    const [, container, rest] = m as unknown as [string, string, string | undefined];
    checkNames(url, undefined, container);
    return { account: undefined, container, prefix: cleanPrefix(rest ?? '', url), url };
  }
  const expected = lower.startsWith('abfs')
    ? 'abfss://<container>@<account>.dfs.core.windows.net/<path>'
    : lower.startsWith('http')
      ? 'https://<account>.blob.core.windows.net/<container>/<path>'
      : 'az://<container>/<path>';
  throw new AzureLocationError(`${url} is not an Azure location of the form ${expected}`);
}

/** A table (or file) below an Azure root: the URL-safe counterpart of path.join(root, name). */
export function joinAzure(root: string, ...parts: string[]): string {
  return [root.replace(/\/+$/, ''), ...parts.map((p) => p.replace(/^\/+|\/+$/g, ''))].join('/');
}
