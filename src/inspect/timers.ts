/**
 * The live timers of a thread and where their callbacks are, read through the inspector at dump time
 * (Node keeps timers in internal lists no API exposes; the heap does). Written as a generator of
 * inspector calls, so that one reader serves the synchronous same-thread session (WAITING) and the
 * watchdog's asynchronous one (BLOCKED).
 */

/** A live timer. */
export interface TimerDetail {
  /** `setInterval` rather than `setTimeout`. */
  repeat: boolean;
  durationMs: number;
  /** Whether it keeps the event loop alive. */
  ref: boolean;
  /** The callback's name, if it has one. */
  name: string;
  /** The callback's position, from its `[[FunctionLocation]]` (0-based, as the inspector gives it). */
  location?: { scriptId: string; lineNumber: number; columnNumber: number };
}

/** One inspector call: the generator yields it and receives its result. */
export interface InspectorCall {
  method: string;
  params?: object;
}

type Result = { result?: { objectId?: string; value?: unknown }; objects?: { objectId: string } } & Record<
  string,
  unknown
>;

/** At most this many timers get their callback's position (one inspector call each). */
export const TIMER_DETAIL_LIMIT = 25;
/**
 * Above this many live timers the heap walk that finds them (a full GC and a pass over the heap,
 * hundreds of milliseconds on a large heap) is not worth it: the dump gives their count only.
 */
export const TIMER_WALK_LIMIT = 2000;

/** Live, not yet fired (or repeating) timers, ref'd first; `own` are callbacks to leave out. */
const SELECT = `function (own) {
  return this.filter((t) => t._idleTimeout >= 0 && !t._destroyed && typeof t._onTimeout === 'function' && !own.includes(t._onTimeout))
    .sort((a, b) => Number(b.hasRef()) - Number(a.hasRef()))`;

/**
 * Reads up to {@link TIMER_DETAIL_LIMIT} live timers. `probe` is an expression for an object with
 * `timeoutPrototype` (Node's Timeout prototype) and `ownCallbacks` (hangdump's own timers' callbacks).
 */
export function* readTimers(probe: string): Generator<InspectorCall, TimerDetail[], Result> {
  const count = yield {
    method: 'Runtime.evaluate',
    params: {
      expression: `process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length`,
      returnByValue: true,
    },
  };
  if (typeof count.result?.value !== 'number' || count.result.value > TIMER_WALK_LIMIT) return [];
  const prototype = yield { method: 'Runtime.evaluate', params: { expression: `${probe}.timeoutPrototype` } };
  const own = yield { method: 'Runtime.evaluate', params: { expression: `${probe}.ownCallbacks` } };
  if (!prototype.result?.objectId || !own.result?.objectId) return [];
  const found = yield {
    method: 'Runtime.queryObjects',
    params: { prototypeObjectId: prototype.result.objectId },
  };
  if (!found.objects) return [];
  const select = (map: string, byValue: boolean): InspectorCall => ({
    method: 'Runtime.callFunctionOn',
    params: {
      objectId: found.objects?.objectId,
      functionDeclaration: `${SELECT}.slice(0, ${TIMER_DETAIL_LIMIT}).map(${map}); }`,
      arguments: [{ objectId: own.result?.objectId }],
      returnByValue: byValue,
    },
  });
  const details = (yield select(
    `(t) => ({ repeat: t._repeat !== null && t._repeat !== undefined, durationMs: t._idleTimeout, ref: t.hasRef(), name: t._onTimeout.name })`,
    true,
  )).result?.value as Omit<TimerDetail, 'location'>[] | undefined;
  if (!details) return [];
  const callbacks = (yield select('(t) => t._onTimeout', false)).result?.objectId;
  const entries = callbacks
    ? ((yield { method: 'Runtime.getProperties', params: { objectId: callbacks, ownProperties: true } })
        .result as { name: string; value?: { objectId?: string } }[] | undefined)
    : undefined;
  const timers: TimerDetail[] = [];
  for (const [index, detail] of details.entries()) {
    const objectId = entries?.find((entry) => entry.name === String(index))?.value?.objectId;
    const internal = objectId
      ? ((yield { method: 'Runtime.getProperties', params: { objectId, ownProperties: true } })
          .internalProperties as { name: string; value?: { value?: TimerDetail['location'] } }[] | undefined)
      : undefined;
    const location = internal?.find((p) => p.name === '[[FunctionLocation]]')?.value?.value;
    timers.push(location ? { ...detail, location } : detail);
  }
  return timers;
}

/** Runs a reader against a synchronous `post` (a same-thread session). */
export function runSync<T>(
  reader: Generator<InspectorCall, T, Result>,
  post: (call: InspectorCall) => Result,
): T {
  let step = reader.next();
  while (!step.done) step = reader.next(post(step.value));
  return step.value;
}

/** Runs a reader against an asynchronous `post` (the watchdog's session). */
export async function runAsync<T>(
  reader: Generator<InspectorCall, T, Result>,
  post: (call: InspectorCall) => Promise<Result>,
): Promise<T> {
  let step = reader.next();
  while (!step.done) step = reader.next(await post(step.value));
  return step.value;
}
