import { writeSync } from 'node:fs';

/**
 * A line on fd 2, never throwing (a closed or full stderr must not break the guarded code). Written
 * with `fs.writeSync`: from the watchdog thread, `console` and `process.stderr` are relayed through
 * the (blocked) guarded thread and would never appear; runners also capture `process.stderr`.
 */
export function writeStderr(line: string): void {
  try {
    writeSync(2, line);
  } catch {
    // Nowhere left to say it.
  }
}
