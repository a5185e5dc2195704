// Run by registry-remote.test.ts in a child process: registers one bundle into a registry on an object
// store and SIGKILLs itself part way, as a crash would: `upload` after the second bundle file is put
// (before any version claim), `claim` right after the bundle's fate file claims it (before the version).
import { storageFor, type Storage } from '@cvc/lakehouse';
import { remoteRegistry } from '../src/index.js';

const [root, bundle, cacheDir, when] = process.argv.slice(2) as [string, string, string, 'upload' | 'claim'];
const real = storageFor(root);
let bundlePuts = 0;
const crashing: Storage = new Proxy(real, {
  get(target, key, receiver) {
    const value = Reflect.get(target, key, receiver) as unknown;
    if (typeof value !== 'function') return value;
    return async (...args: unknown[]) => {
      const out = (await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)) as unknown;
      const path = String(args[0]);
      if (key === 'put' && path.includes('/bundles/') && ++bundlePuts === 2 && when === 'upload')
        process.kill(process.pid, 'SIGKILL');
      if (key === 'putIfAbsent' && path.includes('/bundle-fates/') && when === 'claim')
        process.kill(process.pid, 'SIGKILL');
      return out;
    };
  },
});
await remoteRegistry({ root, name: 'm', cacheDir, storage: crashing }).register(bundle, { promote: 'always' });
console.log('registered without crashing');
