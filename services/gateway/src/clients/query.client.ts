import { createInternalHttp, type QueryValue } from './internal-http';

export interface StoredEvent {
  messageId: string;
  type: string;
  name: string;
  category: string | null;
  timestamp: string;
  sessionId: string | null;
  visitorId: string;
  properties: Record<string, unknown>;
  [field: string]: unknown;
}

export interface FunnelStep {
  event: string;
  entered: number;
  count: number;
  conversionRate: number;
  overallConversionRate: number;
  medianSecondsToConvert: number | null;
  p90SecondsToConvert: number | null;
}

export interface FunnelResult {
  steps: FunnelStep[];
  breakdown?: Array<{ value: string | null; steps: FunnelStep[] }>;
  visitors?: { step: number; kind: string; visitors: Array<{ visitorId: string; visitorIndex: number }>; nextCursor: string | null };
}

export interface SessionMetrics {
  visits: number;
  pageviews: number;
  bounces: number;
  durationSeconds: number;
  series: Array<{ start: string; visits: number; pageviews: number; bounces: number; durationSeconds: number }>;
}

/** The query service's internal API (docs/query-api.md). */
export function createQueryClient(baseUrl: string, timeoutMs: number) {
  const http = createInternalHttp('query', baseUrl, timeoutMs);
  const at = (projectId: string, what: string) => `/internal/projects/${encodeURIComponent(projectId)}/${what}`;
  return {
    events: (projectId: string, q: Record<string, QueryValue>) =>
      http.get<{ events: StoredEvent[]; nextCursor: string | null; total?: number }>(at(projectId, 'events'), q),
    counts: (projectId: string, q: Record<string, QueryValue>) =>
      http.get<{ total: number; series: Array<{ start: string; count: number }>; breakdown?: Array<{ value: string | null; count: number }> }>(at(projectId, 'counts'), q),
    funnel: (projectId: string, body: unknown) => http.post<FunnelResult>(at(projectId, 'funnels'), body),
    sessionMetrics: (projectId: string, body: { from: string; to: string; interval?: string; visitors?: string }) =>
      http.post<SessionMetrics>(at(projectId, 'session-metrics'), body),
    sessions: (projectId: string, q: Record<string, QueryValue>) => http.get<{ sessions: unknown[]; nextCursor: string | null }>(at(projectId, 'sessions'), q),
    visitor: (projectId: string, visitorId: string, q: Record<string, QueryValue>) =>
      http.get<Record<string, unknown>>(at(projectId, `visitors/${encodeURIComponent(visitorId)}`), q),
  };
}
export type QueryClient = ReturnType<typeof createQueryClient>;
