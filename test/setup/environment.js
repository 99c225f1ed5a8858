// The node environment, plus one duty at the end of each integration or e2e file: SIGKILL the
// service processes the file started and left running (a failed start, or an assertion that
// threw before `stop()`). Their stdout pipes would otherwise keep jest alive after the run and
// CI would wait out its time limit. Teardown runs after the file's own afterAll hooks, so a
// file that stops its services cleanly is never touched.
const { TestEnvironment } = require('jest-environment-node');

class SightlineEnvironment extends TestEnvironment {
  async teardown() {
    const registry = this.global.__sightlineServices;
    if (registry && registry.size > 0) {
      const strays = [...registry];
      await Promise.all(strays.map((s) => s.kill9()));
      console.warn(`killed service processes left running: ${strays.map((s) => s.name).join(', ')}`);
    }
    await super.teardown();
  }
}

module.exports = SightlineEnvironment;
