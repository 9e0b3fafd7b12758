/**
 * Every benchmark payload carries a marker: `bench:<phase>:<room>:<k>:<t0>:` where `room` is the
 * room's index in the scenario, `k` the message's index within that room (0, 1, 2 … per room, so
 * the receivers can count losses and duplicates densely) and `t0` the send time (epoch ms).
 * Receivers find it with one `indexOf` in the raw frame, the same cheap way for every system, so
 * client-side parsing costs the same for Parley and for the baselines.
 */
export interface Marker {
  phase: string;
  room: number;
  k: number;
  t0: number;
}

const PREFIX = 'bench:';

export function encodeMarker(m: Marker): string {
  return `${PREFIX}${m.phase}:${m.room}:${m.k}:${m.t0.toFixed(3)}:`;
}

/** Finds and decodes the marker inside a frame (text or bytes); undefined when there is none. */
export function findMarker(frame: string | Buffer): Marker | undefined {
  const at = frame.indexOf(PREFIX);
  if (at < 0) return undefined;
  const text =
    typeof frame === 'string'
      ? frame.slice(at + PREFIX.length, at + 96)
      : frame.toString('latin1', at + PREFIX.length, at + 96);
  const parts = text.split(':', 4);
  if (parts.length < 4) return undefined;
  const [phase, room, k, t0] = parts as [string, string, string, string];
  const m = { phase, room: Number(room), k: Number(k), t0: Number(t0) };
  if (!Number.isInteger(m.room) || !Number.isInteger(m.k) || !Number.isFinite(m.t0))
    return undefined;
  return m;
}
