// Shared helpers for the benchmarks: alternated rounds, medians, ratios, and a table printer.
import { spawnSync } from 'node:child_process';

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

/** Wall milliseconds of a child process. */
export function timeProcess(args, options = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', ...options });
  if (result.error) throw result.error;
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

/** Prints a titled table of rows (arrays of cells). */
export function table(title, header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  console.log(`\n${title}\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of rows) console.log(line(row));
}
