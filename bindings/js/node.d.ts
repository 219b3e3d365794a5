// Type declarations of 'licmint/node' (node.js).
import type { State, Store } from './licmint.js';
/** The verifier state in a file, as Go's state.NewFile(path) keeps it. */
export class FileStore implements Store {
  constructor(path: string, options?: { lockTimeoutMs?: number });
  readonly path: string;
  lockTimeoutMs: number;
  load(): Promise<State>;
  update(fn: (s: State) => void | Promise<void>): Promise<void>;
}
