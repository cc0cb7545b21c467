#!/usr/bin/env node
// `npx insightdesk …`: the operator CLI, run from its TypeScript source through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/entry/cli.ts');
