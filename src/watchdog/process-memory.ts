import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { ANSWER_OFFSET, MAGIC_BYTES, MAGIC_OFFSET } from './protocol.js';

/** Another process's memory, open for reading (and writing, where permitted) through its /proc/<pid>/mem. */
export interface ProcessMemory {
  pid: number;
  /** An open /proc/<pid>/mem (close it with `closeMemory`). */
  fd: number;
  /** Opened for writing too (the same permission as reading, unless a security module says otherwise). */
  writable: boolean;
}

/** A region of another process's memory, found there by its magic. */
export interface ProcessRegion extends ProcessMemory {
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
 * Opens the memory of process `pid`; undefined when it cannot be read from here (no /proc, or reading
 * another process's memory is not permitted: a ptrace policy, another user).
 */
export function openMemory(pid: number): ProcessMemory | undefined {
  try {
    return { pid, fd: openSync(`/proc/${pid}/mem`, 'r+'), writable: true };
  } catch {
    try {
      return { pid, fd: openSync(`/proc/${pid}/mem`, 'r'), writable: false };
    } catch {
      return undefined;
    }
  }
}

/**
 * Finds, in an open process memory, the region of `bytes` bytes marked by `magic` (hex, at
 * `MAGIC_OFFSET`; see table-memory.ts), by a scan of the process's mappings. Undefined when it cannot
 * be found; the memory stays open either way, and the region shares its descriptor.
 */
export function findRegion(memory: ProcessMemory, magic: string, bytes: number): ProcessRegion | undefined {
  try {
    const expected = Buffer.from(magic, 'hex');
    const found = Buffer.alloc(MAGIC_BYTES);
    for (const candidate of mappedCandidates(memory.pid, bytes)) {
      if (readAt(memory.fd, found, candidate + MAGIC_OFFSET) && found.equals(expected)) {
        return { ...memory, address: candidate, magic: expected };
      }
    }
  } catch {
    // The mappings are gone (the process ended) or unreadable: not found.
  }
  return undefined;
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
  // A search for the fixed part rather than a regular expression: a scan runs seldom, cold, where V8
  // interprets a regular expression's first runs (measured in a worker: 0.2-0.4 ms against 0.3-0.6 ms).
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

export function closeMemory({ fd }: Pick<ProcessMemory, 'fd'>): void {
  try {
    closeSync(fd);
  } catch {
    // Closed already.
  }
}
