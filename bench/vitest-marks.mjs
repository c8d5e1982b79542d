// Where the plugin's cost falls in a Vitest worker's life, by marks inside each worker: a whole run's
// wall time moves by several percent between runs on a 2-core machine, a phase's median over a few
// hundred workers by a fraction of a millisecond. The suite of small files, run alternately without
// and with the plugin, both with a probe (a setup module of the bench's own) that marks when its setup
// ran, when the worker asked the main process for the test file, and when the answer came; the test
// file marks its first line and its last `afterAll`; a preload marks each worker's fork in the main
// process. The case without the plugin has a second reporter (`{}`) as the plugin's case has its own:
// any second reporter makes Vitest's main process answer each file's request later and reach the
// next fork sooner (see docs/performance.md), which would otherwise read as the plugin's cost.
// Besides times, it counts each worker's minor page faults by stretch (exact counts, where each fault
// costs a virtual machine microseconds), and sums each phase over a run, as its wall time does.
// The main process marks, per worker, its answer to the file's last results and the worker's word
// that the file ended (Vitest forks the next worker at once then), and times its own collections
// ('gc' performance entries): a scavenge there takes about 10 ms, and where it falls in a worker's
// turn moves whole milliseconds from one phase to another.
// Last, the same suite as users run it, with no probe and no second reporter, timed by the marks that
// need no probe: the probe is a setup file, and in the forks pool the plugin starts hangdump from a
// preload so that a run needs none (what that saves shows only without the probe).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { alternateRuns, median, projectWithHangdump, smallTests, table } from './lib.mjs';

const ROOT = path.join(import.meta.dirname, '..');
const FILES = 20;
const TESTS_PER_FILE = 100;

/**
 * The preload, in every process of a run (through `NODE_OPTIONS`). The first process it runs in is
 * Vitest's main process: it records each fork, and writes them at its exit. In a worker, it gives the
 * test code `globalThis.__benchMark(name)` and writes the marks as the worker ends.
 */
const PRELOAD = `const fs = require('node:fs');
const now = () => performance.timeOrigin + performance.now();
const out = process.env.BENCH_MARKS_OUT;
if (!process.env.BENCH_MARKS_MAIN) {
  process.env.BENCH_MARKS_MAIN = String(process.pid);
  const childProcess = require('node:child_process');
  const forks = [];
  const collections = [];
  new (require('node:perf_hooks').PerformanceObserver)((list) => {
    for (const entry of list.getEntries()) collections.push([performance.timeOrigin + entry.startTime, entry.duration]);
  }).observe({ entryTypes: ['gc'] });
  const fork = childProcess.fork;
  childProcess.fork = function (...args) {
    const at = now();
    const child = fork.apply(this, args);
    const record = { pid: child.pid, at };
    forks.push(record);
    // Vitest's RPC requests ({ t: 'q', m, a, i }) and answers ({ t: 's', i }): the test file's fetch,
    // and the file's results (onTaskUpdate), the last of which the worker awaits before it ends.
    const asked = new Map();
    child.on('message', (message) => {
      if (message?.t === 'q' && message.i && (message.m === 'onTaskUpdate' || (message.m === 'fetch' && String(message.a?.[0]).includes('.test.')))) {
        asked.set(message.i, [message.m, now()]);
      } else if (message?.type === 'testfileFinished') record.ended = now();
    });
    const send = child.send;
    child.send = function (message, ...rest) {
      const request = message?.t === 's' ? asked.get(message.i) : undefined;
      if (request) {
        asked.delete(message.i);
        record[request[0] === 'fetch' ? 'fileFetch' : 'lastResults'] = [request[1], now()];
      }
      return send.call(this, message, ...rest);
    };
    return child;
  };
  // Vitest imports fork by name: its ES module binding follows only after this.
  require('node:module').syncBuiltinESMExports();
  process.on('exit', () => {
    const cpu = process.cpuUsage();
    fs.appendFileSync(out, JSON.stringify({ main: true, origin: performance.timeOrigin, end: now(), forks, collections, cpu: (cpu.user + cpu.system) / 1000 }) + '\\n');
  });
} else {
  const marks = { pid: process.pid, origin: performance.timeOrigin };
  // Minor page faults too: exact counts, where a fault costs a virtual machine microseconds.
  const faults = () => process.resourceUsage().minorPageFault;
  globalThis.__benchMark = (name) => {
    if (marks[name] !== undefined) return;
    marks[name] = now();
    marks.faults[name] = faults();
  };
  marks.faults = {};
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    marks.exit = now();
    marks.faults.exit = faults();
    const cpu = process.cpuUsage();
    marks.user = cpu.user / 1000;
    marks.system = cpu.system / 1000;
    fs.appendFileSync(out + '.workers', JSON.stringify(marks) + '\\n');
  };
  process.on('exit', write);
  process.on('SIGTERM', () => { write(); process.reallyExit(0); });
}
`;

/**
 * The probe: marks its own first line, and the request for the test file (Vitest's \`importFile\` for
 * the collection, then its module runner's \`invoke('fetchModule')\`) and its answer, as hangdump's
 * setup hooks the same call to start while the worker waits for that answer.
 */
const PROBE = `import { TestRunner } from 'vitest';
const mark = (name) => globalThis.__benchMark?.(name);
mark('setup');
const importFile = TestRunner.prototype.importFile;
TestRunner.prototype.importFile = function (file, kind) {
  const transport = this.moduleRunner?.transport;
  const invoke = transport?.invoke;
  if (kind === 'collect' && typeof invoke === 'function') {
    transport.invoke = function (name, ...args) {
      const answer = invoke.call(this, name, ...args);
      if (name === 'fetchModule') {
        transport.invoke = invoke;
        mark('fetch');
        Promise.resolve(answer).then(() => mark('answer'), () => {});
      }
      return answer;
    };
  }
  return importFile.call(this, file, kind);
};
`;

/** The project: the suite's files marked, the probe, and the two configs. */
function generate(dir) {
  projectWithHangdump(dir, ['vitest', '@vitest', '@jridgewell']);
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  fs.writeFileSync(path.join(dir, 'preload.cjs'), PRELOAD);
  const probe = path.join(dir, 'node_modules/bench-probe');
  fs.mkdirSync(probe);
  fs.writeFileSync(
    path.join(probe, 'package.json'),
    '{ "name": "bench-probe", "type": "module", "exports": "./index.js" }\n',
  );
  fs.writeFileSync(path.join(probe, 'index.js'), PROBE);
  for (let f = 0; f < FILES; f++) {
    fs.writeFileSync(
      path.join(dir, `suite-${f}.test.ts`),
      `import { afterAll, beforeEach, describe, expect, test } from 'vitest';\n\nglobalThis.__benchMark?.('first');\nafterAll(() => globalThis.__benchMark?.('last'));\n${smallTests(`file ${f}`, TESTS_PER_FILE)}`,
    );
  }
  const test = "include: ['*.test.ts']";
  fs.writeFileSync(
    path.join(dir, 'probe.config.mjs'),
    `export default { test: { ${test}, setupFiles: ['bench-probe'], reporters: [{}, 'default'] } };\n`,
  );
  // In the forks pool the plugin starts hangdump from a preload: the probe is the only setup file.
  const plugin =
    "import { hangdump } from 'hangdump/vitest';\nexport default { plugins: [hangdump()], test: {";
  fs.writeFileSync(
    path.join(dir, 'plugin.config.mjs'),
    `${plugin} ${test}, setupFiles: ['bench-probe'] } };\n`,
  );
  // As users run it: no probe, no second reporter.
  fs.writeFileSync(path.join(dir, 'bare.config.mjs'), `export default { test: { ${test} } };\n`);
  fs.writeFileSync(path.join(dir, 'plugin-bare.config.mjs'), `${plugin} ${test} } };\n`);
}

/** One run of `config`: the main process's record and each worker's marks. */
function markedRun(dir, config) {
  const out = path.join(dir, 'marks.jsonl');
  fs.rmSync(out, { force: true });
  fs.rmSync(`${out}.workers`, { force: true });
  const vitest = path.join(ROOT, 'node_modules/vitest/vitest.mjs');
  const run = spawnSync(
    process.execPath,
    [vitest, 'run', '--root', dir, '--config', path.join(dir, config)],
    {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        CI: '1',
        FORCE_COLOR: '0',
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${path.join(dir, 'preload.cjs')}`,
        BENCH_MARKS_OUT: out,
      },
    },
  );
  if (run.status !== 0) throw new Error(`the run of ${config} failed:\n${run.stdout}\n${run.stderr}`);
  const lines = (file) =>
    fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
  const [main] = lines(out);
  const workers = new Map(lines(`${out}.workers`).map((marks) => [marks.pid, marks]));
  return {
    main,
    workers: main.forks.map((fork) => ({
      ...workers.get(fork.pid),
      forkedAt: fork.at,
      ended: fork.ended,
      fileFetch: fork.fileFetch,
      lastResults: fork.lastResults,
    })),
  };
}

/** The stretches of a worker's life in which its page faults are counted, between two marks. */
const FAULT_SPANS = [
  ['the process start to the setup', undefined, 'setup'],
  ['the setup to the answer (hangdump starts)', 'setup', 'answer'],
  ['the answer to the first line', 'answer', 'first'],
  ["the file's tests", 'first', 'last'],
  ["the last afterAll to the worker's exit", 'last', 'exit'],
];

/** The file's tests, timed by the test file's own marks: in both tables below. */
const FILE_TESTS = ["the file's tests (first line to last afterAll)", (w) => w.last - w.first];

/** Each phase of a worker's life, in ms; the last one runs to the next fork (or the run's end). */
const PHASES = [
  ['fork to the worker process', (w) => w.origin - w.forkedAt],
  ['process start to the setup (Vitest starts)', (w) => w.setup - w.origin],
  ['setup to asking for the test file', (w) => w.fetch - w.setup],
  ['asking for the test file to its answer', (w) => w.answer - w.fetch],
  ["the answer to the file's first line", (w) => w.first - w.answer],
  FILE_TESTS,
  // The worker awaits the main process's answer to its last results before it says the file ended.
  [
    "the last afterAll to the main process's answer to the file's results",
    (w) => w.lastResults?.[1] - w.last,
  ],
  ['that answer to the main process hearing that the file ended', (w) => w.ended - w.lastResults?.[1]],
  // Vitest forks the next worker then, before this one has exited.
  ["the file's end to the next fork", (w, next, main) => (next?.forkedAt ?? main.end) - w.ended],
];

/** The phases that need no probe: from the fork, the test file's own marks, the worker's exit. */
const USER_PHASES = [
  ["fork to the test file's first line", (w) => w.first - w.forkedAt],
  FILE_TESTS,
  ["the last afterAll to the worker's exit", (w) => w.exit - w.last],
];

/** Stretches of each worker's turn in the main process, in which its collections are summed. */
const MAIN_SPANS = [
  ["the main process transforming a worker's test file (the worker waits)", (w) => w.fileFetch],
  [
    "its answer to a file's last results to hearing that the file ended",
    (w) => w.lastResults && [w.lastResults[1], w.ended],
  ],
];

export function benchVitestMarks(rounds = 8) {
  const dir = path.join(import.meta.dirname, '.marks');
  generate(dir);
  const cases = { 'without hangdump': 'probe.config.mjs', 'with the plugin': 'plugin.config.mjs' };
  try {
    // A first run each, not counted: the plugin's first run writes the engine's code cache.
    for (const config of Object.values(cases)) markedRun(dir, config);
    const samples = alternateRuns(Object.keys(cases), rounds, (name) => markedRun(dir, cases[name]));
    const workersOf = (name) => samples[name].flatMap(({ workers }) => workers);
    /** A phase in each worker of one run, where its marks are there. */
    const phaseIn = ({ main, workers }, phase) =>
      workers.map((worker, index) => phase(worker, workers[index + 1], main)).filter(Number.isFinite);
    const medianPhase = (runs) => (name, phase) => median(runs[name].flatMap((run) => phaseIn(run, phase)));
    const phaseOf = medianPhase(samples);
    const [base, plugin] = Object.keys(cases);
    const show = (ms) => ms.toFixed(2);
    const difference = (without, withPlugin) =>
      `${withPlugin >= without ? '+' : ''}${show(withPlugin - without)}`;
    const ratio = (without, withPlugin) => `${(withPlugin / without).toFixed(3)}x`;
    const row = (title, of, compare = difference) => {
      const [without, withPlugin] = [of(base), of(plugin)];
      return [title, show(without), show(withPlugin), compare(without, withPlugin)];
    };
    const rows = PHASES.map(([title, phase]) => row(title, (name) => phaseOf(name, phase)));
    for (const [title, field] of [
      ["a worker's CPU time in user space (all its threads)", 'user'],
      ["a worker's CPU time in the kernel", 'system'],
    ]) {
      rows.push(row(title, (name) => median(workersOf(name).map((worker) => worker[field]))));
    }
    const allPhases = (name) => PHASES.reduce((total, [, phase]) => total + phaseOf(name, phase), 0);
    rows.push(row('a worker, all phases', allPhases, ratio));
    table(
      `A Vitest 4 suite of ${FILES} files of ${TESTS_PER_FILE} tests by phase: medians per worker (ms) over ${rounds} alternated runs of each case; both cases with a probe setup module and a second reporter`,
      ['phase', 'without hangdump', 'with the plugin', 'more'],
      rows,
    );
    const faultsIn = (from, to) => (name) =>
      median(workersOf(name).map(({ faults }) => faults[to] - (from === undefined ? 0 : faults[from])));
    table(
      "The same workers' minor page faults by stretch (medians per worker): a count, not a time, that moves little between runs",
      ['stretch', 'without hangdump', 'with the plugin', 'more'],
      FAULT_SPANS.map(([title, from, to]) => row(title, faultsIn(from, to))),
    );
    // Medians per worker hide the slow few, where a run's wall time is the sum of its workers'.
    const perRun = (of) => (name) => median(samples[name].map(of));
    const summed = (phase) => (run) => phaseIn(run, phase).reduce((total, ms) => total + ms, 0);
    table(
      `The same runs whole: each phase summed over a run's ${FILES} workers, medians of the ${rounds} runs (ms)`,
      ['phase', 'without hangdump', 'with the plugin', 'more'],
      [
        row(
          "the main process's start to the first fork",
          perRun(({ main }) => main.forks[0].at - main.origin),
        ),
        ...PHASES.map(([title, phase]) => row(title, perRun(summed(phase)))),
        row(
          "the main process's CPU time (user and kernel)",
          perRun(({ main }) => main.cpu),
        ),
        row(
          'the whole run',
          perRun(({ main }) => main.end - main.origin),
          ratio,
        ),
      ],
    );
    /** The main process's collections that began inside `span` of any worker of a run, in ms. */
    const collectedIn = (span) => (run) =>
      run.main.collections
        .filter(([at]) =>
          run.workers.some((worker) => {
            const [from, to] = span(worker) ?? [];
            return at >= from && at <= to;
          }),
        )
        .reduce((total, [, ms]) => total + ms, 0);
    table(
      "The main process's collections ('gc' performance entries), summed over a run by where they began, medians of the runs (ms): a scavenge there takes about 10 ms, on the run's critical path in either stretch",
      ['stretch', 'without hangdump', 'with the plugin', 'more'],
      [
        ...MAIN_SPANS.map(([title, span]) => row(title, perRun(collectedIn(span)))),
        row('all of them', perRun(collectedIn(() => [0, Number.POSITIVE_INFINITY]))),
      ],
    );
    // The probe is a setup file of its own, which the plugin's case shares: what a run without one
    // saves (the preload: no setup file for Vitest's module runner to fetch) shows only without it.
    const bareCases = { [base]: 'bare.config.mjs', [plugin]: 'plugin-bare.config.mjs' };
    const bare = alternateRuns(Object.keys(bareCases), rounds, (name) => markedRun(dir, bareCases[name]));
    const bareOf = medianPhase(bare);
    table(
      `The same suite as users run it (no probe, no second reporter): medians per worker over ${rounds} more alternated runs of each case (ms)`,
      ['phase', 'without hangdump', 'with the plugin', 'more'],
      [
        ...USER_PHASES.map(([title, phase]) => row(title, (name) => bareOf(name, phase))),
        row(
          "a worker's life (its fork to the next fork)",
          (name) => bareOf(name, (w, next, main) => (next?.forkedAt ?? main.end) - w.forkedAt),
          ratio,
        ),
        row('the whole run', (name) => median(bare[name].map(({ main }) => main.end - main.origin)), ratio),
      ],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
