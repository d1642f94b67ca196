/** The daemon: scheduler, health probes and outbox retries until SIGTERM/SIGINT. */
export { Daemon, type DaemonOptions } from './daemon.js';
