import { subscribe } from 'node:diagnostics_channel';
import { type CapturedStack, captureStack } from '../stack/capture.js';

/** Where and during which guard a resource was created. */
export interface Creation {
  stack: CapturedStack;
  /** The id of the innermost guard armed on this thread when it was created. */
  guard: number | undefined;
  /** HTTP requests only: `Date.now()` at creation, for how long the request has waited. */
  at?: number;
}

/**
 * Node's own diagnostics channels announce each socket, server, HTTP request, child process and
 * worker as it is created: subscribing costs nothing measurable, and these resources are rare
 * enough that capturing a stack for each (a few microseconds, formatted only if a dump needs it)
 * stays far below the noise. Timers, immediates and promises, which are frequent, are not tracked
 * here: a dump reads what it needs of them at dump time.
 */
const CHANNELS: Record<string, string> = {
  'net.client.socket': 'socket',
  // Not 'net.server.socket': a connection a server accepts is created by Node alone (its stack has
  // no user frame), and a busy server accepts many; its server's record says where it listens.
  'tracing:net.server.listen:asyncStart': 'server',
  'http.client.request.start': 'request',
  child_process: 'process',
  worker_threads: 'worker',
};

/** Keyed by the resource object itself: a record lives exactly as long as its resource. */
const creations = new WeakMap<object, Creation>();
/**
 * Workers and child processes, which a dump must find although Node's list of live handles leaves
 * them out (a worker is never in it; a child leaves it at its exit while its stdio pipes stay open).
 * Both are rare: weak references, swept when the list doubles.
 */
let parents: WeakRef<object>[] = [];
let sweepAt = 64;
let started = false;

/**
 * Starts recording creations on this thread, once. `currentGuard` names the guard armed at the
 * moment of each creation.
 */
export function startTracking(currentGuard: () => number | undefined): void {
  if (started) return;
  started = true;
  for (const [channel, field] of Object.entries(CHANNELS)) {
    subscribe(channel, function onCreated(message) {
      const resource = (message as Record<string, unknown>)[field];
      if (!resource || typeof resource !== 'object' || creations.has(resource)) return;
      const creation: Creation = { stack: captureStack(onCreated), guard: currentGuard() };
      if (field === 'request') creation.at = Date.now();
      creations.set(resource, creation);
      if (field === 'process' || field === 'worker') keepParent(resource);
    });
  }
}

function keepParent(resource: object): void {
  parents.push(new WeakRef(resource));
  if (parents.length < sweepAt) return;
  parents = parents.filter((ref) => ref.deref() !== undefined);
  sweepAt = Math.max(64, parents.length * 2);
}

/** The workers and child processes created since tracking started that are still in memory. */
export function trackedParents(): object[] {
  return parents.flatMap((ref) => ref.deref() ?? []);
}

/** The recorded creation of a resource, or of the HTTP request a socket carries. */
export function creationOf(resource: object): Creation | undefined {
  return (
    creations.get(resource) ?? creations.get((resource as { _httpMessage?: object })._httpMessage ?? resource)
  );
}

/**
 * Whether a resource recorded here may still be open: a cheap look (Node's list of live handles)
 * before the close one that describes them, whose code a test worker then loads.
 */
export function mayHaveOpenCreations(): boolean {
  if (parents.some((ref) => ref.deref() !== undefined)) return true;
  const handles = (process as { _getActiveHandles?: () => object[] })._getActiveHandles?.() ?? [];
  return handles.some((handle) => creationOf(handle) !== undefined);
}
