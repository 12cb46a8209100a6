#!/usr/bin/env node
// The package's `bin`: runs the TypeScript CLI through tsx so `npx fallback` works on a fresh clone.
import { register } from 'tsx/esm/api';

register();
await import('../functions/cli.ts');
