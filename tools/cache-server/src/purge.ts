import type { CacheStorage } from './storage/storage';
import { verifyEntry } from './verify-entry';

export interface PurgeRequest {
  /** Entries to remove outright. */
  hashes: string[];
  /** Verify every entry (sha256, or the archive rules for entries without one); quarantine failures. */
  invalid: boolean;
  /** Remove everything in quarantine (after --invalid, so both together delete what failed). */
  quarantine: boolean;
}

/** Works on the storage directly (no server needed); reports one line per action through `print`. */
export async function purge(
  storage: CacheStorage,
  request: PurgeRequest,
  print: (line: string) => void,
): Promise<void> {
  for (const hash of request.hashes) {
    print((await storage.delete(hash)) ? `removed ${hash}` : `${hash}: no such entry`);
  }
  if (request.invalid) {
    let checked = 0;
    let bad = 0;
    for await (const hash of storage.list()) {
      const entry = await storage.get(hash);
      if (!entry) continue; // evicted meanwhile
      checked++;
      let verdict;
      try {
        verdict = await verifyEntry(entry);
      } finally {
        entry.release();
      }
      if (!verdict.ok) {
        bad++;
        await storage.quarantine(hash);
        print(`quarantined ${hash}: ${verdict.reason}`);
      } else if (entry.sha256 === undefined) {
        await storage.recordChecksum(hash, verdict.sha256);
      }
    }
    print(`checked ${checked} entries, ${bad} quarantined`);
  }
  if (request.quarantine) {
    const n = await storage.emptyQuarantine();
    print(`emptied the quarantine (${n} file${n === 1 ? '' : 's'})`);
  }
}
