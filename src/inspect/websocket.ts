import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import { type Transport, withDeadline } from './transport.js';

/**
 * An inspector session on another process, over its WebSocket (`ws://127.0.0.1:<port>/<id>`). Node
 * 20 has no WebSocket client without a flag, and the inspector speaks the plainest form of the
 * protocol (unfragmented text frames, no extensions), so the few lines it needs live here rather
 * than in a dependency.
 */
export async function webSocketTransport(url: string, timeoutMs: number): Promise<WebSocketTransport> {
  const socket = await upgrade(new URL(url), timeoutMs);
  return new WebSocketTransport(socket);
}

/** The JSON-RPC of the inspector protocol over one WebSocket connection. */
export class WebSocketTransport implements Transport {
  readonly #socket: Socket;
  readonly #pending = new Map<number, { resolve: (value: never) => void; reject: (error: Error) => void }>();
  readonly #listeners = new Map<string, Set<(params: Record<string, unknown>) => void>>();
  #nextId = 0;
  #received: Buffer = Buffer.alloc(0);
  #closed = false;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    const fail = () => {
      this.#closed = true;
      for (const { reject } of this.#pending.values()) reject(new Error('inspector connection closed'));
      this.#pending.clear();
    };
    socket.on('close', fail);
    socket.on('error', fail);
  }

  post<T = unknown>(method: string, params?: object): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('inspector connection closed'));
    const id = ++this.#nextId;
    const reply = new Promise<never>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.#send(0x1, Buffer.from(JSON.stringify({ id, method, params })));
    return withDeadline(method, reply).finally(() => this.#pending.delete(id));
  }

  on(event: string, listener: (params: Record<string, unknown>) => void): () => void {
    const set = this.#listeners.get(event) ?? new Set();
    set.add(listener);
    this.#listeners.set(event, set);
    return () => set.delete(listener);
  }

  close(): void {
    this.#socket.destroy();
  }

  /** Client frames are masked (RFC 6455, 5.3); the mask may be any value. */
  #send(opcode: number, payload: Buffer): void {
    const length = payload.length;
    const header =
      length < 126
        ? Buffer.from([0x80 | opcode, 0x80 | length])
        : length < 0x10000
          ? Buffer.from([0x80 | opcode, 0x80 | 126, length >> 8, length & 0xff])
          : Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | 127]), bigEndian64(length)]);
    const mask = randomBytes(4);
    const masked = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) masked[i] = (payload[i] as number) ^ (mask[i & 3] as number);
    this.#socket.write(Buffer.concat([header, mask, masked]));
  }

  #onData(chunk: Buffer): void {
    this.#received = this.#received.length === 0 ? chunk : Buffer.concat([this.#received, chunk]);
    for (;;) {
      const frame = readFrame(this.#received);
      if (!frame) return;
      this.#received = this.#received.subarray(frame.end);
      if (frame.opcode === 0x1) this.#onMessage(frame.payload.toString('utf8'));
      else if (frame.opcode === 0x9) this.#send(0xa, frame.payload);
      else if (frame.opcode === 0x8) this.#socket.end();
    }
  }

  #onMessage(text: string): void {
    const message = JSON.parse(text) as {
      id?: number;
      method?: string;
      params?: Record<string, unknown>;
      result?: unknown;
      error?: { message: string };
    };
    const waiter = message.id === undefined ? undefined : this.#pending.get(message.id);
    if (waiter) {
      this.#pending.delete(message.id as number);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result as never);
    } else if (message.method) {
      for (const listener of this.#listeners.get(message.method) ?? []) listener(message.params ?? {});
    }
  }
}

/** One whole server frame at the start of `data` (servers never mask), or undefined if incomplete. */
function readFrame(data: Buffer): { opcode: number; payload: Buffer; end: number } | undefined {
  if (data.length < 2) return undefined;
  const opcode = (data[0] as number) & 0x0f;
  let length = (data[1] as number) & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (data.length < 4) return undefined;
    length = data.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (data.length < 10) return undefined;
    length = Number(data.readBigUInt64BE(2));
    offset = 10;
  }
  if (data.length < offset + length) return undefined;
  return { opcode, payload: data.subarray(offset, offset + length), end: offset + length };
}

function bigEndian64(value: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64BE(BigInt(value));
  return buffer;
}

/** The HTTP upgrade handshake; resolves with the connected socket. */
function upgrade(url: URL, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      timeout: timeoutMs,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      },
    });
    request.on('upgrade', (_response, socket: Socket, head: Buffer) => {
      socket.setNoDelay(true);
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    request.on('response', (response) =>
      reject(new Error(`inspector refused the connection (${response.statusCode})`)),
    );
    request.on('timeout', () =>
      request.destroy(new Error(`no inspector at ${url.host} within ${timeoutMs} ms`)),
    );
    request.on('error', reject);
    request.end();
  });
}
