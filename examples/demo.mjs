// npm run demo: two real hangs, caught and dumped. Each example runs in its own process, as a test
// file would; hangdump writes the dumps into .hangdump/demo.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');
const dumpDir = path.join(root, '.hangdump', 'demo');
fs.rmSync(dumpDir, { recursive: true, force: true });

const examples = [
  ['examples/slow-regex.mjs', 'a ReDoS: the event loop is BLOCKED'],
  ['examples/silent-server.mjs', 'an HTTP request nobody answers: the loop turns, the code is WAITING'],
];

for (const [file, what] of examples) {
  console.log(`\n\u001b[1m$ node ${file}\u001b[0m   (${what})`);
  const started = Date.now();
  const result = spawnSync(process.execPath, [file], {
    cwd: root,
    env: { ...process.env, HANGDUMP_DIR: dumpDir },
    encoding: 'utf8',
  });
  process.stdout.write(`${result.stderr.trimEnd().replace(/^/gm, '  stderr| ')}\n`);
  console.log(
    `  exit code ${result.status ?? result.signal} after ${((Date.now() - started) / 1000).toFixed(1)}s`,
  );
}

const dumps = fs.readdirSync(dumpDir).filter((name) => name.endsWith('.txt'));
for (const name of dumps.sort()) {
  const file = path.join(dumpDir, name);
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  console.log(`\n\u001b[1m${path.relative(root, file)}\u001b[0m (first lines; JSON twin beside it)`);
  for (const line of lines.slice(0, 12)) console.log(`  ${line}`);
}
console.log(`\n${dumps.length} dumps written to ${path.relative(root, dumpDir)}/`);
