import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { ANSWER_OFFSET, MAGIC_BYTES, MAGIC_OFFSET } from './protocol.js';

/** A region of another process's memory, readable through its /proc/<pid>/mem. */
export interface ProcessRegion {
  /** An open /proc/<pid>/mem (close it with `closeRegion`). */
  fd: number;
  /** Opened for writing too (the same permission as reading, unless a security module says otherwise). */
  writable: boolean;
  /** A user-space address: below 2^47, exact as a number (and `writeSync` takes no BigInt position). */
  address: number;
  magic: Buffer;
}

/**
 * How a mapping's line reads after its address range when it is anonymous, private, readable and
 * writable: where a WebAssembly memory lives. Nothing but spaces follows (a name would).
 */
const ANONYMOUS_RW = ' rw-p 00000000 00:00 0';

/**
 * Finds, in the memory of process `pid`, the region of `bytes` bytes marked by `magic` (hex, at
 * `MAGIC_OFFSET`; see table-memory.ts): at `address` when the process has said where it is (see
 * `ownRegionAddress`), else by a scan of the process's mappings. Undefined when it cannot be found or
 * read (no /proc, or reading another process's memory is not permitted: a ptrace policy, another user).
 */
export function findRegion(
  pid: number,
  magic: string,
  bytes: number,
  address?: number,
): ProcessRegion | undefined {
  let fd: number | undefined;
  try {
    const candidates = address === undefined ? mappedCandidates(pid, bytes) : [address];
    const { fd: opened, writable } = openMemory(pid);
    fd = opened;
    const expected = Buffer.from(magic, 'hex');
    const found = Buffer.alloc(MAGIC_BYTES);
    for (const candidate of candidates) {
      if (readAt(fd, found, candidate + MAGIC_OFFSET) && found.equals(expected)) {
        return { fd, writable, address: candidate, magic: expected };
      }
    }
  } catch {
    // Not readable from here: the caller falls back to the file.
  }
  if (fd !== undefined) closeRegion({ fd });
  return undefined;
}

/**
 * Where this process's region marked by `magic` is, found by the process itself and announced. The
 * watching process watches every worker of a test run and looks at each newcomer while that worker
 * waits for it to transform its test file: there it checks one address instead of scanning the
 * worker's mappings. Undefined when not found.
 */
export function ownRegionAddress(magic: string, bytes: number): number | undefined {
  const region = findRegion(process.pid, magic, bytes);
  if (region) closeRegion(region);
  return region?.address;
}

/**
 * Where in process `pid` a region of `bytes` may start, most likely first. The region is a mapping
 * of its own, page-aligned, which the kernel may have merged with a neighbour of the same kind: it is
 * either at the start of its mapping or at its end.
 */
function mappedCandidates(pid: number, bytes: number): number[] {
  // latin1: no decoding (a path's UTF-8 may come out garbled, and only anonymous lines are read).
  const maps = readFileSync(`/proc/${pid}/maps`, 'latin1');
  const candidates: number[] = [];
  // A search for the fixed part rather than a regular expression: a worker scans once, cold, where
  // V8 interprets a regular expression's first runs (measured: 0.2-0.4 ms against 0.3-0.6 ms).
  for (let at = maps.indexOf(ANONYMOUS_RW); at !== -1; at = maps.indexOf(ANONYMOUS_RW, at + 1)) {
    let end = at + ANONYMOUS_RW.length;
    while (maps.charCodeAt(end) === 32) end++;
    if (end < maps.length && maps.charCodeAt(end) !== 10) continue;
    const lineStart = maps.lastIndexOf('\n', at) + 1;
    const dash = maps.indexOf('-', lineStart);
    const start = Number.parseInt(maps.slice(lineStart, dash), 16);
    const size = Number.parseInt(maps.slice(dash + 1, at), 16) - start;
    // A mapping of the region's exact size is the likely one: looked at first.
    if (size === bytes) candidates.unshift(start);
    else if (size > bytes) candidates.push(start, start + size - bytes);
  }
  return candidates;
}

function openMemory(pid: number): { fd: number; writable: boolean } {
  try {
    return { fd: openSync(`/proc/${pid}/mem`, 'r+'), writable: true };
  } catch {
    return { fd: openSync(`/proc/${pid}/mem`, 'r'), writable: false };
  }
}

/**
 * Writes the watching process's `Answer` into the region (the one word of it this process writes);
 * false when it cannot.
 */
export function writeRegionAnswer(region: ProcessRegion, answer: number): boolean {
  if (!region.writable) return false;
  try {
    return writeSync(region.fd, new Int32Array([answer]), 0, 4, region.address + ANSWER_OFFSET) === 4;
  } catch {
    return false;
  }
}

/** Reads `buffer` whole at `address`; false when nothing is mapped there (any more). */
function readAt(fd: number, buffer: Buffer, address: number): boolean {
  try {
    return readSync(fd, buffer, 0, buffer.byteLength, address) === buffer.byteLength;
  } catch {
    return false;
  }
}

/** Whether the region still holds its magic, in a header read from it. */
export function stillMarked(region: ProcessRegion, header: Uint8Array): boolean {
  return region.magic.equals(header.subarray(MAGIC_OFFSET, MAGIC_OFFSET + MAGIC_BYTES));
}

export function closeRegion({ fd }: Pick<ProcessRegion, 'fd'>): void {
  try {
    closeSync(fd);
  } catch {
    // Closed already.
  }
}
