// Shared helpers for the benchmarks: alternated rounds, medians, ratios, and a table printer.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(import.meta.dirname, '..');

/** The median of a list of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Runs each case `rounds` times, alternating cases within each round so that drift (thermal, other
 * load) hits them alike; returns the median of each case's measurements.
 */
export function alternate(cases, rounds) {
  const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? Object.keys(cases).reverse() : Object.keys(cases);
    for (const name of order) samples[name].push(cases[name]());
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}

/** Nanoseconds per operation of `op` over `iterations` calls. */
export function nsPerOp(op, iterations) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) op(i);
  return Number(process.hrtime.bigint() - start) / iterations;
}

/** Wall milliseconds of a child process: Node, unless `spawnWith` names another program. */
export function timeProcess(args, { spawnWith = process.execPath, ...options } = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(spawnWith, args, { encoding: 'utf8', ...options });
  if (result.error) throw result.error;
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

let perfWorks;

/**
 * Like `timeProcess`, and also counts the user-space instructions the process and its children
 * execute, with Linux `perf stat` where it is installed and allowed: a figure that other load on the
 * machine and its clock speed hardly move, unlike wall time. `instructions` is undefined elsewhere.
 */
export function measureProcess(args, { spawnWith = process.execPath, ...options } = {}) {
  perfWorks ??= spawnSync('perf', ['stat', '-x,', '-e', 'instructions:u', '--', 'true']).status === 0;
  if (!perfWorks) return timeProcess(args, { spawnWith, ...options });
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hangdump-perf-')), 'stat.csv');
  try {
    const measured = timeProcess(
      ['stat', '-x,', '-e', 'instructions:u', '-o', out, '--', spawnWith, ...args],
      {
        ...options,
        spawnWith: 'perf',
      },
    );
    const count = Number(/^(\d+),/m.exec(fs.readFileSync(out, 'utf8'))?.[1]);
    return { ...measured, instructions: Number.isFinite(count) ? count : undefined };
  } finally {
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
}

/**
 * CPU seconds (user + system) of a process and the children it waited for, from GNU time where the
 * machine has it: steadier than wall time on a loaded machine, and unlike a count of user-space
 * instructions it includes what system calls cost.
 */
const GNU_TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/**
 * Runs a Node process as `measureProcess` does, also counting its CPU milliseconds (all its processes)
 * where GNU time is installed.
 */
export function measureRun(args, options = {}) {
  if (!GNU_TIME) return measureProcess(args, options);
  const measured = measureProcess(['-f', 'cpu %U %S', process.execPath, ...args], {
    ...options,
    spawnWith: GNU_TIME,
  });
  const used = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(measured.result.stderr);
  return { ...measured, cpuMs: used ? (Number(used[1]) + Number(used[2])) * 1000 : undefined };
}

/**
 * Wall time, CPU time and instruction columns of a table (the last two where measured), from the
 * samples `measureRun` gave each case, against the case `base`: wall and CPU as medians.
 */
export function suiteColumns(walls, cpu, counts, base) {
  const instructions = instructionColumns(counts, base);
  const cpuBase = cpu[base]?.length > 0 ? median(cpu[base]) : undefined;
  return {
    title: instructions.title,
    header: ['case', 'wall ms', 'ratio', ...(cpuBase ? ['CPU ms', 'ratio'] : []), ...instructions.header],
    row(name) {
      const used = cpuBase && cpu[name]?.length > 0 ? median(cpu[name]) : undefined;
      return [
        name,
        walls[name].toFixed(0),
        `${(walls[name] / walls[base]).toFixed(3)}x`,
        ...(cpuBase ? [used ? used.toFixed(0) : '-', used ? `${(used / cpuBase).toFixed(3)}x` : '-'] : []),
        ...instructions.cells(name),
      ];
    },
  };
}

/**
 * The instruction columns of a table, from the counts `measureProcess` gave each case (none where
 * `perf` is missing): a note for the title, the header cells, and each case's cells against `base`.
 */
function instructionColumns(counts, base) {
  const baseCount = counts[base]?.length > 0 ? median(counts[base]) : undefined;
  return {
    title: baseCount ? '; user-space instructions of all its processes (perf stat)' : '',
    header: baseCount ? ['instructions', 'ratio'] : [],
    cells(name) {
      const count = baseCount && counts[name]?.length > 0 ? median(counts[name]) : undefined;
      return count ? [`${(count / 1e9).toFixed(2)} G`, `${(count / baseCount).toFixed(3)}x`] : [];
    },
  };
}

/** Prints a titled table of rows (arrays of cells). */
export function table(title, header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  console.log(`\n${title}\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of rows) console.log(line(row));
}

/** A describe block of `count` small async tests behind a `beforeEach`, as suites commonly have. */
export function smallTests(name, count) {
  const tests = Array.from(
    { length: count },
    (_, t) => `  test('case ${t}', async () => {
    const value = await Promise.resolve(${t});
    expect(value * 2).toBe(${t * 2});
  });`,
  ).join('\n');
  return `let calls = 0;\nbeforeEach(() => {\n  calls++;\n});\n\ndescribe('${name}', () => {\n${tests}\n});\n`;
}

/**
 * A fresh project directory with hangdump installed as users have it: a copy of the package in its
 * node_modules (runners treat a dependency differently from a linked source folder), and the root's
 * `dependencies` linked beside it.
 */
export function projectWithHangdump(dir, dependencies) {
  fs.rmSync(dir, { recursive: true, force: true });
  const modules = path.join(dir, 'node_modules');
  fs.mkdirSync(path.join(modules, 'hangdump'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'dist'), path.join(modules, 'hangdump/dist'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(modules, 'hangdump/package.json'));
  for (const dependency of dependencies) {
    fs.symlinkSync(path.join(ROOT, 'node_modules', dependency), path.join(modules, dependency));
  }
}
