import type { DumpRequest, ResourceDetails } from '../dump/model.js';
import { describeDetails } from './describe.js';
import type { Described } from './details.js';
import { threadsBlockedOnFiles } from './pool-threads.js';

/** At most this many pending requests are listed one by one (all are counted in `active`). */
const REQUEST_LIMIT = 25;

const FILE_REQUESTS = new Set(['FSReqCallback', 'FSReqPromise']);

interface ProcessWithRequests {
  _getActiveRequests?: () => unknown[];
}

/**
 * The pending requests of this thread (DNS lookups, file system calls): what Node's request objects
 * say of themselves, such as the host of a lookup. File requests keep no path: the files that
 * threads of the process are blocked on are given to them in order, which is exact when one request
 * is stuck, the usual case. Blocked files left over are listed as `FileSystemCall`s: Node 26 lists
 * no pending file request at all, and a worker's synchronous call is one too.
 */
export function pendingRequests(): DumpRequest[] {
  const files = threadsBlockedOnFiles();
  const requests = (((process as ProcessWithRequests)._getActiveRequests?.() ?? []) as Described[])
    .slice(0, REQUEST_LIMIT)
    .map((request): DumpRequest => {
      const type = typeof request.constructor?.name === 'string' ? request.constructor.name : 'request';
      try {
        if (FILE_REQUESTS.has(type)) {
          const file = files.shift();
          return entry(type, { kind: 'file', ...(file ? { path: file.path, syscall: file.syscall } : {}) });
        }
        if (typeof request.hostname === 'string')
          return entry(type, { kind: 'lookup', host: request.hostname });
      } catch {
        // A request in a state its own accessors reject: listed by type.
      }
      return { type, description: '' };
    });
  return [
    ...requests,
    ...files.map(({ path, syscall }) => entry('FileSystemCall', { kind: 'file', path, syscall })),
  ];
}

function entry(type: string, details: ResourceDetails): DumpRequest {
  return { type, description: describeDetails(details), details };
}
