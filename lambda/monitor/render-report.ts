import type { MonitorSummary } from './monitor-summary';
import type { ReferenceProfile } from './profile-schema';

/** What the report is made from. */
export interface ReportInput {
  title: string;
  summary: MonitorSummary;
  reference: ReferenceProfile;
  current: ReferenceProfile;
}

/** Placeholder until the chart sections land: the summary as a page. */
export async function renderReport(input: ReportInput): Promise<string> {
  return `<!doctype html><meta charset="utf-8"><title>${input.title}</title><pre>${JSON.stringify(input.summary, null, 2)}</pre>`;
}
