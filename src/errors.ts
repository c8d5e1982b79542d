/** The `code` carried by every error hangdump throws for bad input. */
export const INVALID_OPTION = 'ERR_HANGDUMP_INVALID_OPTION';

/**
 * Builds the `TypeError`/`RangeError` thrown at the call for bad input. Errors are plain built-in
 * classes branded by `code`, because Jest runs tests in vm contexts where `instanceof` across realms fails.
 */
export function invalidOption(
  Kind: TypeErrorConstructor | RangeErrorConstructor,
  message: string,
): TypeError & { code: string } {
  const error = new Kind(message) as TypeError & { code: string };
  error.code = INVALID_OPTION;
  return error;
}

/** Renders a bad value for an error message: short, and never throwing itself. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  return Array.isArray(value) ? 'an array' : 'an object';
}
