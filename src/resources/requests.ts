import type { DumpRequest, ResourceDetails } from '../dump/model.js';
import { describeDetails } from './describe.js';
import type { Described } from './details.js';
import { threadsBlockedOnFiles } from './pool-threads.js';

/** At most this many pending requests are listed one by one (all are counted in `active`). */
export const REQUEST_LIMIT = 25;

const FILE_REQUESTS = new Set(['FSReqCallback', 'FSReqPromise']);

interface ProcessWithRequests {
  _getActiveRequests?: () => unknown[];
}

/**
 * The pending requests of this thread (DNS lookups, file system calls): what Node's request objects
 * say of themselves, the host of a lookup. File requests keep no path: the files the pool's threads
 * are blocked on are given to them in order, which is exact when one request is stuck, the usual case.
 */
export function pendingRequests(): DumpRequest[] {
  const requests = (((process as ProcessWithRequests)._getActiveRequests?.() ?? []) as Described[]).slice(
    0,
    REQUEST_LIMIT,
  );
  let files: ReturnType<typeof threadsBlockedOnFiles> | undefined;
  return requests.map((request) => {
    const type = typeof request.constructor?.name === 'string' ? request.constructor.name : 'request';
    try {
      let details: ResourceDetails | undefined;
      if (FILE_REQUESTS.has(type)) {
        files ??= threadsBlockedOnFiles();
        const file = files.shift();
        details = { kind: 'file', ...(file ? { path: file.path, syscall: file.syscall } : {}) };
      } else if (typeof request.hostname === 'string') {
        details = { kind: 'lookup', host: request.hostname };
      }
      return details ? { type, description: describeDetails(details), details } : { type, description: '' };
    } catch {
      return { type, description: '' };
    }
  });
}
