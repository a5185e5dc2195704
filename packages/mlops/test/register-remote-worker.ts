// Run by registry-remote.test.ts in child processes: registers one bundle several times into a shared
// registry on an object store (the connection string comes from the parent's environment).
import { remoteRegistry } from '../src/index.js';

const [root, bundle, times, cacheDir] = process.argv.slice(2) as [string, string, string, string];
const reg = remoteRegistry({ root, name: 'm', cacheDir });
for (let i = 0; i < Number(times); i++) await reg.register(bundle, { promote: 'always' });
