import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Handlers read their configuration at import, so each test file gets a fresh module graph and env.
    isolate: true,
    pool: "forks",
    // Two files at a time, even on 2 cores (vitest's default is one fewer than the cores): most of an end-to-end
    // file's time is waiting on its own local runtime (batching windows, polling), not computing.
    maxWorkers: 2,
    minWorkers: 1,
    env: {
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_EC2_METADATA_DISABLED: "true",
      POWERTOOLS_METRICS_DISABLED: "true",
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_NAMESPACE: "cxloop",
      POWERTOOLS_SERVICE_NAME: "cxloop-test",
    },
  },
});
