import type { OnBlocked } from '../options.js';
import { LABEL_CAPACITY, PATH_CAPACITY, SLOT_BYTES, SLOTS_PER_PAGE, Slot, State } from './protocol.js';

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

/** What an armer writes into a slot, besides its deadline and the moment it was armed. */
export interface SlotInput {
  budgetMs: number;
  onBlocked: OnBlocked;
  exitCode: number;
  label: string | undefined;
  path: string | undefined;
}

/**
 * One slot's place in its page, made at the slot's first use and kept: arming runs twice per test,
 * and views made per call would be garbage per call.
 */
interface SlotView {
  /** The page's words; the slot's start at `base`. */
  words: Int32Array;
  base: number;
  /** The slot's bytes: its words, then its label, then its path. */
  bytes: Uint8Array;
  labelBytes: Uint8Array;
  pathBytes: Uint8Array;
  /** What the armer last encoded into the slot (the armer's side only). */
  label: string | undefined;
  /** That label is held whole, a byte per character (ASCII): any prefix of it is held too. */
  asciiLabel: boolean;
  path: string | undefined;
}

interface Page {
  words: Int32Array;
  bytes: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Writes `label` into the slot and returns its length in bytes. A runner arms a test's hook and then
 * the test in the same slot, and the test's label starts the hook's (`file > test [beforeEach]`, then
 * `file > test`): a label the slot holds the start of already is not encoded again.
 */
function encodeLabel(view: SlotView, label: string): number {
  const held = view.label;
  view.label = label;
  if (view.asciiLabel && held?.startsWith(label)) return label.length;
  const { read, written } = encoder.encodeInto(label, view.labelBytes);
  view.asciiLabel = read === label.length && written === read;
  return written;
}

/**
 * The deadline table both threads see: a control block and pages of slots in shared memory. The
 * guarded thread writes slots (arm, disarm); the watchdog reads them and claims expired ones.
 */
export class DeadlineTable {
  readonly control: Int32Array;
  readonly #pages: Page[] = [];
  readonly #views: SlotView[] = [];

  /** Over shared memory (see table-memory.ts); or over a private copy (a mirror read back). */
  constructor(control: Int32Array, pages: Uint8Array[] = []) {
    this.control = control;
    for (const page of pages) this.addPage(page);
  }

  addPage(bytes: Uint8Array): void {
    this.#pages.push({ words: new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), bytes });
  }

  get capacity(): number {
    return this.#pages.length * SLOTS_PER_PAGE;
  }

  /** Writes a guard into `slot` and returns its generation. The deadline is stored last. */
  arm(slot: number, deadline: number, armedAt: number, input: SlotInput): number {
    const view = this.#view(slot);
    const { words, base } = view;
    const generation = (words[base + Slot.GENERATION] as number) + 1;
    words[base + Slot.BUDGET_MS] = input.budgetMs;
    words[base + Slot.POLICY] = (input.onBlocked === 'continue' ? 1 : 0) | (input.exitCode << 8);
    words[base + Slot.ARMED_AT] = armedAt;
    // Strings are encoded only when they differ from what the slot holds: a runner re-arms the same
    // slot test after test, often with the same path.
    const label = input.label ?? '';
    if (view.label !== label) words[base + Slot.LABEL_BYTES] = encodeLabel(view, label);
    if (view.path !== input.path) {
      view.path = input.path;
      words[base + Slot.PATH_BYTES] =
        input.path === undefined ? -1 : encoder.encodeInto(input.path, view.pathBytes).written;
    }
    Atomics.store(words, base + Slot.GENERATION, generation);
    Atomics.store(words, base + Slot.DEADLINE, deadline);
    return generation;
  }

  /** Frees `slot` if it still holds `generation`. */
  disarm(slot: number, generation: number): void {
    const { words, base } = this.#view(slot);
    if (Atomics.load(words, base + Slot.GENERATION) === generation) {
      Atomics.store(words, base + Slot.DEADLINE, State.FREE);
    }
  }

  /** The whole of one slot as bytes (words, then label, then path), for a mirror. */
  slotBytes(slot: number): Uint8Array {
    return this.#view(slot).bytes;
  }

  /** How many bytes of the slot's label region are in use. */
  labelLength(slot: number): number {
    const { words, base } = this.#view(slot);
    return words[base + Slot.LABEL_BYTES] as number;
  }

  deadline(slot: number): number {
    const { words, base } = this.#view(slot);
    return Atomics.load(words, base + Slot.DEADLINE);
  }

  generation(slot: number): number {
    const { words, base } = this.#view(slot);
    return Atomics.load(words, base + Slot.GENERATION);
  }

  /** Moves a slot from one deadline or state to another; false if it changed meanwhile (disarmed, re-armed). */
  transition(slot: number, from: number, to: number): boolean {
    const { words, base } = this.#view(slot);
    return Atomics.compareExchange(words, base + Slot.DEADLINE, from, to) === from;
  }

  budgetMs(slot: number): number {
    const { words, base } = this.#view(slot);
    return words[base + Slot.BUDGET_MS] as number;
  }

  /** Reads a slot; undefined if it no longer holds `generation` (re-armed while being read). */
  read(slot: number, generation: number): SlotConfig | undefined {
    const { words, base, labelBytes, pathBytes } = this.#view(slot);
    if (Atomics.load(words, base + Slot.GENERATION) !== generation) return undefined;
    const pathLength = words[base + Slot.PATH_BYTES] as number;
    const policy = words[base + Slot.POLICY] as number;
    const config: SlotConfig = {
      deadline: Atomics.load(words, base + Slot.DEADLINE),
      generation,
      budgetMs: words[base + Slot.BUDGET_MS] as number,
      armedAt: words[base + Slot.ARMED_AT] as number,
      onBlocked: policy & 1 ? 'continue' : 'exit',
      exitCode: (policy >> 8) & 0xff,
      // TextDecoder refuses views of shared memory: decode a private copy.
      label: decoder.decode(labelBytes.slice(0, words[base + Slot.LABEL_BYTES] as number)),
      path:
        pathLength <= 0 // no path (an empty one is never armed)
          ? undefined
          : decoder.decode(pathBytes.slice(0, pathLength)),
    };
    return Atomics.load(words, base + Slot.GENERATION) === generation ? config : undefined;
  }

  #view(slot: number): SlotView {
    const known = this.#views[slot];
    if (known) return known;
    const page = this.#pages[Math.floor(slot / SLOTS_PER_PAGE)];
    if (page === undefined) throw new RangeError(`hangdump: no deadline slot ${slot}`);
    const offset = (slot % SLOTS_PER_PAGE) * SLOT_BYTES;
    const bytes = page.bytes.subarray(offset, offset + SLOT_BYTES);
    const strings = Slot.WORDS * 4;
    const view: SlotView = {
      words: page.words,
      base: offset / 4,
      bytes,
      labelBytes: bytes.subarray(strings, strings + LABEL_CAPACITY),
      pathBytes: bytes.subarray(strings + LABEL_CAPACITY, strings + LABEL_CAPACITY + PATH_CAPACITY),
      label: undefined,
      asciiLabel: false,
      path: undefined,
    };
    this.#views[slot] = view;
    return view;
  }
}
