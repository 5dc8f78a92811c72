import { parseWrkOutput, wrkArgs } from '../../bench/load/wrk';
import { fmt, summarize } from '../../bench/stats';

/** Recorded from `wrk -t1 -c16 -d4s --latency` against gunicorn's sync worker (4.1.0, Debian). */
const WRK_REPORT = `Running 4s test @ http://127.0.0.1:19950/predict
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    11.98ms    2.33ms  31.21ms   88.17%
    Req/Sec     1.34k   113.25     1.50k    82.50%
  Latency Distribution
     50%   11.52ms
     75%   12.31ms
     90%   14.02ms
     99%    1.02s
  5346 requests in 4.02s, 0.91MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec:   1328.72
Transfer/sec:    231.52KB
`;

describe('reading wrk reports', () => {
  it('reads req/s, p50 and p99 in milliseconds whatever unit wrk printed', () => {
    const result = parseWrkOutput(WRK_REPORT);

    expect(result.requestsPerSecond).toBe(1328.72);
    expect(result.p50Ms).toBe(11.52);
    expect(result.p99Ms).toBe(1020);
    expect(result.requests).toBe(5346);
  });

  it('counts socket errors, timeouts and non-2xx answers as errors', () => {
    expect(parseWrkOutput(WRK_REPORT).errors).toBe(12);
  });

  it('reads microsecond latencies and a report without error lines', () => {
    const quiet = WRK_REPORT.replace('11.52ms', '98.00us').replace(/ {2}Socket errors.*\n {2}Non-2xx.*\n/, '');

    const result = parseWrkOutput(quiet);

    expect(result.p50Ms).toBeCloseTo(0.098, 9);
    expect(result.errors).toBe(0);
  });

  it('refuses output that is not a wrk report instead of inventing numbers', () => {
    expect(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused')).toThrow(/unexpected wrk output/);
  });

  it('asks wrk for one thread, the latency distribution and the POST script', () => {
    const args = wrkArgs({ url: 'http://127.0.0.1:1/predict', body: '{}', connections: 64, seconds: 5, workDir: '/tmp' }, '/tmp/post.lua');

    expect(args).toEqual(['-t1', '-c64', '-d5s', '--timeout', '5s', '--latency', '-s', '/tmp/post.lua', 'http://127.0.0.1:1/predict']);
  });
});

describe('summaries', () => {
  it('gives the median with min and max, averaging the middle pair for an even count', () => {
    expect(summarize([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, runs: 4 });
  });

  it('formats to three significant digits without rounding away integer digits', () => {
    expect([fmt(31_502.07), fmt(0.098), fmt(12.345)]).toEqual(['31,502', '0.098', '12.3']);
  });
});
