import { readFileSync } from 'node:fs';
import { type InterviewPlan, interviewPlanSchema } from '@interview-helper/protocol';
import type { LabelledUtterance } from './labelled-utterances.js';

/** An example plan of the repository (`plans/<name>.json`), validated. */
export function examplePlan(name: LabelledUtterance['plan']): InterviewPlan {
  const url = new URL(`../../../plans/${name}.json`, import.meta.url);
  return interviewPlanSchema.parse(JSON.parse(readFileSync(url, 'utf8')));
}

/** The three example plans by name. */
export function examplePlans(): Record<LabelledUtterance['plan'], InterviewPlan> {
  return {
    'backend-coding': examplePlan('backend-coding'),
    'system-design': examplePlan('system-design'),
    behavioural: examplePlan('behavioural'),
  };
}
