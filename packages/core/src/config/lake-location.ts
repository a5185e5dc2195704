// lake.root is a local directory or an object-store URL (Azure: abfss://, az://, https://...). The
// lakehouse parses and checks URLs; here only the difference that paths care about: a URL is joined
// with '/', never resolved against the config's directory, and has no local parent for scratch files.

const URL_ROOT = /^[a-z][a-z0-9+.-]*:\/\//i;

export function isRemoteLake(root: string): boolean {
  return URL_ROOT.test(root);
}

/** The location of one table (or file) under the lake root, local or remote. */
export function lakeTable(root: string, name: string): string {
  if (!isRemoteLake(root)) return `${root.replace(/[\\/]+$/, '')}/${name}`;
  return `${root.replace(/\/+$/, '')}/${name.replace(/^\/+/, '')}`;
}
