// A passing run must exit exactly as fast as without hangdump: the watchdog keeps nothing alive.
import fs from 'node:fs';
import path from 'node:path';
import { alternate, table, timeProcess } from './lib.mjs';

const WORK = `const work = async () => { for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 1)); };`;
const SCRIPTS = {
  'without hangdump': `${WORK} for (let i = 0; i < 50; i++) await work();`,
  'with 50 guarded blocks': `import { dumpOnHang } from 'hangdump'; ${WORK} for (let i = 0; i < 50; i++) await dumpOnHang(5, work)();`,
};

export function benchExit(rounds = 9) {
  const files = Object.fromEntries(
    Object.entries(SCRIPTS).map(([name, source], i) => {
      const file = path.join(import.meta.dirname, `.exit-${i}.mjs`);
      fs.writeFileSync(file, source);
      return [name, file];
    }),
  );
  try {
    const cases = Object.fromEntries(
      Object.entries(files).map(([name, file]) => [name, () => timeProcess([file]).ms]),
    );
    const medians = alternate(cases, rounds);
    const base = medians['without hangdump'];
    table(
      `Process wall time of a passing script, ms (median of ${rounds} alternated runs; goal: the same)`,
      ['case', 'ms', 'ratio'],
      Object.entries(medians).map(([name, ms]) => [name, ms.toFixed(1), `${(ms / base).toFixed(3)}x`]),
    );
    return medians;
  } finally {
    for (const file of Object.values(files)) fs.rmSync(file);
  }
}
