import type { RequestDetails, ResourceDetails, SocketDetails } from '../dump/model.js';

/** One line for people from a resource's facts: `127.0.0.1:50312 -> 127.0.0.1:8080, read 0 B, …`. */
export function describeDetails(details: ResourceDetails): string {
  switch (details.kind) {
    case 'socket':
      return describeSocket(details);
    case 'server':
      return join(
        details.listening ? `listening on ${details.address ?? 'an unknown address'}` : 'not listening',
        details.connections ? plural(details.connections, 'open connection') : '',
      );
    case 'request':
      return join(
        `${details.method} ${requestUrl(details)}`,
        details.waitedMs === undefined ? '' : `waited ${(details.waitedMs / 1000).toFixed(1)}s`,
        details.responseStarted ? 'response started' : 'no response yet',
      );
    case 'child':
      return join(
        `pid ${details.pid ?? '?'}: ${details.command}`,
        details.state === 'exited'
          ? `exited with code ${details.exitCode}`
          : details.state === 'killed'
            ? `killed by ${details.signal}`
            : 'running',
        // A running child's pipes are expected; an ended one's are what keeps the loop alive.
        details.state !== 'running' && details.openStdio.length > 0
          ? `${details.openStdio.join(', ')} open`
          : '',
      );
    case 'worker':
      return join(
        `threadId ${details.threadId ?? '?'}${details.script ? `: ${details.script}` : ''}`,
        details.state,
      );
    case 'port':
      return details.listening ? 'receiving messages' : 'no message listener';
    case 'watcher':
      return 'watching a path Node does not expose';
    case 'lookup':
      return details.host ? `looking up ${details.host}` : '';
    case 'file':
      return join(details.path ? `on ${details.path}` : '', details.syscall ? `in ${details.syscall}` : '');
  }
}

/** The request's URL as people write it. */
export function requestUrl({ protocol, host, path }: RequestDetails): string {
  return `${protocol}//${host}${path}`;
}

function describeSocket(socket: SocketDetails): string {
  const what = socket.remote
    ? `${socket.local} -> ${socket.remote}`
    : socket.childStdio
      ? `${socket.childStdio.stream} of child pid ${socket.childStdio.pid ?? '?'}`
      : (socket.stdio ?? (socket.path ? `unix ${socket.path}` : 'pipe or unix socket'));
  // Not for this process's own stdio, whose bytes are anybody's.
  const bytes = socket.stdio
    ? ''
    : `read ${socket.bytesRead ?? '?'} B, written ${socket.bytesWritten ?? '?'} B`;
  return join(
    what,
    bytes,
    socket.state === 'not reading' ? '' : (socket.state ?? ''),
    socket.http ? `carries ${socket.http}` : '',
  );
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function join(...parts: string[]): string {
  return parts.filter(Boolean).join(', ');
}
