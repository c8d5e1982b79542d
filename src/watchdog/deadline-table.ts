import type { OnBlocked } from '../options.js';
import { type LabelPart, labelPart } from './label-part.js';
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

/** What an armer writes into a slot besides its deadline, budget, moment and label: the guard's policy. */
export interface SlotPolicy {
  onBlocked: OnBlocked;
  exitCode: number;
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
  /**
   * The label's parts the slot holds, and where each ends in `labelBytes`, or `~end` where the label
   * was cut (see `writePart`); the armer's side only.
   */
  prefix: LabelPart | undefined;
  name: string | undefined;
  suffix: LabelPart | undefined;
  prefixEnd: number;
  nameEnd: number;
  suffixEnd: number;
  /** The policy the slot's words hold, and its path; the armer's side only. */
  policy: SlotPolicy | undefined;
  path: string | undefined;
}

interface Page {
  words: Int32Array;
  bytes: Uint8Array;
}

const encoder = new TextEncoder();
let decoder: { decode(bytes: Uint8Array): string } | undefined;

/** UTF-8 bytes as a string; the decoder is made at the first read (a test worker reads no slot). */
function decode(bytes: Uint8Array): string {
  decoder ??= new TextDecoder();
  return decoder.decode(bytes);
}

/** Writes a label into the slot, the parts it does not hold already, and returns its length in bytes. */
function writeLabel(view: SlotView, prefix: LabelPart, name: string, suffix: LabelPart): number {
  if (view.prefix !== prefix) {
    view.prefix = prefix;
    view.prefixEnd = writePart(view.labelBytes, 0, prefix);
    view.name = undefined;
  }
  if (view.name !== name) {
    view.name = name;
    view.nameEnd = writeText(view.labelBytes, view.prefixEnd, name);
    view.suffix = undefined;
  }
  if (view.suffix !== suffix) {
    view.suffix = suffix;
    view.suffixEnd = writePart(view.labelBytes, view.nameEnd, suffix);
  }
  return view.suffixEnd < 0 ? ~view.suffixEnd : view.suffixEnd;
}

/**
 * Copies `part` into `bytes` at `offset`, and returns where it ends; or, when it did not fit whole
 * (cut at a character), `~end`: then so do the parts after it, which are not written (`offset` is
 * such a `~end`).
 */
function writePart(bytes: Uint8Array, offset: number, part: LabelPart): number {
  if (offset < 0 || part.length === 0) return offset;
  const room = bytes.length - offset;
  if (part.length <= room) {
    bytes.set(part, offset);
    return offset + part.length;
  }
  // Not inside a character: back to the first byte of the one that does not fit.
  let cut = room;
  while (cut > 0 && ((part[cut] as number) & 0xc0) === 0x80) cut--;
  bytes.set(part.subarray(0, cut), offset);
  return ~(offset + cut);
}

/**
 * Writes `text` as UTF-8 into `bytes` at `offset`, as `writePart` does. Most names are ASCII, and a
 * test's name is new at each test: copied a character at a time, it allocates nothing (its bytes made
 * and kept cost a worker more memory touched than the loop costs it instructions; measured).
 */
function writeText(bytes: Uint8Array, offset: number, text: string): number {
  if (offset < 0) return offset;
  const length = text.length;
  if (length <= bytes.length - offset) {
    let i = 0;
    for (; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code > 0x7f) break;
      bytes[offset + i] = code;
    }
    if (i === length) return offset + length;
  }
  return writePart(bytes, offset, labelPart(text));
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

  /**
   * Writes a guard into `slot` and returns its generation. The deadline is stored last. Scalars
   * rather than objects: arming runs twice per test, in a worker whose code has barely warmed up.
   *
   * The label comes in three parts, as a runner arms the steps of a test: the path of its suite
   * (`file > describe > `, encoded once), the test's name (a string: new at each test), the step
   * (` [beforeEach]`, or none for the test's own body; encoded once); any other label is a prefix
   * alone. A slot writes a part only when it is not the part it holds, and the runner hands the same
   * parts over again (its suite's path, its test's name, a constant per step): the test after its
   * `beforeEach` writes no label, the next test its name.
   */
  arm(
    slot: number,
    deadline: number,
    armedAt: number,
    budgetMs: number,
    policy: SlotPolicy,
    prefix: LabelPart,
    name: string,
    suffix: LabelPart,
  ): number {
    // The view looked up here, not through `#view`: a call less at every arm (and disarm).
    const view = this.#views[slot] ?? this.#view(slot);
    const { words, base } = view;
    const generation = (words[base + Slot.GENERATION] as number) + 1;
    words[base + Slot.BUDGET_MS] = budgetMs;
    words[base + Slot.ARMED_AT] = armedAt;
    words[base + Slot.LABEL_BYTES] = writeLabel(view, prefix, name, suffix);
    // A runner arms every step with the same policy: written when the slot held another.
    if (view.policy !== policy) {
      view.policy = policy;
      words[base + Slot.POLICY] = (policy.onBlocked === 'continue' ? 1 : 0) | (policy.exitCode << 8);
      if (view.path !== policy.path) {
        view.path = policy.path;
        words[base + Slot.PATH_BYTES] =
          policy.path === undefined ? -1 : encoder.encodeInto(policy.path, view.pathBytes).written;
      }
    }
    Atomics.store(words, base + Slot.GENERATION, generation);
    Atomics.store(words, base + Slot.DEADLINE, deadline);
    return generation;
  }

  /** Frees `slot` if it still holds `generation`. */
  disarm(slot: number, generation: number): void {
    const { words, base } = this.#views[slot] ?? this.#view(slot);
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
      label: decode(labelBytes.slice(0, words[base + Slot.LABEL_BYTES] as number)),
      path:
        pathLength <= 0 // no path (an empty one is never armed)
          ? undefined
          : decode(pathBytes.slice(0, pathLength)),
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
      prefix: undefined,
      name: undefined,
      suffix: undefined,
      prefixEnd: 0,
      nameEnd: 0,
      suffixEnd: 0,
      policy: undefined,
      path: undefined,
    };
    this.#views[slot] = view;
    return view;
  }
}
