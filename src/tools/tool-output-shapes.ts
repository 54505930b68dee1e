/**
 * zod pieces the tools' output schemas share. Output schemas are z.object: the keys callers
 * rely on are typed, and extra keys pass (a tool can add a field without breaking its schema).
 */
import { z } from 'zod';

/** A finding: what was checked, how bad, and what to do. */
export const findingSchema = z.object({
  severity: z.string(),
  target: z.string(),
  check: z.string(),
  title: z.string(),
  evidence: z.string(),
  recommendation: z.string(),
});
