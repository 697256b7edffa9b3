/**
 * Which automatic versions a document keeps. Manual versions (named by someone) and
 * the versions a restore makes are never thinned. Ages are from now:
 *
 * - younger than `keepAllMs`: every automatic version;
 * - younger than `keepDailyMs`: the newest of each UTC day;
 * - younger than `keepWeeklyMs`: the newest of each week (weeks since the Unix epoch);
 * - older: none (the update log still holds every edit, so `restore {at}` and
 *   `diff?from=<time>` reach any moment; a version only makes that cheaper).
 */
export interface VersionPolicy {
  /** An edited document gets an automatic version at most this often (0: never). */
  autoEveryMs: number;
  keepAllMs: number;
  keepDailyMs: number;
  keepWeeklyMs: number;
}

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

export const defaultVersionPolicy: VersionPolicy = {
  autoEveryMs: 10 * 60 * 1000,
  keepAllMs: DAY,
  keepDailyMs: 30 * DAY,
  keepWeeklyMs: 52 * WEEK,
};

/** The policy from the `VERSION_*` settings (see the shared config). */
export function versionPolicyFromConfig(config: {
  VERSION_AUTO_MINUTES: number;
  VERSION_KEEP_ALL_HOURS: number;
  VERSION_KEEP_DAILY_DAYS: number;
  VERSION_KEEP_WEEKLY_WEEKS: number;
}): VersionPolicy {
  return {
    autoEveryMs: config.VERSION_AUTO_MINUTES * 60 * 1000,
    keepAllMs: config.VERSION_KEEP_ALL_HOURS * HOUR,
    keepDailyMs: config.VERSION_KEEP_DAILY_DAYS * DAY,
    keepWeeklyMs: config.VERSION_KEEP_WEEKLY_WEEKS * WEEK,
  };
}

/** The ids of the automatic versions the policy no longer keeps. */
export function autoVersionsToPrune(
  versions: readonly { id: string; createdAt: Date }[],
  now: Date,
  policy: VersionPolicy,
): string[] {
  const newestFirst = [...versions].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const keptBuckets = new Set<string>();
  const prune: string[] = [];
  for (const version of newestFirst) {
    const at = version.createdAt.getTime();
    const age = now.getTime() - at;
    let bucket: string | undefined;
    if (age < policy.keepAllMs) continue;
    if (age < policy.keepDailyMs) bucket = `d${Math.floor(at / DAY)}`;
    else if (age < policy.keepWeeklyMs) bucket = `w${Math.floor(at / WEEK)}`;
    if (bucket !== undefined && !keptBuckets.has(bucket)) {
      keptBuckets.add(bucket);
      continue;
    }
    prune.push(version.id);
  }
  return prune;
}
