// Run by registry.test.ts in child processes: registers one bundle several times into a shared registry.
import { registerVersion } from '../src/index.js';

const [root, bundle, times] = process.argv.slice(2) as [string, string, string];
for (let i = 0; i < Number(times); i++) {
  await registerVersion({ root, name: 'm', lock: { timeoutMs: 60_000 } }, bundle, { promote: 'always' });
}
