// The node environment, plus two duties for integration and e2e files:
// - At the end of each file, SIGKILL the service processes the file started and left running (a
//   failed start, or an assertion that threw before `stop()`). Their stdout pipes would otherwise
//   keep jest alive after the run and CI would wait out its time limit. Teardown runs after the
//   file's own afterAll hooks, so a file that stops its services cleanly is never touched.
// - When a test or hook fails, write every service process the file started (libs/testing's
//   startService: output, pid, whether it still ran and answered /readyz, how it exited) to
//   .sightline/logs/<project>-failed-<file>-<time>/, and name that folder in the failure. A file
//   whose tests pass writes nothing: the output is only ever held in memory.
const { mkdirSync, writeFileSync } = require('node:fs');
const { basename, join } = require('node:path');
const { TestEnvironment } = require('jest-environment-node');

class SightlineEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.rootDir = config.projectConfig.rootDir;
    this.testPath = context.testPath;
    this.logDir = undefined;
    /** Per process started: its state at each write (at the failure, then at the end). */
    this.states = [];
  }

  async handleTestEvent(event) {
    const failed = (event.name === 'test_done' && event.test.errors.length > 0) || event.name === 'hook_failure';
    if (!failed || !this.started().length) return;
    const dir = await this.keepLogs();
    const note = new Error(`service logs kept in ${dir}`);
    note.stack = note.message; // a pointer, not a second failure's trace
    if (event.name === 'test_done') event.test.errors.push(note);
    else console.error(`${event.hook.type} failed in ${basename(this.testPath)}: ${note.message}`);
  }

  async teardown() {
    const registry = this.global.__sightlineServices;
    if (registry && registry.size > 0) {
      const strays = [...registry];
      await Promise.all(strays.map((s) => s.kill9()));
      console.warn(`killed service processes left running: ${strays.map((s) => s.name).join(', ')}`);
    }
    // Again at the end, so the logs also hold what happened after the failure (a late exit, say).
    if (this.logDir) await this.keepLogs();
    await super.teardown();
  }

  started() {
    return this.global.__sightlineStarted ?? [];
  }

  /** Writes one file per service process started (restarts included), oldest first. */
  async keepLogs() {
    if (!this.logDir) {
      const project = this.testPath.match(/\.(integration|e2e)\.test\.ts$/)?.[1] ?? 'test';
      const time = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
      this.logDir = join(this.rootDir, '.sightline', 'logs', `${project}-failed-${basename(this.testPath).replace(/\.(integration|e2e)\.test\.ts$/, '')}-${time}`);
      mkdirSync(this.logDir, { recursive: true });
    }
    const now = new Date().toISOString();
    await Promise.all(
      this.started().map(async (s, i) => {
        const exit = s.exit();
        const state = exit ? `exited at ${exit.at} with code ${exit.code} signal ${exit.signal}` : `running at ${now}, /readyz ${await readyz(s.port)}`;
        const states = (this.states[i] ??= []);
        if (untimed(states.at(-1)) !== untimed(state)) states.push(state);
        const header = [`# ${s.name} pid ${s.pid} port ${s.port}, started ${s.startedAt}`, ...states.map((line) => `# ${line}`)].join('\n');
        writeFileSync(join(this.logDir, `${String(i + 1).padStart(2, '0')}-${s.name}-${s.pid}.log`), `${header}\n${s.output()}`);
      }),
    );
    return this.logDir;
  }
}

/** A state line without its time: the same state seen again is not written twice. */
const untimed = (line) => line?.replace(/ at \S+/, '');

/** What a service still running answers on /readyz within 2 s: a frozen event loop answers nothing. */
async function readyz(port) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) });
    return `answered ${res.status}`;
  } catch (err) {
    return `did not answer (${err.name === 'TimeoutError' ? 'no reply in 2 s' : err.message})`;
  }
}

module.exports = SightlineEnvironment;
