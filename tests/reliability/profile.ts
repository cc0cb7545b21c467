/**
 * How big the reliability runs are. `npm test` (and so CI) runs the reduced `ci` profile so the whole
 * suite stays within CI's time limit; `npm run test:reliability` runs the `full` profile the issue asks for.
 */
export type ReliabilityProfile = 'ci' | 'full';

export const profile: ReliabilityProfile = process.env.RELIABILITY_PROFILE === 'full' ? 'full' : 'ci';

/** Picks the figure for the running profile. */
export const scaled = <T>(sizes: Record<ReliabilityProfile, T>): T => sizes[profile];

/** Figures printed at the end of a reliability test, one `name: value` per line, for the README and notes. */
export function printFigures(title: string, figures: Record<string, string | number | boolean>) {
  const lines = Object.entries(figures).map(([name, value]) => `  ${name}: ${value}`);
  console.log(`\n[reliability:${profile}] ${title}\n${lines.join('\n')}\n`);
}
