// Optional start/stop cues (`wispr.feedback.sound`, off by default): a short rising tone when listening starts, a falling
// one when it stops. Fire and forget: a cue never delays or fails a dictation; a missing player is logged once. Cues play one
// after the other: a quick tap's stop cue waits for its start cue's player to exit, so the two never overlap or swap.
import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import { soundPlayerFor } from './soundPlayer';

/** A player still running after this long is killed (the cues last 90 ms). */
const PLAYER_TIMEOUT_MS = 5000;
/** The next cue waits at most this long for the previous player to exit, so a hung player cannot hold the cues back. */
const QUEUE_WAIT_MS = 2000;

export type Cue = 'start' | 'stop';

export class SoundCues {
    private warned = false;
    /** Settles when the last cue's player has exited (or could not start), or after QUEUE_WAIT_MS. */
    private previous: Promise<void> = Promise.resolve();

    constructor(
        private readonly context: vscode.ExtensionContext,
        private readonly log: vscode.LogOutputChannel,
        private readonly enabled: () => boolean,
    ) {}

    play(cue: Cue): void {
        if (!this.enabled()) {
            return;
        }
        const file = this.context.asAbsolutePath(`assets/sounds/${cue}.wav`);
        const player = soundPlayerFor(process.platform, file);
        if (!player) {
            this.warnOnce(`no sound player is known on ${process.platform}`);
            return;
        }
        const ready = this.previous;
        this.previous = new Promise<void>(settled => {
            void ready.then(() => {
                const bound = setTimeout(settled, QUEUE_WAIT_MS);
                const done = () => { clearTimeout(bound); settled(); };
                try {
                    const child = spawn(player.command, player.args, { stdio: 'ignore', windowsHide: true });
                    const timer = setTimeout(() => child.kill(), PLAYER_TIMEOUT_MS);
                    child.on('error', e => {
                        clearTimeout(timer);
                        done();
                        this.warnOnce(`${player.command} could not be run (${e.message})`);
                    });
                    child.on('exit', code => {
                        clearTimeout(timer);
                        done();
                        if (code !== 0 && code !== null) {
                            this.warnOnce(`${player.command} exited with code ${code}`);
                        }
                    });
                } catch (e) {
                    done();
                    this.warnOnce(`${player.command} could not be run (${e instanceof Error ? e.message : String(e)})`);
                }
            });
        });
    }

    private warnOnce(why: string): void {
        if (!this.warned) {
            this.warned = true;
            this.log.warn(`Start/stop sounds (wispr.feedback.sound) are unavailable: ${why}.`);
        }
    }
}
