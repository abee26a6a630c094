import { execFileSync } from 'node:child_process';

/** Mounts a small tmpfs at dir; returns why it could not (not root, no mount) instead of throwing. */
export function mountTmpfs(dir: string, size: string): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return `mount -t tmpfs failed (${String((err as { stderr?: Buffer }).stderr ?? err).trim()})`;
  }
}

export function remountReadOnly(dir: string): void {
  execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'pipe' });
}

export function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  }
}

/** Checked once per file at collect time so tests can skip with the reason. */
export function tmpfsUnavailable(probeDir: string): string | null {
  const reason = mountTmpfs(probeDir, '16k');
  if (reason === null) unmount(probeDir);
  return reason;
}
