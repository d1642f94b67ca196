import { z } from 'zod';

/** `backup`: the daemon's daily backup of the database (`steward backup` takes one by hand). */
export const backupSchema = z.strictObject({
  daily: z.boolean().describe('Whether the daemon takes a backup every day (SQLite online backup, checked).'),
  cron: z
    .string()
    .min(9)
    .describe(
      "When, as a cron expression in the owner's zone (default 03:30); a time missed while the daemon was down is made up at its next start, within 20 hours.",
    ),
  keep: z.number().int().min(1).max(365).describe('How many daily backups to keep; older ones are deleted.'),
  directory: z
    .string()
    .min(1)
    .nullable()
    .describe('Folder of the daily backups (a relative path is inside dataDir); null = "backups" inside dataDir.'),
});
