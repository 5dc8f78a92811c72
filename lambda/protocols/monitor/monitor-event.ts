import * as z from 'zod';

/** EventBridge's scheduled input for the monitor (infra/monitoring.ts): `{"monitor": "scheduled", "time": ...}`. */
export const MonitorEventSchema = z.object({ monitor: z.literal('scheduled'), time: z.iso.datetime().optional() });
export type MonitorEvent = z.infer<typeof MonitorEventSchema>;

/**
 * Does this event ask for a monitor run? Kept apart from the adapter so that lambda/handler.ts can
 * route by shape without loading the report code (Vega) for other event kinds.
 */
export function isMonitorEvent(event: unknown): event is MonitorEvent {
  return typeof event === 'object' && event !== null && (event as { monitor?: unknown }).monitor === 'scheduled';
}
