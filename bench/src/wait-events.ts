import pg from 'pg';

/**
 * Samples what the bench database's active Postgres backends are doing, every `intervalMs`:
 * their wait event (`Lock:transactionid`, `Client:ClientRead`, …) or state, and for lock
 * waits the start of the statement that waits. Counts are samples, not durations: one
 * backend waiting for 1 s shows as about 1000 / intervalMs samples.
 */
export class WaitEventSampler {
  readonly counts = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;

  private constructor(private readonly client: pg.Client) {}

  static async start(databaseUrl: string, intervalMs = 50): Promise<WaitEventSampler> {
    const client = new pg.Client({ connectionString: databaseUrl });
    client.on('error', () => {});
    await client.connect();
    const sampler = new WaitEventSampler(client);
    sampler.timer = setInterval(() => sampler.sample(), intervalMs);
    return sampler;
  }

  private sample(): void {
    // A sample that takes longer than the interval (a busy machine) skips the next ticks.
    if (this.inFlight) return;
    this.inFlight = true;
    this.client
      .query<{ wait: string }>(
        `select coalesce(wait_event_type || ':' || wait_event, state)
                || case when wait_event_type = 'Lock' then ' ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 50) else '' end as wait
           from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle'`,
      )
      .then(
        ({ rows }) => {
          for (const { wait } of rows) this.counts.set(wait, (this.counts.get(wait) ?? 0) + 1);
        },
        () => {},
      )
      .finally(() => {
        this.inFlight = false;
      });
  }

  /** Samples of backends waiting for a heavyweight lock (wait event type `Lock`). */
  get lockSamples(): number {
    let n = 0;
    for (const [wait, count] of this.counts) if (wait.startsWith('Lock:')) n += count;
    return n;
  }

  /** The most frequent states and wait events, most frequent first. */
  top(limit: number): [string, number][] {
    return [...this.counts].sort((a, b) => b[1] - a[1]).slice(0, limit);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.client.end().catch(() => {});
  }
}
