/**
 * The Linux system calls a Node thread is found waiting in (`/proc/<pid>/task/<tid>/syscall` gives
 * the number and the arguments), by number, per architecture. For calls on a file, which argument
 * names it: its path (a pointer) or a file descriptor. One table for the native block of a BLOCKED
 * thread and for the files Node's thread pool waits on.
 */

/** A system call: its name and, for a call on a file, the 1-based argument that names the file. */
export interface Syscall {
  name: string;
  path?: number;
  fd?: number;
}

/**
 * Each call once, with its number on each architecture hangdump knows (calls of one architecture
 * only have one number): the name and the argument that names its file do not differ between them.
 */
const CALLS: (Syscall & { x64?: number; arm64?: number })[] = [
  { name: 'read', fd: 1, x64: 0, arm64: 63 },
  { name: 'write', x64: 1, arm64: 64 },
  { name: 'open', path: 1, x64: 2 },
  { name: 'poll', x64: 7 },
  { name: 'pread64', fd: 1, x64: 17, arm64: 67 },
  { name: 'readv', fd: 1, x64: 19, arm64: 65 },
  { name: 'select', x64: 23 },
  { name: 'nanosleep', x64: 35, arm64: 101 },
  { name: 'connect', x64: 42, arm64: 203 },
  { name: 'accept', x64: 43, arm64: 202 },
  { name: 'recvfrom', x64: 45, arm64: 207 },
  { name: 'recvmsg', x64: 47, arm64: 212 },
  { name: 'wait4', x64: 61, arm64: 260 },
  { name: 'futex', x64: 202, arm64: 98 },
  { name: 'clock_nanosleep', x64: 230, arm64: 115 },
  { name: 'epoll_wait', x64: 232 },
  { name: 'waitid', x64: 247, arm64: 95 },
  { name: 'openat', path: 2, x64: 257, arm64: 56 },
  { name: 'newfstatat', path: 2, x64: 262, arm64: 79 },
  { name: 'pselect6', x64: 270, arm64: 72 },
  { name: 'ppoll', x64: 271, arm64: 73 },
  { name: 'epoll_pwait', x64: 281, arm64: 22 },
  { name: 'accept4', x64: 288, arm64: 242 },
  { name: 'statx', path: 2, x64: 332, arm64: 291 },
  { name: 'epoll_pwait2', x64: 441, arm64: 441 },
];

/** Whether the system calls of this architecture are known. */
export const syscallsKnown: boolean = process.arch === 'x64' || process.arch === 'arm64';

/** This architecture's calls by number. */
const BY_NUMBER = new Map<number, Syscall>(
  CALLS.flatMap(({ x64, arm64, ...call }) => {
    const number = process.arch === 'x64' ? x64 : process.arch === 'arm64' ? arm64 : undefined;
    return number === undefined ? [] : [[number, call] as const];
  }),
);

/** The system call of this number on this machine's architecture, if known. */
export function syscallOf(number: number): Syscall | undefined {
  return BY_NUMBER.get(number);
}
