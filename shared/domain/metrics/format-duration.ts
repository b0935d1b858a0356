// Durations as people read them, in their natural unit: 0.4 s, 42 s, 12 min, 3 h 20 min, 2 d 5 h.
// One formatter for every place a report shows a duration (the dashboard, the Teams card).
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** 0.4 s, 42 s, 12 min, 3 h 20 min, 2 d 5 h. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return "–";
  if (ms < 50) return "0 s";
  if (ms < 9_950) return `${String(Math.round(ms / 100) / 10)} s`;
  if (ms < MINUTE) return `${String(Math.round(ms / 1000))} s`;
  if (ms < HOUR) return `${String(Math.round(ms / MINUTE))} min`;
  if (ms < 48 * HOUR) {
    const hours = Math.floor(ms / HOUR);
    const minutes = Math.round((ms - hours * HOUR) / MINUTE);
    return minutes === 0
      ? `${String(hours)} h`
      : minutes === 60
        ? `${String(hours + 1)} h`
        : `${String(hours)} h ${String(minutes)} min`;
  }
  const days = Math.floor(ms / (24 * HOUR));
  const hours = Math.round((ms - days * 24 * HOUR) / HOUR);
  return hours === 0 ? `${String(days)} d` : `${String(days)} d ${String(hours)} h`;
}
