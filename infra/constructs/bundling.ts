import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, Charset, LogLevel, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';

/** The repository root: infra refers to functions/ by path only, never by import. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Entry points (paths relative to the repository root): the two Lambda handlers and the container build. */
export const ENTRY = {
  serve: 'functions/serve-lambda.ts',
  sync: 'functions/sync-lambda.ts',
  dockerfile: 'Dockerfile',
};

/** Node 24 is the newest Lambda Node runtime (cdk-nag AwsSolutions-L1 asks for the latest). */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;

/** Graviton: cheaper per GB-second and sql.js (WASM) has no native code to worry about. */
export const LAMBDA_ARCHITECTURE = Architecture.ARM_64;

/** Default memory and timeouts, from bench/ (1M facts need ~1 GB during an export, see toolchain.md). */
export const SIZING = {
  serveMemoryMb: 1024,
  serveTimeout: Duration.seconds(30),
  syncMemoryMb: 1024,
  syncTimeout: Duration.minutes(5),
} as const;

/**
 * esbuild options shared by both functions. ESM output needs a `require` for the CommonJS parts of the
 * bundle (sql.js inline build, parts of the AWS SDK); the banner provides one. The AWS SDK is bundled,
 * not taken from the runtime, so what was tested is what runs. `sourceMap` writes `index.mjs.map`, which only
 * helps with `NODE_OPTIONS=--enable-source-maps`; that costs the serve bundle ~0.3 s and ~40 MB at cold
 * start (measured locally), so serving leaves it off unless asked. sql.js is imported as
 * `sql.js/dist/sql-wasm-inline.js`, whose WASM lives inside the JS, so no file needs copying.
 */
export function bundlingOptions(sourceMap: boolean, externalModules: string[] = []): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: 'node22',
    mainFields: ['module', 'main'],
    minify: true,
    sourceMap,
    sourcesContent: false,
    charset: Charset.UTF8,
    logLevel: LogLevel.WARNING,
    externalModules,
    banner:
      "import{createRequire as __cjsRequire}from'node:module';const require=__cjsRequire(import.meta.url);",
  };
}
