import { ANSWER_OFFSET, Control, HEADER_BYTES, MAGIC_BYTES, MAGIC_OFFSET, PAGE_BYTES } from './protocol.js';

/**
 * The shared memory of a guarded thread's deadline table: one region laid out as the mirror file is
 * (header, then the first page of slots), and further pages as the table grows.
 *
 * A table watched from another process is put where that process can find it in this one's memory
 * (/proc/<pid>/maps and /proc/<pid>/mem): in a WebAssembly memory, which has a mapping of its own,
 * page-aligned, with the table at its start, marked by a random magic. Reading it from there spares
 * the guarded process a write to its mirror file at every arm: a system call, which costs a test of a
 * few microseconds more than the rest of arming (see mirror.ts). The watching process looks for it
 * only when it needs the slots, which a passing test file never makes it do: the scan of the
 * mappings is nobody's cost until a worker hangs.
 */
export interface TableMemory {
  control: Int32Array;
  firstPage: Uint8Array;
  /** Where a watching process may find the table; undefined when it is not findable. */
  findable?: FindableTable;
}

/** What a watching process needs to find a table in this process's memory. */
export interface FindableTable {
  /** The magic, in hex, at `MAGIC_OFFSET` of the region. */
  magic: string;
  /** The region's size: its mapping is at least as large. */
  bytes: number;
  /** The magic's bytes in the region: cleared when the table leaves the region (see `TableMirror`). */
  magicBytes: Uint8Array;
  /** The answer word in the region, which the watching process writes once it has found the table there. */
  answer: Int32Array;
}

const WASM_PAGE_BYTES = 65_536;
const HEX_DIGITS = '0123456789abcdef';

/** Allocates a table's first region: findable from another process when `findable` and possible. */
export function allocateTable(findable: boolean): TableMemory {
  const bytes = HEADER_BYTES + PAGE_BYTES;
  const memory = findable ? findableMemory(bytes) : undefined;
  const buffer = memory ?? new SharedArrayBuffer(bytes);
  const table = {
    control: new Int32Array(buffer, 0, Control.WORDS),
    firstPage: new Uint8Array(buffer, HEADER_BYTES, PAGE_BYTES),
  };
  if (!memory) return table;
  const magicBytes = new Uint8Array(memory, MAGIC_OFFSET, MAGIC_BYTES);
  // Not a secret, only unlikely elsewhere (and node:crypto would cost each worker its loading). Its
  // hex is built alongside: a Buffer's hex encoding costs a worker more, run once, cold.
  let magic = '';
  for (let i = 0; i < MAGIC_BYTES; i++) {
    const byte = Math.floor(Math.random() * 256);
    magicBytes[i] = byte;
    magic += HEX_DIGITS.charAt(byte >> 4) + HEX_DIGITS.charAt(byte & 15);
  }
  const answer = new Int32Array(memory, ANSWER_OFFSET, 1);
  return { ...table, findable: { magic, bytes: memory.byteLength, magicBytes, answer } };
}

/** A further page of slots. */
export function allocatePage(): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(PAGE_BYTES));
}

interface WasmMemoryConstructor {
  new (descriptor: { initial: number; maximum: number; shared: boolean }): { buffer: SharedArrayBuffer };
}

/**
 * A shared WebAssembly memory of at least `bytes`; undefined where there is none (`--jitless` has no
 * WebAssembly; a low address-space limit refuses its reservation).
 */
function findableMemory(bytes: number): SharedArrayBuffer | undefined {
  const Memory = (globalThis as { WebAssembly?: { Memory?: WasmMemoryConstructor } }).WebAssembly?.Memory;
  if (!Memory) return undefined;
  const pages = Math.ceil(bytes / WASM_PAGE_BYTES);
  try {
    return new Memory({ initial: pages, maximum: pages, shared: true }).buffer;
  } catch {
    return undefined;
  }
}
