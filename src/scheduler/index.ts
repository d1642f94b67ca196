/** The scheduler: plugin jobs on node-cron with a persisted run log and catch-up of missed times. */
export {
  Scheduler,
  type SchedulerOptions,
  type JobRunner,
  type RunOutcome,
  type RunKind,
  type CatchUpReport,
} from './scheduler.js';
export {
  previousScheduledTime,
  decideCatchUp,
  describeTime,
  formatDuration,
  type CatchUpDecision,
} from './catch-up.js';
