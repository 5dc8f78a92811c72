// Loaded into a server under test with NODE_OPTIONS=--require (bench only): every 100 ms it
// appends "epoch-ms event-loop-delay-max-ms main-thread-cpu-ms" to $EVENT_LOOP_PROBE_FILE. The
// main thread's CPU comes from /proc (Linux): a long delay with the thread on CPU is the loop
// held by code; a long delay without it is the thread waiting for a core (other load).
const { isMainThread } = require('node:worker_threads');
const { appendFileSync, readFileSync } = require('node:fs');
const file = process.env.EVENT_LOOP_PROBE_FILE;
if (isMainThread && file) {
  const { monitorEventLoopDelay } = require('node:perf_hooks');
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const cpuMs = () => {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in 10 ms ticks
  };
  let last = cpuMs();
  setInterval(() => {
    const now = cpuMs();
    appendFileSync(file, `${Date.now()} ${(delay.max / 1e6).toFixed(1)} ${now - last}\n`);
    last = now;
    delay.reset();
  }, 100).unref();
}
