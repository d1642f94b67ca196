/**
 * What the requests of one attempt on one provider did, measured at the
 * HTTP boundary (so it works the same for the agent's tool loop and for a
 * plain completion). Times are `performance.now()` values, in ms.
 */
export class RequestMeter {
  /** Chat requests sent. */
  requests = 0;
  /** When the first response's headers arrived, or null. */
  headersAt: number | null = null;
  /** When the first server-sent event arrived, or null. */
  firstEventAt: number | null = null;
  /** When the first text or tool-call delta arrived, or null. */
  firstContentAt: number | null = null;
  /** Prompt tokens over all requests, as the server reported them (`stream_options.include_usage`), or null when it did not. */
  promptTokens: number | null = null;
  /** Completion tokens over all requests, or null when the server did not report them. */
  completionTokens: number | null = null;

  /**
   * Add one request's usage.
   * @param usage - the `usage` object of the final chunk
   */
  addUsage(usage: { prompt_tokens?: unknown; completion_tokens?: unknown }): void {
    if (typeof usage.prompt_tokens === 'number') this.promptTokens = (this.promptTokens ?? 0) + usage.prompt_tokens;
    if (typeof usage.completion_tokens === 'number')
      this.completionTokens = (this.completionTokens ?? 0) + usage.completion_tokens;
  }
}
