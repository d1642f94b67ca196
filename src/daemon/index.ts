/** The daemon: scheduler with catch-up, two-way Signal, health probes and outbox retries until SIGTERM/SIGINT. */
export { Daemon, type DaemonOptions, type DaemonStartReport, type DaemonState } from './daemon.js';
export { DaemonLock, readLock, isProcessAlive, type LockRecord, type DaemonLockOptions } from './lock.js';
