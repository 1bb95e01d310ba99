// What the suite runs against, from the environment run.sh sets (with defaults for a dev checkout).
import path from 'node:path';
import { REPO_ROOT } from './codeServer.mjs';

export const config = {
  /** The extension in development mode (the repository root holds its package.json). */
  extensionDevelopmentPath: process.env.WISPR_E2E_EXTENSION_PATH || REPO_ROOT,
  /** Generated Whisper test model (wispr.whisper.modelPath). */
  modelPath: process.env.WISPR_E2E_MODEL || '',
  /** The tiny hand-weighted Parakeet model folder (wispr.parakeet.modelPath); empty when python3-onnx could not build it. */
  parakeetModelPath: process.env.WISPR_E2E_PARAKEET_MODEL || '',
  /** The linux-x64 .vsix to install, when the packaging suite runs. */
  vsix: process.env.WISPR_E2E_VSIX || '',
  /** Extra environment for code-server and so for the extension host and the sidecar. */
  env: process.env.WISPR_SIDECAR_PATH ? { WISPR_SIDECAR_PATH: process.env.WISPR_SIDECAR_PATH } : {},
  /** How long one dictation listens before it is stopped. */
  listenMs: Number(process.env.WISPR_E2E_LISTEN_MS || 1500),
};

export function wisprSettings(extra = {}) {
  return {
    ...(config.modelPath ? { 'wispr.whisper.modelPath': config.modelPath } : {}),
    ...(config.parakeetModelPath ? { 'wispr.parakeet.modelPath': config.parakeetModelPath } : {}),
    ...extra,
  };
}

export const samplesDir = path.join(REPO_ROOT, 'samples');

/**
 * Skips the running test (or, from a hook, its suite) and records why; run.mjs prints the reason with the test's name and
 * scripts/test-all.sh lists it in its summary. Use it instead of a bare this.skip().
 */
export function skip(ctx, reason) {
  const runnable = ctx.currentTest || ctx.test;
  if (runnable) {
    runnable.skipReason = reason;
    if (runnable.type === 'hook' && runnable.parent) runnable.parent.skipReason = reason;
  }
  ctx.skip();
}

/** Why a pending test was skipped: its own reason, else its suite's (a hook skipped the suite). */
export function skipReasonOf(test) {
  for (let r = test; r; r = r.parent) if (r.skipReason) return r.skipReason;
  return 'no reason recorded';
}
