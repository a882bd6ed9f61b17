import { spawnSync } from 'node:child_process';

/**
 * Finds a system tool the tests need. A missing tool fails the test with the exact install
 * command (README line 2 installs these when it runs as root on Debian); it never skips.
 */
export function requireSystemTool(command: string, debianPackage: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') {
    throw new Error(`${command} is not installed; install it with: sudo apt-get install -y ${debianPackage}`);
  }
  return path;
}
