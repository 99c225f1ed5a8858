// Per-project test timeouts (jest reads `testTimeout` only at the top level, not per project).
const limits = { integration: 120_000, e2e: 600_000 };
const project = expect.getState().testPath?.match(/\.(integration|e2e)\.test\.ts$/)?.[1];
jest.setTimeout(limits[project] ?? 5_000);
