// Every function of the app, registered with @azure/functions v4 and durable-functions v3. Handlers
// are thin: they read the request, call the engine and write the answer (functions/handlers/).
import { app, type HttpFunctionOptions } from '@azure/functions';
import * as df from 'durable-functions';
import { settleHandler } from './handlers/settle';
import { budgetHandler } from './handlers/budget';
import { compareHandler } from './handlers/compare';
import { policiesHandler } from './handlers/policies';
import { healthHandler } from './handlers/health';
import { openapiHandler } from './handlers/openapi';
import { startJobHandler, jobHandler } from './handlers/jobs';
import { monthlyHandler, monthlyHttpHandler, monthlyItem, writeMonthlyReport } from './handlers/monthly';
import { monthlyJobHandler, MONTHLY_ORCHESTRATOR, MONTHLY_ITEM, MONTHLY_REPORT, type MonthlyItemInput, type MonthlyReport } from './jobs/monthly';
import { ledgerJobHandler, ORCHESTRATOR, SPLIT, DEDUPE, SETTLE_PART, MERGE_PARTS, CLEANUP, MERGE_ANSWER, SPLIT_ROSTER, COUNT_PART, MERGE_BUDGET } from './jobs/orchestrator';
import { mergeAnswer, type AnswerInput } from './jobs/answer';
import { splitRoster, countPartition, mergeBudget, type RosterSplitInput, type CountInput, type BudgetMergeInput } from './jobs/budget';
import { splitJob, findDuplicates, settlePartition, mergePartitions, cleanupJob, type JobSplitInput, type DedupeInput, type PartInput, type MergePartsInput, type CleanupInput } from './jobs/bulk';
import { container } from './storage';
import { jobsContainer, monthlySchedule } from './settings';
import { accessLogged } from './log';

let registered = false;

/** Every HTTP function is registered through here: one access line a request (functions/log.ts). */
function httpFunction(name: string, options: HttpFunctionOptions): void {
  app.http(name, { ...options, handler: accessLogged(options.route ?? name, options.handler) });
}

export function registerAll(): void {
  if (registered) return;
  registered = true;

  httpFunction('settle', { route: 'settle', methods: ['POST'], authLevel: 'function', handler: settleHandler });
  httpFunction('budget', { route: 'budget', methods: ['POST'], authLevel: 'function', handler: budgetHandler });
  httpFunction('compareScenarios', { route: 'scenarios/compare', methods: ['POST'], authLevel: 'function', handler: compareHandler });
  httpFunction('policies', { route: 'policies/{city?}', methods: ['GET'], authLevel: 'anonymous', handler: policiesHandler });
  httpFunction('health', { route: 'health', methods: ['GET'], authLevel: 'anonymous', handler: healthHandler });
  httpFunction('openapi', { route: 'openapi.json', methods: ['GET'], authLevel: 'anonymous', handler: openapiHandler });

  const client = df.input.durableClient();
  httpFunction('startJob', { route: 'jobs', methods: ['POST'], authLevel: 'function', extraInputs: [client], handler: startJobHandler });
  httpFunction('jobStatus', { route: 'jobs/{id}/{part?}', methods: ['GET', 'DELETE'], authLevel: 'function', extraInputs: [client], handler: jobHandler });

  df.app.orchestration(ORCHESTRATOR, ledgerJobHandler);
  df.app.activity(SPLIT, { handler: async (input: unknown) => splitJob(await container(jobsContainer()), input as JobSplitInput) });
  // the settle job's steps (functions/jobs/bulk.ts)
  df.app.activity(DEDUPE, { handler: async (input: unknown) => findDuplicates(await container(jobsContainer()), input as DedupeInput) });
  df.app.activity(SETTLE_PART, { handler: async (input: unknown) => settlePartition(await container(jobsContainer()), input as PartInput) });
  df.app.activity(MERGE_PARTS, { handler: async (input: unknown) => mergePartitions(await container(jobsContainer()), input as MergePartsInput) });
  df.app.activity(CLEANUP, { handler: async (input: unknown) => cleanupJob(await container(jobsContainer()), input as CleanupInput) });
  // a comparison's or a summary's answer (functions/jobs/answer.ts); a budget's steps (functions/jobs/budget.ts)
  df.app.activity(MERGE_ANSWER, { handler: async (input: unknown) => mergeAnswer(await container(jobsContainer()), input as AnswerInput) });
  df.app.activity(SPLIT_ROSTER, { handler: async (input: unknown) => splitRoster(await container(jobsContainer()), input as RosterSplitInput) });
  df.app.activity(COUNT_PART, { handler: async (input: unknown) => countPartition(await container(jobsContainer()), input as CountInput) });
  df.app.activity(MERGE_BUDGET, { handler: async (input: unknown) => mergeBudget(await container(jobsContainer()), input as BudgetMergeInput) });

  app.timer('monthlyRun', { schedule: monthlySchedule(), runOnStartup: false, useMonitor: true, extraInputs: [client], handler: monthlyHandler });
  httpFunction('monthly', { route: 'monthly/{month?}', methods: ['GET', 'POST'], authLevel: 'function', extraInputs: [client], handler: monthlyHttpHandler });
  df.app.orchestration(MONTHLY_ORCHESTRATOR, monthlyJobHandler);
  df.app.activity(MONTHLY_ITEM, { handler: (input: unknown, context) => monthlyItem(input as MonthlyItemInput, context) });
  df.app.activity(MONTHLY_REPORT, { handler: (input: unknown, context) => writeMonthlyReport(input as MonthlyReport, context) });
}
