import fc from 'fast-check';
import { newTrace, traceFrom, traceparentOf } from '../../../lambda/observability/trace';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const W3C_TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

describe('traceFrom, the trace of a request', () => {
  it("takes the caller's W3C traceparent: its trace id, its span as the parent, its sampled flag", () => {
    expect(traceFrom({ traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` })).toEqual({ traceId: TRACE_ID, parentId: '00f067aa0ba902b7', sampled: true });
  });

  it("prefers the traceparent to X-Ray's header, and reads X-Ray's root as the trace id when there is no traceparent", () => {
    const xray = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

    expect(traceFrom({ traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-00`, 'x-amzn-trace-id': xray }).traceId).toBe(TRACE_ID);
    expect(traceFrom({ 'x-amzn-trace-id': xray })).toEqual({ traceId: '5759e988bd862e3fe1be46a994272793', parentId: '53995c3f42cd8ad8', sampled: true });
    expect(traceFrom({}, 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0').traceId).toBe('5759e988bd862e3fe1be46a994272793');
  });

  it.each([
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['an all-zero parent id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE_ID}-00f067aa0ba902b7-01`],
    ['a version-00 header with an extra field', `00-${TRACE_ID}-00f067aa0ba902b7-01-extra`],
    ['upper-case hex', `00-${TRACE_ID.toUpperCase()}-00f067aa0ba902b7-01`],
    ['a short trace id', `00-${TRACE_ID.slice(1)}-00f067aa0ba902b7-01`],
  ])('ignores a traceparent with %s and makes a new trace', (_, header) => {
    const trace = traceFrom({ traceparent: header });

    expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(header).not.toContain(trace.traceId);
  });

  it('reads a later version with extra fields by its first four', () => {
    expect(traceFrom({ traceparent: `01-${TRACE_ID}-00f067aa0ba902b7-01-whatever` }).traceId).toBe(TRACE_ID);
  });

  it('never throws and always answers a valid, non-zero trace id, whatever the headers hold', () => {
    const header = fc.oneof(
      fc.string(),
      fc.stringMatching(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-.*)?$/),
      fc.stringMatching(/^Root=1-[0-9a-fA-F]{8}-[0-9a-fA-F]{24}(;.*)?$/),
    );
    fc.assert(
      fc.property(
        fc.option(header, { nil: undefined }),
        fc.option(header, { nil: undefined }),
        fc.option(header, { nil: undefined }),
        (traceparent, xray, fallback) => {
          const trace = traceFrom(
            { ...(traceparent !== undefined ? { traceparent } : {}), ...(xray !== undefined ? { 'x-amzn-trace-id': xray } : {}) },
            fallback,
          );
          expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
          expect(trace.traceId).not.toMatch(/^0+$/);
          expect(traceparentOf(trace)).toMatch(W3C_TRACEPARENT);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('traceparentOf, the header a reply carries', () => {
  it('keeps the trace id and the sampled flag, with a new span of its own each time', () => {
    const trace = { traceId: TRACE_ID, parentId: '00f067aa0ba902b7', sampled: true };

    const first = W3C_TRACEPARENT.exec(traceparentOf(trace));
    const second = W3C_TRACEPARENT.exec(traceparentOf(trace));

    expect(first?.[1]).toBe(TRACE_ID);
    expect(traceparentOf(trace).endsWith('-01')).toBe(true);
    expect(first?.[2]).not.toBe(second?.[2]);
    expect(first?.[2]).not.toBe('00f067aa0ba902b7');
  });

  it('makes distinct trace ids for requests that came without one', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newTrace().traceId));

    expect(ids.size).toBe(1000);
  });
});
