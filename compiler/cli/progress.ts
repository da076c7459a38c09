/** Progress bars on a terminal (cli-progress); silent when stderr is not a TTY or with --quiet. */
import cliProgress from 'cli-progress';

export interface Progress {
  update(fraction: number, label?: string): void;
  stop(): void;
}

export function progressBar(title: string, quiet: boolean): Progress {
  if (quiet || !process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar({
    format: `${title} [{bar}] {percentage}% {label}`,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
  }, cliProgress.Presets.shades_classic);
  bar.start(1000, 0, { label: '' });
  return {
    update(fraction, label = '') { bar.update(Math.round(1000 * Math.min(1, Math.max(0, fraction))), { label }); },
    stop() { bar.stop(); },
  };
}
