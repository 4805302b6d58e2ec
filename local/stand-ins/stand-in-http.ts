import type { IncomingMessage, Server } from 'node:http';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

const gunzipAsync = promisify(gunzip);

/** A request body after transfer decoding. */
export interface RequestBody {
  readonly bytes: Buffer;
  /** True when the client sent it gzip-compressed (the SDK does so for large PutMetricData). */
  readonly compressed: boolean;
}

/** Thrown for a body the stand-in cannot decode; callers answer it as a client error. */
export class UnsupportedEncodingError extends Error {
  override readonly name = 'UnsupportedEncodingError';
}

/** Reads the whole body and undoes `Content-Encoding: gzip` (possibly listed among others). */
export async function readRequestBody(request: IncomingMessage): Promise<RequestBody> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  }
  let bytes = Buffer.concat(chunks);
  const header = request.headers['content-encoding'];
  const encodings = (header ?? '')
    .split(',')
    .map((encoding) => encoding.trim().toLowerCase())
    .filter((encoding) => encoding !== '' && encoding !== 'identity');
  let compressed = false;
  // Encodings are listed in the order they were applied, so undo them back to front.
  for (const encoding of encodings.reverse()) {
    if (encoding !== 'gzip') {
      throw new UnsupportedEncodingError(`Content-Encoding ${encoding} is not supported`);
    }
    bytes = await gunzipAsync(bytes);
    compressed = true;
  }
  return { bytes, compressed };
}

/** Listens on loopback only (port 0 picks a free port) and returns the bound port. */
export async function listenOnLoopback(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('stand-in server has no TCP address');
  }
  return address.port;
}

/**
 * Stops the server; SDK clients keep sockets alive, so idle connections are cut too or
 * `close` would wait for them to time out.
 */
export async function closeServer(server: Server): Promise<void> {
  if (!server.listening) {
    return;
  }
  await new Promise<void>((resolve, reject) => {
    server.close((error) => (error === undefined ? resolve() : reject(error)));
    server.closeAllConnections();
  });
}
