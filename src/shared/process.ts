/**
 * Whether a process with this id exists on this host (signal 0 checks
 * without sending anything).
 * @param pid - the process id
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
