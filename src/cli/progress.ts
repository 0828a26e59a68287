/**
 * Training progress on the terminal: one bar per epoch with step, running loss, samples/s and
 * ETA (cli-progress), then a line of validation metrics. Silent when stderr is not a TTY except
 * for the per-epoch lines, so logs and CI output stay readable.
 */
import cliProgress from 'cli-progress';
import type { EpochRecord, StepInfo, TrainCallbacks } from '../train/trainer.js';

export function formatMetrics(metrics: Record<string, number>): string {
  return Object.entries(metrics)
    .map(([k, v]) => `${k} ${v.toFixed(4)}`)
    .join('  ');
}

export function progressCallbacks(label: string, stream: NodeJS.WriteStream = process.stderr): TrainCallbacks & { stop(): void } {
  const interactive = stream.isTTY === true;
  let bar: cliProgress.SingleBar | undefined;
  let epochShown = 0;
  return {
    onStep(info: StepInfo) {
      if (!interactive) return;
      if (epochShown !== info.epoch) {
        bar?.stop();
        bar = new cliProgress.SingleBar(
          { format: `${label} epoch {epoch}/{epochs} [{bar}] {value}/{total} loss {loss} {speed} samples/s ETA {eta_formatted}`, stream, hideCursor: true, etaBuffer: 50 },
          cliProgress.Presets.shades_classic,
        );
        bar.start(info.stepsPerEpoch, 0, { epoch: info.epoch, epochs: info.epochs, loss: '-', speed: '-' });
        epochShown = info.epoch;
      }
      bar!.update(info.step, { loss: info.loss.toFixed(4), speed: Math.round(info.samplesPerSecond) });
    },
    onEpoch(record: EpochRecord) {
      bar?.stop();
      bar = undefined;
      epochShown = 0;
      stream.write(`${label} epoch ${record.epoch}: loss ${record.trainLoss.toFixed(4)}  ${formatMetrics(record.validation)}  (${record.seconds.toFixed(1)} s, ${Math.round(record.samplesPerSecond)} samples/s)\n`);
    },
    stop() {
      bar?.stop();
    },
  };
}
