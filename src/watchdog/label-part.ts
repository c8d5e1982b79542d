import { LABEL_CAPACITY } from './protocol.js';

/**
 * A guard's label, or a part of one that recurs (a suite's path, a step's kind), as the UTF-8 bytes a
 * deadline slot holds. Encoded once, by whoever makes the label, and copied into a slot at each arm
 * (`Uint8Array#set`): in a worker's cold code, encoding a string again at every arm (a loop over its
 * characters, or a `TextEncoder` call) costs several times the copy (measured: `npm run bench --
 * cold`).
 */
export type LabelPart = Uint8Array;

const encoder = new TextEncoder();

/** No text: a part a label does without. */
export const NO_PART: LabelPart = new Uint8Array(0);

/**
 * `text` as a label part. No slot holds more than `LABEL_CAPACITY` bytes, nor so more characters:
 * a longer text (a 10 MB label, say) is not encoded whole.
 */
export function labelPart(text: string): LabelPart {
  if (text.length === 0) return NO_PART;
  return encoder.encode(text.length > LABEL_CAPACITY ? text.slice(0, LABEL_CAPACITY) : text);
}
