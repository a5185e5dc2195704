// On a terminal (a pseudo-terminal from Python's pty module), ingest draws its progress line and logs;
// every log line must start on a clean line, with the progress line erased first (issue: `…rows[21:51:07]
// INFO: building feature rows…` ran together), and each event is one line without command and run id.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, project } from './helpers.js';

/** Runs cvc under a pty and returns everything it wrote to the terminal. */
function underTty(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  const script = `
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = bytearray()
while True:
    try:
        d = os.read(fd, 65536)
    except OSError:
        break
    if not d:
        break
    out.extend(d)
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(bytes(out))
sys.exit(os.waitstatus_to_exitcode(status))
`;
  return new Promise((done, fail) => {
    const child = spawn('python3', ['-c', script, process.execPath, BIN, ...args], { cwd });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += String(c)));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, out }));
  });
}

describe('progress and logs on a terminal', () => {
  it('erases the progress line before each log line, one line per event', async () => {
    const p = project('demo: { stores: 3, from: "2025-01-01", asOf: "2025-03-31" }\n');
    const init = await underTty(['--config', p.config, 'demo', 'init'], p.dir);
    expect(init.code, init.out).toBe(0);
    const r = await underTty(['--config', p.config, 'ingest'], p.dir);
    expect(r.code, r.out).toBe(0);
    const text = r.out.replace(/\x1b\[[0-9;]*m/g, (m) => (m === '\x1b[2K' ? m : '')); // drop colours, keep erase
    expect(text).toMatch(/ingest \[[#.]+\] \d+\/\d+/); // the progress line was drawn
    const logs = [...text.matchAll(/\[\d\d:\d\d:\d\d\] (INFO|WARN): /g)];
    expect(logs.length).toBeGreaterThan(3);
    for (const m of logs) {
      const before = text.slice(Math.max(0, m.index! - 5), m.index!);
      // A log line starts after a newline or right after the progress line was erased.
      const clean = m.index === 0 || before.endsWith('\n') || before.endsWith('\r\x1b[2K');
      expect(clean, JSON.stringify(before + m[0])).toBe(true);
    }
    expect(text).not.toMatch(/runId|"command"/);
  }, 120_000);
});
