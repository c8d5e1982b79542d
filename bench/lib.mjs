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
  const samples = alternateRuns(Object.keys(cases), rounds, (name) => cases[name]());
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}

/** Every sample of `measure(name)` over `rounds` rounds, the cases' order reversed every other round. */
export function alternateRuns(names, rounds, measure) {
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 ? [...names].reverse() : names) samples[name].push(measure(name));
  }
  return samples;
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

/** Whether `perf record` runs here (installed, and allowed by the kernel's perf_event_paranoid). */
function perfAvailable() {
  perfWorks ??=
    spawnSync('perf', ['record', '-q', '-e', 'instructions:u', '-o', '/dev/null', '--', 'true']).status === 0;
  return perfWorks;
}

/** Whether valgrind is installed: the benchmarks that count instructions with callgrind need it. */
export function valgrindAvailable() {
  return spawnSync('valgrind', ['--version']).status === 0;
}

/** valgrind's callgrind, told that V8 writes and rewrites the code it runs. */
export const CALLGRIND = ['--tool=callgrind', '--smc-check=all-non-file'];

/**
 * Node flags under which a process's instruction count repeats from one run to the next: V8's
 * background threads' work done on the main thread, and fixed seeds.
 */
export const STEADY_V8 = ['--single-threaded', '--random-seed=1', '--hash-seed=1'];

/** The instructions a callgrind output file counts (its `totals` line); 0 when it has none. */
export function callgrindTotal(file) {
  const totals = /^totals: (\d+)$/m.exec(fs.readFileSync(file, 'utf8'));
  return totals ? Number(totals[1]) : 0;
}

/**
 * The counts of one process's callgrind run cut at markers (`--dump-before`), as written in `dir`
 * under `name` (the `--callgrind-out-file`'s name): `marked`, each part that ended at a marker
 * (`<name>.<n>`), in order; `rest`, from the last marker to the process's exit (`<name>`), undefined
 * while it is not written.
 */
export function callgrindParts(dir, name) {
  const marked = [];
  let rest;
  for (const file of fs.readdirSync(dir)) {
    if (file === name) rest = callgrindTotal(path.join(dir, file));
    else if (file.startsWith(`${name}.`)) {
      marked.push({
        index: Number(file.slice(name.length + 1)),
        count: callgrindTotal(path.join(dir, file)),
      });
    }
  }
  return { marked: marked.sort((a, b) => a.index - b.index).map(({ count }) => count), rest };
}

/** Instructions per sample of `perf record`: few enough samples a second that the kernel drops none. */
const SAMPLE_PERIOD = 5_000_000;
/** How `perf` names a Node process at its exec. */
const NODE_NAME = path.basename(process.execPath);

/**
 * Counts the user-space instructions a Node process and its children execute, with Linux
 * `perf record` where it is installed and allowed: a figure that other load on the machine and its
 * clock speed hardly move, unlike wall time. Counted by sampling (one sample per `SAMPLE_PERIOD`
 * instructions of each thread) so that they split by process: `workerInstructions` counts those of
 * the processes the Node process (a test runner's main process) started, which move far less between
 * identical runs than the main process's (about 1%). Only where `perfAvailable()`.
 */
function countInstructions(args, options) {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hangdump-perf-')), 'perf.data');
  try {
    const { result } = timeProcess(
      [
        'record',
        '-q',
        '-e',
        'instructions:u',
        '-c',
        String(SAMPLE_PERIOD),
        '-o',
        out,
        '--',
        process.execPath,
        ...args,
      ],
      { ...options, spawnWith: 'perf' },
    );
    const script = spawnSync('perf', ['script', '-i', out, '--show-task-events', '-F', 'pid'], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    return { result, ...instructionsByProcess(script.stdout) };
  } finally {
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
}

/**
 * Totals from `perf script --show-task-events -F pid`: a line per sample (its pid), and the task
 * events, among which `exec: <command>:<pid>/` names the first Node process.
 */
function instructionsByProcess(script) {
  let runner;
  const samples = new Map();
  for (const line of script.split('\n')) {
    const exec = / exec: (\S+):(\d+)\//.exec(line);
    if (exec) {
      if (exec[1] === NODE_NAME) runner ??= Number(exec[2]);
    } else if (/^\s*\d+\s*$/.test(line)) {
      samples.set(Number(line), (samples.get(Number(line)) ?? 0) + 1);
    }
  }
  if (runner === undefined) return {};
  let total = 0;
  let workers = 0;
  for (const [pid, count] of samples) {
    total += count;
    if (pid !== runner) workers += count;
  }
  return {
    instructions: total * SAMPLE_PERIOD,
    workerInstructions: workers * SAMPLE_PERIOD,
  };
}

/**
 * CPU seconds (user + system) of a process and the children it waited for, and its elapsed time, from
 * GNU time where the machine has it: CPU time is steadier than wall time on a loaded machine, and
 * unlike a count of user-space instructions it includes what system calls cost.
 */
const GNU_TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Wall and CPU milliseconds of a Node process and its children; CPU only where GNU time is installed. */
function timeRun(args, options) {
  if (!GNU_TIME) return timeProcess(args, options);
  const measured = timeProcess(['-f', 'cpu %U %S %e', process.execPath, ...args], {
    ...options,
    spawnWith: GNU_TIME,
  });
  const used = /cpu ([\d.]+) ([\d.]+) ([\d.]+)\s*$/.exec(measured.result.stderr);
  if (!used) return measured;
  return { ...measured, cpuMs: (Number(used[1]) + Number(used[2])) * 1000, ms: Number(used[3]) * 1000 };
}

/**
 * Runs each case (a Node command: `args` and spawn `options`) once to warm caches, then `rounds`
 * times alternated, timed (wall and CPU); then, where `perf` works, a third as many alternated rounds
 * that count instructions. The times come from runs that `perf` does not watch: its sampling slows a
 * process unevenly (a short-lived worker's start more than steady work), which measured hangdump's
 * share of a run at 1.088x under `perf record` against 1.040x-1.063x without. Throws when a run
 * fails. Returns each case's medians (`ms`, and where measured `cpuMs`, `instructions`,
 * `workerInstructions`) and its samples round by round, which `suiteColumns` pairs.
 */
export function measureCases(cases, rounds) {
  const names = Object.keys(cases);
  const run = (measure) => (name) => {
    const measured = measure(cases[name].args, cases[name].options);
    const { status, stdout, stderr } = measured.result;
    if (status !== 0)
      throw new Error(`the run "${name}" failed (exit code ${status}):\n${stdout}\n${stderr}`);
    const { result, ...figures } = measured;
    return figures;
  };
  for (const name of names) run(timeRun)(name);
  const timed = alternateRuns(names, rounds, run(timeRun));
  const counted = perfAvailable()
    ? alternateRuns(names, Math.max(3, Math.ceil(rounds / 3)), run(countInstructions))
    : undefined;
  return Object.fromEntries(
    names.map((name) => {
      const samples = { ms: timed[name], cpuMs: timed[name] };
      if (counted) Object.assign(samples, { instructions: counted[name], workerInstructions: counted[name] });
      const figures = { samples, countedRounds: counted?.[name].length };
      for (const [field, rows] of Object.entries(samples)) {
        const values = rows.map((row) => row[field]).filter((value) => value > 0);
        if (values.length > 0) figures[field] = median(values);
      }
      return [name, figures];
    }),
  );
}

/**
 * A case's ratio to `base` by pairs: the median of the ratios of the runs of each round, with their
 * quartiles. The two runs of a round follow each other, so that drift on the machine (other load,
 * the clock) moves both alike; a ratio of the cases' medians, taken over all rounds, keeps that drift.
 */
function pairedRatio(figures, base, field) {
  const ours = figures.samples[field] ?? [];
  const theirs = base.samples[field] ?? [];
  const ratios = ours.flatMap((row, round) => {
    const value = row[field];
    const against = theirs[round]?.[field];
    return value > 0 && against > 0 ? [value / against] : [];
  });
  if (ratios.length === 0) return undefined;
  const sorted = ratios.sort((a, b) => a - b);
  const quartile = (q) => sorted[Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
  return { median: median(sorted), low: quartile(0.25), high: quartile(0.75) };
}

/**
 * The columns of a suite's table from `measureCases`' figures: wall time, CPU time, instructions of
 * all the processes and of the workers alone, each the case's median with its ratio against `base`
 * (by pairs, see `pairedRatio`; its quartiles where there are enough rounds to have them).
 */
export function suiteColumns(figures, base) {
  const columns = [
    ['wall ms', 'ms', (ms) => ms.toFixed(0)],
    ['CPU ms', 'cpuMs', (ms) => ms.toFixed(0)],
    ['instructions', 'instructions', (count) => `${(count / 1e9).toFixed(2)} G`],
    ['in workers', 'workerInstructions', (count) => `${(count / 1e9).toFixed(2)} G`],
  ].filter(([, field]) => figures[base][field] > 0);
  const { countedRounds } = figures[base];
  const showRatio = (ratio, withQuartiles) =>
    withQuartiles
      ? `${ratio.median.toFixed(3)}x (${ratio.low.toFixed(3)}-${ratio.high.toFixed(3)})`
      : `${ratio.median.toFixed(3)}x`;
  return {
    title: `; ratios: the median of each round's ratio, quartiles in brackets${
      countedRounds ? `; user-space instructions from ${countedRounds} other rounds under perf record` : ''
    }`,
    header: ['case', ...columns.flatMap(([title]) => [title, 'ratio'])],
    row(name) {
      return [
        name,
        ...columns.flatMap(([, field, show]) => {
          const value = figures[name][field];
          const ratio = pairedRatio(figures[name], figures[base], field);
          if (!(value > 0) || !ratio) return ['-', '-'];
          return [show(value), showRatio(ratio, figures[name].samples[field].length >= 5)];
        }),
      ];
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
