// Installs the extra test-runner versions the end-to-end tests use (test/runners/<name>/, each with
// its own package.json and lock), so that each fixture project resolves the runner version it is
// meant to test. Skips a runner whose install is current. Run by `npm test` (pretest) and CI.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const runners = new URL('../test/runners/', import.meta.url);
if (fs.existsSync(runners)) {
  for (const name of fs.readdirSync(runners).sort()) {
    const dir = path.join(runners.pathname, name);
    const lock = path.join(dir, 'package-lock.json');
    if (!fs.existsSync(lock)) continue;
    const stamp = path.join(dir, 'node_modules', '.package-lock.json');
    if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= fs.statSync(lock).mtimeMs) continue;
    console.log(`installing test runner ${name}...`);
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: dir,
      stdio: 'inherit',
    });
  }
}
