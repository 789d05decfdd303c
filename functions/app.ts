// Every function of the app, registered with @azure/functions v4 and durable-functions v3. Handlers
// are thin: they read the request, call the engine and write the answer (functions/handlers/).
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { settleHandler } from './handlers/settle';
import { budgetHandler } from './handlers/budget';
import { compareHandler } from './handlers/compare';
import { policiesHandler } from './handlers/policies';
import { startJobHandler, jobHandler } from './handlers/jobs';
import { monthlyHandler, monthlyHttpHandler, monthlyItem, writeMonthlyReport } from './handlers/monthly';
import { monthlyJobHandler, MONTHLY_ORCHESTRATOR, MONTHLY_ITEM, MONTHLY_REPORT, type MonthlyItemInput, type MonthlyReport } from './jobs/monthly';
import { ledgerJobHandler, ORCHESTRATOR, SPLIT, DEDUPE, SETTLE_PART, MERGE_PARTS, CLEANUP, RUN_WHOLE } from './jobs/orchestrator';
import { runWhole, type WholeInput } from './jobs/whole';
import { splitJob, findDuplicates, settlePartition, mergePartitions, cleanupJob, type JobSplitInput, type DedupeInput, type PartInput, type MergePartsInput, type CleanupInput } from './jobs/bulk';
import { container } from './storage';
import { jobsContainer, monthlySchedule } from './settings';

let registered = false;

export function registerAll(): void {
  if (registered) return;
  registered = true;

  app.http('settle', { route: 'settle', methods: ['POST'], authLevel: 'function', handler: settleHandler });
  app.http('budget', { route: 'budget', methods: ['POST'], authLevel: 'function', handler: budgetHandler });
  app.http('compareScenarios', { route: 'scenarios/compare', methods: ['POST'], authLevel: 'function', handler: compareHandler });
  app.http('policies', { route: 'policies/{city?}', methods: ['GET'], authLevel: 'anonymous', handler: policiesHandler });

  const client = df.input.durableClient();
  app.http('startJob', { route: 'jobs', methods: ['POST'], authLevel: 'function', extraInputs: [client], handler: startJobHandler });
  app.http('jobStatus', { route: 'jobs/{id}/{part?}', methods: ['GET', 'DELETE'], authLevel: 'function', extraInputs: [client], handler: jobHandler });

  df.app.orchestration(ORCHESTRATOR, ledgerJobHandler);
  df.app.activity(SPLIT, { handler: async (input: unknown) => splitJob(await container(jobsContainer()), input as JobSplitInput) });
  // the settle job's steps (functions/jobs/bulk.ts)
  df.app.activity(DEDUPE, { handler: async (input: unknown) => findDuplicates(await container(jobsContainer()), input as DedupeInput) });
  df.app.activity(SETTLE_PART, { handler: async (input: unknown) => settlePartition(await container(jobsContainer()), input as PartInput) });
  df.app.activity(MERGE_PARTS, { handler: async (input: unknown) => mergePartitions(await container(jobsContainer()), input as MergePartsInput) });
  df.app.activity(CLEANUP, { handler: async (input: unknown) => cleanupJob(await container(jobsContainer()), input as CleanupInput) });
  df.app.activity(RUN_WHOLE, { handler: async (input: unknown) => runWhole(await container(jobsContainer()), input as WholeInput) });

  app.timer('monthlyRun', { schedule: monthlySchedule(), runOnStartup: false, useMonitor: true, extraInputs: [client], handler: monthlyHandler });
  app.http('monthly', { route: 'monthly/{month?}', methods: ['GET', 'POST'], authLevel: 'function', extraInputs: [client], handler: monthlyHttpHandler });
  df.app.orchestration(MONTHLY_ORCHESTRATOR, monthlyJobHandler);
  df.app.activity(MONTHLY_ITEM, { handler: (input: unknown, context) => monthlyItem(input as MonthlyItemInput, context) });
  df.app.activity(MONTHLY_REPORT, { handler: (input: unknown, context) => writeMonthlyReport(input as MonthlyReport, context) });
}
