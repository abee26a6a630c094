/** Messages between the server thread and a validation worker; `id` names one upload. */
export type ToWorker =
  | { type: 'start'; id: number }
  | { type: 'chunk'; id: number; data: Uint8Array }
  | { type: 'end'; id: number }
  | { type: 'abort'; id: number };

export type ToMain =
  | { type: 'ready'; id: 0 }
  | { type: 'ack'; id: number; bytes: number }
  | { type: 'done'; id: number; sha256: string }
  | { type: 'failed'; id: number; message: string; badArchive: boolean };
