// Optional bundle signing: with registry.signingKey set, train writes manifest.sig, an HMAC-SHA256
// of manifest.json's exact bytes under that key (the manifest holds a sha256 of every other file,
// so the signature covers the whole bundle), and infer refuses a bundle without a valid one. The key
// itself is never written anywhere, and no message here names it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BundleSignatureError } from '../errors.js';
import { MANIFEST_FILE } from './manifest.js';

export const SIGNATURE_FILE = 'manifest.sig';
const SCHEME = 'hmac-sha256';

function mac(key: string, manifest: Buffer): Buffer {
  return createHmac('sha256', key).update(manifest).digest();
}

/** Signs the bundle in `dir` (its manifest.json must be final). */
export async function signBundle(dir: string, key: string): Promise<void> {
  const manifest = await readFile(join(dir, MANIFEST_FILE));
  await writeFile(join(dir, SIGNATURE_FILE), `${SCHEME} ${mac(key, manifest).toString('hex')}\n`);
}

/** Throws BundleSignatureError (exit 2) unless `dir` carries a signature of its manifest under `key`. */
export async function checkSignature(dir: string, key: string): Promise<void> {
  const file = join(dir, SIGNATURE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new BundleSignatureError(
      file,
      'missing: the bundle is unsigned, and registry.signingKey is set, so only bundles signed with it are run',
    );
  }
  const m = /^hmac-sha256 ([0-9a-f]{64})\n?$/.exec(text);
  if (!m) throw new BundleSignatureError(file, `not a ${SCHEME} signature`);
  const want = mac(key, await readFile(join(dir, MANIFEST_FILE)));
  if (!timingSafeEqual(Buffer.from(m[1]!, 'hex'), want)) {
    throw new BundleSignatureError(
      file,
      'does not match registry.signingKey: signed with another key, or manifest.json changed since',
    );
  }
}
