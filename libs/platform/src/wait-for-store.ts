import type { Logger } from 'pino';
import { toAppError } from './errors.ts';

/**
 * Runs `task` until it stops failing with "store unavailable" (refused, reset, starting up), for at most
 * `timeoutMs`. For one-shot jobs that may start beside their store (a migration in a compose stack or a
 * deploy pipeline): they wait for it instead of failing. Any other error is thrown at once.
 */
export async function whenStoreAnswers<T>(
  task: () => Promise<T>,
  options: { timeoutMs: number; logger: Logger; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (toAppError(error).code !== 'dependency_unavailable' || Date.now() + intervalMs > deadline)
        throw error;
      if (attempt === 1) options.logger.info({ err: error }, 'store not answering yet: waiting for it');
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
