import { readdirSync, readFileSync } from 'node:fs';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowsPath } from '../../src/temporal/worker.js';
import { quietTemporalRuntime } from '../support/temporal.js';

quietTemporalRuntime();

// Histories recorded from real runs (RECORD_HISTORIES=1 with ticket-workflow.test.ts). A change to the
// workflow that would break tickets already running in production fails here with a nondeterminism error.
const dir = 'tests/fixtures/histories';
const histories = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({
    workflowId: file,
    history: temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(`${dir}/${file}`, 'utf8'))),
  }));

describe('ticket workflow determinism', () => {
  it('has recorded histories to replay', () => {
    expect(histories.length).toBeGreaterThanOrEqual(3);
  });

  it('replays every recorded history without a nondeterminism error', async () => {
    const results = Worker.runReplayHistories({ workflowsPath }, histories);
    const failures: string[] = [];
    for await (const result of results) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});
