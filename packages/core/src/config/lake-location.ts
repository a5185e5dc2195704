// lake.root is a local directory or an object-store URL (Azure: abfss://, az://, https://...). The
// lakehouse parses and checks URLs; here only the difference that paths care about: a URL is joined
// with '/', never resolved against the config's directory, and has no local parent for scratch files.

const URL_ROOT = /^[a-z][a-z0-9+.-]*:\/\//i;

export function isRemoteLake(root: string): boolean {
  return URL_ROOT.test(root);
}

const AZURE_ROOT = new RegExp(
  '^(?:abfss?://[^@/?]+@[^./?]+\\.dfs\\.core\\.windows\\.net' +
    '|https?://[^./?]+\\.blob\\.core\\.windows\\.net/[^/?]+|(?:az|azure)://[^/?]+)(?:/[^?]*)?$',
  'i',
);

/** Why a URL lake root is not usable, or undefined; never echoes the URL (a SAS would sit in it). */
export function remoteLakeProblem(root: string): string | undefined {
  if (root.includes('?')) return 'must not carry a query string (put a SAS token in AZURE_STORAGE_SAS_TOKEN)';
  if (AZURE_ROOT.test(root)) return undefined;
  return (
    'is not an Azure location: use abfss://<container>@<account>.dfs.core.windows.net/<path>, ' +
    'az://<container>/<path> or https://<account>.blob.core.windows.net/<container>/<path>'
  );
}

/** The location of one table (or file) under the lake root, local or remote. */
export function lakeTable(root: string, name: string): string {
  if (!isRemoteLake(root)) return `${root.replace(/[\\/]+$/, '')}/${name}`;
  return `${root.replace(/\/+$/, '')}/${name.replace(/^\/+/, '')}`;
}
