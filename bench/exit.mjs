// A passing run must exit exactly as fast as without hangdump: the watchdog keeps nothing alive.
import fs from 'node:fs';
import path from 'node:path';
import { alternate, median, table, timeProcess } from './lib.mjs';

const WORK = `const work = async () => { for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 1)); };`;
// The moment the work is done, on the clock the parent reads too: what follows is the exit alone.
const DONE = 'console.log(performance.timeOrigin + performance.now());';
const SCRIPTS = {
  'without hangdump': `${WORK} for (let i = 0; i < 50; i++) await work(); ${DONE}`,
  'with 50 guarded blocks': `import { dumpOnHang } from 'hangdump'; ${WORK} for (let i = 0; i < 50; i++) await dumpOnHang(5, work)(); ${DONE}`,
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
    const exits = Object.fromEntries(Object.keys(files).map((name) => [name, []]));
    const cases = Object.fromEntries(
      Object.entries(files).map(([name, file]) => [
        name,
        () => {
          const { ms, result } = timeProcess([file]);
          exits[name].push(performance.timeOrigin + performance.now() - Number(result.stdout));
          return ms;
        },
      ]),
    );
    const medians = alternate(cases, rounds);
    const base = medians['without hangdump'];
    table(
      `Process wall time of a passing script, and from its last line to its exit, ms (median of ${rounds} alternated runs; goal: the same)`,
      ['case', 'wall ms', 'ratio', 'exit ms'],
      Object.entries(medians).map(([name, ms]) => [
        name,
        ms.toFixed(1),
        `${(ms / base).toFixed(3)}x`,
        median(exits[name]).toFixed(1),
      ]),
    );
    return medians;
  } finally {
    for (const file of Object.values(files)) fs.rmSync(file);
  }
}
