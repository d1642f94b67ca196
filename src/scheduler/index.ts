/** The scheduler: plugin jobs on node-cron with a persisted run log. */
export { Scheduler, type SchedulerOptions, type JobRunner, type RunOutcome } from './scheduler.js';
