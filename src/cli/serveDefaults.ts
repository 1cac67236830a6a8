// In a file of its own, without node:http: `createProgram` states the serve flags' defaults from it and still
// loads `startServe` only when `serve` runs.

/** The defaults of `ServeOptions` (`startServe`), and of the `serve` flags. */
export const SERVE_DEFAULTS = Object.freeze({
  port: 8080,
  host: '127.0.0.1',
  outKeep: 5,
  maxBodyBytes: 16 * 1024 * 1024,
  /** The least default `maxBufferedBytes` (it is 8 × `maxBodyBytes` when that is larger). */
  maxBufferedBytes: 256 * 1024 * 1024,
  maxConnections: 4096,
} as const);
