import { z } from 'zod';

const envSchema = z.object({
  LIVEKIT_URL: z.string().url().default('ws://127.0.0.1:7880'),
  LIVEKIT_API_KEY: z.string().min(1).optional(),
  LIVEKIT_API_SECRET: z.string().min(1).optional(),
  AGENT_NAME: z.string().min(1).max(64).default('interview-helper'),
  AGENT_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  AGENT_MAX_JOBS: z.coerce.number().int().min(1).max(256).default(4),
  DATABASE_URL: z.string().min(1).optional(),
  PGLITE_DIR: z.string().min(1).default('.data/pglite'),
  AGENT_STATS_INTERVAL_MS: z.coerce.number().int().min(250).max(60_000).default(2000),
  /** Hints: Claude is used when a key is set; the rule engine otherwise and as fallback. */
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.string().url().optional(),
  HINTS_MODEL: z.string().min(1).max(128).default('claude-haiku-4-5'),
  HINTS_MIN_INTERVAL_MS: z.coerce.number().int().min(0).max(600_000).default(15_000),
  HINTS_LLM_BUDGET_MS: z.coerce.number().int().min(100).max(60_000).default(6000),
  /** JSON trigger overrides for every session, e.g. `{"long-pause":{"minSeconds":8}}`. */
  HINTS_TRIGGERS: z.string().max(4096).optional(),
});

/** Agent configuration read from the environment. */
export type AgentConfig = z.infer<typeof envSchema>;

/**
 * Reads the agent configuration from `env`.
 * @throws Error naming every missing or invalid variable.
 */
export function loadAgentConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid agent configuration: ${problems}`);
  }
  return result.data;
}
