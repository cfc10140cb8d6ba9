import { hintFromKey, hintKey, type Doorbell, type DoorbellHint } from '../../functions/poller/core/doorbell.ts';

/** The DynamoDB doorbell's semantics in memory, each call yielding once so that concurrent sessions interleave. */
export function createMemoryDoorbell(): Doorbell & { waiting(): DoorbellHint[]; calls: Record<'ring' | 'claim' | 'take' | 'release', number> } {
  const hints = new Set<string>();
  let rings = 0;
  let holder: string | undefined;
  let answeringUntil = 0;
  let lastPollAt = -Infinity;
  const calls = { ring: 0, claim: 0, take: 0, release: 0 };
  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    calls,
    waiting: () => [...hints].map((key) => hintFromKey(key)!),
    async ring(hint, nowMs) {
      calls.ring += 1;
      await tick();
      hints.add(hintKey(hint));
      rings += 1;
      return { answering: answeringUntil > nowMs };
    },
    async claim(who, nowMs, untilMs) {
      calls.claim += 1;
      await tick();
      if (answeringUntil > nowMs) return { claimed: false, lastPollAt: -Infinity };
      holder = who;
      answeringUntil = untilMs;
      return { claimed: true, lastPollAt };
    },
    async take() {
      calls.take += 1;
      await tick();
      const taken = [...hints].map((key) => hintFromKey(key)!);
      hints.clear();
      return { hints: taken, rings };
    },
    async release(who, seenRings, last) {
      calls.release += 1;
      await tick();
      if (holder !== who) return 'lost';
      if (seenRings !== undefined && seenRings !== rings) return 'rung';
      answeringUntil = 0;
      lastPollAt = last;
      return 'released';
    },
  };
}
