import type { OnBlocked } from '../options.js';
import {
  Control,
  LABEL_CAPACITY,
  PAGE_BYTES,
  PATH_CAPACITY,
  SLOT_BYTES,
  SLOTS_PER_PAGE,
  Slot,
  State,
} from './protocol.js';

/** One guard's configuration as it stands in shared memory. */
export interface SlotConfig {
  deadline: number;
  generation: number;
  budgetMs: number;
  armedAt: number;
  onBlocked: OnBlocked;
  exitCode: number;
  label: string;
  path: string | undefined;
}

/** What an armer writes into a slot. */
export interface SlotInput {
  budgetMs: number;
  armedAt: number;
  onBlocked: OnBlocked;
  exitCode: number;
  label: string;
  path: string | undefined;
}

interface Page {
  words: Int32Array;
  bytes: Uint8Array;
  /** What the armer last encoded into each slot (the armer's side only). */
  labels: (string | undefined)[];
  paths: (string | undefined)[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The deadline table both threads see: a control block and pages of slots in shared memory. The
 * guarded thread writes slots (arm, disarm); the watchdog reads them and claims expired ones.
 */
export class DeadlineTable {
  readonly control: Int32Array;
  readonly #pages: Page[] = [];

  /** Over shared memory; or over a private copy (a mirror read back from its file). */
  constructor(control: ArrayBufferLike, pages: ArrayBufferLike[] = []) {
    this.control = new Int32Array(control);
    for (const page of pages) this.addPage(page);
  }

  static createControl(): SharedArrayBuffer {
    return new SharedArrayBuffer(Control.WORDS * 4);
  }

  static createPage(): SharedArrayBuffer {
    return new SharedArrayBuffer(PAGE_BYTES);
  }

  addPage(buffer: ArrayBufferLike): void {
    this.#pages.push({ words: new Int32Array(buffer), bytes: new Uint8Array(buffer), labels: [], paths: [] });
  }

  get capacity(): number {
    return this.#pages.length * SLOTS_PER_PAGE;
  }

  /** Writes a guard into `slot` and returns its generation. The deadline is stored last. */
  arm(slot: number, deadline: number, input: SlotInput): number {
    const page = this.#pages[(slot / SLOTS_PER_PAGE) | 0] as Page;
    const { words, bytes } = page;
    const index = slot % SLOTS_PER_PAGE;
    const base = (index * SLOT_BYTES) / 4;
    const generation = (words[base + Slot.GENERATION] as number) + 1;
    words[base + Slot.BUDGET_MS] = input.budgetMs;
    words[base + Slot.POLICY] = (input.onBlocked === 'continue' ? 1 : 0) | (input.exitCode << 8);
    words[base + Slot.ARMED_AT] = input.armedAt;
    // Strings are encoded only when they differ from what the slot holds: a runner re-arms the same
    // slot test after test, often with the same path.
    const strings = base * 4 + Slot.WORDS * 4;
    if (page.labels[index] !== input.label) {
      page.labels[index] = input.label;
      words[base + Slot.LABEL_BYTES] = encoder.encodeInto(
        input.label,
        bytes.subarray(strings, strings + LABEL_CAPACITY),
      ).written;
    }
    if (page.paths[index] !== input.path) {
      page.paths[index] = input.path;
      words[base + Slot.PATH_BYTES] =
        input.path === undefined
          ? -1
          : encoder.encodeInto(
              input.path,
              bytes.subarray(strings + LABEL_CAPACITY, strings + LABEL_CAPACITY + PATH_CAPACITY),
            ).written;
    }
    Atomics.store(words, base + Slot.GENERATION, generation);
    Atomics.store(words, base + Slot.DEADLINE, deadline);
    return generation;
  }

  /** Frees `slot` if it still holds `generation`. */
  disarm(slot: number, generation: number): void {
    const { words, base } = this.#locate(slot);
    if (Atomics.load(words, base + Slot.GENERATION) === generation) {
      Atomics.store(words, base + Slot.DEADLINE, State.FREE);
    }
  }

  /** The whole of one slot as bytes (words, then label, then path), for a mirror. */
  slotBytes(slot: number): Uint8Array {
    const { bytes, base } = this.#locate(slot);
    return bytes.subarray(base * 4, base * 4 + SLOT_BYTES);
  }

  /** How many bytes of the slot's label region are in use. */
  labelLength(slot: number): number {
    const { words, base } = this.#locate(slot);
    return words[base + Slot.LABEL_BYTES] as number;
  }

  deadline(slot: number): number {
    const { words, base } = this.#locate(slot);
    return Atomics.load(words, base + Slot.DEADLINE);
  }

  generation(slot: number): number {
    const { words, base } = this.#locate(slot);
    return Atomics.load(words, base + Slot.GENERATION);
  }

  /** Moves a slot from one deadline or state to another; false if it changed meanwhile (disarmed, re-armed). */
  transition(slot: number, from: number, to: number): boolean {
    const { words, base } = this.#locate(slot);
    return Atomics.compareExchange(words, base + Slot.DEADLINE, from, to) === from;
  }

  budgetMs(slot: number): number {
    const { words, base } = this.#locate(slot);
    return words[base + Slot.BUDGET_MS] as number;
  }

  /** Reads a slot; undefined if it no longer holds `generation` (re-armed while being read). */
  read(slot: number, generation: number): SlotConfig | undefined {
    const { words, bytes, base } = this.#locate(slot);
    if (Atomics.load(words, base + Slot.GENERATION) !== generation) return undefined;
    const strings = base * 4 + Slot.WORDS * 4;
    const pathBytes = words[base + Slot.PATH_BYTES] as number;
    const policy = words[base + Slot.POLICY] as number;
    const config: SlotConfig = {
      deadline: Atomics.load(words, base + Slot.DEADLINE),
      generation,
      budgetMs: words[base + Slot.BUDGET_MS] as number,
      armedAt: words[base + Slot.ARMED_AT] as number,
      onBlocked: policy & 1 ? 'continue' : 'exit',
      exitCode: (policy >> 8) & 0xff,
      // TextDecoder refuses views of shared memory: decode a private copy.
      label: decoder.decode(bytes.slice(strings, strings + (words[base + Slot.LABEL_BYTES] as number))),
      path:
        pathBytes <= 0 // no path (an empty one is never armed)
          ? undefined
          : decoder.decode(bytes.slice(strings + LABEL_CAPACITY, strings + LABEL_CAPACITY + pathBytes)),
    };
    return Atomics.load(words, base + Slot.GENERATION) === generation ? config : undefined;
  }

  #locate(slot: number): { words: Int32Array; bytes: Uint8Array; base: number } {
    const page = this.#pages[Math.floor(slot / SLOTS_PER_PAGE)];
    if (page === undefined) throw new RangeError(`hangdump: no deadline slot ${slot}`);
    return { words: page.words, bytes: page.bytes, base: ((slot % SLOTS_PER_PAGE) * SLOT_BYTES) / 4 };
  }
}
